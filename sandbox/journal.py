"""What changed in the sandbox since the last flush: the state notes it here on every mutation,
the store (persistence.py) writes it in batches."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Chat, Community, Message, MessageRequest, MiniApp, User


@dataclass
class Journal:
    """Records changed since the last flush, keyed so repeated changes cost one write."""

    communities: dict[int, Community] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    bulk: list[tuple[int, int, str, str, int | None]] = field(default_factory=list)
    allowed_changes: dict[tuple[int, int], bool] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    requests: dict[tuple[int, int], MessageRequest] = field(default_factory=dict)
    apps: dict[int, MiniApp] = field(default_factory=dict)
    community_tokens: dict[str, tuple[int, int]] = field(default_factory=dict)

    def community(self, community: Community) -> None:
        self.communities[community.id] = community

    def user(self, user: User) -> None:
        self.users[user.id] = user

    def bulk_users(
        self, first: int, count: int, first_name: str, last_name: str, allow_group_id: int | None
    ) -> None:
        self.bulk.append((first, count, first_name, last_name, allow_group_id))

    def allowed(self, group_id: int, user_id: int, allowed: bool) -> None:
        self.allowed_changes[(group_id, user_id)] = allowed

    def chat(self, chat: Chat) -> None:
        self.chats[chat.peer_id] = chat

    def message(self, message: Message) -> None:
        self.messages[message.id] = message

    def request(self, request: MessageRequest) -> None:
        self.requests[(request.sender_id, request.recipient_id)] = request

    def app(self, app: MiniApp) -> None:
        self.apps[app.app_id] = app

    def community_token(self, token: str, group_id: int, rights: int) -> None:
        self.community_tokens[token] = (group_id, rights)

    def drain(self) -> Journal:
        batch = Journal(
            self.communities,
            self.users,
            self.bulk,
            self.allowed_changes,
            self.chats,
            self.messages,
            self.requests,
            self.apps,
            self.community_tokens,
        )
        self.communities, self.users, self.bulk, self.allowed_changes = {}, {}, [], {}
        self.chats, self.messages, self.requests, self.apps = {}, {}, {}, {}
        self.community_tokens = {}
        return batch

    def __len__(self) -> int:
        return (
            len(self.communities)
            + len(self.users)
            + len(self.bulk)
            + len(self.chats)
            + len(self.allowed_changes)
            + len(self.messages)
            + len(self.requests)
            + len(self.apps)
            + len(self.community_tokens)
        )
