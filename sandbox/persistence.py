"""Write-behind persistence to SQLite: the journal notes what changed, the store flushes batches.

Nothing on the delivery path touches the disk. With --db :memory: there is no journal at all.
Not persisted: long poll history and keys (clients get failed=1 or 2 after a restart, as after a
VK server move), random_id memory, pending button events and Callback API servers.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import aiosqlite

from .journal import Journal
from .records import Message, MessageRequest, MiniApp, PendingText, Profile, User
from .state import SandboxState

SCHEMA = """
CREATE TABLE IF NOT EXISTS communities (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, token TEXT NOT NULL, confirmation_code TEXT,
    longpoll_enabled INTEGER NOT NULL, event_types TEXT NOT NULL,
    messages_enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS community_tokens (
    token TEXT PRIMARY KEY, group_id INTEGER NOT NULL, rights INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, token TEXT,
    profile TEXT);
CREATE TABLE IF NOT EXISTS bulk_users (
    first_id INTEGER PRIMARY KEY, count INTEGER NOT NULL, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, allow_group_id INTEGER);
CREATE TABLE IF NOT EXISTS allowed (
    group_id INTEGER NOT NULL, user_id INTEGER NOT NULL, allowed INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id));
CREATE TABLE IF NOT EXISTS chats (
    peer_id INTEGER PRIMARY KEY, title TEXT NOT NULL, admin_id INTEGER NOT NULL,
    members TEXT NOT NULL, communities TEXT NOT NULL, joined TEXT NOT NULL, admin_groups TEXT);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL, chat INTEGER,
    cmid INTEGER NOT NULL, date INTEGER NOT NULL, from_id INTEGER NOT NULL, text TEXT NOT NULL,
    payload TEXT, keyboard TEXT, attachments TEXT, random_id INTEGER NOT NULL,
    update_time INTEGER NOT NULL, version INTEGER NOT NULL, mentions TEXT NOT NULL, action TEXT);
CREATE TABLE IF NOT EXISTS requests (
    sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL, created INTEGER NOT NULL,
    status TEXT NOT NULL, messages TEXT NOT NULL, PRIMARY KEY (sender_id, recipient_id));
CREATE TABLE IF NOT EXISTS apps (
    app_id INTEGER PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, title TEXT NOT NULL);
"""


def _profile_json(profile: Profile | None) -> str | None:
    if profile is None:
        return None
    return json.dumps(profile.as_dict(), ensure_ascii=False)


def profile_from_json(data: dict[str, Any]) -> Profile:
    born = data.get("birth_date")
    return Profile(
        roles=tuple(data.get("roles") or ()),
        birth_date=date.fromisoformat(born) if born else None,
        is_adult=data.get("is_adult"),
        phone=data.get("phone"),
        org_ids=set(data.get("org_ids") or ()),
        group_ids=set(data.get("group_ids") or ()),
        contacts=set(data.get("contacts") or ()),
        children=set(data.get("children") or ()),
        title=data.get("title") or "",
    )


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


class SqliteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._db = await aiosqlite.connect(self.path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.executescript(SCHEMA)
        async with self._db.execute("PRAGMA table_info(messages)") as cursor:
            columns = {row[1] async for row in cursor}
        if "action" not in columns:
            # A store written before service messages existed.
            await self._db.execute("ALTER TABLE messages ADD COLUMN action TEXT")
        async with self._db.execute("PRAGMA table_info(communities)") as cursor:
            columns = {row[1] async for row in cursor}
        if "messages_enabled" not in columns:
            # A store written before the community's messages setting existed.
            await self._db.execute(
                "ALTER TABLE communities ADD COLUMN messages_enabled INTEGER NOT NULL DEFAULT 1"
            )
        async with self._db.execute("PRAGMA table_info(chats)") as cursor:
            columns = {row[1] async for row in cursor}
        if "admin_groups" not in columns:
            # A store written before communities could be chat admins or not: NULL loads as
            # "every community in the chat is an admin", which is how such a sandbox behaved.
            await self._db.execute("ALTER TABLE chats ADD COLUMN admin_groups TEXT")
        await self._db.commit()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the sandbox store is not open")
        return self._db

    async def flush(self, journal: Journal) -> int:
        if not len(journal):
            return 0
        batch = journal.drain()
        db = self.db
        await db.executemany(
            "INSERT OR REPLACE INTO communities VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.id,
                    c.name,
                    c.access_token,
                    c.confirmation_code,
                    int(c.longpoll_enabled),
                    json.dumps(sorted(c.event_types)),
                    int(c.messages_enabled),
                )
                for c in batch.communities.values()
            ],
        )
        await db.executemany(
            "INSERT OR REPLACE INTO community_tokens VALUES (?, ?, ?)",
            [(token, gid, rights) for token, (gid, rights) in batch.community_tokens.items()],
        )
        await db.executemany(
            "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)",
            [
                (u.id, u.first_name, u.last_name, u.access_token, _profile_json(u.profile))
                for u in batch.users.values()
            ],
        )
        await db.executemany("INSERT OR REPLACE INTO bulk_users VALUES (?, ?, ?, ?, ?)", batch.bulk)
        await db.executemany(
            "INSERT OR REPLACE INTO allowed VALUES (?, ?, ?)",
            [(g, u, int(on)) for (g, u), on in batch.allowed_changes.items()],
        )
        await db.executemany(
            "INSERT OR REPLACE INTO chats VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.peer_id,
                    c.title,
                    c.admin_id,
                    json.dumps(sorted(c.members)),
                    json.dumps(sorted(c.communities)),
                    json.dumps({str(k): v for k, v in c.joined.items()}),
                    json.dumps(sorted(c.admin_communities)),
                )
                for c in batch.chats.values()
            ],
        )
        keyboards: dict[int, str] = {}  # a broadcast shares one keyboard: encode it once

        def keyboard_json(message: Message) -> str | None:
            if message.keyboard is None:
                return None
            key = id(message.keyboard)
            if key not in keyboards:
                keyboards[key] = json.dumps(message.keyboard, ensure_ascii=False)
            return keyboards[key]

        await db.executemany(
            "INSERT OR REPLACE INTO messages "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    m.id,
                    m.conv.a,
                    m.conv.b,
                    m.conv.chat.peer_id if m.conv.chat else None,
                    m.cmid,
                    m.date,
                    m.from_id,
                    m.text,
                    m.payload,
                    keyboard_json(m),
                    _json_or_none(m.attachments),
                    m.random_id,
                    m.update_time,
                    m.version,
                    json.dumps(list(m.mentions)),
                    _json_or_none(m.action),
                )
                for m in batch.messages.values()
            ],
        )
        await db.executemany(
            "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, ?, ?)",
            [
                (
                    r.sender_id,
                    r.recipient_id,
                    r.created,
                    r.status,
                    json.dumps(
                        [[p.text, p.payload, p.date] for p in r.messages], ensure_ascii=False
                    ),
                )
                for r in batch.requests.values()
            ],
        )
        await db.executemany(
            "INSERT OR REPLACE INTO apps VALUES (?, ?, ?, ?)",
            [(a.app_id, a.url, a.secret, a.title) for a in batch.apps.values()],
        )
        await db.commit()
        return len(batch)

    async def load(self, state: SandboxState) -> None:
        """Rebuild the in-memory state; the journal must not be attached yet."""
        assert state.journal is None
        db = self.db
        async with db.execute("SELECT * FROM communities ORDER BY id") as cursor:
            async for gid, name, token, code, lp_on, types, messages_on in cursor:
                community = state.create_community(name, gid, token)
                community.confirmation_code = code or community.confirmation_code
                community.longpoll_enabled = bool(lp_on)
                community.event_types = set(json.loads(types))
                community.messages_enabled = bool(messages_on)
        async with db.execute("SELECT * FROM community_tokens") as cursor:
            async for token, gid, rights in cursor:
                if gid in state.communities and token not in state.tokens:
                    state.add_community_token(state.communities[gid], rights, token)
        async with db.execute("SELECT * FROM users ORDER BY id") as cursor:
            async for uid, first, last, token, profile in cursor:
                user = state.create_user(
                    first, last, uid, profile_from_json(json.loads(profile)) if profile else None
                )
                if token:
                    state.tokens.pop(user.access_token or "", None)
                    user.access_token = token
                    state.tokens[token] = user
        async with db.execute("SELECT * FROM bulk_users ORDER BY first_id") as cursor:
            async for first, count, first_name, last_name, allow in cursor:
                for uid in range(first, first + count):
                    state.users[uid] = User(uid, first_name, last_name)
                if allow in state.communities:
                    state.communities[allow].allowed.update(range(first, first + count))
        async with db.execute("SELECT * FROM allowed") as cursor:
            async for gid, uid, on in cursor:
                if gid in state.communities:
                    state.set_allowed(state.communities[gid], uid, bool(on))
        async with db.execute("SELECT * FROM chats ORDER BY peer_id") as cursor:
            async for peer_id, title, admin, members, groups, joined, admins in cursor:
                chat = state.create_chat(title, admin, peer_id)
                known = [g for g in json.loads(groups) if g in state.communities]
                made_admin = known if admins is None else set(json.loads(admins)) & set(known)
                state.add_chat_members(
                    chat,
                    [u for u in json.loads(members) if u in state.users],
                    known,
                    admin_group_ids=made_admin,
                )
                chat.joined = {int(k): v for k, v in json.loads(joined).items()}
        await self._load_messages(state)
        async with db.execute("SELECT * FROM requests") as cursor:
            async for sender, recipient, created, status, texts in cursor:
                pending = [PendingText(t, p, d) for t, p, d in json.loads(texts)]
                state.requests[(sender, recipient)] = MessageRequest(
                    sender, recipient, created, status, pending
                )
        async with db.execute("SELECT * FROM apps") as cursor:
            async for app_id, url, secret, title in cursor:
                state.apps[app_id] = MiniApp(app_id, url, secret, title)

    async def _load_messages(self, state: SandboxState) -> None:
        async with self.db.execute("SELECT * FROM messages ORDER BY id") as cursor:
            async for row in cursor:
                (
                    mid,
                    a,
                    b,
                    chat_peer,
                    _cmid,
                    sent,
                    from_id,
                    text,
                    payload,
                    keyboard,
                    attachments,
                    random_id,
                    update_time,
                    version,
                    mentioned,
                    action,
                ) = row
                chat = state.chats.get(chat_peer) if chat_peer else None
                conv = chat.conv if chat is not None else state.dialog(a, b)
                state.next_message_id = mid
                message = state.add_message(
                    conv,
                    from_id,
                    text,
                    payload=payload,
                    keyboard=json.loads(keyboard) if keyboard else None,
                    attachments=json.loads(attachments) if attachments else None,
                    random_id=random_id,
                    mentions=tuple(json.loads(mentioned)),
                    date=sent,
                    action=json.loads(action) if action else None,
                )
                message.update_time = update_time
                message.version = version
                if message.keyboard is not None and not message.keyboard.get("inline"):
                    conv.keyboard = message.keyboard
