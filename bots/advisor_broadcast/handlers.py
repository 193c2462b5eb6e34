"""The counsellor's dialog: audience → text (with preview) → buttons → time → confirm; lists and
reports; cancel. Every step has Back and Cancel; non-staff get a clear refusal."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from core.bot import (
    Command,
    Ctx,
    InDialog,
    Message,
    Pressed,
    PrivateChat,
    StepView,
    TextMatches,
    Typed,
    keyboards,
)
from core.broadcast import Audience, BroadcastError, BroadcastSpec, CancelRefused, LinkButton
from core.broadcast.audience import resolve
from core.broadcast.render import TemplateError
from core.people import Organisation
from core.policy import Outcome
from core.scheduling import Weekly
from core.vk.uploads import MAX_FILES, HasFiles, files_in, keep_all

from . import audiences, reports
from .payloads import (
    AddLink,
    Answers,
    At,
    AudienceKind,
    Confirm,
    Day,
    Details,
    DropFiles,
    Find,
    GroupsDone,
    GroupsPage,
    Menu,
    New,
    Reports,
    Scheduled,
    School,
    Stop,
    ToggleGroup,
    ToWhen,
    When,
    flow,
)
from .shared import FLOW, STAFF, labeler, texts
from .when import DAY_LABELS, WhenError, parse_moment, parse_time

AUDIENCES = ("org", "staff", "students", "parents", "groups", "group_parents")
_LINK = re.compile(r"^\s*(.{1,40}?)\s*[—–-]\s*(https://\S+)\s*$")


def _t(name: str, **values: Any) -> str:
    return texts.render(name, **values)


async def _org(cx: Ctx) -> Organisation | None:
    # The school chosen in this dialog (a staff member of two schools picks one), else theirs.
    return await audiences.school(cx)


def _menu_keyboard() -> str:
    return keyboards.build(
        [
            [(texts.label("new"), New().pack(), "primary")],
            [
                (texts.label("scheduled"), Scheduled().pack()),
                (texts.label("reports"), Reports().pack()),
            ],
            [(texts.label("answers"), Answers().pack())],
        ]
    )


@labeler.message(
    PrivateChat() & ~STAFF & (Command("menu", "меню", "начать", "start", "рассылка") | Pressed(New))
)
async def refuse(message: Message, cx: Ctx) -> None:
    await message.answer(_t("menu.j2", refused=True))


@labeler.message(
    PrivateChat() & STAFF & (Command("menu", "меню", "начать", "start", "рассылка") | Pressed(Menu))
)
async def menu(message: Message, cx: Ctx) -> None:
    await cx.finish()
    person = cx.identity.person
    await message.answer(
        _t("menu.j2", refused=False, first_name=person.first_name if person else ""),
        keyboard=_menu_keyboard(),
    )


async def cancel(message: Message, cx: Ctx) -> None:
    await cx.finish()
    await message.answer(_t("step.j2", step="cancelled"), keyboard=_menu_keyboard())


# «Назад» and «Отмена» at every step of the dialog (replies.py's too), before the steps'
# handlers, so a step that takes anything typed never sees them. A Back to a step nobody knows
# (forged): the audience step.
async def _unknown_back(message: Message, cx: Ctx) -> None:
    await ask_audience(message, cx)


flow.install(labeler, InDialog(prefix=FLOW), on_cancel=cancel, on_unknown=_unknown_back)


# --- step 1: audience -------------------------------------------------------------------------
async def ask_audience(message: Message, cx: Ctx) -> None:
    org = await _org(cx)
    # Only the audiences this person may address in this school (core.broadcast.addressing).
    offered = await audiences.kinds(cx, org) if org is not None else []
    if not offered:
        await cx.finish()
        await message.answer(_t("step.j2", step="no_audience"), keyboard=_menu_keyboard())
        return
    await cx.goto(FLOW + "audience")
    buttons: list[keyboards.Button] = [
        (texts.label(f"aud_{kind}"), AudienceKind(kind=kind).pack()) for kind in offered
    ]
    several = len(await audiences.schools(cx)) > 1
    rows = [*keyboards.chunk(buttons, 2), flow.nav_to("school" if several else Menu())]
    school = org.name if several and org is not None else ""
    await message.answer(
        _t("step.j2", step="audience", school=school), keyboard=keyboards.build(rows)
    )


@labeler.message(PrivateChat() & STAFF & Pressed(New))
async def new_broadcast(message: Message, cx: Ctx) -> None:
    await cx.finish()
    if len(await audiences.schools(cx)) > 1:
        await audiences.ask_school(message, cx)
        return
    await ask_audience(message, cx)


@labeler.message(InDialog(FLOW + "school") & Pressed(School))
async def chose_school(message: Message, cx: Ctx, payload: School) -> None:
    # The id comes from a button anyone can forge: only a school of this person's is taken.
    chosen = payload.id
    if not any(org.id == chosen for org in await audiences.schools(cx)):
        await audiences.ask_school(message, cx)
        return
    await cx.goto(FLOW + "audience", org=chosen)
    await ask_audience(message, cx)


async def ask_groups(message: Message, cx: Ctx, org: Organisation, page: int = 1) -> None:
    """The classes a page at a time (a big school has more than a keyboard holds); each class
    button carries its page, so ticking a class shows the same page again."""
    groups = await audiences.classes(cx, org, cx.dialog.data.get("kind", "groups"))
    chosen = set(cx.dialog.data.get("groups", []))
    fixed = [
        [(texts.label("done"), GroupsDone().pack(), "positive")],
        flow.nav("groups"),
    ]
    window = keyboards.page_window(len(groups), fixed, page=page, per_row=4)
    shown = groups[window.first : window.first + window.size]
    buttons: list[keyboards.Button] = [
        (
            ("✓ " if g.id in chosen else "") + g.name,
            ToggleGroup(id=g.id, page=window.number).pack(),
        )
        for g in shown
    ]
    rows = [
        *keyboards.chunk(buttons, 4),
        keyboards.pager_row(window, GroupsPage().pack()),
        *fixed,
    ]
    names = [g.name for g in groups if g.id in chosen]
    await message.answer(
        _t("step.j2", step="groups", chosen=names, page=window.number, pages=window.count),
        keyboard=keyboards.build(rows),
    )


@labeler.message(InDialog(FLOW + "audience") & Pressed(AudienceKind))
async def chose_audience(message: Message, cx: Ctx, payload: AudienceKind) -> None:
    kind = payload.kind
    org = await _org(cx)
    if org is None or kind not in await audiences.kinds(cx, org):
        await ask_audience(message, cx)
        return
    await cx.goto(FLOW + "audience", kind=kind, groups=[], buttons=[], files=[])
    if kind in ("groups", "group_parents"):
        await cx.goto(FLOW + "groups")
        await ask_groups(message, cx, org)
    else:
        await ask_text(message, cx)


@labeler.message(InDialog(FLOW + "groups") & Pressed(ToggleGroup))
async def toggle_group(message: Message, cx: Ctx, payload: ToggleGroup) -> None:
    org = await _org(cx)
    group = await cx.services.people.group(payload.id or 0)
    if org is None:
        return
    offered = await audiences.classes(cx, org, cx.dialog.data.get("kind", "groups"))
    if group is not None and group in offered:
        chosen = set(cx.dialog.data.get("groups", []))
        chosen ^= {group.id}
        await cx.goto(FLOW + "groups", groups=sorted(chosen))
    await ask_groups(message, cx, org, payload.page if payload.page and payload.page > 0 else 1)


@labeler.message(InDialog(FLOW + "groups") & Pressed(GroupsPage))
async def turn_groups_page(message: Message, cx: Ctx, payload: GroupsPage) -> None:
    org = await _org(cx)
    if org is not None:
        await ask_groups(message, cx, org, payload.page_number)


@labeler.message(InDialog(FLOW + "groups") & Pressed(GroupsDone))
async def groups_done(message: Message, cx: Ctx) -> None:
    if not cx.dialog.data.get("groups"):
        await message.answer(_t("step.j2", step="no_groups"))
        org = await _org(cx)
        if org is not None:
            await ask_groups(message, cx, org)
        return
    await ask_text(message, cx)


# --- step 2: text and buttons -----------------------------------------------------------------
async def ask_text(message: Message, cx: Ctx) -> None:
    await cx.goto(FLOW + "text")
    rows = [flow.nav("text", cx)]
    await message.answer(
        _t("step.j2", step="text", files=_file_names(cx)), keyboard=keyboards.build(rows)
    )


def _file_names(cx: Ctx) -> list[str]:
    return [str(title) for _kind, _attachment, title in cx.dialog.data.get("files", [])]


async def attach_files(message: Message, cx: Ctx) -> None:
    """The documents and photos of the counsellor's message join the broadcast: each is copied
    once into the community's own files (core/vk/uploads.py), and that copy is what every
    recipient gets. A file that cannot be taken is named, and the rest are kept."""
    kept = list(cx.dialog.data.get("files", []))
    files, failed = await keep_all(cx.api, message, kept, MAX_FILES)
    await cx.goto(cx.dialog.step or FLOW + "text", files=files)
    if failed:
        await message.answer(_t("step.j2", step="file_failed", failed=failed))


def _audience(data: dict[str, Any], org_id: int) -> Audience:
    kind = data["kind"]
    groups = tuple(int(g) for g in data.get("groups", []))
    return {
        "org": Audience.organisation(org_id),
        "staff": Audience.staff(org_id),
        "students": Audience.students(org_id),
        "parents": Audience.parents(org_id),
        "groups": Audience.groups(*groups),
        "group_parents": Audience.group_parents(*groups),
    }[kind]


async def show_preview(message: Message, cx: Ctx) -> None:
    data = cx.dialog.data
    engine = cx.services.broadcasts
    org = await _org(cx)
    if org is None:
        return
    sample_ids = await resolve(cx.services.db, _audience(data, org.id))
    sample = {"first_name": "Анна", "last_name": "", "class_name": "7Б", "child_name": "Миша"}
    if sample_ids:
        from core.broadcast.render import load_recipients

        first = await load_recipients(
            cx.services.db, sample_ids[:1], frozenset({"class_name", "child_name"})
        )
        sample = first[sample_ids[0]].values if sample_ids[0] in first else sample
    spec = BroadcastSpec(cx.person_id or 0, cx.group_id, _audience(data, org.id), data["text"])
    preview = engine.preview(spec, sample)
    await cx.goto(FLOW + "preview")
    rows: list[list[keyboards.Button]] = [
        [(texts.label("next"), ToWhen().pack(), "positive")],
        [
            (texts.label("add_link"), AddLink().pack()),
            (texts.label("edit_text"), flow.back_button("text")[1]),
        ],
        flow.nav("preview"),
    ]
    if data.get("files"):
        rows.insert(2, [(texts.label("drop_files"), DropFiles().pack())])
    await message.answer(
        _t(
            "step.j2",
            step="preview",
            preview=preview,
            buttons=data.get("buttons", []),
            files=_file_names(cx),
        ),
        keyboard=keyboards.build(rows),
        dont_parse_links=True,
        # The files themselves, as the recipients will get them (the same copies).
        attachment=",".join(str(a) for _kind, a, _title in data.get("files", [])) or None,
    )


# (Back and Cancel are taken before: the flow is installed above the steps.)
@labeler.message(InDialog(FLOW + "text"))
async def wrote_text(message: Message, cx: Ctx) -> None:
    text = (message.text or "").strip()
    if files_in(message) and not cx.payload:
        await attach_files(message, cx)
        if not text:  # the files came first: the text is still to write
            await ask_text(message, cx)
            return
    if not text or cx.payload:
        await ask_text(message, cx)
        return
    org = await _org(cx)
    try:
        spec = BroadcastSpec(
            cx.person_id or 0, cx.group_id, Audience.organisation(org.id if org else 0), text
        )
        cx.services.broadcasts.preview(
            spec, {"first_name": "Анна", "class_name": "7Б", "child_name": "Миша"}
        )
        if len(text) > 4000:
            raise TemplateError("текст длиннее 4000 символов")
    except TemplateError as exc:
        await message.answer(_t("step.j2", step="bad_text", error=str(exc)))
        return
    await cx.goto(FLOW + "text", text=text, title=text.splitlines()[0][:60])
    await show_preview(message, cx)


@labeler.message(InDialog(FLOW + "preview") & HasFiles())
async def files_to_preview(message: Message, cx: Ctx) -> None:
    await attach_files(message, cx)
    await show_preview(message, cx)


@labeler.message(InDialog(FLOW + "preview") & Pressed(DropFiles))
async def drop_files(message: Message, cx: Ctx) -> None:
    await cx.goto(FLOW + "preview", files=[])
    await show_preview(message, cx)


@labeler.message(InDialog(FLOW + "preview") & Pressed(AddLink))
async def ask_link(message: Message, cx: Ctx) -> None:
    await cx.goto(FLOW + "link")
    rows = [flow.nav("link")]
    await message.answer(_t("step.j2", step="link"), keyboard=keyboards.build(rows))


@labeler.message(InDialog(FLOW + "link"))
async def wrote_link(message: Message, cx: Ctx) -> None:
    match = _LINK.match(message.text or "")
    if match is None or len(cx.dialog.data.get("buttons", [])) >= 5:
        await message.answer(_t("step.j2", step="bad_link"))
        return
    buttons = [*cx.dialog.data.get("buttons", []), [match[1], match[2]]]
    await cx.goto(FLOW + "link", buttons=buttons)
    await show_preview(message, cx)


# --- step 3: when -----------------------------------------------------------------------------
async def ask_when(message: Message, cx: Ctx) -> None:
    await cx.goto(FLOW + "when")
    rows: list[list[keyboards.Button]] = [
        [(texts.label("now"), When(kind="now").pack(), "positive")],
        [
            (texts.label("at"), When(kind="at").pack()),
            (texts.label("weekly"), When(kind="weekly").pack()),
        ],
        flow.nav("when"),
    ]
    await message.answer(_t("step.j2", step="when"), keyboard=keyboards.build(rows))


@labeler.message(InDialog(FLOW + "preview") & Pressed(ToWhen))
async def to_when(message: Message, cx: Ctx) -> None:
    await ask_when(message, cx)


async def ask_at(message: Message, cx: Ctx, org: Organisation) -> None:
    await cx.goto(FLOW + "at")
    rows = [
        [
            (texts.label("today_18"), At(text="сегодня 18:00").pack()),
            (texts.label("tomorrow_9"), At(text="завтра 9:00").pack()),
        ],
        flow.nav("at"),
    ]
    await message.answer(
        _t("step.j2", step="at", zone=org.timezone), keyboard=keyboards.build(rows)
    )


async def ask_weekly(message: Message, cx: Ctx) -> None:
    await cx.goto(FLOW + "weekly")
    days = cx.dialog.data.get("days", [])
    buttons: list[keyboards.Button] = [
        (("✓ " if i + 1 in days else "") + label, Day(d=i + 1).pack())
        for i, label in enumerate(DAY_LABELS)
    ]
    rows = [*keyboards.chunk(buttons, 4), flow.nav("weekly")]
    await message.answer(
        _t("step.j2", step="weekly", days=[DAY_LABELS[d - 1] for d in days]),
        keyboard=keyboards.build(rows),
    )


@labeler.message(InDialog(FLOW + "when") & Pressed(When))
async def chose_when(message: Message, cx: Ctx, payload: When) -> None:
    org = await _org(cx)
    if org is None:
        return
    kind = payload.kind
    if kind == "now":
        await cx.goto(FLOW + "when", when={"kind": "now"})
        await ask_confirm(message, cx, org)
    elif kind == "at":
        await ask_at(message, cx, org)
    elif kind == "weekly":
        await cx.goto(FLOW + "when", days=[])
        await ask_weekly(message, cx)


@labeler.message(InDialog(FLOW + "at"))
async def wrote_at(message: Message, cx: Ctx) -> None:
    org = await _org(cx)
    if org is None:
        return
    pressed = At.parse(cx.payload)  # «сегодня 18:00» is read as if it was typed
    text = (pressed.text if pressed is not None else None) or message.text or ""
    try:
        moment = parse_moment(str(text), cx.services.clock.now(), org.zone)
    except WhenError as exc:
        await message.answer(_t("step.j2", step="bad_at", error=str(exc)))
        return
    await cx.goto(FLOW + "at", when={"kind": "at", "at": moment.isoformat()})
    await ask_confirm(message, cx, org)


@labeler.message(InDialog(FLOW + "weekly") & Pressed(Day))
async def toggle_day(message: Message, cx: Ctx, payload: Day) -> None:
    day = payload.d or 0
    days = set(cx.dialog.data.get("days", []))
    if 1 <= day <= 7:
        days ^= {day}
    await cx.goto(FLOW + "weekly", days=sorted(days))
    await ask_weekly(message, cx)


@labeler.message(InDialog(FLOW + "weekly"))
async def wrote_weekly_time(message: Message, cx: Ctx) -> None:
    org = await _org(cx)
    days = cx.dialog.data.get("days", [])
    try:
        at = parse_time(message.text or "")
    except WhenError:
        at = None
    if org is None or not days or at is None:
        await message.answer(_t("step.j2", step="bad_weekly"))
        return
    await cx.goto(
        FLOW + "weekly", when={"kind": "weekly", "days": days, "time": at.strftime("%H:%M")}
    )
    await ask_confirm(message, cx, org)


# --- step 4: confirm --------------------------------------------------------------------------
def _describe_when(data: dict[str, Any], org: Organisation) -> str:
    when = data.get("when", {"kind": "now"})
    if when["kind"] == "at":
        from datetime import datetime

        return datetime.fromisoformat(when["at"]).astimezone(org.zone).strftime("%d.%m.%Y %H:%M")
    if when["kind"] == "weekly":
        return ", ".join(DAY_LABELS[d - 1] for d in when["days"]) + " в " + str(when["time"])
    return texts.label("now")


def _spec(cx: Ctx, org: Organisation) -> BroadcastSpec:
    from datetime import datetime, time

    data = cx.dialog.data
    when = data.get("when", {"kind": "now"})
    schedule: datetime | Weekly | None = None
    if when["kind"] == "at":
        schedule = datetime.fromisoformat(when["at"])
    elif when["kind"] == "weekly":
        hours, minutes = (int(x) for x in when["time"].split(":"))
        schedule = Weekly(tuple(when["days"]), time(hours, minutes), org.timezone)
    return BroadcastSpec(
        author_person_id=cx.person_id or 0,
        group_id=cx.group_id,
        audience=_audience(data, org.id),
        template=data["text"],
        title=data.get("title", ""),
        buttons=tuple(LinkButton(label, url) for label, url in data.get("buttons", [])),
        attachments=tuple(str(attachment) for _kind, attachment, _t in data.get("files", [])),
        schedule=schedule,
        source="advisor_broadcast",
    )


async def ask_confirm(message: Message, cx: Ctx, org: Organisation) -> None:
    spec = _spec(cx, org)
    ids = [i for i in await resolve(cx.services.db, spec.audience) if i != cx.person_id]
    decisions = await cx.services.policy.outcomes(cx.person_id or 0, ids)
    allowed = sum(1 for d in decisions.values() if d.outcome == Outcome.ALLOW)
    await cx.goto(FLOW + "confirm")
    rows = [
        [(texts.label("confirm"), Confirm().pack(), "positive")],
        flow.nav("confirm", cx),
    ]
    audience_label = texts.label(f"aud_{cx.dialog.data['kind']}").rstrip("…")
    if cx.dialog.data.get("groups"):
        names = [
            g.name
            for g in await cx.services.people.groups_of_org(org.id)
            if g.id in cx.dialog.data["groups"]
        ]
        audience_label += " " + ", ".join(names)
    await message.answer(
        _t(
            "step.j2",
            step="confirm",
            files=_file_names(cx),
            audience=audience_label,
            allowed=allowed,
            skipped=len(ids) - allowed,
            when=_describe_when(cx.dialog.data, org),
            preview=cx.services.broadcasts.preview(
                spec, {"first_name": "Анна", "class_name": "7Б", "child_name": "Миша"}
            ),
        ),
        keyboard=keyboards.build(rows),
        dont_parse_links=True,
    )


@labeler.message(InDialog(FLOW + "confirm") & Pressed(Confirm))
async def confirm(message: Message, cx: Ctx) -> None:
    org = await _org(cx)
    if org is None:
        return
    spec = _spec(cx, org)
    try:
        broadcast_id = await cx.services.broadcasts.create(spec)
    except (BroadcastError, TemplateError) as exc:
        await message.answer(_t("step.j2", step="error", error=str(exc)))
        return
    when = _describe_when(cx.dialog.data, org)
    await cx.finish()
    await message.answer(
        _t(
            "step.j2",
            step="created",
            id=broadcast_id,
            recurring=spec.recurring,
            scheduled=spec.schedule is not None,
            when=when,
        ),
        keyboard=_menu_keyboard(),
    )


# --- Back from any step: the flow's steps ----------------------------------------------------
def _text_back(cx: Ctx) -> str:
    return "groups" if cx.dialog.data.get("kind") in ("groups", "group_parents") else "audience"


def _confirm_back(cx: Ctx) -> str:
    kind = cx.dialog.data.get("when", {}).get("kind", "now")
    return {"now": "when", "at": "at", "weekly": "weekly"}.get(kind, "when")


def _in_school(view: Callable[[Message, Ctx, Organisation], Awaitable[None]]) -> StepView:
    """A step of one school's broadcast: without a school (no longer staff) the audience step
    says so and ends the dialog."""

    async def show(message: Message, cx: Ctx) -> None:
        org = await _org(cx)
        if org is None:
            await ask_audience(message, cx)
            return
        await view(message, cx, org)

    return show


async def _groups_again(message: Message, cx: Ctx, org: Organisation) -> None:
    await cx.goto(FLOW + "groups")
    await ask_groups(message, cx, org)


async def _text_again(message: Message, cx: Ctx, org: Organisation) -> None:
    await ask_text(message, cx)


async def _preview_again(message: Message, cx: Ctx, org: Organisation) -> None:
    await show_preview(message, cx)


async def _when_again(message: Message, cx: Ctx, org: Organisation) -> None:
    await ask_when(message, cx)


async def _weekly_again(message: Message, cx: Ctx, org: Organisation) -> None:
    await ask_weekly(message, cx)


flow.add("school", audiences.ask_school, back_to=Menu())
flow.add("audience", ask_audience)  # its Back (the school step or the menu): ask_audience
flow.add("groups", _in_school(_groups_again), back_to="audience")
flow.add("text", _in_school(_text_again), back_to=_text_back)
flow.add("preview", _in_school(_preview_again), back_to="text")
flow.add("link", None, back_to="preview")
flow.add("when", _in_school(_when_again), back_to="preview")
flow.add("at", _in_school(ask_at), back_to="when")
flow.add("weekly", _in_school(_weekly_again), back_to="when")
flow.add("confirm", None, back_to=_confirm_back)


# --- lists, reports, cancel -------------------------------------------------------------------
LIST_LIMIT = 60  # the author's latest broadcasts the lists page through and search
MAX_QUERY = 60  # characters of a typed search kept in the dialog


# Typed text, not a button of any bot.
TypedText = TextMatches(r"\S") & Typed()


async def send_list(
    message: Message, cx: Ctx, *, scheduled: bool, page: int = 1, query: str | None = None
) -> None:
    """Scheduled broadcasts or reports, a page at a time; «Найти» narrows them by typed words
    of the title or the number."""
    items = await cx.services.broadcasts.recent(cx.person_id, limit=LIST_LIMIT)
    if scheduled:
        items = [
            b
            for b in items
            if b.status in ("scheduled", "pending") or (b.recurring and b.status != "cancelled")
        ]
    found = [b for b in items if keyboards.matches(f"{b.id} {b.title}", query)] if query else items
    missed = query if query and not found else ""
    if missed:
        query, found = None, items
    kind = "scheduled" if scheduled else "reports"
    buttons: list[keyboards.Button] = [
        (texts.label("cancel_broadcast", id=b.id), Stop(id=b.id).pack(), "negative")
        if scheduled
        else (texts.label("details", id=b.id), Details(id=b.id).pack())
        for b in found
    ]
    fixed: list[list[keyboards.Button]] = [[(texts.label("menu"), Menu().pack())]]
    if len(items) > 1:
        fixed[0].insert(0, (texts.label("find"), Find(kind=kind).pack()))
    listing = Scheduled if scheduled else Reports
    turn = listing(f=1 if query else None).pack()
    page_ = keyboards.paged(buttons, fixed, page=page, turn=turn)
    await cx.finish()
    if query:
        await cx.goto(FLOW + "found", q=query)
    shown = found[page_.first : page_.first + len(page_.items)]
    await message.answer(
        _t(
            "list.j2",
            items=shown,
            scheduled=scheduled,
            page=page_.number,
            pages=page_.count,
            total=page_.total,
            query=query or "",
            missed=missed,
        ),
        keyboard=keyboards.build(page_.rows),
    )


@labeler.message(PrivateChat() & STAFF & Pressed(Scheduled, Reports))
async def list_broadcasts(message: Message, cx: Ctx, payload: Scheduled | Reports) -> None:
    # «Ещё» under search results pages on through the same search.
    searching = bool(payload.f) and cx.dialog.at(FLOW + "found")
    query = str(cx.dialog.data.get("q") or "") if searching else ""
    await send_list(
        message,
        cx,
        scheduled=isinstance(payload, Scheduled),
        page=payload.page_number,
        query=query or None,
    )


@labeler.message(PrivateChat() & STAFF & Pressed(Find))
async def ask_find(message: Message, cx: Ctx, payload: Find) -> None:
    scheduled = payload.kind == "scheduled"
    await cx.finish()
    await cx.goto(FLOW + "find", kind="scheduled" if scheduled else "reports")
    rows = [flow.nav_to(Scheduled() if scheduled else Reports())]
    await message.answer(_t("list_find.j2"), keyboard=keyboards.build(rows))


@labeler.message(InDialog(FLOW + "find") & TypedText)
async def find(message: Message, cx: Ctx) -> None:
    scheduled = cx.dialog.data.get("kind") == "scheduled"
    query = " ".join((message.text or "").split())[:MAX_QUERY]
    await send_list(message, cx, scheduled=scheduled, query=query)


def _reason_label(reason: str) -> str:
    key = reason.split(":")[1] if reason.startswith("policy:") else reason
    try:
        return texts.label(f"reason_{key}")
    except KeyError:
        return texts.label("reason_other")


@labeler.message(PrivateChat() & STAFF & Pressed(Details))
async def details(message: Message, cx: Ctx, payload: Details) -> None:
    try:
        status = await cx.services.broadcasts.status(payload.id or 0)
    except BroadcastError:
        return
    if status.author_person_id != cx.person_id:
        return
    reasons: dict[str, int] = {}
    for reason, count in status.reasons.items():
        label = _reason_label(reason)
        reasons[label] = reasons.get(label, 0) + count
    # By audience group, with VK's read marks and the recipients' answers (reports.py).
    await reports.show(message, cx, status, sorted(reasons.items()))


@labeler.message(PrivateChat() & STAFF & Pressed(Stop))
async def stop(message: Message, cx: Ctx, payload: Stop) -> None:
    # The id comes from the button's payload, which anyone can write: the engine decides who
    # may cancel (the author, an admin over the broadcast's school).
    try:
        await cx.services.broadcasts.cancel(payload.id or 0, cx.person_id or 0)
    except CancelRefused:
        await message.answer(_t("step.j2", step="cancel_refused"), keyboard=_menu_keyboard())
        return
    except BroadcastError as exc:
        await message.answer(_t("step.j2", step="error", error=str(exc)))
        return
    await list_broadcasts(message, cx, Scheduled())
