"""The afisha: the list of a city's events with paging, an event's card, filters, the city."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vkbottle.tools.mini_types.bot import MessageMin

from core.rules import PayloadHas, PrivateChat
from core.runtime.context import Ctx

from ..catalog import PAGE_SIZE, Card, Query, SessionView
from ..categories import FILTERABLE, parse_category
from ..dates import Period, window
from ..kit import Kit
from ..prefs import SearchState
from ..profile import Viewer
from ..ui import Button, Link, T, chunk, inline, nav, to_menu
from .common import current_city, int_of, labeler, leave_flow, page_of, who

CITY_BUTTONS = 6
# Steps that wait for typed text (handled in steps.py).
FLOW_SEARCH = "pushkin_card.search"
FLOW_RANGE = "pushkin_card.range"
FLOW_CITY = "pushkin_card.city"


# --- the list -----------------------------------------------------------------------------------
async def send_list(message: MessageMin, cx: Ctx, page: int = 0) -> None:
    kit = Kit.of(cx.services)
    person = await who(cx)
    city = await current_city(cx, person)
    if city is None:
        await ask_city(message, cx, person)
        return
    now = cx.services.clock.now()
    state = await kit.prefs.search(person.vk_user_id)
    if state.last is not None and state.last < now.astimezone(city.zone).date():
        state = state.with_(period=Period.ALL, first=None, last=None)  # a range now past
        await kit.prefs.set_search(person.vk_user_id, state)
    span = window(state.period, now, city.zone, state.first, state.last)
    query = Query(city.name, span, state.category, person.eligibility.age_limit, state.text)
    result = await kit.catalog.search(query, page)
    show_rules = page == 0 and person.eligibility.status != "eligible"
    text = T.render(
        "list.j2",
        city=city.name,
        state=state,
        page=result,
        now=now,
        size=PAGE_SIZE,
        show_rules=show_rules,
        rules=person.eligibility,
        is_staff=person.is_staff,
    )
    rows: list[list[Button]] = []
    rows.append(
        [
            (
                T.label("number", n=page * PAGE_SIZE + i + 1),
                {"pk": "ev", "e": item.event.id, "p": page},
            )
            for i, item in enumerate(result.items)
        ]
    )
    paging: list[Button] = []
    if page > 0:
        paging.append((T.label("prev_page"), {"pk": "list", "p": page - 1}))
    if result.has_next:
        paging.append((T.label("next_page"), {"pk": "list", "p": page + 1}))
    rows.append(paging)
    if not result.items and state.filtered:
        rows.append([(T.label("reset"), {"pk": "reset"})])
    elif not result.items and page == 0:
        rows.append([(T.label("menu_city"), {"pk": "city"})])
    rows.append([(T.label("menu_filters"), {"pk": "flt"}), *to_menu()])
    await message.answer(text, keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="list"))
async def show_list(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    await send_list(message, cx, page_of(payload))


# --- one event ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceView:
    name: str
    address: str
    sessions: tuple[SessionView, ...]


def places_of(card: Card) -> list[PlaceView]:
    grouped: dict[int, list[SessionView]] = {}
    for session in card.sessions:
        grouped.setdefault(session.place_no, []).append(session)
    return [
        PlaceView(items[0].place_name, items[0].address, tuple(items))
        for _, items in sorted(grouped.items())
    ]


async def send_card(message: MessageMin, cx: Ctx, event_id: int, page: int) -> None:
    kit = Kit.of(cx.services)
    person = await who(cx)
    now = cx.services.clock.now()
    card = await kit.catalog.card(event_id, now)
    if card is None:
        await message.answer(
            T.render("not_found.j2"), keyboard=inline([[(T.label("to_list"), {"pk": "list"})]])
        )
        return
    event = card.event
    limit = person.eligibility.age_limit
    too_young = limit is not None and event.age_limit > limit
    saved = person.person is not None and await kit.favourites.has(person.person.id, event.id)
    text = T.render(
        "card.j2",
        e=event,
        places=places_of(card),
        more=card.more,
        now=now,
        cinema_cap=person.eligibility.cinema_cap,
        too_young=too_young,
        saved=saved,
    )
    rows: list[list[Button]] = []
    if event.sale_link and not too_young and card.sessions:
        rows.append([Link(T.label("buy"), event.sale_link)])
    if card.sessions and not too_young:
        fav = (
            (T.label("fav_remove"), {"pk": "fav", "e": event.id, "on": 0})
            if saved
            else (T.label("fav_add"), {"pk": "fav", "e": event.id, "on": 1})
        )
        rows.append([fav])
        if person.is_staff:
            rows.append([(T.label("recommend"), {"pk": "rec", "e": event.id})])
    rows.append([(T.label("to_list"), {"pk": "list", "p": page}), *to_menu()])
    await message.answer(text, keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="ev"))
async def show_card(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    event_id = int_of(payload, "e")
    if event_id is None:
        await send_list(message, cx)
        return
    await send_card(message, cx, event_id, page_of(payload))


# --- filters -----------------------------------------------------------------------------------
def _period_label(state: SearchState) -> str:
    return T.label(f"period_{state.period.value}")


def _category_label(state: SearchState) -> str:
    return T.label(f"cat_{state.category.value}") if state.category else T.label("all_categories")


async def send_filters(message: MessageMin, cx: Ctx) -> None:
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id)
    rows: list[list[Button]] = [
        [(T.label("dates_button", value=_period_label(state)), {"pk": "dates"})],
        [(T.label("category_button", value=_category_label(state)), {"pk": "cats"})],
        [(T.label("search_text"), {"pk": "q", "keep": 1}), (T.label("reset"), {"pk": "reset"})],
        [(T.label("show"), {"pk": "list"}, "primary"), *to_menu()],
    ]
    await message.answer(T.render("filters.j2", state=state, step=""), keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="flt"))
async def show_filters(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    await send_filters(message, cx)


def _checked(label: str, on: bool) -> str:
    return T.label("checked", text=label) if on else label


@labeler.message(PrivateChat() & PayloadHas(pk="dates"))
async def choose_dates(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    state = await Kit.of(cx.services).prefs.search(message.from_id)
    buttons: list[Button] = [
        (_checked(T.label(f"period_{p.value}"), state.period == p), {"pk": "d", "v": p.value})
        for p in Period
    ]
    rows: list[list[Button]] = [*chunk(buttons, 3), nav({"pk": "flt"})]
    await message.answer(T.render("filters.j2", state=state, step="dates"), keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="cats"))
async def choose_category(
    message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None
) -> None:
    await leave_flow(cx)
    state = await Kit.of(cx.services).prefs.search(message.from_id)
    buttons: list[Button] = [
        (_checked(T.label("all_categories"), state.category is None), {"pk": "c", "v": "all"}),
        *[
            (_checked(T.label(f"cat_{c.value}"), state.category == c), {"pk": "c", "v": c.value})
            for c in FILTERABLE
        ],
    ]
    rows: list[list[Button]] = [*chunk(buttons, 3), [nav({"pk": "flt"})[0]]]
    await message.answer(T.render("filters.j2", state=state, step="cats"), keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="d"))
async def set_period(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    try:
        period = Period(str((payload or {}).get("v")))
    except ValueError:
        period = Period.ALL
    kit = Kit.of(cx.services)
    if period == Period.RANGE:
        await cx.goto(FLOW_RANGE)
        await message.answer(T.render("range_ask.j2"), keyboard=inline([nav({"pk": "dates"})]))
        return
    state = await kit.prefs.search(message.from_id)
    await kit.prefs.set_search(message.from_id, state.with_(period=period, first=None, last=None))
    await send_list(message, cx)


@labeler.message(PrivateChat() & PayloadHas(pk="c"))
async def set_category(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id)
    category = parse_category(str((payload or {}).get("v")))
    await kit.prefs.set_search(message.from_id, state.with_(category=category))
    await send_list(message, cx)


@labeler.message(PrivateChat() & PayloadHas(pk="reset"))
async def reset_filters(
    message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None
) -> None:
    await leave_flow(cx)
    await Kit.of(cx.services).prefs.set_search(message.from_id, SearchState())
    await send_list(message, cx)


@labeler.message(PrivateChat() & PayloadHas(pk="q"))
async def ask_text(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    person = await who(cx)
    city = await current_city(cx, person)
    if city is None:
        await ask_city(message, cx, person)
        return
    keep = bool((payload or {}).get("keep"))
    await cx.goto(FLOW_SEARCH, keep=keep)
    await message.answer(
        T.render("search_ask.j2", city=city.name),
        keyboard=inline([nav({"pk": "flt"} if keep else {"pk": "menu"})]),
    )


# --- the city ----------------------------------------------------------------------------------
async def ask_city(
    message: MessageMin, cx: Ctx, person: Viewer, *, everywhere: bool = False
) -> None:
    kit = Kit.of(cx.services)
    region = person.home.region_code if person.home and not everywhere else None
    cities = await kit.catalog.cities(region) if region else []
    region_only = bool(cities)
    if not cities:
        cities = await kit.catalog.cities()
    current = await kit.prefs.city(person.vk_user_id)
    buttons: list[Button] = [(c.name, {"pk": "city", "v": c.name}) for c in cities[:CITY_BUTTONS]]
    rows: list[list[Button]] = [*chunk(buttons, 3)]
    if region_only:
        rows.append([(T.label("other_cities"), {"pk": "city", "all": 1})])
    rows.append(nav({"pk": "menu"}))
    if cities:
        await cx.goto(FLOW_CITY)  # a typed city name is understood too
    await message.answer(
        T.render(
            "city_ask.j2",
            cities=cities,
            region_only=region_only,
            current=current,
            typed=len(cities) > CITY_BUTTONS,
        ),
        keyboard=inline(rows),
    )


async def choose_city(message: MessageMin, cx: Ctx, name: str) -> bool:
    kit = Kit.of(cx.services)
    city = await kit.catalog.city(name.strip())
    if city is None:
        return False
    await kit.prefs.set_city(message.from_id, city.name)
    await leave_flow(cx)
    await message.answer(T.render("city_set.j2", city=city.name))
    await send_list(message, cx)
    return True


@labeler.message(PrivateChat() & PayloadHas(pk="city"))
async def city_button(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    name = (payload or {}).get("v")
    if isinstance(name, str) and await choose_city(message, cx, name):
        return
    await leave_flow(cx)
    await ask_city(message, cx, await who(cx), everywhere=bool((payload or {}).get("all")))
