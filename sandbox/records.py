"""The sandbox's in-memory records: compact, slotted, shared between the API, events and web chat.

Owner ids follow VK: a user is its positive id, a community is minus its group id, and a chat is
seen by everyone as peer 2000000000 + chat_id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from .events import EventLog

CHAT_PEER_BASE = 2_000_000_000

# The rights of a community token, named and numbered as groups.getTokenPermissions reports them
# (VK's bit mask). A community's own token has them all; the control API makes narrower ones.
COMMUNITY_TOKEN_RIGHTS: dict[str, int] = {
    "stories": 1,
    "photos": 4,
    "app_widget": 64,
    "messages": 4096,
    "wall": 8192,
    "docs": 131072,
    "manage": 262144,
}
ALL_COMMUNITY_RIGHTS = sum(COMMUNITY_TOKEN_RIGHTS.values())
MESSAGES_RIGHT = COMMUNITY_TOKEN_RIGHTS["messages"]


def is_chat_peer(peer_id: int) -> bool:
    return peer_id > CHAT_PEER_BASE


@dataclass(slots=True)
class Profile:
    """A person's Sferum profile: what the communication policy needs to judge a first message."""

    roles: tuple[str, ...] = ()  # "staff" | "parent" | "student"; empty means no confirmed role
    birth_date: date | None = None
    is_adult: bool | None = None
    phone: str | None = None
    org_ids: set[str] = field(default_factory=set)
    group_ids: set[str] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)  # users whose number this person saved
    children: set[int] = field(default_factory=set)
    title: str = ""  # e.g. "учитель · МБОУ СОШ № 112", shown in the web chat

    def adult_on(self, today: date) -> bool:
        """18 or older; an unknown age counts as a minor (the protective default of core.people)."""
        if self.birth_date is not None:
            born = self.birth_date
            years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            return years >= 18
        return bool(self.is_adult)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, sets sorted: one shape for the control API's answers and the store's
        column, so a profile reads back from the store exactly as the control API showed it."""
        return {
            "roles": list(self.roles),
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "is_adult": self.is_adult,
            "phone": self.phone,
            "org_ids": sorted(self.org_ids),
            "group_ids": sorted(self.group_ids),
            "contacts": sorted(self.contacts),
            "children": sorted(self.children),
            "title": self.title,
        }


# users_last_seen.platform of what a person does in the sandbox: 7 is VK's full web version (1-6
# are the mobile site and the apps), and the web chat is a web page.
PLATFORM_WEB = 7


@dataclass(slots=True)
class Page:
    """What a person's VK page shows beyond the name (users.get ``fields``), as VK returns it."""

    sex: int = 0  # base_sex: 0 not given, 1 female, 2 male
    city: tuple[int, str] | None = None  # base_city (id, title); VK leaves out a city not given
    screen_name: str | None = None  # the short address; without one VK answers "id<user id>"


class User:
    __slots__ = (
        "access_token",
        "chat_peers",
        "conversations",
        "first_name",
        "id",
        "last_name",
        "last_seen",
        "page",
        "profile",
        "version",
    )

    def __init__(
        self,
        user_id: int,
        first_name: str,
        last_name: str,
        profile: Profile | None = None,
        access_token: str | None = None,
    ) -> None:
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.profile = profile
        self.access_token = access_token
        self.page: Page | None = None
        # (unix time, platform) of the person's last action: users.get's last_seen. None until
        # they do something (or the demo seeding gives them a past visit); not persisted.
        self.last_seen: tuple[int, int] | None = None
        # Created lazily: a bulk-created audience of 100,000 should cost little until it chats.
        self.conversations: dict[int, Conversation] | None = None
        self.chat_peers: set[int] | None = None
        # Bumped whenever something this person sees changes; the web chat waits on it.
        self.version = 0

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Community:
    __slots__ = (
        "access_token",
        "allowed",
        "confirmation_code",
        "event_types",
        "events",
        "id",
        "longpoll_enabled",
        "messages_enabled",
        "name",
    )

    def __init__(
        self,
        group_id: int,
        name: str,
        access_token: str,
        confirmation_code: str,
        events: EventLog,
        event_types: set[str],
    ) -> None:
        self.id = group_id
        self.name = name
        self.access_token = access_token
        self.confirmation_code = confirmation_code
        # Users who wrote to the community or allowed its messages (and did not deny since).
        self.allowed: set[int] = set()
        self.events = events
        self.event_types = event_types
        self.longpoll_enabled = True
        # The community setting "Сообщения сообщества"; groups.getById reports it as can_message.
        self.messages_enabled = True

    @property
    def owner_id(self) -> int:
        return -self.id


class Message:
    """One message, stored once and rendered for whoever looks at it."""

    __slots__ = (
        "action",
        "attachments",
        "cmid",
        "conv",
        "date",
        "from_id",
        "id",
        "keyboard",
        "mentions",
        "payload",
        "random_id",
        "text",
        "update_time",
        "version",
    )

    def __init__(
        self,
        message_id: int,
        cmid: int,
        date: int,
        from_id: int,
        conv: Conversation,
        text: str,
        payload: str | None = None,
        keyboard: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        random_id: int = 0,
        mentions: tuple[int, ...] = (),
        action: dict[str, Any] | None = None,
    ) -> None:
        self.id = message_id
        self.cmid = cmid
        self.date = date
        self.from_id = from_id
        self.conv = conv
        self.text = text
        self.payload = payload
        self.keyboard = keyboard
        self.attachments = attachments
        self.random_id = random_id
        self.mentions = mentions
        # A service message (chat created, member invited): messages_message_action, text empty.
        self.action = action
        self.update_time = 0
        self.version = message_id


class Conversation:
    """A dialog between two owners (a, b with a < b) or the conversation of one chat."""

    __slots__ = ("a", "b", "chat", "keyboard", "messages", "read")

    def __init__(self, a: int, b: int, chat: Chat | None = None) -> None:
        self.a = a
        self.b = b
        self.chat = chat
        self.messages: list[Message] = []
        # The persistent (non-inline) keyboard a community left here, shown above the input box.
        self.keyboard: dict[str, Any] | None = None
        # Read marks: owner id -> the highest conversation_message_id that owner has read (a
        # person opening the dialog in the web chat, or writing in it). VK reports them as the
        # conversation's in_read / out_read (messages.getConversationsById).
        self.read: dict[int, int] = {}

    @property
    def next_cmid(self) -> int:
        # Messages are never deleted, so conversation_message_id is the 1-based position.
        return len(self.messages) + 1

    def by_cmid(self, cmid: int) -> Message | None:
        if 1 <= cmid <= len(self.messages):
            return self.messages[cmid - 1]
        return None

    def read_by(self, owner_id: int) -> int:
        """The highest cmid the owner has read; what they wrote themselves counts as read."""
        mark = self.read.get(owner_id, 0)
        for message in reversed(self.messages):
            if message.cmid <= mark:
                break
            if message.from_id == owner_id:
                return message.cmid
        return mark

    def peer_for(self, viewer: int) -> int:
        """The peer_id of this conversation as the viewer (an owner id) sees it."""
        if self.chat is not None:
            return self.chat.peer_id
        return self.b if viewer == self.a else self.a

    def has(self, owner_id: int) -> bool:
        if self.chat is not None:
            return self.chat.has(owner_id)
        return owner_id in (self.a, self.b)


class Chat:
    __slots__ = (
        "admin_communities",
        "admin_id",
        "communities",
        "conv",
        "joined",
        "members",
        "peer_id",
        "title",
    )

    def __init__(self, peer_id: int, title: str, admin_id: int) -> None:
        self.peer_id = peer_id
        self.title = title
        self.admin_id = admin_id
        self.members: set[int] = set()
        self.communities: set[int] = set()
        # Communities the chat's admin made admins of the chat (group ids). As in VK, a
        # community added to a chat is not one: it may write there, but reading the member
        # list (messages.getConversationMembers) answers error 917 until it is made admin.
        self.admin_communities: set[int] = set()
        self.joined: dict[int, int] = {}  # owner id -> unix time of joining
        self.conv = Conversation(peer_id, peer_id, self)

    @property
    def chat_id(self) -> int:
        return self.peer_id - CHAT_PEER_BASE

    def has(self, owner_id: int) -> bool:
        return owner_id in self.members if owner_id > 0 else -owner_id in self.communities

    def is_admin(self, owner_id: int) -> bool:
        """The chat's creator, or a community in the chat made its admin."""
        if owner_id == self.admin_id:
            return True
        return owner_id < 0 and -owner_id in self.admin_communities


@dataclass(slots=True)
class PendingText:
    text: str
    payload: str | None
    date: int


@dataclass(slots=True)
class MessageRequest:
    """A communication request: first messages wait here until the recipient accepts."""

    sender_id: int
    recipient_id: int
    created: int
    status: str = "pending"  # pending | accepted | declined
    messages: list[PendingText] = field(default_factory=list)


@dataclass(slots=True)
class ButtonEvent:
    """A callback button press, answerable by messages.sendMessageEventAnswer for a minute."""

    event_id: str
    group_id: int
    user_id: int
    peer_id: int  # as the community sees it
    cmid: int
    payload: Any
    created: datetime
    answer: dict[str, Any] | None = None
    answered: bool = False


@dataclass(slots=True)
class MiniApp:
    app_id: int
    url: str
    secret: str
    title: str = ""


@dataclass(slots=True)
class Stats:
    api_calls: int = 0
    messages_delivered: int = 0
    duplicates_suppressed: int = 0
    rate_limited: int = 0
    longpoll_requests: int = 0
    events_published: int = 0
    callback_attempts: int = 0
    callback_delivered: int = 0
    errors_by_code: dict[int, int] = field(default_factory=dict)

    def error(self, code: int, count: int = 1) -> None:
        self.errors_by_code[code] = self.errors_by_code.get(code, 0) + count

    def as_json(self) -> dict[str, Any]:
        # Every counter by its field name, so a counter added above is reported without a
        # second list to keep in step; the codes become JSON's string keys, in order.
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["errors_by_code"] = {str(code): n for code, n in sorted(self.errors_by_code.items())}
        return data
