"""A teacher's appeal: category → text → documents (files, photos, links) → confirm; the
teacher's list and the rating.

A document or photo the teacher sends is copied once into the community's own files
(core/vk/uploads.py): the operators get that copy with the appeal, and it stays with the appeal
whatever becomes of the teacher's message.

The appeal is always filed as the person who writes (their verified staff identity from the
context), never as anyone a payload names.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from core.bot import Button, Command, Ctx, InDialog, Message, Pressed, PrivateChat, StepView, chunk
from core.vk.uploads import files_in, keep_all

from .appeals import (
    ANSWER_DAYS,
    CATEGORIES,
    MAX_FILES,
    MAX_LINKS,
    MAX_TEXT,
    MIN_TEXT,
    AppealError,
    extract_links,
    is_operator,
)
from .desk import NAME
from .payloads import (
    Back,
    Cancel,
    ChooseCategory,
    LinksDone,
    Menu,
    MyAppeals,
    RateAnswer,
    SendAppeal,
    ShowAppeal,
    StartAppeal,
    UseQuestion,
)
from .ui import (
    APPEAL,
    APPEAL_WORDS,
    LAST_QUESTION,
    MINE_WORDS,
    PlainText,
    Staff,
    T,
    actions,
    attempt,
    desk,
    inline,
    leave_dialog,
    menu_keyboard,
    nav,
    steps,
)


async def _last_question(cx: Ctx) -> str:
    if cx.person_id is None:
        return ""
    value = await cx.services.storage(NAME).get(LAST_QUESTION.format(cx.person_id), "")
    return value if isinstance(value, str) else ""


# --- the steps, each with Back and Cancel --------------------------------------------------------
async def start_appeal(message: Message, cx: Ctx) -> None:
    await cx.finish()
    await cx.goto(APPEAL + "category", links=[])
    buttons: list[Button] = [(T.label(f"cat_{c}"), ChooseCategory(c=c).pack()) for c in CATEGORIES]
    await message.answer(
        T.render("appeal_category.j2"),
        keyboard=inline([*chunk(buttons, 2), nav(Menu())]),
    )


async def ask_text(message: Message, cx: Ctx, problem: str = "") -> None:
    await cx.goto(APPEAL + "text")
    question = await _last_question(cx)
    usable = MIN_TEXT <= len(question) <= MAX_TEXT
    rows: list[list[Button]] = []
    if usable:
        rows.append([(T.label("use_question"), UseQuestion().pack())])
    rows.append(nav())
    await message.answer(
        T.render("appeal_text.j2", question=question if usable else "", problem=problem),
        keyboard=inline(rows),
    )


def _file_names(cx: Ctx) -> list[str]:
    return [str(title) for _kind, _attachment, title in cx.dialog.data.get("files") or []]


async def attach_files(message: Message, cx: Ctx) -> list[tuple[str, str]]:
    """Keep the message's documents and photos with the appeal being written; returns the
    (name, reason) of those that could not be kept."""
    kept = list(cx.dialog.data.get("files") or [])
    files, failed = await keep_all(cx.api, message, kept, MAX_FILES)
    await cx.goto(cx.dialog.step or APPEAL + "text", files=files)
    return failed


async def ask_links(
    message: Message,
    cx: Ctx,
    *,
    added: bool = False,
    nothing: bool = False,
    files_added: bool = False,
    failed: list[tuple[str, str]] | None = None,
) -> None:
    await cx.goto(APPEAL + "links")
    links = list(cx.dialog.data.get("links") or [])
    files = _file_names(cx)
    done = T.label("links_more_done" if links or files else "links_done")
    await message.answer(
        T.render(
            "appeal_links.j2",
            links=links,
            limit=MAX_LINKS,
            added=added,
            nothing=nothing,
            files=files,
            file_limit=MAX_FILES,
            files_added=files_added,
            failed=failed or [],
        ),
        keyboard=inline([[(done, LinksDone().pack(), "primary")], nav()]),
    )


async def ask_confirm(message: Message, cx: Ctx) -> None:
    await cx.goto(APPEAL + "confirm")
    data = cx.dialog.data
    zone = cx.services.settings.timezone
    for role in cx.identity.roles:
        org = await cx.services.people.organisation(role.org_id)
        if org is not None:
            zone = org.timezone
            break
    due = (cx.services.clock.now() + timedelta(days=ANSWER_DAYS)).astimezone(ZoneInfo(zone))
    await message.answer(
        T.render(
            "appeal_confirm.j2",
            category=T.label(f"cat_{data.get('category', 'other')}"),
            text=data.get("text", ""),
            links=data.get("links") or [],
            files=_file_names(cx),
            due=due.strftime("%d.%m.%Y"),
        ),
        keyboard=inline([[(T.label("send"), SendAppeal().pack(), "positive")], nav()]),
    )


@actions.message(
    PrivateChat() & Staff & (Pressed(StartAppeal) | Command("rb_appeal", *APPEAL_WORDS))
)
async def begin(message: Message, cx: Ctx) -> None:
    await start_appeal(message, cx)


@steps.message(InDialog(prefix=APPEAL) & Pressed(Cancel))
async def cancel(message: Message, cx: Ctx) -> None:
    await cx.finish()
    await message.answer(
        T.render("appeal_cancelled.j2"), keyboard=menu_keyboard(is_operator(cx.identity))
    )


# Where Back leads from each step: the view of the step before (from the first one, Cancel).
BACK_TO: dict[str, StepView] = {"text": start_appeal, "links": ask_text, "confirm": ask_links}


@steps.message(InDialog(prefix=APPEAL) & Pressed(Back))
async def back(message: Message, cx: Ctx) -> None:
    view = BACK_TO.get((cx.dialog.step or "").removeprefix(APPEAL), cancel)
    await view(message, cx)


@steps.message(InDialog(APPEAL + "category") & Pressed(ChooseCategory))
async def chose_category(message: Message, cx: Ctx, payload: ChooseCategory) -> None:
    category = payload.c
    await cx.goto(APPEAL + "category", category=category if category in CATEGORIES else "other")
    await ask_text(message, cx)


@steps.message(InDialog(APPEAL + "text") & Pressed(UseQuestion))
async def use_question(message: Message, cx: Ctx) -> None:
    await wrote_text_value(message, cx, await _last_question(cx))


@steps.message(InDialog(APPEAL + "text") & PlainText)
async def wrote_text(message: Message, cx: Ctx) -> None:
    if files_in(message):  # a photo of the order with the text of the appeal as its caption
        await attach_files(message, cx)
    await wrote_text_value(message, cx, message.text or "")


async def wrote_text_value(message: Message, cx: Ctx, text: str) -> None:
    text = text.strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        await ask_text(message, cx, problem=T.label("err_bad_text"))
        return
    # Links in the text itself count as attachments too.
    await cx.goto(APPEAL + "text", text=text, links=extract_links(text)[:MAX_LINKS])
    await ask_links(message, cx)


@steps.message(InDialog(APPEAL + "links") & Pressed(LinksDone))
async def links_done(message: Message, cx: Ctx) -> None:
    await ask_confirm(message, cx)


@steps.message(InDialog(APPEAL + "links"))
async def wrote_links(message: Message, cx: Ctx) -> None:
    links = list(cx.dialog.data.get("links") or [])
    found = [link for link in extract_links(message.text or "") if link not in links]
    if files_in(message):
        failed = await attach_files(message, cx)
        if not found:
            await ask_links(message, cx, files_added=len(failed) < len(files_in(message)),
                            failed=failed)  # fmt: skip
            return
    if not found:
        await ask_links(message, cx, nothing=True)
        return
    links = (links + found)[:MAX_LINKS]
    await cx.goto(APPEAL + "links", links=links)
    await ask_links(message, cx, added=True)


@steps.message(InDialog(APPEAL + "confirm") & Pressed(SendAppeal))
async def send(message: Message, cx: Ctx) -> None:
    data = dict(cx.dialog.data)
    helper = desk(cx)
    try:
        appeal, _posted = await helper.file(
            cx.identity,
            group_id=cx.group_id,
            category=str(data.get("category", "other")),
            text=str(data.get("text", "")),
            links=[str(link) for link in data.get("links") or []],
            files=[(str(k), str(a), str(t)) for k, a, t in data.get("files") or []],
        )
    except AppealError as exc:
        await cx.finish()
        await message.answer(T.label(f"err_{exc.reason}"))
        return
    await cx.finish()
    await message.answer(
        T.render("appeal_filed.j2", **await helper.describe(appeal)),
        keyboard=menu_keyboard(is_operator(cx.identity)),
    )


# Anything else at a step (a typed word, a stale button) shows that step again. Registered after
# the steps' own handlers: the router tries handlers in the order they were registered.
for _step, _view in (("category", start_appeal), ("text", ask_text), ("confirm", ask_confirm)):
    steps.message(InDialog(APPEAL + _step))(_view)


# --- the teacher's appeals -------------------------------------------------------------------
@actions.message(PrivateChat() & Staff & (Pressed(MyAppeals) | Command("rb_mine", *MINE_WORDS)))
async def mine(message: Message, cx: Ctx) -> None:
    await leave_dialog(cx)
    helper = desk(cx)
    appeals = await helper.mine(cx.person_id or 0)
    items = [await helper.describe(a) for a in appeals[:10]]
    buttons: list[Button] = [
        (T.label("open_number", number=a.number), ShowAppeal(a=a.id).pack()) for a in appeals[:8]
    ]
    ask: Button = (T.label("ask_specialist"), StartAppeal().pack(), "primary")
    rows = [*chunk(buttons, 2), [ask]]
    await message.answer(T.render("my_appeals.j2", items=items), keyboard=inline(rows))


@actions.message(PrivateChat() & Staff & Pressed(ShowAppeal))
async def show(message: Message, cx: Ctx, payload: ShowAppeal) -> None:
    await leave_dialog(cx)
    helper = desk(cx)
    appeal = await helper.store.get(payload.a or 0)
    if appeal is None or appeal.person_id != cx.person_id:
        await message.answer(T.label("err_not_found"))
        return
    rows: list[list[Button]] = []
    if appeal.answer and appeal.rating is None:
        rows.append(
            [(T.label("rate", n=n), RateAnswer(a=appeal.id, r=n).pack()) for n in range(1, 6)]
        )
    rows.append([(T.label("my_appeals"), MyAppeals().pack())])
    await message.answer(
        T.render("appeal_card.j2", author_view=True, **await helper.describe(appeal)),
        keyboard=inline(rows),
    )


@actions.message(PrivateChat() & Staff & Pressed(RateAnswer))
async def rate(message: Message, cx: Ctx, payload: RateAnswer) -> None:
    await leave_dialog(cx)
    appeal = await attempt(
        message, desk(cx).store.rate(payload.a or 0, cx.identity, payload.r or 0)
    )
    if appeal is None:
        return
    await message.answer(T.render("rated.j2", a=appeal))
