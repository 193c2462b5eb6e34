"""A role change from the cabinet, as «Участники» (a person's card) and «Администраторы» both
make it: revoking the role a form names with its reason, the Russian texts of a refusal and of the
audit entry's target, and what follows every change (core/cabinet/role_changes.py has the
checks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core.cabinet.role_changes import Refusal, TargetRole, check_revoke, target_role
from core.integers import ascii_id

from ..keys import PAGES, SERVICES
from .place import CabinetPlace
from .render import refused

ROLE_PROBLEMS = "cabinet/_role_problems.html"

# The section's page shown again (status 400) with the values given: a refusal's notice, the
# reason typed and the role it was for.
Page = Callable[..., Awaitable[web.Response]]


def role_target(request: web.Request, role: TargetRole) -> str:
    """The audit entry's target: the person and the role, in Russian."""
    return (
        request.app[PAGES]
        .render(
            "cabinet/role_target.txt",
            name=role.person_name,
            kind=role.role.value,
            position=role.position.value if role.position else None,
        )
        .strip()
    )


async def changed(
    request: web.Request, place: CabinetPlace, role: TargetRole, action: str, **details: Any
) -> None:
    """After a role changed: the person's cached identity is stale, and the audit records it."""
    if role.vk_user_id is not None:
        request.app[SERVICES].identities.invalidate(role.vk_user_id)
    await place.audit.record(
        place.person_id, role.org_id, action, role_target(request, role), **details
    )


async def revoke_posted(
    request: web.Request,
    place: CabinetPlace,
    form: dict[str, str],
    *,
    fits: Callable[[TargetRole], bool],
    allowed: Callable[[int], bool],
    page: Page,
    action: str,
) -> web.Response | None:
    """Revokes the role the form names with the form's reason and records ``action``; None when
    done. ``fits``: a role this page revokes at all (any other is unknown, 404); ``allowed``: may
    the admin manage an organisation (a role outside is 403). A refusal the admin can fix
    answers ``page`` with its notice."""
    services = request.app[SERVICES]
    role_id = ascii_id(form.get("role"))
    role = await target_role(services.db, role_id) if role_id is not None else None
    if role is not None and not fits(role):
        role = None
    reason = form.get("reason", "")
    refusal = await check_revoke(
        services.db, role, actor_id=place.person_id, allowed=allowed, reason=reason
    )
    if refusal == Refusal.UNKNOWN:
        raise web.HTTPNotFound()
    if refusal == Refusal.OUTSIDE:
        raise web.HTTPForbidden()
    if refusal is not None or role is None:
        problem = refused(request, ROLE_PROBLEMS, refusal or Refusal.UNKNOWN)
        return await page(**problem, reason=reason, failed_role=role_id)
    revoked = await services.people.revoke_role(
        role.id, by_person_id=place.person_id, reason=reason
    )
    if not revoked:  # revoked by someone else between the check and now
        return await page(**refused(request, ROLE_PROBLEMS, Refusal.ALREADY))
    await changed(request, place, role, action, reason=reason)
    return None
