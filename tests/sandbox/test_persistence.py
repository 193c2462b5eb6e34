"""SQLite persistence: write-behind, and everything people see survives a restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from core.clock import ManualClock
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig
from sandbox.persistence import SqliteStore

KEYBOARD = json.dumps({"buttons": [[{"action": {"type": "text", "label": "Меню"}}]]})


async def test_state_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    db = str(tmp_path / "sandbox.db")
    config = SandboxConfig(
        db=db, background_tasks=False, seed_demo=True, communities=("Помощник",), rate_limit=None
    )
    first = await start_sandbox(config, clock=clock)
    runtime = first.runtime
    community = runtime.created[0]
    state = runtime.state
    person = state.create_user("Вера", "Новая", profile=None)
    runtime.messenger.send_from_user(person, -community.id, "Привет")
    content = runtime.messenger.content(community.owner_id, "Здравствуйте", keyboard=KEYBOARD)
    runtime.messenger.send_from_community(community, person.id, content, 0)
    first_bulk, last_bulk = state.create_users_bulk(50, "Ученик", "Тестовый", community.id)
    chat = runtime.messenger.create_chat("Новый чат", person.id, [person.id], [community.id])
    runtime.messenger.call(person, chat.peer_id, duration=90)
    # Write-behind: nothing is on disk until a flush.
    assert await runtime.flush() > 0
    assert await runtime.flush() == 0
    token = community.access_token
    await first.stop()

    async with await start_sandbox(config, clock=clock) as second:
        again = second.runtime
        assert again.created == []  # nothing new: the community came back from the file
        restored = again.state.communities[community.id]
        assert restored.access_token == token
        assert again.state.actor_for_token(token) is restored
        assert person.id in restored.allowed and last_bulk in restored.allowed
        conv = again.state.find_dialog(-community.id, person.id)
        assert conv is not None
        assert [m.text for m in conv.messages] == ["Привет", "Здравствуйте"]
        assert (
            conv.keyboard is not None
            and conv.keyboard["buttons"][0][0]["action"]["label"] == "Меню"
        )
        assert again.state.users[first_bulk].first_name == "Ученик"
        assert again.state.chats[chat.peer_id].communities == {community.id}
        created, called = again.state.chats[chat.peer_id].conv.messages
        assert created.action == {"type": "chat_create", "text": "Новый чат"}
        assert called.action is None and called.attachments is not None
        assert called.attachments[0]["call"]["duration"] == 90
        assert again.state.users[100_001].profile is not None
        # New messages continue the numbering.
        reply = again.messenger.send_from_user(again.state.users[person.id], -community.id, "Ещё")
        earlier = max(m.id for m in again.state.messages.values() if m is not reply)
        assert reply.id == earlier + 1 and reply.cmid == 3


async def test_memory_mode_has_no_journal(clock: ManualClock) -> None:
    async with await start_sandbox(SandboxConfig(background_tasks=False), clock=clock) as running:
        assert running.runtime.state.journal is None
        assert await running.runtime.flush() == 0


async def test_a_store_from_before_service_messages_gains_the_action_column(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "old.db"
    old_messages = (
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL, "
        "chat INTEGER, cmid INTEGER NOT NULL, date INTEGER NOT NULL, from_id INTEGER NOT NULL, "
        "text TEXT NOT NULL, payload TEXT, keyboard TEXT, attachments TEXT, "
        "random_id INTEGER NOT NULL, update_time INTEGER NOT NULL, version INTEGER NOT NULL, "
        "mentions TEXT NOT NULL)"
    )
    with sqlite3.connect(path) as db:
        db.execute(old_messages)
        db.execute(
            "INSERT INTO messages VALUES (1, -200000001, 5, NULL, 1, 0, 5, 'Привет', NULL, NULL, "
            "NULL, 0, 0, 1, '[]')"
        )
    store = SqliteStore(str(path))
    await store.open()
    try:
        async with store.db.execute("SELECT action FROM messages") as cursor:
            assert [row async for row in cursor] == [(None,)]
    finally:
        await store.close()
