"""The importer: the demo file, every malformed record skipped with its reason, updates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.pushkin_card.demo import load_demo_events
from bots.pushkin_card.importer import EventImporter
from bots.pushkin_card.records import Reason, Rejected, parse_event
from bots.pushkin_card.sources import FileSource, SourceError
from core.clock import ManualClock
from core.storage import Database

from .conftest import DEMO, MALFORMED

# What each defect of malformed_events.json must become.
EXPECTED = {
    "missing_id": Reason.MISSING_ID,
    "missing_name": Reason.MISSING_NAME,
    "start_not_number": Reason.BAD_TIME,
    "start_iso_string": Reason.BAD_TIME,
    "places_empty": Reason.NO_PLACES,
    "place_without_locale": Reason.NO_LOCALE,
    "unknown_timezone": Reason.UNKNOWN_TIMEZONE,
    "negative_price": Reason.BAD_PRICE,
    "age_as_string": Reason.BAD_AGE,
    "salelink_not_http": Reason.BAD_SALE_LINK,
    "end_before_start": Reason.END_BEFORE_START,
    "duplicate_id": Reason.DUPLICATE_ID,
}


def _demo() -> dict[str, object]:
    return json.loads(DEMO.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


async def test_demo_file_imports_every_programme_event(pk_db: Database, clock: ManualClock) -> None:
    document = _demo()
    events = document["events"]
    assert isinstance(events, list)
    pushkin = [e for e in events if e["isPushkinsCard"]]
    report = await EventImporter(pk_db, clock).run(FileSource(DEMO))
    assert report.imported == len(pushkin) == 189
    assert dict(report.skipped) == {Reason.NOT_PUSHKIN_CARD: len(events) - len(pushkin)}
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_events") == 189
    # One row per seance per place; a place without seances is one row for the whole run.
    expected_rows = sum(max(1, len(place["seances"])) for e in pushkin for place in e["places"])
    assert report.sessions == expected_rows
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_sessions") == expected_rows
    # Regions come from the address; the demo has three.
    regions = await pk_db.fetchall(
        "SELECT city, region_code FROM pushkin_card_cities ORDER BY city"
    )
    assert {r["city"]: r["region_code"] for r in regions} == {
        "Бердск": "54",
        "Владивосток": "25",
        "Москва": "77",
        "Новосибирск": "54",
        "Уссурийск": "25",
    }


async def test_malformed_records_are_skipped_each_with_its_reason(
    pk_db: Database, clock: ManualClock
) -> None:
    document = json.loads(MALFORMED.read_text(encoding="utf-8"))
    defects: list[str] = document["_defects"]
    # Each record alone: the reason must be exactly the one its defect calls for.
    for index, (record, defect) in enumerate(zip(document["events"], defects, strict=True)):
        if defect in ("ok", "duplicate_id"):
            parse_event(record)  # a duplicate is only a duplicate beside the original
            continue
        with pytest.raises(Rejected) as caught:
            parse_event(record)
        assert caught.value.reason == EXPECTED[defect], (index, defect, str(caught.value))
    report = await EventImporter(pk_db, clock).run(FileSource(MALFORMED))
    assert report.imported == 1
    expected = {reason: 0 for reason in EXPECTED.values()}
    for defect in defects:
        if defect != "ok":
            expected[EXPECTED[defect]] += 1
    assert dict(report.skipped) == {k: v for k, v in expected.items() if v}
    assert report.skipped_total == len(defects) - 1
    ok_id = document["events"][defects.index("ok")]["_id"]
    assert await pk_db.fetchval("SELECT id FROM pushkin_card_events") == ok_id
    # Every reason has an example naming the record's position, for the operator.
    assert report.examples[Reason.MISSING_ID].startswith("#0")


async def test_garbage_never_crashes_the_importer(
    pk_db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    records: list[object] = [
        None,
        42,
        "text",
        [],
        {},
        {"_id": True, "name": "x"},
        {"_id": 1, "name": "   "},
        {"_id": 2, "name": "x", "start": 1.5e12, "end": 1.5e12, "places": [None]},
        {
            "_id": 3,
            "name": "x",
            "start": 1.8e12,
            "places": [
                {
                    "locale": {"name": "A", "timezone": "Europe/Moscow"},
                    "seances": [{"start": "bad"}, 7],
                }
            ],
            "price": "free",
        },
        {
            "_id": "4",
            "name": "Лекция",
            "start": 1.8e12,
            "isFree": True,
            "saleLink": "",
            "places": [
                {
                    "locale": {"name": "Москва", "timezone": "Europe/Moscow"},
                    "seances": [{"start": 1.8e12}, {"start": "bad"}],
                }
            ],
        },
    ]
    path = tmp_path / "garbage.json"
    path.write_text(json.dumps({"total": len(records), "events": records}), encoding="utf-8")
    report = await EventImporter(pk_db, clock).run(FileSource(path))
    assert report.imported == 1  # the free lecture without a sale link; its bad seance dropped
    assert report.dropped_seances == 1
    assert report.skipped_total == len(records) - 1
    row = await pk_db.fetchone("SELECT is_free, price, sale_link FROM pushkin_card_events")
    assert row == {"is_free": 1, "price": 0, "sale_link": None}


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "это не JSON"), ('{"total": 1}', "ожидается"), (b"\xff\xfe", "UTF-8")],
)
async def test_an_unusable_file_is_one_clear_error(
    pk_db: Database, clock: ManualClock, tmp_path: Path, content: str | bytes, problem: str
) -> None:
    path = tmp_path / "events.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=problem):
        await EventImporter(pk_db, clock).run(FileSource(path))
    with pytest.raises(SourceError, match="файл не найден"):
        await EventImporter(pk_db, clock).run(FileSource(tmp_path / "missing.json"))


async def test_reimport_updates_in_place_and_drops_what_left_the_programme(
    pk_db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    importer = EventImporter(pk_db, clock)
    await importer.run(FileSource(DEMO))
    document = _demo()
    events = document["events"]
    assert isinstance(events, list)
    changed, dropped = events[0], events[1]
    changed["name"] = "Новое название"
    changed["places"][0]["seances"] = changed["places"][0]["seances"][:1]
    dropped["isPushkinsCard"] = False
    path = tmp_path / "update.json"
    path.write_text(json.dumps({"total": 2, "events": [changed, dropped]}), encoding="utf-8")
    report = await importer.run(FileSource(path))
    assert (report.imported, report.removed) == (1, 1)
    assert (
        await pk_db.fetchval("SELECT name FROM pushkin_card_events WHERE id = ?", (changed["_id"],))
        == "Новое название"
    )
    assert (
        await pk_db.fetchval(
            "SELECT count(*) FROM pushkin_card_events WHERE id = ?", (dropped["_id"],)
        )
        == 0
    )
    assert (
        await pk_db.fetchval(
            "SELECT count(*) FROM pushkin_card_sessions WHERE event_id = ?", (dropped["_id"],)
        )
        == 0
    )
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_events") == 188


async def test_events_long_over_are_pruned_with_their_favourites(
    pk_db: Database, clock: ManualClock
) -> None:
    importer = EventImporter(pk_db, clock)
    await importer.run(FileSource(DEMO))
    first = await pk_db.fetchone("SELECT id FROM pushkin_card_events ORDER BY ends_at LIMIT 1")
    assert first is not None
    await pk_db.execute(
        "INSERT INTO pushkin_card_favourites VALUES (1, ?, 100001, 1, '2026-11-23')", (first["id"],)
    )
    clock.advance(timedelta(days=200))  # every demo event is over by then
    report = await importer.run(FileSource(MALFORMED))
    assert report.pruned == 189
    # the one good record and its duplicate are over too
    assert (report.imported, report.skipped[Reason.ENDED]) == (0, 2)
    assert await pk_db.fetchval("SELECT count(*) FROM pushkin_card_favourites") == 0


async def test_the_sandbox_demo_moves_with_time(pk_db: Database, clock: ManualClock) -> None:
    clock.advance(timedelta(days=400))  # a year on: the file's dates are long past
    report = await load_demo_events(pk_db, clock)
    assert report is not None and report.imported == 189
    first = await pk_db.fetchval("SELECT min(starts_at) FROM pushkin_card_sessions")
    moved = datetime.fromisoformat(first)
    assert clock.now() - timedelta(days=14) < moved < clock.now() + timedelta(days=7)
    # Same weekday and local time as in the file (whole weeks).
    assert moved.weekday() == datetime(2026, 11, 20, 12, 0, tzinfo=UTC).weekday()
    assert await load_demo_events(pk_db, clock) is None  # once
