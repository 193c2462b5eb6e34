"""Sending is pipelined (the next round is grouped while calls are on the wire): nobody may be put
on the wire twice by one run, even though rounds read the log while answers are being written."""

import math
from pathlib import Path

import aiohttp

from core.broadcast import Audience, BroadcastSpec
from core.config import Settings
from core.runtime.services import Services
from core.testing import populate_school
from core.vk.batch_sender import BatchSender
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig

RECIPIENTS = 30_000


async def test_one_run_sends_each_recipient_once_with_few_calls(tmp_path: Path) -> None:
    sandbox = await start_sandbox(SandboxConfig(background_tasks=False, rate_limit=None))
    try:
        community = sandbox.runtime.state.create_community("Школа")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{sandbox.url}/sandbox/api/users/bulk",
                json={"count": RECIPIENTS, "allow_group_id": community.id},
            ) as response,
        ):
            ids = await response.json()
        first, last = int(ids["first_user_id"]), int(ids["last_user_id"])
        services = await Services.open(Settings(db_path=str(tmp_path / "sferum.db")))
        try:
            sender = BatchSender(community.access_token, sandbox.api_url, 20)
            services.broadcasts.register_sender(community.id, sender)
            author, org = await populate_school(services, range(first, last + 1))
            broadcast_id = await services.broadcasts.create(
                BroadcastSpec(
                    author, community.id, Audience.parents(org), "Собрание, {{ first_name }}!"
                )
            )
            status = await services.broadcasts.run(broadcast_id)
            assert status.status == "done" and status.sent == RECIPIENTS
            stats = sandbox.runtime.state.stats
            # Not one recipient sent twice (VK would have suppressed it by random_id).
            assert stats.duplicates_suppressed == 0
            assert stats.messages_delivered == RECIPIENTS
            # Personalised texts cost a few partial batches, not a call per name per round.
            assert sender.stats.api_calls <= math.ceil(RECIPIENTS / 2500) + 4
        finally:
            await services.close()
    finally:
        await sandbox.stop()
