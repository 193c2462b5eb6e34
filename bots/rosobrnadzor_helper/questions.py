"""A teacher's question in their own words: the best entry with its legal source, and buttons for
the next likely questions (the other close matches and the entry's related ones). Small talk gets
a short friendly reply with the menu, and a question the base does not answer (triage.py) says
so, with the way to ask a specialist."""

from __future__ import annotations

from core.bot import Button, Command, Ctx, InDialog, Message, PayloadHas, Pressed, PrivateChat

from .analysis import stems
from .appeal_dialog import start_appeal
from .appeals import is_operator
from .desk import NAME
from .kb import Entry, SearchResult
from .payloads import (
    Menu,
    MyAppeals,
    OpenEntry,
    StartAppeal,
)
from .triage import triage
from .ui import (
    LAST_QUESTION,
    MENU_WORDS,
    PlainText,
    Staff,
    T,
    actions,
    desk,
    fallback,
    inline,
    leave_dialog,
    menu_keyboard,
    short,
)

MAX_SUGGESTIONS = 4
# Stems of a short request for a person rather than an answer ("позовите оператора",
# "хочу поговорить с живым человеком"): such a message starts an appeal.
HUMAN = frozenset({"оператор", "специалист", "человек", "сотрудник", "жив", "консультант"})
HUMAN_MAX_WORDS = 6


def wants_a_person(text: str) -> bool:
    found = stems(text)
    return 0 < len(found) <= HUMAN_MAX_WORDS and any(s in HUMAN for s in found)


def entry_keyboard(entries: list[Entry]) -> str:
    rows: list[list[Button]] = [
        [(short(entry.title), OpenEntry(id=entry.entry_id).pack())]
        for entry in entries[:MAX_SUGGESTIONS]
    ]
    rows.append(
        [
            (T.label("ask_specialist"), StartAppeal().pack(), "primary"),
            (T.label("my_appeals"), MyAppeals().pack()),
        ]
    )
    return inline(rows)


async def suggestions(cx: Ctx, shown: Entry, others: list[Entry]) -> list[Entry]:
    """Other close matches first, then the entry's related ones; no repeats, no retired."""
    related = await desk(cx).kb.active(list(shown.related))
    picked: dict[str, Entry] = {}
    for entry in [*others, *related]:
        if entry.entry_id != shown.entry_id:
            picked.setdefault(entry.entry_id, entry)
    return list(picked.values())[:MAX_SUGGESTIONS]


async def reply_with_entry(
    message: Message, cx: Ctx, entry: Entry, result: SearchResult | None = None
) -> None:
    others = [hit.entry for hit in result.hits[1:]] if result is not None else []
    more = await suggestions(cx, entry, others)
    text = T.render(
        "answer.j2",
        entry=entry,
        fits=True if result is None else result.fits,
        corrections=result.corrections if result is not None else {},
        more=bool(more),
    )
    await message.answer(text, keyboard=entry_keyboard(more))


@actions.message(Staff & Pressed(OpenEntry))
async def open_entry(message: Message, cx: Ctx, payload: OpenEntry) -> None:
    await leave_dialog(cx)
    entry = await desk(cx).kb.get(payload.id or "")
    if entry is None:  # retired since the button was shown
        await message.answer(T.render("not_found.j2", question=""), keyboard=entry_keyboard([]))
        return
    await reply_with_entry(message, cx, entry)


@actions.message(
    PrivateChat()
    & Staff
    # {"command": "start"}: VK's own «Начать» button
    & (Command("rb_menu", *MENU_WORDS) | Pressed(Menu) | PayloadHas(command="start"))
)
async def menu(message: Message, cx: Ctx) -> None:
    await leave_dialog(cx)
    operator = is_operator(cx.identity)
    name = cx.identity.person.first_name if cx.identity.person else ""
    await message.answer(
        T.render("menu.j2", name=name, operator=operator), keyboard=menu_keyboard(operator)
    )


@fallback.message(PrivateChat() & Staff & InDialog() & PlainText)
async def question(message: Message, cx: Ctx) -> None:
    """The catch-all of a teacher's private chat: anything typed outside a dialog is a question."""
    text = (message.text or "").strip()
    if wants_a_person(text):
        await start_appeal(message, cx)
        return
    found = await triage(desk(cx).kb, text)
    if found.small_talk is not None:
        operator = is_operator(cx.identity)
        name = cx.identity.person.first_name if cx.identity.person else ""
        await message.answer(
            T.render("small_talk.j2", kind=found.small_talk, name=name),
            keyboard=menu_keyboard(operator),
        )
        return
    if cx.person_id is not None:
        await cx.services.storage(NAME).set(LAST_QUESTION.format(cx.person_id), text[:1000])
    result = found.result
    if result is None or result.best is None or not result.answered:
        await message.answer(T.render("not_found.j2", question=text), keyboard=entry_keyboard([]))
        return
    await reply_with_entry(message, cx, result.best.entry, result)


@fallback.message(PrivateChat() & ~Staff & InDialog() & PlainText)
async def not_for_you(message: Message, cx: Ctx) -> None:
    """Anything a student, a parent or a stranger types that no other bot took: the helper is for
    teachers, and says so rather than staying silent."""
    await message.answer(T.render("not_staff.j2", has_person=cx.identity.person is not None))
