"""A broadcast survives SIGKILL of the sending process: after a restart every recipient has
exactly one message, counted on the sandbox side; also with 5% injected errors and timeouts."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from sandbox.config import FaultConfig

from .helpers import bulk_audience

RECIPIENTS = 20_000


async def _send_process(env: dict[str, str], broadcast_id: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sferum.cli",
        "broadcast",
        "send",
        str(broadcast_id),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("faults", [False, True], ids=["clean", "faults-5pct"])
async def test_sigkill_mid_broadcast_then_resume_delivers_exactly_once(
    tmp_path: Path, faults: bool
) -> None:
    fault_config = (
        FaultConfig(error10_share=0.025, hang_share=0.025, hang_seconds=1.5, seed=7)
        if faults
        else FaultConfig()
    )
    db_path = tmp_path / "sferum.db"
    async with (
        bulk_audience(RECIPIENTS, faults=fault_config) as audience,
        audience.school(db_path, rate_limit=4) as school,
    ):
        sandbox, community, services = audience.sandbox, audience.community, school.services
        broadcast_id = await school.broadcast_to_parents("Собрание в четверг, {{ first_name }}")
        env = {
            **os.environ,
            "SFERUM_DB_PATH": str(db_path),
            "SFERUM_VK_TOKEN": community.access_token,
            "SFERUM_VK_GROUP_ID": str(community.id),
            "SFERUM_VK_API_URL": sandbox.api_url,
            "SFERUM_VK_APP_SECRET": "Zq8rT2mXw4Lp9sVb6NcY",  # real-VK settings need their secrets
            # Slow enough to be killed mid-way: 8 execute calls of 2,500 at 4 calls/s.
            "SFERUM_RATE_LIMIT": "4",
            "SFERUM_VK_TIMEOUT_S": "1",
        }
        process = await _send_process(env, broadcast_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while True:  # wait until some, not all, recipients are recorded as sent
            sent = await services.db.fetchval(
                "SELECT count(*) FROM broadcast_deliveries "
                "WHERE broadcast_id = ? AND state = 'sent'",
                (broadcast_id,),
            )
            if 0 < sent < RECIPIENTS or loop.time() > deadline:
                break
            await asyncio.sleep(0.02)
        assert 0 < sent < RECIPIENTS, "the sender finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        await process.wait()
        delivered_at_kill = sandbox.runtime.state.stats.messages_delivered
        assert delivered_at_kill < RECIPIENTS

        restarted = await _send_process({**env, "SFERUM_RATE_LIMIT": "50"}, broadcast_id)
        _, stderr = await asyncio.wait_for(restarted.communicate(), 120)
        assert restarted.returncode == 0, stderr.decode()

        status = await services.broadcasts.status(broadcast_id)
        assert status.status == "done"
        assert status.sent == RECIPIENTS and status.failed == 0
        counts = audience.messages_per_user()
        assert set(counts.values()) == {1}, {
            n: sum(1 for c in counts.values() if c == n) for n in set(counts.values())
        }
