"""The cabinet's access rule, checked alike on every section: who is shown a section's pages, who
is forbidden them and who must log in first."""

from __future__ import annotations

from collections.abc import Iterable

from core.runtime.services import Services

from ..conftest import Browser, BrowserFactory
from .conftest import make_region_admin, org_id, school_id

# Everyone of the school who is not its admin: a teacher, a student, a parent (and the gymnasium's
# admin).
EVERYONE_BUT_ADMINS = ("novikov", "smirnova", "st08", "pa08")


async def assert_admins_only(
    browse: BrowserFactory,
    paths: Iterable[str],
    *,
    refused: tuple[str, ...] = ("novikov", "smirnova"),
    elsewhere: str | None = None,
) -> dict[str | None, Browser]:
    """The cabinet's access rule on a section's pages: the school's admin (orlov) is shown each of
    ``paths``, every demo person in ``refused`` (by default the gymnasium's admin and a teacher) is
    forbidden them, and someone not launched from VK must log in; ``elsewhere``, the same section
    of another organisation, is forbidden even to orlov. The browsers used, by demo person (None:
    not launched), for the test to go on with the sessions they hold."""
    used = {key: await browse(key) for key in ("orlov", *refused, None)}
    for path in paths:
        assert (await used["orlov"].get(path)).status == 200, path
        for key in refused:
            assert (await used[key].get(path)).status == 403, (key, path)
        assert (await used[None].get(path)).status == 401, path
    if elsewhere is not None:
        assert (await used["orlov"].get(elsewhere)).status == 403, elsewhere
    return used


async def assert_a_school_section(
    browse: BrowserFactory,
    services: Services,
    section: str,
    *,
    region_admin: str,
    refused: tuple[str, ...] = ("novikov", "smirnova"),
) -> dict[str | None, Browser]:
    """A section only a school has (its classes, codes, invites): СОШ № 112's page is the admin's
    alone and the gymnasium's is not his (assert_admins_only); once ``region_admin`` is made an
    admin of the region, they are shown the school's page, while the region itself has no such
    page. The browsers of assert_admins_only."""
    school, gymnasium = await school_id(services), await org_id(services, "МАОУ «Гимназия № 5»")
    url = f"/admin/org/{school}/{section}"
    used = await assert_admins_only(
        browse, [url], refused=refused, elsewhere=f"/admin/org/{gymnasium}/{section}"
    )
    region = await make_region_admin(services, region_admin)
    above = await browse(region_admin)
    assert (await above.get(url)).status == 200
    # A region has no classes of its own.
    assert (await above.get(f"/admin/org/{region}/{section}")).status == 404
    return used
