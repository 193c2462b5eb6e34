"""Verification in every community: journal codes, invite links, the join-request dialog and the
admin's decisions. Mounted before plugin handlers; each rule matches narrowly."""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from vkbottle import GroupEventType
from vkbottle.bot import MessageEvent
from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.navigation import nav_word
from core.people import OrgKind, Position, RoleKind
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS as T

from .codes import looks_like_code
from .decisions import ROLE_TITLES, tell_requester
from .school_names import short_name
from .service import AlreadyDecided, JoinRequest, Status

log = logging.getLogger("sferum.verification")
labeler = BotLabeler()

_INVITE = re.compile(r"(?:ref=)?invite[-_:]([A-Za-z0-9_\-]{8,32})")
FLOW = "core.join."
CANCEL = {"core": "join", "do": "cancel"}


async def redeem_code(message: MessageMin, cx: Ctx) -> None:
    verification = cx.services.verification
    result = await verification.redeem_code(message.from_id, message.text or "")
    children: list[str] = []
    org_name = ""
    if result.status == Status.OK and result.person_id is not None:
        children = [p.full_name for p in await cx.services.people.children_of(result.person_id)]
        org = await cx.services.people.organisation(result.org_id or 0)
        org_name = org.name if org else ""
    await message.answer(
        T.render(
            "code_result.j2",
            status=result.status.value,
            role=result.role.value if result.role else "",
            children=children,
            org=org_name,
        )
    )


async def accept_invite(message: MessageMin, cx: Ctx, token: str) -> None:
    first, last = "", ""
    if cx.person_id is None:
        # A newcomer becomes a person by this link: by name, as the cabinet lists who joined.
        names = await cx.api.users.get(user_ids=[message.from_id])
        first, last = (names[0].first_name or "", names[0].last_name or "") if names else ("", "")
    result = await cx.services.verification.use_invite(message.from_id, token, first, last)
    org = await cx.services.people.organisation(result.org_id or 0)
    group = await cx.services.people.group(result.group_id or 0)
    await message.answer(
        T.render(
            "invite_result.j2",
            status=result.status.value,
            role=result.role.value if result.role else "",
            org=org.name if org else "",
            group=group.name if group else "",
        )
    )


# --- the join-request dialog ------------------------------------------------------------------
MAX_QUERY = 60  # characters of a typed search kept in the dialog


def _narrowed(
    buttons: list[keyboards.Button], query: str | None
) -> tuple[list[keyboards.Button], str | None, str]:
    """The buttons a typed ``query`` names, the query kept and the query that named none: then
    the whole list again, so that a typo does not leave the user before an empty page."""
    found = keyboards.search(buttons, query) if query else buttons
    missed = query if query and not found else ""
    if missed:
        return buttons, None, missed
    return found, query, missed


async def _answer_page(
    message: MessageMin,
    page_: keyboards.Page,
    step: str,
    query: str | None,
    missed: str,
    **values: Any,
) -> None:
    text = T.render(
        "join.j2",
        step=step,
        page=page_.number,
        pages=page_.count,
        query=query or "",
        found=page_.total,
        missed=missed,
        **values,
    )
    await message.answer(text, keyboard=keyboards.build(page_.rows))


async def _ask_org(message: MessageMin, cx: Ctx, page: int = 1, query: str | None = None) -> None:
    """The schools, a page at a time; a typed ``query`` narrows them to those it names."""
    schools = await cx.services.people.organisations(OrgKind.SCHOOL)
    if not schools:
        await message.answer(T.render("join.j2", step="no_orgs"))
        return
    buttons: list[keyboards.Button] = [(s.name, {"core": "join", "org": s.id}) for s in schools]
    found, query, missed = _narrowed(buttons, query)
    await cx.goto(FLOW + "org", q=query)
    back = {"core": "join", "do": "all"} if query else None
    # Searched by the full name, shown by the short one (the legal form abbreviated).
    page_ = keyboards.paged(
        [(short_name(label), payload) for label, payload in found],
        [keyboards.nav_row(back, CANCEL)],
        page=page,
        turn={"core": "join", "do": "page"},
    )
    await _answer_page(message, page_, "org", query, missed)


async def start_join(message: MessageMin, cx: Ctx) -> None:
    if cx.identity.roles:
        await message.answer(T.render("join.j2", step="verified"))
    await _ask_org(message, cx)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _typed_query(message: MessageMin) -> str:
    return " ".join((message.text or "").split())[:MAX_QUERY]


async def searched(message: MessageMin, cx: Ctx) -> None:
    """Text typed at the school or class step: the list narrowed to what it names."""
    query = _typed_query(message)
    if cx.dialog.step == FLOW + "group":
        await _ask_group(message, cx, query=query)
    else:
        await _ask_org(message, cx, query=query)


async def cancel_join(message: MessageMin, cx: Ctx) -> None:
    await cx.finish()
    await message.answer(T.render("join.j2", step="cancelled"), keyboard=keyboards.build([]))


async def _ask_role(message: MessageMin, cx: Ctx) -> None:
    org = await cx.services.people.organisation(int(cx.dialog.data["org"]))
    await cx.goto(FLOW + "role")
    rows = [
        [(T.label(f"role_{r}"), {"core": "join", "role": r}) for r in ("student", "parent")],
        [(T.label("role_staff"), {"core": "join", "role": "staff"})],
        keyboards.nav_row({"core": "join", "do": "back_org"}, CANCEL),
    ]
    await message.answer(
        T.render("join.j2", step="role", org=org.name if org else ""),
        keyboard=keyboards.build(rows),
    )


async def chose_org(message: MessageMin, cx: Ctx, payload: dict[str, Any]) -> None:
    if payload.get("do") in ("page", "all"):
        query = cx.dialog.data.get("q") if payload.get("do") == "page" else None
        await _ask_org(message, cx, keyboards.page_of(payload), query)
        return
    org = await cx.services.people.organisation(_int(payload.get("org")))
    if org is None or org.kind != OrgKind.SCHOOL:
        await _ask_org(message, cx)
        return
    await cx.goto(FLOW + "org", org=org.id, q=None)
    await _ask_role(message, cx)


async def _ask_group(message: MessageMin, cx: Ctx, page: int = 1, query: str | None = None) -> None:
    """The school's classes, a page at a time; a typed ``query`` («7б») narrows them."""
    groups = await cx.services.people.groups_of_org(int(cx.dialog.data["org"]))
    buttons: list[keyboards.Button] = [(g.name, {"core": "join", "group": g.id}) for g in groups]
    found, query, missed = _narrowed(buttons, query)
    await cx.goto(FLOW + "group", q=query)
    back = {"core": "join", "do": "all"} if query else {"core": "join", "do": "back_role"}
    page_ = keyboards.paged(
        found,
        [keyboards.nav_row(back, CANCEL)],
        page=page,
        turn={"core": "join", "do": "page"},
        per_row=4,
    )
    await _answer_page(message, page_, "group", query, missed, role=cx.dialog.data["role"])


async def _ask_comment(message: MessageMin, cx: Ctx) -> None:
    await cx.goto(FLOW + "comment")
    back = "back_group" if cx.dialog.data.get("group") else "back_role"
    rows = [keyboards.nav_row({"core": "join", "do": back}, CANCEL)]
    await message.answer(
        T.render("join.j2", step="comment", role=cx.dialog.data["role"]),
        keyboard=keyboards.build(rows),
    )


async def chose_role(message: MessageMin, cx: Ctx, payload: dict[str, Any]) -> None:
    if payload.get("do") == "back_org":
        await _ask_org(message, cx)
        return
    role = payload.get("role")
    if role not in ROLE_TITLES:
        await _ask_role(message, cx)
        return
    await cx.goto(FLOW + "role", role=role, group=None)
    if role == "staff":
        await _ask_comment(message, cx)
    else:
        await _ask_group(message, cx)


async def chose_group(message: MessageMin, cx: Ctx, payload: dict[str, Any]) -> None:
    if payload.get("do") == "back_role":
        await _ask_role(message, cx)
        return
    if payload.get("do") in ("page", "all"):
        query = cx.dialog.data.get("q") if payload.get("do") == "page" else None
        await _ask_group(message, cx, keyboards.page_of(payload), query)
        return
    group = await cx.services.people.group(_int(payload.get("group")))
    if group is None or group.org_id != cx.dialog.data["org"] or group.archived:
        await _ask_group(message, cx)
        return
    await cx.goto(FLOW + "group", group=group.id, q=None)
    await _ask_comment(message, cx)


async def wrote_comment(message: MessageMin, cx: Ctx) -> None:
    payload = keyboards_payload(message)
    if payload.get("do") == "back_group":
        await _ask_group(message, cx)
        return
    if payload.get("do") == "back_role":
        await _ask_role(message, cx)
        return
    text = (message.text or "").strip()
    if not text or payload:
        await _ask_comment(message, cx)
        return
    if len(text) > 300:
        await message.answer(T.render("join.j2", step="too_long"))
        return
    await cx.goto(FLOW + "confirm", comment=text)
    data = cx.dialog.data
    org = await cx.services.people.organisation(int(data["org"]))
    group = await cx.services.people.group(int(data["group"])) if data.get("group") else None
    rows = [
        [(T.label("confirm"), {"core": "join", "do": "send"}, "positive")],
        keyboards.nav_row({"core": "join", "do": "back_comment"}, CANCEL),
    ]
    await message.answer(
        T.render(
            "join.j2",
            step="confirm",
            org=org.name if org else "",
            role_title=ROLE_TITLES[data["role"]],
            group=group.name if group else "",
            comment=text,
        ),
        keyboard=keyboards.build(rows),
    )


def keyboards_payload(message: MessageMin) -> dict[str, Any]:
    from core.rules import payload_of

    return payload_of(message)


async def confirm_join(message: MessageMin, cx: Ctx, payload: dict[str, Any]) -> None:
    if payload.get("do") == "back_comment":
        await _ask_comment(message, cx)
        return
    if payload.get("do") != "send":
        return
    services = cx.services
    person_id = cx.person_id
    if person_id is None:
        names = await cx.api.users.get(user_ids=[message.from_id])
        first, last = (names[0].first_name or "", names[0].last_name or "") if names else ("", "")
        person_id = await services.people.ensure_vk_person(message.from_id, first, last)
        services.identities.invalidate(message.from_id)
    data = cx.dialog.data
    request_id = await services.verification.request_to_join(
        person_id,
        int(data["org"]),
        RoleKind(data["role"]),
        group_id=data.get("group"),
        position=Position.TEACHER if data["role"] == "staff" else None,
        comment=data.get("comment", ""),
        community_id=cx.group_id,
    )
    await cx.finish()
    org = await services.people.organisation(int(data["org"]))
    await message.answer(
        T.render("join.j2", step="sent", request_id=request_id, org=org.name if org else ""),
        keyboard=keyboards.build([]),
    )
    request = await services.verification.join_request(request_id)
    if request is not None:
        await _notify_admins(cx, request)


async def _describe(cx: Ctx, request: JoinRequest) -> dict[str, Any]:
    people = cx.services.people
    person = await people.person(request.person_id)
    group = await people.group(request.group_id) if request.group_id else None
    return {
        "id": request.id,
        "person": person.full_name if person else "?",
        "role_title": ROLE_TITLES[request.role.value],
        "group": group.name if group else "",
        "comment": request.comment,
    }


def _decision_keyboard(request_id: int) -> str:
    rows: list[list[keyboards.Button]] = [
        [
            (T.label("approve"), {"core": "join_decide", "id": request_id, "ok": 1}, "positive"),
            (T.label("reject"), {"core": "join_decide", "id": request_id, "ok": 0}, "negative"),
        ]
    ]
    return keyboards.build(rows, inline=True, callback=True)


async def _admins_of(cx: Ctx, org_id: int) -> list[int]:
    """The person ids of the organisation's admins who have a VK account."""
    rows = await cx.services.db.fetchall(
        "SELECT DISTINCT p.id FROM roles r JOIN persons p ON p.id = r.person_id "
        "WHERE r.org_id = ? AND r.role = 'staff' AND r.position = 'admin' "
        "AND r.revoked_at IS NULL AND p.vk_user_id IS NOT NULL ORDER BY p.id",
        (org_id,),
    )
    return [int(r["id"]) for r in rows]


async def _notify_admins(cx: Ctx, request: JoinRequest) -> None:
    org = await cx.services.people.organisation(request.org_id)
    details = await _describe(cx, request)
    text = T.render(
        "join_admin.j2",
        kind="new",
        r=request,
        org=org.name if org else "",
        person=details["person"],
        role_title=details["role_title"],
        group=details["group"],
    )
    # Not an answer to the admin's own message: it waits for their working hours (core/outbox).
    # An admin who never wrote to the bot is not reached; they see it in «заявки».
    for admin in await _admins_of(cx, request.org_id):
        await cx.services.outbox.deliver(
            group_id=cx.group_id,
            kind="core.join_request",
            key=f"{request.id}:{admin}",
            text=text,
            keyboard=_decision_keyboard(request.id),
            person_id=admin,
        )


async def list_requests(message: MessageMin, cx: Ctx) -> None:
    orgs = {r.org_id for r in cx.identity.roles if r.position == Position.ADMIN}
    pending = await cx.services.verification.pending_requests(orgs)
    items = [await _describe(cx, r) for r in pending[:10]]
    await message.answer(T.render("join_admin.j2", kind="list", requests=items))
    for request in pending[:10]:
        await message.answer(f"№ {request.id}", keyboard=_decision_keyboard(request.id))


class CorePress(ABCRule[MessageEvent]):
    """A callback press of core's own buttons; every other press goes on to the plugins."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def check(self, event: MessageEvent) -> bool | dict[str, Any]:
        payload = event.payload
        if isinstance(payload, dict) and payload.get("core") == self.action:
            return {"payload": payload}
        return False


@labeler.raw_event(GroupEventType.MESSAGE_EVENT, MessageEvent, CorePress("join_decide"))
async def decide_request(event: MessageEvent, cx: Ctx, payload: dict[str, Any]) -> None:
    services = cx.services
    request = await services.verification.join_request(int(payload.get("id", 0)))
    if (
        request is None
        or not cx.identity.has(RoleKind.STAFF, Position.ADMIN)
        or request.org_id
        not in {r.org_id for r in cx.identity.roles if r.position == Position.ADMIN}
    ):
        await event.show_snackbar(T.label("not_admin_snackbar"))
        return
    if request.status != "pending":
        await event.show_snackbar(T.label("already_decided_snackbar"))
        return
    approved = bool(payload.get("ok"))
    try:
        decided = await services.verification.decide(request.id, cx.person_id or 0, approved)
    except AlreadyDecided:  # another admin (here or in the cabinet) was quicker
        await event.show_snackbar(T.label("already_decided_snackbar"))
        return
    await event.show_snackbar(T.label("decided_snackbar"))
    await cx.api.messages.send(
        peer_id=event.peer_id,
        random_id=0,
        message=T.render("join_admin.j2", kind="decided", r=decided, approved=approved),
    )
    await tell_requester(services, decided, approved, group_id=cx.group_id)


# --- one routed entry point ---------------------------------------------------------------------
# Every message passes core's handlers before the plugins'. Ten handlers with combined rules cost
# vkbottle a dozen rule evaluations per message; one rule that picks the handler in plain Python
# keeps core's share of each event small (bench/dispatch.py).
JOIN_WORDS = frozenset({"join", "подтвердить роль", "заявка", "роль"})
REQUEST_WORDS = frozenset({"requests", "заявки"})
_STEP_HANDLERS = {
    FLOW + "org": chose_org,
    FLOW + "role": chose_role,
    FLOW + "group": chose_group,
    FLOW + "confirm": confirm_join,
}
SEARCH_STEPS = frozenset({FLOW + "org", FLOW + "group"})


def _command_word(text: str | None) -> str:
    return re.sub(r"[!?.,\s]+$", "", (text or "").strip()).lstrip("/").casefold()


class CoreRoute(ABCRule[MessageMin]):
    async def check(self, event: MessageMin, cx: Ctx) -> bool | dict[str, Any]:
        step = cx.dialog.step
        if step is not None and step.startswith(FLOW):
            payload = keyboards_payload(event)
            if payload.get("core") == "join" and payload.get("do") == "cancel":
                return {"route": cancel_join, "payload": payload}
            if step == FLOW + "comment":
                return {"route": wrote_comment, "payload": payload}
            handler = _STEP_HANDLERS.get(step)
            if handler is not None and payload.get("core") == "join":
                return {"route": handler, "payload": payload}
            if not payload and nav_word(event.text) is not None:
                # «меню», «Начать», «помощь» leave the join dialog; the community's navigation
                # (core/runtime/fallback.py) then opens the main bot's menu.
                await cx.finish()
                return False
            # Typed text at the school or class step searches the list.
            if step in SEARCH_STEPS and not payload and (event.text or "").strip():
                return {"route": searched}
            return False
        if event.peer_id >= 2_000_000_000:
            return False
        text = event.text or ""
        # Inside a plugin's dialog an eight-character answer ("12345678") belongs to the plugin.
        if step is None and looks_like_code(text):
            return {"route": redeem_code}
        for source in (getattr(event, "ref", None), text):
            match = _INVITE.search(source or "")
            if match:
                return {"route": accept_invite, "token": match[1]}
        word = _command_word(text) if len(text) < 40 else ""
        payload = keyboards_payload(event) if event.payload else {}
        if word in JOIN_WORDS or payload.get("cmd") == "join":
            return {"route": start_join}
        if (word in REQUEST_WORDS or payload.get("cmd") == "requests") and cx.identity.has(
            RoleKind.STAFF, Position.ADMIN
        ):
            return {"route": list_requests}
        return False


@labeler.message(CoreRoute())
async def core_entry(
    message: MessageMin,
    cx: Ctx,
    route: Any,
    payload: dict[str, Any] | None = None,
    token: str | None = None,
) -> None:
    # vkbottle fills only named parameters, so the route's extras are spelled out here.
    found = {"payload": payload, "token": token}
    arguments = inspect.signature(route).parameters
    await route(message, cx, **{k: v for k, v in found.items() if k in arguments})
