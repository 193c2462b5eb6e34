"""The listing: soonest first, per-session date filters, categories, age, text, paging."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bots.pushkin_card.catalog import Catalog, Listing, Query, available_at
from bots.pushkin_card.categories import Category
from bots.pushkin_card.dates import Period, Window, window
from core.clock import ManualClock

from .conftest import DEMO

NSK = ZoneInfo("Asia/Novosibirsk")
MSK = ZoneInfo("Europe/Moscow")


async def _all(catalog: Catalog, query: Query) -> list[Listing]:
    items: list[Listing] = []
    page = 0
    while True:
        result = await catalog.search(query, page)
        items += result.items
        if not result.has_next:
            return items
        page += 1


def _expected_ids(query: Query, now: datetime) -> set[int]:
    """The events that must be listed, computed straight from the demo file."""
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    found: set[int] = set()
    for event in document["events"]:
        if not event["isPushkinsCard"]:
            continue
        if query.age_limit is not None and event["ageRestriction"] > query.age_limit:
            continue
        for place in event["places"]:
            if place["locale"]["name"] != query.city:
                continue
            walk_in = event["category"]["name"] in ("Выставки", "Музеи")
            spans = [(s["start"], s["end"]) for s in place["seances"]] or [
                (event["start"], event["end"])
            ]
            for start_ms, end_ms in spans:
                start = datetime.fromtimestamp(start_ms / 1000, UTC)
                end = datetime.fromtimestamp(end_ms / 1000, UTC)
                kind = "seance"
                if not place["seances"] or walk_in:
                    kind = "run" if not place["seances"] else "hours"
                row = {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "kind": kind}
                if available_at(row, query.window) is not None:
                    found.add(event["_id"])
    return found


async def test_all_dates_list_every_event_of_the_city_once_soonest_first(
    catalog: Catalog, clock: ManualClock
) -> None:
    now = clock.now()
    query = Query("Новосибирск", window(Period.ALL, now, NSK))
    items = await _all(catalog, query)
    ids = [item.event.id for item in items]
    assert len(ids) == len(set(ids))  # paging never repeats an event
    assert set(ids) == _expected_ids(query, now)
    times = [item.at for item in items]
    assert times == sorted(times)
    assert all(item.at >= now for item in items)
    # Something already open (a run of an exhibition in Бердск) comes first at "now".
    berdsk = await _all(catalog, Query("Бердск", window(Period.ALL, now, NSK)))
    assert berdsk[0].at == now and berdsk[0].session.kind == "run"


@pytest.mark.parametrize("period", [Period.TODAY, Period.TOMORROW, Period.WEEKEND, Period.WEEK])
async def test_date_filters_work_per_session_in_the_city_zone(
    catalog: Catalog, clock: ManualClock, period: Period
) -> None:
    now = clock.now()
    for city, zone in (("Москва", MSK), ("Новосибирск", NSK)):
        query = Query(city, window(period, now, zone))
        items = await _all(catalog, query)
        assert {i.event.id for i in items} == _expected_ids(query, now)
        for item in items:
            local = item.at.astimezone(zone)
            if period == Period.TODAY:
                assert local.date() == date(2026, 11, 23)
            elif period == Period.TOMORROW:
                assert local.date() == date(2026, 11, 24)
            elif period == Period.WEEKEND:
                assert local.date() in (date(2026, 11, 28), date(2026, 11, 29))
            else:
                assert date(2026, 11, 23) <= local.date() <= date(2026, 11, 29)


async def test_a_date_range_and_the_new_year_shows(catalog: Catalog, clock: ManualClock) -> None:
    now = clock.now()
    span = window(Period.RANGE, now, MSK, date(2026, 12, 30), date(2027, 1, 3))
    items = await _all(catalog, Query("Москва", span))
    assert items
    assert {i.event.id for i in items} == _expected_ids(Query("Москва", span), now)
    assert all(date(2026, 12, 30) <= i.at.astimezone(MSK).date() <= date(2027, 1, 3) for i in items)


async def test_category_age_and_text(catalog: Catalog, clock: ManualClock) -> None:
    span = window(Period.ALL, clock.now(), MSK)
    theatre = await _all(catalog, Query("Москва", span, category=Category.THEATRE))
    assert theatre and all(i.event.category == Category.THEATRE for i in theatre)
    young = await _all(catalog, Query("Москва", span, age_limit=12))
    everyone = await _all(catalog, Query("Москва", span))
    assert all(i.event.age_limit <= 12 for i in young)
    assert len(young) < len(everyone)
    assert {i.event.id for i in young} == _expected_ids(
        Query("Москва", span, age_limit=12), clock.now()
    )
    # Stemmed free text: «Щелкунчика» finds the ballet «Щелкунчик».
    found = await _all(
        catalog, Query("Владивосток", window(Period.ALL, clock.now(), NSK), text="щелкунчика")
    )
    assert "Балет «Щелкунчик»" in [i.event.name for i in found]
    assert await _all(catalog, Query("Москва", span, text="zzzz несуществующее")) == []
    assert await _all(catalog, Query("Москва", span, text="?!")) == []
    # FTS syntax typed by a user is only words to us.
    assert await _all(catalog, Query("Москва", span, text='"*) OR NEAR(a b')) == []
    # A word is looked up within the city: Владивосток's ballet is not Москва's.
    assert "Балет «Щелкунчик»" not in [
        i.event.name for i in await _all(catalog, Query("Москва", span, text="щелкунчик"))
    ]
    chekhov = await _all(catalog, Query("Москва", span, text="Чехова"))
    assert chekhov
    for item in chekhov:  # in the name, the description or the place's name
        haystack = f"{item.event.name} {item.event.description} {item.session.place_name}"
        assert "чехов" in haystack.lower()


async def test_pages_are_contiguous_and_bounded(catalog: Catalog, clock: ManualClock) -> None:
    query = Query("Москва", window(Period.ALL, clock.now(), MSK))
    first = await catalog.search(query, 0)
    second = await catalog.search(query, 1)
    assert len(first.items) == 5 and first.has_next
    assert first.items[-1].at <= second.items[0].at
    beyond = await catalog.search(query, 400)
    assert beyond.items == () and not beyond.has_next


async def test_card_lists_upcoming_sessions_by_place(catalog: Catalog, clock: ManualClock) -> None:
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    two_places = next(
        e for e in document["events"] if len(e["places"]) == 2 and e["isPushkinsCard"]
    )
    card = await catalog.card(two_places["_id"], clock.now(), limit=100)
    assert card is not None
    assert {s.place_no for s in card.sessions} == {0, 1}
    assert all(s.ends_at > clock.now() for s in card.sessions)
    assert await catalog.card(1, clock.now()) is None


async def test_cities_and_their_regions(catalog: Catalog) -> None:
    assert [c.name for c in await catalog.cities("54")] == ["Новосибирск", "Бердск"]
    city = await catalog.city("новосибирск")
    assert city is not None and city.name == "Новосибирск" and city.timezone == "Asia/Novosibirsk"
    assert await catalog.city("Атлантида") is None


def test_availability_rules() -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    span = Window(start, start + timedelta(days=1))
    row = {
        "starts_at": (start - timedelta(hours=1)).isoformat(),
        "ends_at": (start + timedelta(hours=5)).isoformat(),
    }
    assert available_at({**row, "kind": "seance"}, span) is None  # a show already begun
    assert available_at({**row, "kind": "hours"}, span) == start  # a museum open now
    later = {
        "starts_at": (start + timedelta(days=2)).isoformat(),
        "ends_at": (start + timedelta(days=3)).isoformat(),
        "kind": "run",
    }
    assert available_at(later, span) is None
