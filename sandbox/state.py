"""All sandbox state in memory: who exists, who may write to whom, every conversation and message.

Persistence is write-behind: mutations tell the optional journal what changed and the store
flushes in batches, so delivering a message costs microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterable

from core.clock import Clock

from .config import SandboxConfig
from .events import MESSAGE_EVENT_TYPES, EventLog
from .journal import Journal
from .records import (
    ALL_COMMUNITY_RIGHTS,
    CHAT_PEER_BASE,
    ButtonEvent,
    Chat,
    Community,
    Conversation,
    Message,
    MessageRequest,
    MiniApp,
    Profile,
    Stats,
    User,
    is_chat_peer,
)
from .uploads import UploadStore

FIRST_GROUP_ID = 200_000_001
FIRST_USER_ID = 1_000_001


def new_token() -> str:
    # Shaped like VK's community and user tokens.
    return "vk1.a." + secrets.token_urlsafe(48)


class SandboxState:
    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.stats = Stats()
        self.salt = secrets.token_hex(4)
        self.communities: dict[int, Community] = {}
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.dialogs: dict[tuple[int, int], Conversation] = {}
        self.messages: dict[int, Message] = {}
        self.requests: dict[tuple[int, int], MessageRequest] = {}
        self.button_events: dict[str, ButtonEvent] = {}
        self.apps: dict[int, MiniApp] = {}
        self.tokens: dict[str, Community | User] = {}
        # Rights of the community tokens made narrower than a community's own (which has all).
        self.token_rights: dict[str, int] = {}
        # (sender owner id, peer as the sender sees it, random_id) -> (message, unix time)
        self.dedupe: dict[tuple[int, int, int], tuple[Message, float]] = {}
        self.next_message_id = 1
        # Documents and photos uploaded for messages, and their upload tickets (uploads.py).
        self.uploads = UploadStore(config)
        self.journal: Journal | None = None
        self._user_waiters: dict[int, asyncio.Event] = {}

    # -- time ---------------------------------------------------------------------------------

    def unix_now(self) -> int:
        return int(self.clock.now().timestamp())

    # -- communities and users ----------------------------------------------------------------

    def create_community(
        self, name: str, group_id: int | None = None, access_token: str | None = None
    ) -> Community:
        if group_id is None:
            group_id = max(self.communities, default=FIRST_GROUP_ID - 1) + 1
        if group_id in self.communities:
            raise ValueError(f"community {group_id} already exists")
        token = access_token or new_token()
        if token in self.tokens:
            raise ValueError("access_token is already in use")
        community = Community(
            group_id,
            name,
            token,
            secrets.token_hex(4),
            EventLog(self.config.longpoll_history),
            set(MESSAGE_EVENT_TYPES),
        )
        self.communities[group_id] = community
        self.tokens[token] = community
        if self.journal is not None:
            self.journal.community(community)
        return community

    def community_by_name(self, name: str) -> Community | None:
        return next((c for c in self.communities.values() if c.name == name), None)

    def _next_user_id(self) -> int:
        return max(max(self.users, default=0), FIRST_USER_ID - 1) + 1

    def create_user(
        self,
        first_name: str,
        last_name: str,
        user_id: int | None = None,
        profile: Profile | None = None,
    ) -> User:
        if user_id is None:
            user_id = self._next_user_id()
        if user_id <= 0 or user_id >= CHAT_PEER_BASE:
            raise ValueError("user_id must be a positive id below 2000000000")
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = User(user_id, first_name, last_name, profile, new_token())
        self.users[user_id] = user
        assert user.access_token is not None
        self.tokens[user.access_token] = user
        if self.journal is not None:
            self.journal.user(user)
        return user

    def create_users_bulk(
        self, count: int, first_name: str, last_name: str, allow_group_id: int | None
    ) -> tuple[int, int]:
        """Many plain users at once (broadcast audiences); no tokens, to keep them cheap."""
        first = self._next_user_id()
        allowed = self.communities[allow_group_id].allowed if allow_group_id else None
        users = self.users
        for user_id in range(first, first + count):
            users[user_id] = User(user_id, first_name, last_name)
        if allowed is not None:
            allowed.update(range(first, first + count))
        if self.journal is not None:
            self.journal.bulk_users(first, count, first_name, last_name, allow_group_id)
        return first, first + count - 1

    def actor_for_token(self, token: str) -> Community | User | None:
        return self.tokens.get(token)

    def rights_of(self, token: str) -> int:
        """The rights mask of a community token (VK's groups.getTokenPermissions mask)."""
        return self.token_rights.get(token, ALL_COMMUNITY_RIGHTS)

    def add_community_token(
        self, community: Community, rights: int, access_token: str | None = None
    ) -> str:
        """Another token of the community with only the given rights, as an admin creates one
        in the community's settings (Работа с API → Создать ключ)."""
        token = access_token or new_token()
        if token in self.tokens:
            raise ValueError("access_token is already in use")
        self.tokens[token] = community
        self.token_rights[token] = rights
        if self.journal is not None:
            self.journal.community_token(token, community.id, rights)
        return token

    def set_allowed(self, community: Community, user_id: int, allowed: bool) -> None:
        if allowed:
            community.allowed.add(user_id)
        else:
            community.allowed.discard(user_id)
        if self.journal is not None:
            self.journal.allowed(community.id, user_id, allowed)

    # -- chats ---------------------------------------------------------------------------------

    def create_chat(self, title: str, admin_id: int, peer_id: int | None = None) -> Chat:
        if peer_id is None:
            peer_id = max(max(self.chats, default=0), CHAT_PEER_BASE) + 1
        if not is_chat_peer(peer_id) or peer_id in self.chats:
            raise ValueError(f"chat peer {peer_id} is taken or not a chat peer id")
        chat = Chat(peer_id, title, admin_id)
        self.chats[peer_id] = chat
        if self.journal is not None:
            self.journal.chat(chat)
        return chat

    def add_chat_members(
        self,
        chat: Chat,
        user_ids: list[int],
        group_ids: list[int],
        *,
        admin_group_ids: Iterable[int] = (),
    ) -> list[int]:
        """Add members; returns the owner ids that were not in the chat yet, in order.
        Communities in ``admin_group_ids`` (also added when missing) become admins of the chat;
        the others join as VK adds a community: without admin rights."""
        admins = list(admin_group_ids)
        group_ids = [*group_ids, *(g for g in admins if g not in group_ids)]
        now = self.unix_now()
        added: list[int] = []
        for user_id in user_ids:
            user = self.users[user_id]
            if user_id not in chat.members:
                added.append(user_id)
            chat.members.add(user_id)
            chat.joined.setdefault(user_id, now)
            if user.chat_peers is None:
                user.chat_peers = set()
            user.chat_peers.add(chat.peer_id)
            self._index(user, chat.peer_id, chat.conv)
        for group_id in group_ids:
            if group_id not in self.communities:
                raise KeyError(group_id)
            if group_id not in chat.communities:
                added.append(-group_id)
            chat.communities.add(group_id)
            chat.joined.setdefault(-group_id, now)
        chat.admin_communities.update(admins)
        if self.journal is not None:
            self.journal.chat(chat)
        return added

    def set_chat_admin(self, chat: Chat, group_id: int, admin: bool) -> None:
        """The chat's admin gives a community in the chat admin rights, or takes them back."""
        if group_id not in chat.communities:
            raise KeyError(group_id)
        if admin:
            chat.admin_communities.add(group_id)
        else:
            chat.admin_communities.discard(group_id)
        if self.journal is not None:
            self.journal.chat(chat)

    # -- conversations and messages ------------------------------------------------------------

    @staticmethod
    def _index(user: User, peer_id: int, conv: Conversation) -> None:
        if user.conversations is None:
            user.conversations = {}
        user.conversations[peer_id] = conv

    def dialog(self, x: int, y: int) -> Conversation:
        """The dialog between two owners, created on first use."""
        key = (x, y) if x < y else (y, x)
        conv = self.dialogs.get(key)
        if conv is None:
            conv = self.dialogs[key] = Conversation(key[0], key[1])
            for owner, other in ((x, y), (y, x)):
                user = self.users.get(owner) if owner > 0 else None
                if user is not None:
                    self._index(user, other, conv)
        return conv

    def find_dialog(self, x: int, y: int) -> Conversation | None:
        return self.dialogs.get((x, y) if x < y else (y, x))

    def conversation_for(self, viewer: int, peer_id: int) -> Conversation | None:
        """The conversation the viewer calls peer_id, if the viewer takes part in it."""
        if is_chat_peer(peer_id):
            chat = self.chats.get(peer_id)
            return chat.conv if chat is not None and chat.has(viewer) else None
        return self.find_dialog(viewer, peer_id)

    def add_message(
        self,
        conv: Conversation,
        from_id: int,
        text: str,
        *,
        payload: str | None = None,
        keyboard: dict[str, object] | None = None,
        attachments: list[dict[str, object]] | None = None,
        random_id: int = 0,
        mentions: tuple[int, ...] = (),
        date: int | None = None,
        action: dict[str, object] | None = None,
    ) -> Message:
        message_id = self.next_message_id
        self.next_message_id = message_id + 1
        message = Message(
            message_id,
            len(conv.messages) + 1,
            self.unix_now() if date is None else date,
            from_id,
            conv,
            text,
            payload,
            keyboard,
            attachments,
            random_id,
            mentions,
            action,
        )
        conv.messages.append(message)
        self.messages[message_id] = message
        if self.journal is not None:
            self.journal.message(message)
        return message

    def mark_read(self, conv: Conversation, owner_id: int) -> bool:
        """The owner has seen every message of the conversation (opened it in the web chat).
        Nobody is woken: the web chat's own long poll marks what it shows, and waking it would
        answer it again at once. True when the mark moved."""
        if not conv.messages or conv.read.get(owner_id, 0) >= len(conv.messages):
            return False
        conv.read[owner_id] = len(conv.messages)
        return True

    # -- requests, apps -------------------------------------------------------------------------

    def save_request(self, request: MessageRequest) -> None:
        self.requests[(request.sender_id, request.recipient_id)] = request
        if self.journal is not None:
            self.journal.request(request)

    def register_app(self, app: MiniApp) -> None:
        self.apps[app.app_id] = app
        if self.journal is not None:
            self.journal.app(app)

    # -- who is watching (the web chat waits for changes) ---------------------------------------

    def touch_user(self, user_id: int) -> None:
        user = self.users.get(user_id)
        if user is None:
            return
        user.version += 1
        waiter = self._user_waiters.pop(user_id, None)
        if waiter is not None:
            waiter.set()

    def touch_conversation(self, conv: Conversation) -> None:
        if conv.chat is not None:
            for user_id in conv.chat.members:
                self.touch_user(user_id)
            return
        # A dialog: a < b, so b is always a person; a is a person too unless it is a community.
        if conv.a > 0:
            self.touch_user(conv.a)
        self.touch_user(conv.b)

    async def wait_user(self, user_id: int, seen_version: int, seconds: float) -> None:
        user = self.users.get(user_id)
        if user is None or user.version != seen_version or seconds <= 0:
            return
        waiter = self._user_waiters.get(user_id)
        if waiter is None:
            waiter = self._user_waiters[user_id] = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), seconds)

    def wake_all(self) -> None:
        """At shutdown: release every web chat and long poll waiter."""
        for waiter in self._user_waiters.values():
            waiter.set()
        self._user_waiters.clear()
        for community in self.communities.values():
            community.events.wake()

    # -- housekeeping --------------------------------------------------------------------------

    def prune(self) -> None:
        now = self.clock.now().timestamp()
        window = self.config.dedupe_window_s
        stale = [key for key, (_m, at) in self.dedupe.items() if now - at > window]
        for key in stale:
            del self.dedupe[key]
        ttl = self.config.event_answer_ttl_s * 10
        answered = [k for k, e in self.button_events.items() if now - e.created.timestamp() > ttl]
        for event_id in answered:
            del self.button_events[event_id]
        for community in self.communities.values():
            community.events.prune_keys(now, self.config.longpoll_key_ttl_s)
