from core.clock import ManualClock
from core.runtime.dialogs import DialogStore, SqliteDialogStore
from core.storage import Database


async def test_dialog_survives_a_restart_and_is_per_person(
    db: Database, clock: ManualClock
) -> None:
    store = SqliteDialogStore(db, clock)
    # The interface callers type against; one process's store, not shared between workers.
    assert isinstance(store, DialogStore) and not store.shared
    alice = await store.load(1, 100)
    await store.save(alice, "broadcast.text", audience=[1, 2])
    await store.save(alice, "broadcast.confirm", text="Привет")

    restarted = SqliteDialogStore(db, clock)  # a new process: empty cache
    again = await restarted.load(1, 100)
    assert again.step == "broadcast.confirm"
    assert again.data == {"audience": [1, 2], "text": "Привет"}
    # Another person in the same community (or group chat) has no dialog.
    assert (await restarted.load(1, 101)).step is None
    await restarted.clear(again)
    assert (await SqliteDialogStore(db, clock).load(1, 100)).step is None
