"""A teacher recommends an event to a class: pick the class, see what students will get,
confirm; the broadcast engine sends it and the teacher is told how many it reached."""

from __future__ import annotations

from core import keyboards
from core.bot import Ctx, HasRole, Message, Pressed, PrivateChat
from core.broadcast import BroadcastError
from core.broadcast.render import Renderer
from core.people import RoleKind

from ..kit import Kit
from ..recommend import class_facts, message_values, recommend, teacher_classes, template_source
from ..ui import CANCEL, Button, Recommend, T, chunk, inline, menu_keyboard, nav
from .common import labeler, leave_flow, who
from .listing import send_card

FLOW_GROUP = "pushkin_card.rec.group"
FLOW_CONFIRM = "pushkin_card.rec.confirm"
MAX_CLASSES = 36
INLINE_CLASSES = 8


@labeler.message(PrivateChat() & Pressed(Recommend) & ~HasRole(RoleKind.STAFF))
async def not_staff(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    await message.answer(T.render("staff_only.j2"), keyboard=menu_keyboard())


async def _ask_class(message: Message, cx: Ctx, event_id: int) -> None:
    kit = Kit.of(cx.services)
    event = await kit.catalog.event(event_id)
    person_id = cx.person_id
    if event is None or person_id is None:
        await leave_flow(cx)
        await message.answer(T.render("not_found.j2"), keyboard=menu_keyboard())
        return
    choices = (await teacher_classes(cx.services, person_id))[:MAX_CLASSES]
    if not choices:
        await leave_flow(cx)
        await message.answer(T.render("rec_no_groups.j2"), keyboard=menu_keyboard())
        return
    await cx.goto(FLOW_GROUP, event=event_id)
    buttons: list[keyboards.Button] = [
        (
            T.label("own_class" if c.own else "class_name", name=c.group.name),
            Recommend(g=c.group.id).pack(),
        )
        for c in choices
    ]
    back = Recommend(do="back")
    # An inline keyboard holds 8 classes beside Back and Cancel; bigger schools get a normal
    # keyboard (36), which hides itself after the press.
    if len(buttons) <= INLINE_CLASSES:
        keyboard = inline([*chunk(buttons, 4), nav(back)])
    else:
        rows = [*keyboards.chunk(buttons, 4), keyboards.nav_row(back.pack(), CANCEL, T)]
        keyboard = keyboards.build(rows, one_time=True)
    await message.answer(
        T.render("rec_groups.j2", event=event, any_own=any(c.own for c in choices)),
        keyboard=keyboard,
    )


@labeler.message(PrivateChat() & Pressed(Recommend))
async def pressed(message: Message, cx: Ctx, payload: Recommend) -> None:
    """The teacher's buttons: «Рекомендовать классу» under a card starts anew from anywhere;
    the others belong to the step the teacher is at."""
    if payload.e is not None:
        await leave_flow(cx)
        await _ask_class(message, cx, payload.e)
    elif cx.dialog.at(FLOW_CONFIRM):
        await confirm_step(message, cx, payload)
    elif cx.dialog.at(FLOW_GROUP):
        await class_step(message, cx, payload)
    else:
        await stale(message, cx)


async def confirm_step(message: Message, cx: Ctx, payload: Recommend) -> None:
    event_id = int(cx.dialog.data.get("event", 0))
    if payload.do != "send":  # Back, or a stale class button: pick again
        await _ask_class(message, cx, event_id)
        return
    group_id = int(cx.dialog.data.get("group", 0))
    await _send(message, cx, event_id, group_id)


async def _send(message: Message, cx: Ctx, event_id: int, group_id: int) -> None:
    kit = Kit.of(cx.services)
    event = await kit.catalog.event(event_id)
    group = await cx.services.people.group(group_id)
    await cx.finish()
    if event is None or group is None or cx.person_id is None:
        await message.answer(T.render("not_found.j2"), keyboard=menu_keyboard())
        return
    session = await kit.catalog.next_session(event_id, cx.services.clock.now())
    try:
        status = await recommend(
            cx.services,
            teacher_id=cx.person_id,
            community_id=cx.group_id,
            group_id=group.id,
            event=event,
            session=session,
        )
    except BroadcastError as exc:
        await message.answer(T.render("rec_error.j2", problem=str(exc)), keyboard=menu_keyboard())
        return
    reasons: dict[str, int] = {}
    for reason, count in status.reasons.items():
        if reason == "quiet_hours":
            continue
        key = "policy" if reason.startswith("policy:") else reason
        reasons[key] = reasons.get(key, 0) + count
    await message.answer(
        T.render("rec_sent.j2", group=group, status=status, reasons=reasons),
        keyboard=menu_keyboard(),
    )


async def class_step(message: Message, cx: Ctx, payload: Recommend) -> None:
    event_id = int(cx.dialog.data.get("event", 0))
    if payload.do == "back":
        await cx.finish()
        await send_card(message, cx, event_id, 0)  # the card is where the teacher came from
        return
    group_id = payload.g
    person_id = cx.person_id
    kit = Kit.of(cx.services)
    event = await kit.catalog.event(event_id)
    if person_id is None or event is None:
        await leave_flow(cx)
        await message.answer(T.render("not_found.j2"), keyboard=menu_keyboard())
        return
    allowed = {c.group.id: c.group for c in await teacher_classes(cx.services, person_id)}
    group = allowed.get(group_id or 0)
    if group is None:
        await _ask_class(message, cx, event_id)
        return
    person = await who(cx)
    now = cx.services.clock.now()
    school = await cx.services.people.organisation(group.org_id)
    today = now.astimezone(school.zone).date() if school else now.date()
    facts = await class_facts(cx.services, group.id, event, today)
    session = await kit.catalog.next_session(event_id, now)
    teacher = person.person.full_name if person.person else ""
    # Exactly what the engine will send, with a placeholder for each student's name.
    preview = Renderer(template_source(), message_values(event, session, teacher, now)).preview(
        {"first_name": T.label("preview_name")}
    )
    await cx.goto(FLOW_CONFIRM, event=event_id, group=group.id)
    rows: list[list[Button]] = []
    if not facts.too_young_for_event and facts.students:
        rows.append([(T.label("send"), Recommend(do="send").pack(), "positive")])
    rows.append(nav(Recommend(do="back")))
    await message.answer(
        T.render("rec_confirm.j2", group=group, event=event, facts=facts, preview=preview),
        keyboard=inline(rows),
    )


async def stale(message: Message, cx: Ctx) -> None:
    """A button of a recommendation that is over (sent or cancelled): back to the menu."""
    await leave_flow(cx)
    await message.answer(T.render("cancelled.j2"), keyboard=menu_keyboard())
