"""The web chat for people: pick who you are, talk to communities, chats and other people.

Pages are rendered on the server with jinja2 (sandbox/templates); a little JavaScript
(sandbox/static/chat.js) sends messages, presses buttons and long-polls /updates, which answers
with freshly rendered fragments whenever something this person sees changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from core.vk.launch_params import sign_launch_params

from .errors import VkError
from .records import Conversation, Message, User, is_chat_peer
from .runtime import RUNTIME, SandboxRuntime

STATIC = Path(__file__).with_name("static")
THREAD_LIMIT = 150
MAX_WAIT_S = 25.0

_env = Environment(
    loader=PackageLoader("sandbox", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_URL = re.compile(r"https?://[^\s<>\"']+")
_MENTION = re.compile(r"\[(?:id|club|public)\d+\|([^\]]*)\]")
PALETTE = ("#e64646", "#ff8f1f", "#4bb34b", "#3f8ae0", "#792ec0", "#2a9d8f", "#b24c99", "#0a7bb5")


def rich_text(text: str) -> Markup:
    """Escaped text with links clickable and [id1|Имя] mentions shown as names."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        out.append(_mentions(text[position : match.start()]))
        url = match.group(0)
        out.append(f'<a href="{escape(url)}" target="_blank" rel="noopener">{escape(url)}</a>')
        position = match.end()
    out.append(_mentions(text[position:]))
    return Markup("".join(out))


def _mentions(chunk: str) -> str:
    escaped = str(escape(chunk))
    return _MENTION.sub(lambda m: f'<b class="mention">{m.group(1)}</b>', escaped)


_env.filters["rich"] = rich_text


def call_summary(call: dict[str, Any]) -> str:
    """A call attachment in one line: «📞 Звонок, 1 мин», «📞 Видеозвонок отменён»."""
    name = "Видеозвонок" if call.get("video") else "Звонок"
    state = call.get("state")
    if state == "canceled_by_initiator":
        return f"📞 {name} отменён"
    if state == "canceled_by_receiver":
        return f"📞 {name} отклонён"
    seconds = int(call.get("duration") or 0)
    if seconds < 60:
        return f"📞 {name}, {seconds} с"
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return f"📞 {name}, {minutes} мин"
    return f"📞 {name}, {hours} ч {minutes} мин" if minutes else f"📞 {name}, {hours} ч"


_env.filters["call_summary"] = call_summary

# Past-tense verbs of service messages: masculine, feminine, neuter (a community), and for «Вы».
_VERBS = {
    "created": ("создал", "создала", "создало", "создали"),
    "invited": ("пригласил", "пригласила", "пригласило", "пригласили"),
    "returned": ("вернулся", "вернулась", "вернулось", "вернулись"),
    "renamed": ("изменил", "изменила", "изменило", "изменили"),
    "removed": ("исключил", "исключила", "исключило", "исключили"),
    "left": ("вышел", "вышла", "вышло", "вышли"),
}
_MALE_SURNAME = ("ов", "ев", "ёв", "ин", "ын", "ий", "ой", "ский")
_FEMALE_SURNAME = ("ова", "ева", "ёва", "ина", "ына", "ая")


def _feminine(first_name: str, last_name: str) -> bool:
    """The sandbox keeps no sex field; Russian surnames and first names tell it well enough."""
    last = last_name.lower()
    if last.endswith(_FEMALE_SURNAME):
        return True
    if last.endswith(_MALE_SURNAME):
        return False
    return first_name.lower().endswith(("а", "я"))


# -- view models ---------------------------------------------------------------------------------

ROLE_NAMES = {"staff": "Педагоги", "student": "Ученики", "parent": "Родители"}


@dataclass
class Avatar:
    initials: str
    color: str

    @classmethod
    def of(cls, owner_id: int, title: str) -> Avatar:
        words = [w for w in re.split(r"[\s«»\"№]+", title) if w and w[0].isalnum()]
        initials = "".join(w[0] for w in words[:2]).upper() or "?"
        digest = hashlib.md5(str(owner_id).encode()).digest()[0]
        return cls(initials, PALETTE[digest % len(PALETTE)])


@dataclass
class ButtonView:
    kind: str
    label: str
    payload: str = ""
    color: str = "default"
    href: str = ""
    app_title: str = ""  # open_app: the registered mini-app's name, shown above its frame


@dataclass
class BubbleView:
    message_id: int
    cmid: int
    out: bool
    author: str
    avatar: Avatar
    text: str
    time: str
    edited: bool
    first_of_group: bool
    attachments: list[dict[str, Any]]
    keyboard: list[list[ButtonView]] | None = None
    system: bool = False


@dataclass
class PeerView:
    peer_id: int
    title: str
    subtitle: str
    avatar: Avatar
    kind: str  # community | chat | person
    last_text: str = ""
    last_time: str = ""
    last_date: int = 0
    active: bool = False


@dataclass
class ThreadView:
    peer: PeerView
    bubbles: list[BubbleView] = field(default_factory=list)
    keyboard: list[list[ButtonView]] | None = None
    notice: str = ""
    incoming_request: dict[str, Any] | None = None
    pending: list[str] = field(default_factory=list)
    allowed: bool | None = None  # community dialogs: may the community write?


class ChatViews:
    """Builds what one person sees, from the sandbox state."""

    def __init__(self, runtime: SandboxRuntime, user: User, via: str = "id") -> None:
        self.runtime = runtime
        self.state = runtime.state
        self.user = user
        self.via = via
        self.zone = ZoneInfo(runtime.config.timezone)

    def clock(self, unix: int) -> str:
        return datetime.fromtimestamp(unix, self.zone).strftime("%H:%M") if unix else ""

    def owner_name(self, owner_id: int) -> str:
        if owner_id < 0:
            community = self.state.communities.get(-owner_id)
            return community.name if community else f"club{-owner_id}"
        user = self.state.users.get(owner_id)
        return user.full_name if user else f"id{owner_id}"

    def verb(self, owner_id: int, key: str) -> str:
        masculine, feminine, neuter, polite = _VERBS[key]
        if owner_id == self.user.id:
            return polite
        if owner_id < 0:
            return neuter
        user = self.state.users.get(owner_id)
        return feminine if user and _feminine(user.first_name, user.last_name) else masculine

    def member_name(self, owner_id: int) -> str:
        # Names stay in the nominative: the sandbox cannot decline them as VK's name_case does.
        return "вас" if owner_id == self.user.id else self.owner_name(owner_id)

    def service_text(self, message: Message) -> str:
        """A service message as VK clients show it: «Ирина Смирнова создала беседу «9А»»."""
        action = message.action or {}
        author = "Вы" if message.from_id == self.user.id else self.owner_name(message.from_id)
        kind = action.get("type")
        member = action.get("member_id")
        if kind == "chat_create":
            verb = self.verb(message.from_id, "created")
            return f"{author} {verb} беседу «{action.get('text', '')}»"
        if kind == "chat_title_update":
            verb = self.verb(message.from_id, "renamed")
            return f"{author} {verb} название беседы на «{action.get('text', '')}»"
        if kind == "chat_invite_user" and isinstance(member, int):
            if member == message.from_id:
                return f"{author} {self.verb(member, 'returned')} в беседу"
            verb = self.verb(message.from_id, "invited")
            return f"{author} {verb} {self.member_name(member)}"
        if kind == "chat_kick_user" and isinstance(member, int):
            if member == message.from_id:
                return f"{author} {self.verb(member, 'left')} из беседы"
            verb = self.verb(message.from_id, "removed")
            return f"{author} {verb} {self.member_name(member)}"
        return f"{author}: служебное сообщение"

    def summary(self, message: Message) -> str:
        """One line for the conversation list."""
        if message.action is not None:
            return self.service_text(message)
        prefix = "Вы: " if message.from_id == self.user.id else ""
        return prefix + (message.text or _attachment_summary(message))

    def peer(self, peer_id: int, active: bool = False) -> PeerView:
        if is_chat_peer(peer_id):
            chat = self.state.chats.get(peer_id)
            title = chat.title if chat else "Беседа"
            members = len(chat.members) + len(chat.communities) if chat else 0
            view = PeerView(
                peer_id, title, f"беседа · {_members(members)}", Avatar.of(peer_id, title), "chat"
            )
        elif peer_id < 0:
            title = self.owner_name(peer_id)
            view = PeerView(peer_id, title, "сообщество", Avatar.of(peer_id, title), "community")
        else:
            other = self.state.users.get(peer_id)
            title = other.full_name if other else f"id{peer_id}"
            subtitle = other.profile.title if other and other.profile else "пользователь"
            view = PeerView(peer_id, title, subtitle, Avatar.of(peer_id, title), "person")
        view.active = active
        conv = self.state.conversation_for(self.user.id, peer_id)
        if conv is not None and conv.messages:
            last = conv.messages[-1]
            view.last_text = self.summary(last)
            view.last_time = self.clock(last.update_time or last.date)
            view.last_date = last.date
        return view

    def sidebar(self, active_peer: int | None) -> dict[str, Any]:
        conversations = self.user.conversations or {}
        talking = [self.peer(p, p == active_peer) for p in conversations]
        talking.sort(key=lambda v: -v.last_date)
        known = set(conversations)
        communities = [
            self.peer(-gid, -gid == active_peer)
            for gid in self.state.communities
            if -gid not in known
        ]
        people = sorted(
            (
                u
                for u in self.state.users.values()
                if u.id != self.user.id and u.id not in known and (u.profile or u.access_token)
            ),
            key=lambda u: (u.last_name, u.first_name),
        )[:500]
        incoming = [
            {"sender_id": s, "name": self.owner_name(s), "count": len(r.messages)}
            for (s, r_id), r in self.state.requests.items()
            if r_id == self.user.id and r.status == "pending"
        ]
        if (
            active_peer is not None
            and active_peer not in known
            and not any(v.peer_id == active_peer for v in communities)
        ):
            talking.insert(0, self.peer(active_peer, True))
        return {
            "talking": talking,
            "communities": communities,
            "people": people,
            "incoming": incoming,
        }

    def buttons(self, keyboard: dict[str, Any] | None, peer_id: int) -> list[list[ButtonView]]:
        rows: list[list[ButtonView]] = []
        for row in (keyboard or {}).get("buttons", []):
            views = []
            for button in row:
                action = button["action"]
                kind = action["type"]
                view = ButtonView(
                    kind,
                    action.get("label") or _DEFAULT_LABELS.get(kind, kind),
                    action.get("payload") or "",
                    button.get("color", "default"),
                )
                if kind == "open_link":
                    view.href = action["link"]
                elif kind == "open_app":
                    query = {"peer": str(peer_id), "owner_id": str(action.get("owner_id", ""))}
                    if action.get("hash"):
                        query["hash"] = action["hash"]
                    view.href = f"/chat/{self.user.id}/app/{action['app_id']}?" + urlencode(query)
                    app = self.state.apps.get(action["app_id"])
                    view.app_title = (app.title if app else "") or view.label
                views.append(view)
            rows.append(views)
        return rows

    def bubble(self, message: Message, previous: Message | None, peer_id: int) -> BubbleView:
        author = self.owner_name(message.from_id)
        keyboard = message.keyboard
        if message.action is not None:
            # A service line in the middle of the thread, not somebody's bubble.
            return BubbleView(
                message_id=message.id,
                cmid=message.cmid,
                out=False,
                author=author,
                avatar=Avatar.of(message.from_id, author),
                text=self.service_text(message),
                time=self.clock(message.date),
                edited=False,
                first_of_group=True,
                attachments=[],
                system=True,
            )
        return BubbleView(
            message_id=message.id,
            cmid=message.cmid,
            out=message.from_id == self.user.id,
            author=author,
            avatar=Avatar.of(message.from_id, author),
            text=message.text,
            time=self.clock(message.date),
            edited=bool(message.update_time),
            first_of_group=(
                previous is None
                or previous.from_id != message.from_id
                or previous.action is not None
            ),
            attachments=message.attachments or [],
            keyboard=self.buttons(keyboard, peer_id) if keyboard and keyboard["inline"] else None,
        )

    def thread(self, peer_id: int) -> ThreadView:
        conv = self.state.conversation_for(self.user.id, peer_id)
        view = ThreadView(self.peer(peer_id, True))
        if conv is not None:
            shown = conv.messages[-THREAD_LIMIT:]
            previous: Message | None = None
            for message in shown:
                view.bubbles.append(self.bubble(message, previous, peer_id))
                previous = message
            if conv.keyboard is not None:
                view.keyboard = self.buttons(conv.keyboard, peer_id)
        if peer_id < 0:
            community = self.state.communities.get(-peer_id)
            if community is not None:
                view.allowed = self.user.id in community.allowed
                if not view.bubbles:
                    view.notice = "Напишите сообществу первым: после этого оно сможет вам отвечать."
        elif peer_id > 0 and not is_chat_peer(peer_id):
            self._requests_into(view, peer_id, conv)
        return view

    def _requests_into(self, view: ThreadView, peer_id: int, conv: Conversation | None) -> None:
        outgoing = self.state.requests.get((self.user.id, peer_id))
        incoming = self.state.requests.get((peer_id, self.user.id))
        if outgoing is not None and outgoing.status == "pending":
            view.pending = [p.text for p in outgoing.messages]
            view.notice = (
                "Запрос на переписку отправлен. Сообщения будут доставлены, когда "
                "собеседник его примет."
            )
        elif outgoing is not None and outgoing.status == "declined":
            view.notice = "Собеседник отклонил запрос на переписку."
        if incoming is not None and incoming.status == "pending":
            view.incoming_request = {
                "sender_id": peer_id,
                "name": self.owner_name(peer_id),
                "messages": [p.text for p in incoming.messages],
            }
        fresh = not view.notice and incoming is None and (conv is None or not conv.messages)
        if fresh and self.via == "phone":
            view.notice = "Вы нашли собеседника по номеру телефона: первое сообщение — по правилам "
            view.notice += "общения для такого случая."


_DEFAULT_LABELS = {"location": "Отправить местоположение", "vkpay": "Оплатить через VK Pay"}


def _members(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} участник"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return f"{count} участника"
    return f"{count} участников"


def _attachment_summary(message: Message) -> str:
    names = {
        "photo": "Фотография",
        "doc": "Документ",
        "video": "Видео",
        "audio": "Аудиозапись",
        "wall": "Запись на стене",
        "link": "Ссылка",
    }
    kinds = [
        call_summary(a["call"])
        if a.get("type") == "call" and isinstance(a.get("call"), dict)
        else names.get(a.get("type", ""), "Вложение")
        for a in message.attachments or []
    ]
    return ", ".join(kinds)


# -- handlers --------------------------------------------------------------------------------------


def _runtime(request: web.Request) -> SandboxRuntime:
    return request.app[RUNTIME]


def _me(request: web.Request) -> User:
    runtime = _runtime(request)
    try:
        user = runtime.state.users.get(int(request.match_info["user_id"]))
    except ValueError:
        user = None
    if user is None:
        raise web.HTTPNotFound(text="Нет такого пользователя в песочнице")
    return user


def _peer(request: web.Request) -> int | None:
    raw = request.query.get("peer")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _html(template: str, **context: Any) -> web.Response:
    body = _env.get_template(template).render(**context)
    return web.Response(text=body, content_type="text/html")


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )


async def pick_page(request: web.Request) -> web.Response:
    """Choose who you are: demo people by role, then people created through the API."""
    state = _runtime(request).state
    groups: dict[str, list[User]] = {name: [] for name in (*ROLE_NAMES.values(), "Без роли")}
    others: list[User] = []
    for user in state.users.values():
        if user.profile is not None:
            role = next(
                (r for r in ("staff", "student", "parent") if r in user.profile.roles), None
            )
            groups[ROLE_NAMES[role] if role else "Без роли"].append(user)
        elif user.access_token is not None:
            others.append(user)
    for members in groups.values():
        members.sort(key=lambda u: (u.last_name, u.first_name))
    if others:
        groups["Созданные через API"] = sorted(others, key=lambda u: u.id)[:200]
    peer = _peer(request)
    return _html(
        "pick.html",
        groups={k: v for k, v in groups.items() if v},
        peer=peer,
        avatar=Avatar.of,
        communities=list(state.communities.values()),
    )


def _seen(runtime: SandboxRuntime, user: User, peer: int | None) -> None:
    """The person has the conversation open: everything in it is read, as a VK client marks it
    (the other side reads it as out_read in messages.getConversationsById)."""
    if peer is None:
        return
    conv = runtime.state.conversation_for(user.id, peer)
    if conv is not None:
        runtime.state.mark_read(conv, user.id)


async def chat_page(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    user = _me(request)
    peer = _peer(request)
    _seen(runtime, user, peer)
    via = "phone" if request.query.get("via") == "phone" else "id"
    views = ChatViews(runtime, user, via)
    return _html(
        "chat.html",
        me=user,
        me_avatar=Avatar.of(user.id, user.full_name),
        peer=peer,
        via=via,
        version=user.version,
        sidebar=views.sidebar(peer),
        thread=views.thread(peer) if peer is not None else None,
    )


def _fragments(views: ChatViews, peer: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": views.user.version,
        "sidebar": _env.get_template("_sidebar.html").render(
            sidebar=views.sidebar(peer), me=views.user, peer=peer
        ),
    }
    if peer is not None:
        thread = views.thread(peer)
        data["thread"] = _env.get_template("_thread.html").render(thread=thread, me=views.user)
        data["keyboard"] = _env.get_template("_keyboard.html").render(thread=thread)
        data["last_message"] = thread.bubbles[-1].message_id if thread.bubbles else 0
    return data


async def updates(request: web.Request) -> web.Response:
    """Long poll for the page: answers when this person's view changed, or after `wait`."""
    runtime = _runtime(request)
    user = _me(request)
    try:
        seen = int(request.query.get("v", "-1"))
        wait = min(float(request.query.get("wait", MAX_WAIT_S)), MAX_WAIT_S)
    except ValueError:
        raise web.HTTPBadRequest(text="v and wait must be numbers") from None
    await runtime.state.wait_user(user.id, seen, wait)
    via = "phone" if request.query.get("via") == "phone" else "id"
    peer = _peer(request)
    _seen(runtime, user, peer)  # what the page is about to show
    return _json(_fragments(ChatViews(runtime, user, via), peer))


ERROR_TEXTS = {
    901: "Нельзя написать этому человеку: правила общения не разрешают.",
    914: "Сообщение слишком длинное: не больше 9000 символов.",
    917: "Вы не участник этой беседы.",
    987: "Собеседник получит запрос на переписку. Сообщения дойдут, когда он его примет.",
    988: "Запрос на переписку ещё не принят.",
}


def error_text(error: VkError) -> str:
    if error.code == 901 and "confirm your role" in error.message:
        return "Сначала подтвердите свою роль: без неё писать ученикам нельзя."
    return ERROR_TEXTS.get(error.code, "Не удалось отправить сообщение.")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="JSON expected") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return data


async def _posted(request: web.Request) -> tuple[SandboxRuntime, User, dict[str, Any]]:
    """What every action of the page starts from: the runtime, who is signed in, the body."""
    return _runtime(request), _me(request), await _body(request)


def _peer_id(data: dict[str, Any]) -> int:
    try:
        return int(data["peer_id"])
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="peer_id is required") from None


async def send(request: web.Request) -> web.Response:
    runtime, user, data = await _posted(request)
    peer_id = _peer_id(data)
    text = str(data.get("text") or "")
    if not text.strip():
        return _json({"ok": False, "error": "Пустое сообщение."}, 400)
    try:
        message = runtime.messenger.send_from_user(
            user,
            peer_id,
            text,
            payload=data.get("payload") or None,
            via="phone" if data.get("via") == "phone" else "id",
            from_keyboard=bool(data.get("from_keyboard")),
        )
    except VkError as error:
        accepted_later = error.code in (987, 988)
        return _json(
            {"ok": False, "error": error_text(error), "code": error.code, "queued": accepted_later}
        )
    return _json({"ok": True, "message_id": message.id})


async def press(request: web.Request) -> web.Response:
    runtime, user, data = await _posted(request)
    peer_id = _peer_id(data)
    try:
        cmid = int(data["cmid"]) if data.get("cmid") else None
    except (TypeError, ValueError):
        # The page sends the cmid with the peer_id; a bad one has always been answered so.
        raise web.HTTPBadRequest(text="peer_id is required") from None
    try:
        event = runtime.messenger.press_callback(
            user,
            peer_id,
            cmid=cmid,
            payload=data.get("payload") or None,
            label=data.get("label"),
        )
    except LookupError:
        return _json({"ok": False, "error": "Кнопка больше не действует."}, 404)
    return _json({"ok": True, "event_id": event.event_id})


async def event_answer(request: web.Request) -> web.Response:
    """Waits (a little) for the bot's sendMessageEventAnswer to a pressed callback button."""
    runtime = _runtime(request)
    user = _me(request)
    event = runtime.state.button_events.get(request.match_info["event_id"])
    if event is None or event.user_id != user.id:
        raise web.HTTPNotFound(text="no such event")
    try:
        wait = min(float(request.query.get("wait", 10)), MAX_WAIT_S)
    except ValueError:
        wait = 10.0
    # Real time, not the sandbox clock: this only bounds how long the page waits.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not event.answered and (left := deadline - loop.time()) > 0:
        await runtime.state.wait_user(user.id, user.version, left)
    return _json({"answered": event.answered, "event_data": event.answer})


async def open_app(request: web.Request) -> web.Response:
    """Open a registered mini-app with VK launch parameters signed by its secret."""
    runtime = _runtime(request)
    user = _me(request)
    try:
        app_id = int(request.match_info["app_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    app = runtime.state.apps.get(app_id)
    if app is None:
        return _html("app_missing.html", app_id=app_id, me=user)
    peer = _peer(request)
    owner = request.query.get("owner_id", "")
    group_id = -int(owner) if owner.lstrip("-").isdigit() and int(owner) < 0 else None
    if group_id is None and peer is not None and peer < 0:
        group_id = -peer
    params = {
        "vk_access_token_settings": "",
        "vk_app_id": str(app_id),
        "vk_are_notifications_enabled": "0",
        "vk_is_app_user": "1",
        "vk_is_favorite": "0",
        "vk_language": "ru",
        "vk_platform": "desktop_web",
        "vk_ref": "im_chat" if peer is not None else "other",
        "vk_ts": str(runtime.state.unix_now()),
        "vk_user_id": str(user.id),
    }
    if group_id is not None:
        params["vk_group_id"] = str(group_id)
        params["vk_viewer_group_role"] = "none"
    params["sign"] = sign_launch_params(params, app.secret)
    separator = "&" if "?" in app.url else "?"
    target = app.url + separator + urlencode(params)
    if request.query.get("hash"):
        target += "#" + request.query["hash"]
    raise web.HTTPFound(target)


async def answer_request(request: web.Request) -> web.Response:
    runtime, user, data = await _posted(request)
    try:
        sender = int(request.match_info["sender_id"])
        runtime.messenger.answer_request(user, sender, data.get("action") == "accept")
    except (KeyError, ValueError):
        return _json({"ok": False, "error": "Запрос уже обработан."}, 404)
    return _json({"ok": True})


async def community_permission(request: web.Request) -> web.Response:
    runtime, user, data = await _posted(request)
    community = runtime.state.communities.get(int(request.match_info["group_id"]))
    if community is None:
        raise web.HTTPNotFound(text="no such community")
    (runtime.messenger.allow if data.get("allow") else runtime.messenger.deny)(user, community)
    return _json({"ok": True})
