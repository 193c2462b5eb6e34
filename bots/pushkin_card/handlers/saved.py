"""Favourites (with the reminder the day before) and the weekly digest subscription."""

from __future__ import annotations

from core.bot import Ctx, Message, Pressed, PrivateChat

from ..favourites import MAX_FAVOURITES
from ..kit import Kit
from ..ui import (
    Button,
    ChooseCity,
    Digest,
    Favourite,
    Favourites,
    ShowCard,
    ShowList,
    T,
    inline,
    to_menu,
)
from .common import current_city, ensure_person, labeler, leave_flow, page_no, who

FAVOURITES_PAGE = 5


@labeler.message(PrivateChat() & Pressed(Favourite))
async def toggle_favourite(message: Message, cx: Ctx, payload: Favourite) -> None:
    await leave_flow(cx)
    kit = Kit.of(cx.services)
    event = await kit.catalog.event(payload.e) if payload.e is not None else None
    if event is None:
        await message.answer(T.render("not_found.j2"), keyboard=inline([to_menu()]))
        return
    person_id = await ensure_person(cx, message)
    if person_id is None:
        await message.answer(T.render("no_person.j2"))
        return
    back: list[Button] = [
        (T.label("open_card"), ShowCard(e=event.id).pack()),
        (T.label("menu_favourites"), Favourites().pack()),
    ]
    if payload.on == 0:
        await kit.favourites.remove(person_id, event.id)
        await message.answer(T.render("fav_removed.j2", event=event), keyboard=inline([back]))
        return
    if (
        not await kit.favourites.has(person_id, event.id)
        and await kit.favourites.count(person_id) >= MAX_FAVOURITES
    ):
        await message.answer(T.render("fav_full.j2", limit=MAX_FAVOURITES), keyboard=inline([back]))
        return
    reminder = await kit.favourites.add(person_id, message.from_id, cx.group_id, event.id)
    await message.answer(
        T.render("fav_added.j2", event=event, reminder=reminder), keyboard=inline([back])
    )


@labeler.message(PrivateChat() & Pressed(Favourites))
async def show_favourites(message: Message, cx: Ctx, payload: Favourites) -> None:
    await leave_flow(cx)
    kit = Kit.of(cx.services)
    page = page_no(payload.p)
    items = await kit.favourites.saved(cx.person_id) if cx.person_id is not None else []
    shown = items[page * FAVOURITES_PAGE : (page + 1) * FAVOURITES_PAGE]
    if not shown and page > 0:
        page, shown = 0, items[:FAVOURITES_PAGE]
    rows: list[list[Button]] = [
        [
            (T.label("number", n=page * FAVOURITES_PAGE + i + 1), ShowCard(e=s.event.id).pack())
            for i, s in enumerate(shown)
        ]
    ]
    paging: list[Button] = []
    if page > 0:
        paging.append((T.label("prev_page"), Favourites(p=page - 1).pack()))
    if len(items) > (page + 1) * FAVOURITES_PAGE:
        paging.append((T.label("next_page"), Favourites(p=page + 1).pack()))
    rows += [paging, [(T.label("menu_list"), ShowList().pack()), *to_menu()]]
    await message.answer(
        T.render(
            "favourites.j2", items=shown, first=page * FAVOURITES_PAGE, now=cx.services.clock.now()
        ),
        keyboard=inline(rows),
    )


@labeler.message(PrivateChat() & Pressed(Digest))
async def digest(message: Message, cx: Ctx, payload: Digest) -> None:
    await leave_flow(cx)
    kit = Kit.of(cx.services)
    person = await who(cx)
    city = await current_city(cx, person)
    action = payload.on
    if action in (0, 1):
        person_id = await ensure_person(cx, message)
        if person_id is None:
            await message.answer(T.render("no_person.j2"))
            return
        if action == 1 and city is not None:
            await kit.digest.subscribe(person_id, message.from_id, cx.group_id, city.name)
            await message.answer(
                T.render("digest_changed.j2", city=city.name), keyboard=inline([to_menu()])
            )
            return
        if action == 0:
            await kit.digest.unsubscribe(person_id)
            await message.answer(
                T.render("digest_changed.j2", city=None), keyboard=inline([to_menu()])
            )
            return
    subscribed = await kit.digest.city_of(cx.person_id) if cx.person_id is not None else None
    rows: list[list[Button]] = []
    if city is not None and city.name != subscribed:
        rows.append([(T.label("digest_on", city=city.name), Digest(on=1).pack(), "positive")])
    if subscribed:
        rows.append([(T.label("digest_off"), Digest(on=0).pack())])
    if city is None:
        rows.append([(T.label("menu_city"), ChooseCity().pack())])
    rows.append(to_menu())
    await message.answer(
        T.render("digest_status.j2", subscribed=subscribed, city=city.name if city else None),
        keyboard=inline(rows),
    )
