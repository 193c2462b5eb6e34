"""The afisha: the list of a city's events with paging, an event's card, filters, the city."""

from __future__ import annotations

from dataclasses import dataclass

from core.bot import Ctx, Message, Pressed, PrivateChat

from ..catalog import PAGE_SIZE, Card, Query, SessionView
from ..categories import FILTERABLE, parse_category
from ..dates import Period, window
from ..kit import Kit
from ..prefs import SearchState
from ..profile import Viewer
from ..ui import (
    Button,
    ChooseCategory,
    ChooseCity,
    ChooseDates,
    Favourite,
    Filters,
    Link,
    Menu,
    Recommend,
    ResetFilters,
    Search,
    SetCategory,
    SetPeriod,
    ShowCard,
    ShowList,
    T,
    chunk,
    inline,
    nav,
    to_menu,
)
from .common import current_city, labeler, leave_flow, page_no, who

CITY_BUTTONS = 6
# Steps that wait for typed text (handled in steps.py).
FLOW_SEARCH = "pushkin_card.search"
FLOW_RANGE = "pushkin_card.range"
FLOW_CITY = "pushkin_card.city"


# --- the list -----------------------------------------------------------------------------------
async def send_list(message: Message, cx: Ctx, page: int = 0) -> None:
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
                ShowCard(e=item.event.id, p=page).pack(),
            )
            for i, item in enumerate(result.items)
        ]
    )
    paging: list[Button] = []
    if page > 0:
        paging.append((T.label("prev_page"), ShowList(p=page - 1).pack()))
    if result.has_next:
        paging.append((T.label("next_page"), ShowList(p=page + 1).pack()))
    rows.append(paging)
    if not result.items and state.filtered:
        rows.append([(T.label("reset"), ResetFilters().pack())])
    elif not result.items and page == 0:
        rows.append([(T.label("menu_city"), ChooseCity().pack())])
    rows.append([(T.label("menu_filters"), Filters().pack()), *to_menu()])
    await message.answer(text, keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(ShowList))
async def show_list(message: Message, cx: Ctx, payload: ShowList) -> None:
    await leave_flow(cx)
    await send_list(message, cx, page_no(payload.p))


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


async def send_card(message: Message, cx: Ctx, event_id: int, page: int) -> None:
    kit = Kit.of(cx.services)
    person = await who(cx)
    now = cx.services.clock.now()
    card = await kit.catalog.card(event_id, now)
    if card is None:
        await message.answer(
            T.render("not_found.j2"), keyboard=inline([[(T.label("to_list"), ShowList().pack())]])
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
            (T.label("fav_remove"), Favourite(e=event.id, on=0).pack())
            if saved
            else (T.label("fav_add"), Favourite(e=event.id, on=1).pack())
        )
        rows.append([fav])
        if person.is_staff:
            rows.append([(T.label("recommend"), Recommend(e=event.id).pack())])
    rows.append([(T.label("to_list"), ShowList(p=page).pack()), *to_menu()])
    await message.answer(text, keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(ShowCard))
async def show_card(message: Message, cx: Ctx, payload: ShowCard) -> None:
    await leave_flow(cx)
    if payload.e is None:
        await send_list(message, cx)
        return
    await send_card(message, cx, payload.e, page_no(payload.p))


# --- filters -----------------------------------------------------------------------------------
def _period_label(state: SearchState) -> str:
    return T.label(f"period_{state.period.value}")


def _category_label(state: SearchState) -> str:
    return T.label(f"cat_{state.category.value}") if state.category else T.label("all_categories")


async def send_filters(message: Message, cx: Ctx) -> None:
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id)
    rows: list[list[Button]] = [
        [(T.label("dates_button", value=_period_label(state)), ChooseDates().pack())],
        [(T.label("category_button", value=_category_label(state)), ChooseCategory().pack())],
        [
            (T.label("search_text"), Search(keep=1).pack()),
            (T.label("reset"), ResetFilters().pack()),
        ],
        [(T.label("show"), ShowList().pack(), "primary"), *to_menu()],
    ]
    await message.answer(T.render("filters.j2", state=state, step=""), keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(Filters))
async def show_filters(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    await send_filters(message, cx)


def _checked(label: str, on: bool) -> str:
    return T.label("checked", text=label) if on else label


@labeler.message(PrivateChat() & Pressed(ChooseDates))
async def choose_dates(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    state = await Kit.of(cx.services).prefs.search(message.from_id)
    buttons: list[Button] = [
        (_checked(T.label(f"period_{p.value}"), state.period == p), SetPeriod(v=p).pack())
        for p in Period
    ]
    rows: list[list[Button]] = [*chunk(buttons, 3), nav(Filters())]
    await message.answer(T.render("filters.j2", state=state, step="dates"), keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(ChooseCategory))
async def choose_category(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    state = await Kit.of(cx.services).prefs.search(message.from_id)
    buttons: list[Button] = [
        (_checked(T.label("all_categories"), state.category is None), SetCategory(v="all").pack()),
        *[
            (
                _checked(T.label(f"cat_{c.value}"), state.category == c),
                SetCategory(v=c.value).pack(),
            )
            for c in FILTERABLE
        ],
    ]
    rows: list[list[Button]] = [*chunk(buttons, 3), [nav(Filters())[0]]]
    await message.answer(T.render("filters.j2", state=state, step="cats"), keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(SetPeriod))
async def set_period(message: Message, cx: Ctx, payload: SetPeriod) -> None:
    await leave_flow(cx)
    try:
        period = Period(payload.v or "")
    except ValueError:
        period = Period.ALL
    kit = Kit.of(cx.services)
    if period == Period.RANGE:
        await cx.goto(FLOW_RANGE)
        await message.answer(T.render("range_ask.j2"), keyboard=inline([nav(ChooseDates())]))
        return
    state = await kit.prefs.search(message.from_id)
    await kit.prefs.set_search(message.from_id, state.with_(period=period, first=None, last=None))
    await send_list(message, cx)


@labeler.message(PrivateChat() & Pressed(SetCategory))
async def set_category(message: Message, cx: Ctx, payload: SetCategory) -> None:
    await leave_flow(cx)
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id)
    category = parse_category(payload.v)
    await kit.prefs.set_search(message.from_id, state.with_(category=category))
    await send_list(message, cx)


@labeler.message(PrivateChat() & Pressed(ResetFilters))
async def reset_filters(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    await Kit.of(cx.services).prefs.set_search(message.from_id, SearchState())
    await send_list(message, cx)


@labeler.message(PrivateChat() & Pressed(Search))
async def ask_text(message: Message, cx: Ctx, payload: Search) -> None:
    await leave_flow(cx)
    person = await who(cx)
    city = await current_city(cx, person)
    if city is None:
        await ask_city(message, cx, person)
        return
    keep = bool(payload.keep)
    await cx.goto(FLOW_SEARCH, keep=keep)
    await message.answer(
        T.render("search_ask.j2", city=city.name),
        keyboard=inline([nav(Filters() if keep else Menu())]),
    )


# --- the city ----------------------------------------------------------------------------------
async def ask_city(message: Message, cx: Ctx, person: Viewer, *, everywhere: bool = False) -> None:
    kit = Kit.of(cx.services)
    region = person.home.region_code if person.home and not everywhere else None
    cities = await kit.catalog.cities(region) if region else []
    region_only = bool(cities)
    if not cities:
        cities = await kit.catalog.cities()
    current = await kit.prefs.city(person.vk_user_id)
    buttons: list[Button] = [(c.name, ChooseCity(v=c.name).pack()) for c in cities[:CITY_BUTTONS]]
    rows: list[list[Button]] = [*chunk(buttons, 3)]
    if region_only:
        rows.append([(T.label("other_cities"), ChooseCity(all=1).pack())])
    rows.append(nav(Menu()))
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


async def choose_city(message: Message, cx: Ctx, name: str) -> bool:
    kit = Kit.of(cx.services)
    city = await kit.catalog.city(name.strip())
    if city is None:
        return False
    await kit.prefs.set_city(message.from_id, city.name)
    await leave_flow(cx)
    await message.answer(T.render("city_set.j2", city=city.name))
    await send_list(message, cx)
    return True


@labeler.message(PrivateChat() & Pressed(ChooseCity))
async def city_button(message: Message, cx: Ctx, payload: ChooseCity) -> None:
    if payload.v is not None and await choose_city(message, cx, payload.v):
        return
    await leave_flow(cx)
    await ask_city(message, cx, await who(cx), everywhere=bool(payload.all))
