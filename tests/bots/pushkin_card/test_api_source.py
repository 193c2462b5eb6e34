"""The API importer against a tiny fake PRO.Культура.РФ on 127.0.0.1: paging, retries,
incremental updates by ``start``. Nothing leaves the machine."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bots.pushkin_card.importer import EventImporter
from bots.pushkin_card.settings import PushkinSettings
from bots.pushkin_card.sources import ApiSource, SourceError
from core.clock import ManualClock
from core.storage import Database

from .conftest import DEMO

KEY = "test-key"


@dataclass
class FakeApi:
    events: list[dict[str, Any]]
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses to answer first
    requests: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.fail_next:
            return web.json_response({"error": "try later"}, status=self.fail_next.pop(0))
        limit = int(request.query.get("limit", "10"))
        if limit > 100:
            return web.json_response({"error": "limit must be at most 100"}, status=400)
        offset = int(request.query.get("offset", "0"))
        start = request.query.get("start")
        chosen = [e for e in self.events if start is None or e["start"] >= int(start)]
        return web.json_response({"total": len(chosen), "events": chosen[offset : offset + limit]})


@pytest.fixture
def demo_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(DEMO.read_text(encoding="utf-8"))["events"]
    return events


@pytest.fixture
async def fake(demo_events: list[dict[str, Any]]) -> AsyncIterator[tuple[FakeApi, str]]:
    api = FakeApi(list(demo_events))
    app = web.Application()
    app.router.add_get("/api/2.5/pushkinsCardEvents", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield api, f"http://127.0.0.1:{port}/api/2.5"
    finally:
        await runner.cleanup()


def _settings(url: str, **extra: Any) -> PushkinSettings:
    return PushkinSettings(api_url=url, api_key=KEY, retry_delay=0, **extra)


async def test_pages_through_the_api_with_retries(
    pk_db: Database, clock: ManualClock, fake: tuple[FakeApi, str]
) -> None:
    api, url = fake
    api.fail_next = [500, 503]  # the first page fails twice, then succeeds
    importer = EventImporter(pk_db, clock)
    source = ApiSource(_settings(url, page_size=50))
    report = await importer.run(source)
    assert report.imported == 189
    pages = [r for r in api.requests if "offset" in r]
    assert [r["offset"] for r in pages] == ["0", "0", "0", "50", "100", "150"]
    assert all(r["limit"] == "50" for r in pages) and "start" not in pages[0]
    assert source.retried == 2
    assert await importer.last_watermark() == max(e["start"] for e in api.events)


async def test_incremental_update_asks_only_for_what_is_new(
    pk_db: Database,
    clock: ManualClock,
    fake: tuple[FakeApi, str],
    demo_events: list[dict[str, Any]],
) -> None:
    api, url = fake
    importer = EventImporter(pk_db, clock)
    await importer.run(ApiSource(_settings(url)))
    watermark = await importer.last_watermark()
    assert watermark is not None
    newest = dict(
        demo_events[-1],
        _id=9_000_001,
        name="Новая премьера",
        start=watermark + 86_400_000,
        end=watermark + 90_000_000,
    )
    newest["places"] = [dict(newest["places"][0], seances=[])]
    api.events.append(newest)
    api.requests.clear()
    report = await importer.run(ApiSource(_settings(url), start_ms=watermark))
    assert api.requests[0]["start"] == str(watermark)
    expected = [e for e in api.events if e["start"] >= watermark]
    assert report.imported + report.skipped_total == len(expected) < 10
    assert (
        await pk_db.fetchval("SELECT name FROM pushkin_card_events WHERE id = 9000001")
        == "Новая премьера"
    )
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_events") == 190
    assert await importer.last_watermark() == newest["start"]


async def test_a_dead_api_fails_cleanly_and_changes_nothing(
    pk_db: Database, clock: ManualClock, fake: tuple[FakeApi, str]
) -> None:
    api, url = fake
    api.fail_next = [500] * 10
    with pytest.raises(SourceError, match="после 3 попыток"):
        await EventImporter(pk_db, clock).run(ApiSource(_settings(url, retries=2)))
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_events") == 0
    with pytest.raises(SourceError, match="HTTP 401"):
        await EventImporter(pk_db, clock).run(
            ApiSource(PushkinSettings(api_url=url, api_key="wrong", retry_delay=0))
        )
    with pytest.raises(SourceError, match="SFERUM_PUSHKIN_CARD_API_KEY"):
        ApiSource(PushkinSettings(api_url=url))
