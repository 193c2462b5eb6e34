"""One contract for every dialog store: SQLite (one process) and Redis (a region's workers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from core.clock import ManualClock
from core.dialogs import DialogStore, SqliteDialogStore
from core.dialogs.redis import RedisDialogStore
from core.storage import Database

# A new store object is a new worker (or the same one after a restart): nothing shared in memory.
NewStore = Callable[[], DialogStore]


@pytest.fixture(params=["sqlite", "redis"])
def new_store(request: pytest.FixtureRequest, clock: ManualClock, redis_prefix: str) -> NewStore:
    # Only the engine of this parameter is asked for: SQLite's runs without a Redis.
    if request.param == "sqlite":
        db: Database = request.getfixturevalue("db")
        return lambda: SqliteDialogStore(db, clock)
    client: Redis = request.getfixturevalue("redis_client")
    return lambda: RedisDialogStore(client, clock, prefix=redis_prefix)


async def test_an_unknown_dialog_is_empty(new_store: NewStore) -> None:
    dialog = await new_store().load(1, 100)
    assert (dialog.group_id, dialog.user_id, dialog.step, dialog.data) == (1, 100, None, {})
    assert not dialog.in_flow("broadcast.")


async def test_save_moves_the_step_and_merges_the_data(new_store: NewStore) -> None:
    store = new_store()
    dialog = await store.load(1, 100)
    await store.save(dialog, "broadcast.text", audience=[1, 2], text="черновик")
    await store.save(dialog, "broadcast.confirm", text="Привет")
    assert dialog.step == "broadcast.confirm"
    assert dialog.data == {"audience": [1, 2], "text": "Привет"}
    again = await store.load(1, 100)
    assert again.at("broadcast.confirm") and again.in_flow("broadcast.")
    assert again.data == {"audience": [1, 2], "text": "Привет"}


async def test_clear_ends_the_dialog(new_store: NewStore) -> None:
    store = new_store()
    dialog = await store.load(1, 100)
    await store.save(dialog, "trainer.answer", task=7)
    await store.clear(dialog)
    assert (dialog.step, dialog.data) == (None, {})
    assert (await store.load(1, 100)).step is None
    fresh = await new_store().load(1, 100)
    assert (fresh.step, fresh.data) == (None, {})


async def test_dialogs_are_per_person_and_per_community(new_store: NewStore) -> None:
    store = new_store()
    await store.save(await store.load(1, 100), "a.step", who="alice")
    await store.save(await store.load(2, 100), "b.step", who="alice elsewhere")
    other = new_store()
    assert (await other.load(1, 101)).step is None  # another person in the same group chat
    assert (await other.load(1, 100)).data == {"who": "alice"}
    assert (await other.load(2, 100)).data == {"who": "alice elsewhere"}


async def test_two_workers_see_each_others_steps(new_store: NewStore) -> None:
    first, second = new_store(), new_store()
    assert (await first.load(1, 100)).step is None  # read before the other worker writes
    dialog = await second.load(1, 100)
    await second.save(dialog, "appeal.text", topic="ЕГЭ")
    on_first = await first.load(1, 100)
    if first.shared:
        # The next event of this person may reach any worker: it continues the dialog.
        assert on_first.step == "appeal.text"
    else:
        # SQLite's write-through cache answers what this process read: one process only.
        assert on_first.step is None
        first.forget_cache()
        on_first = await first.load(1, 100)
    assert (on_first.step, on_first.data) == ("appeal.text", {"topic": "ЕГЭ"})
    await first.save(on_first, "appeal.confirm", text="Когда пересдача?")
    if not second.shared:
        second.forget_cache()
    back = await second.load(1, 100)
    assert (back.step, back.data) == (
        "appeal.confirm",
        {"topic": "ЕГЭ", "text": "Когда пересдача?"},
    )
    await second.clear(back)
    if not first.shared:
        first.forget_cache()
    assert (await first.load(1, 100)).step is None


async def test_russian_text_round_trips(new_store: NewStore) -> None:
    text = "Ёлка, «кавычки» — тире; ответ №5: ЕГЭ по русскому 😀\nвторая строка"
    nested = {"вопрос": [text, {"ключ": "значение"}], "баллы": 81.5, "пусто": None}
    store = new_store()
    await store.save(await store.load(1, 100), "exam.answer", text=text, nested=nested)
    again = await new_store().load(1, 100)
    assert again.data == {"text": text, "nested": nested}


async def test_a_restarted_worker_continues_the_dialog(new_store: NewStore) -> None:
    store = new_store()
    alice = await store.load(1, 100)
    await store.save(alice, "broadcast.text", audience=[1, 2])
    await store.save(alice, "broadcast.confirm", text="Привет")
    await store.close()
    del store

    restarted = new_store()  # a new process: nothing in memory
    again = await restarted.load(1, 100)
    assert again.step == "broadcast.confirm"
    assert again.data == {"audience": [1, 2], "text": "Привет"}
    await restarted.save(again, "broadcast.sent", sent=2)
    assert (await new_store().load(1, 100)).data == {
        "audience": [1, 2],
        "text": "Привет",
        "sent": 2,
    }
