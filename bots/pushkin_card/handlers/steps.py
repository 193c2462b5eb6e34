"""Typed text in this plugin's dialog steps: a search, dates, a city name, a question.

Registered last: buttons (payloads) are matched first, so only plain text reaches here; each
step offers Back and Cancel buttons, handled by the button handlers.
"""

from __future__ import annotations

from core.bot import Ctx, InDialog, Message, PrivateChat

from ..dates import Period, RangeError, parse_range
from ..kit import Kit
from ..prefs import MAX_TEXT, SearchState
from ..search_text import query_terms
from ..ui import ChooseCity, ChooseDates, Filters, T, inline, nav
from .common import current_city, labeler, who
from .listing import FLOW_CITY, FLOW_RANGE, FLOW_SEARCH, choose_city, send_list
from .questions import FLOW_ASK, answer_typed


@labeler.message(PrivateChat() & InDialog(FLOW_SEARCH))
async def typed_search(message: Message, cx: Ctx) -> None:
    text = " ".join((message.text or "").split())[:MAX_TEXT]
    if not query_terms(text):
        await message.answer(T.render("search_bad.j2"), keyboard=inline([nav(Filters())]))
        return
    keep = bool(cx.dialog.data.get("keep"))
    await cx.finish()
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id) if keep else SearchState()
    await kit.prefs.set_search(message.from_id, state.with_(text=text))
    await send_list(message, cx)


@labeler.message(PrivateChat() & InDialog(FLOW_RANGE))
async def typed_range(message: Message, cx: Ctx) -> None:
    person = await who(cx)
    city = await current_city(cx, person)
    zone = city.zone if city else (person.home.zone if person.home else None)
    now = cx.services.clock.now()
    today = now.astimezone(zone).date() if zone else now.date()
    try:
        first, last = parse_range(message.text or "", today)
    except RangeError as error:
        await message.answer(
            T.render("range_error.j2", code=error.code), keyboard=inline([nav(ChooseDates())])
        )
        return
    await cx.finish()
    kit = Kit.of(cx.services)
    state = await kit.prefs.search(message.from_id)
    await kit.prefs.set_search(
        message.from_id, state.with_(period=Period.RANGE, first=first, last=last)
    )
    await send_list(message, cx)


@labeler.message(PrivateChat() & InDialog(FLOW_CITY))
async def typed_city(message: Message, cx: Ctx) -> None:
    name = " ".join((message.text or "").split())[:60]
    if name and await choose_city(message, cx, name):
        return
    await message.answer(
        T.render("city_unknown.j2", name=name), keyboard=inline([nav(ChooseCity())])
    )


@labeler.message(PrivateChat() & InDialog(FLOW_ASK))
async def typed_question(message: Message, cx: Ctx) -> None:
    await answer_typed(message, cx)
