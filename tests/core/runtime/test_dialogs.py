from core.clock import ManualClock
from core.runtime.dialogs import DialogStore
from core.storage import Database


async def test_dialog_survives_a_restart_and_is_per_person(
    db: Database, clock: ManualClock
) -> None:
    store = DialogStore(db, clock)
    alice = await store.load(1, 100)
    await store.save(alice, "broadcast.text", audience=[1, 2])
    await store.save(alice, "broadcast.confirm", text="Привет")

    restarted = DialogStore(db, clock)  # a new process: empty cache
    again = await restarted.load(1, 100)
    assert again.step == "broadcast.confirm"
    assert again.data == {"audience": [1, 2], "text": "Привет"}
    # Another person in the same community (or group chat) has no dialog.
    assert (await restarted.load(1, 101)).step is None
    await restarted.clear(again)
    assert (await DialogStore(db, clock).load(1, 100)).step is None
