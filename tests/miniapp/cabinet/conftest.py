"""The mini-app with the organisation cabinet (and the monitoring pages) wired as `sferum run`
wires them; per-person HTTP browsers, and ``chromium_as`` for a real Chromium launched as a demo
person."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.people import OrgKind, Position, RoleKind
from core.runtime.services import Services
from miniapp.admin import setup as monitoring_pages
from miniapp.cabinet import setup as cabinet_pages

from ...browser import chromium_page
from ..conftest import AppFactory, BrowserFactory, browsers, launch_query, vk


@pytest.fixture
async def cabinet_server(make_server: AppFactory) -> TestServer:
    return await make_server(extra_routes=[monitoring_pages, cabinet_pages])


@pytest.fixture
async def browse(cabinet_server: TestServer, clock: ManualClock) -> AsyncIterator[BrowserFactory]:
    """``await browse("orlov")``: an HTTP browser launched as that demo person (orlov: admin of
    МБОУ СОШ № 112; novikov: admin of the gymnasium); None: not launched."""
    async with browsers(cabinet_server, clock) as make:
        yield make


async def org_id(services: Services, name: str) -> int:
    found = await services.db.fetchval("SELECT id FROM organisations WHERE name = ?", (name,))
    assert found is not None, name
    return int(found)


async def school_id(services: Services) -> int:
    return await org_id(services, "МБОУ СОШ № 112")


async def person_id(services: Services, key: str) -> int:
    """A demo person's id (``key``: their demo name, e.g. "orlov")."""
    found = await services.db.fetchval(
        "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
    )
    assert found is not None, key
    return int(found)


async def group_id(services: Services, key: str) -> int:
    """A demo class's id (``key`` e.g. "s112-7b")."""
    found = await services.db.fetchval(
        "SELECT id FROM groups WHERE external_id = ?", (f"demo:group:{key}",)
    )
    assert found is not None, key
    return int(found)


async def make_region_admin(services: Services, key: str) -> int:
    """Give a demo person the admin position at the demo region; the region's id."""
    person = await services.people.person_by_vk(vk(key))
    assert person is not None
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    await services.people.grant_role(
        person.id, RoleKind.STAFF, region, position=Position.ADMIN, method="test"
    )
    services.identities.invalidate(vk(key))
    return region


def csrf_of(page_html: str) -> str:
    """The CSRF token of the first form on a page."""
    marker = 'name="csrf" value="'
    start = page_html.index(marker) + len(marker)
    return page_html[start : page_html.index('"', start)]


ChromiumAs = Callable[..., AbstractAsyncContextManager[Any]]


@pytest.fixture
def chromium_as(cabinet_server: TestServer, clock: ManualClock) -> ChromiumAs:
    """``async with chromium_as("orlov", path) as page:`` a Chromium page (phone-sized, Russian)
    launched from VK as that demo person, on the home page, then at ``path`` when one is given;
    closed on exit."""

    @asynccontextmanager
    async def open_page(key: str, path: str | None = None) -> AsyncIterator[Any]:
        query = launch_query(vk(key), int(clock.now().timestamp()))
        async with chromium_page() as page:
            await page.goto(str(cabinet_server.make_url("/?" + urlencode(query))))
            await page.wait_for_url("**/home")
            if path is not None:
                await page.goto(page.url.replace("/home", path))
            yield page

    return open_page
