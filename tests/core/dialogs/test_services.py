"""Which dialog store a process gets: built where `sferum run` builds it (sferum/assembly.py)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from core.clock import ManualClock
from core.config import Settings
from core.dialogs import SqliteDialogStore
from core.dialogs.redis import RedisDialogStore
from sferum.assembly import assemble
from tests.servers import REDIS_URL

from .conftest import require_redis


async def test_with_redis_url_the_workers_share_dialogs_in_redis(
    tmp_path: Path, clock: ManualClock
) -> None:
    require_redis()
    settings = Settings(db_path=str(tmp_path / "sferum.db"), redis_url=REDIS_URL)
    assert REDIS_URL not in repr(settings)  # a URL may hold the password
    services = await assemble(settings, [], clock=clock, federal_snapshots=False)
    # The production prefix: a community id no other test uses, its key deleted after.
    group_id = random.randrange(10**12, 10**13)
    client = Redis.from_url(REDIS_URL)
    try:
        assert isinstance(services.dialogs, RedisDialogStore)
        dialog = await services.dialogs.load(group_id, 100)
        await services.dialogs.save(dialog, "broadcast.text", text="Привет")
        other_worker = RedisDialogStore(client, clock)
        assert (await other_worker.load(group_id, 100)).data == {"text": "Привет"}
        # Nothing of the dialog went to the core database.
        assert await services.db.fetchval("SELECT count(*) FROM dialog_states") == 0
    finally:
        await client.delete(f"sferum:dialog:{group_id}:100")
        await client.aclose()
        await services.close()


async def test_without_redis_url_dialogs_stay_in_the_core_database(
    tmp_path: Path, clock: ManualClock
) -> None:
    services = await assemble(
        Settings(db_path=str(tmp_path / "sferum.db")), [], clock=clock, federal_snapshots=False
    )
    try:
        assert isinstance(services.dialogs, SqliteDialogStore)
        dialog = await services.dialogs.load(1, 100)
        await services.dialogs.save(dialog, "broadcast.text")
        assert await services.db.fetchval("SELECT count(*) FROM dialog_states") == 1
    finally:
        await services.close()


EMBEDDED = """
import asyncio, sys
from core.config import Settings
from sferum.assembly import assemble

async def main():
    services = await assemble(Settings(db_path=":memory:"), [], federal_snapshots=False)
    await services.close()

asyncio.run(main())
assert "redis" not in sys.modules, sorted(m for m in sys.modules if m.startswith("redis"))
"""


def test_the_embedded_default_never_imports_redis() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
