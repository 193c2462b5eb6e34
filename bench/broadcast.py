"""Broadcast throughput against the sandbox at VK's limits. Prints JSON.

    .venv/bin/python -m bench.broadcast --recipients 100000 [--naive 2000] [--rate-limit 20]
        [--db-url postgresql://127.0.0.1:5432/test]

The sandbox runs in its own process with VK's per-token limit; the engine sends through
peer_ids + execute. floor_s = ceil(N / 2500) execute calls / rate limit: the least time VK allows.
The naive way (one messages.send per recipient) is measured on fewer recipients for the ratio.
wall_s runs from create() to done and includes preparing the audience (policy for every recipient,
the delivery log); send_window_s is from the first API call to the last answer.
"""

from __future__ import annotations

import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.cli import print_result
from core.broadcast import Audience, BroadcastSpec
from core.config import Settings
from core.gc_tuning import tune_gc
from core.runtime.services import Services
from core.vk.batch_sender import BatchSender
from sferum.testing import populate_school, scratch_database, storage_settings

HERE = Path(__file__).parent


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body) as response:
        return await response.json()


async def _get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        return await response.json()


async def engine_run(url: str, n: int, rate: float, database: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        community = await _post(http, f"{url}/sandbox/api/communities", {"name": f"Бенч {n}"})
        ids = await _post(
            http,
            f"{url}/sandbox/api/users/bulk",
            {"count": n, "allow_group_id": community["group_id"]},
        )
        before = await _get(http, f"{url}/sandbox/api/stats")
        services = await Services.open(Settings(**storage_settings(database), rate_limit=rate))
        first, last = int(ids["first_user_id"]), int(ids["last_user_id"])
        author, org = await populate_school(services, range(first, last + 1))
        tune_gc()  # as `sferum run` does once it has started
        sender = BatchSender(community["access_token"], f"{url}/method/", rate)
        services.broadcasts.register_sender(community["group_id"], sender)
        started = time.perf_counter()
        broadcast_id = await services.broadcasts.create(
            BroadcastSpec(
                author,
                community["group_id"],
                Audience.parents(org),
                "Собрание в четверг, {{ first_name }}!",
            )
        )
        status = await services.broadcasts.run(broadcast_id)
        wall = time.perf_counter() - started
        after = await _get(http, f"{url}/sandbox/api/stats")
        await services.close()
    executes = math.ceil(n / 2500)
    return {
        "recipients": n,
        "delivered": after["messages_delivered"] - before["messages_delivered"],
        "duplicates": after["duplicates_suppressed"] - before["duplicates_suppressed"],
        "sent_in_log": status.sent,
        "api_calls": sender.stats.api_calls,
        "rate_limited_errors_6": sender.stats.errors_by_code.get(6, 0),
        "wall_s": round(wall, 3),
        "send_window_s": round(
            (sender.stats.last_answer_at or 0) - (sender.stats.first_call_at or 0), 3
        ),
        "floor_s": round(executes / rate, 3),
        "wall_over_floor": round(wall / (executes / rate), 3),
    }


async def naive_run(url: str, n: int, rate: float) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        community = await _post(http, f"{url}/sandbox/api/communities", {"name": "Наивная"})
        ids = await _post(
            http,
            f"{url}/sandbox/api/users/bulk",
            {"count": n, "allow_group_id": community["group_id"]},
        )
    sender = BatchSender(community["access_token"], f"{url}/method/", rate)
    started = time.perf_counter()
    delivered = 0
    for index, peer in enumerate(range(int(ids["first_user_id"]), int(ids["last_user_id"]) + 1)):
        result = await sender.send_one(peer, "Собрание в четверг!", random_id=index + 1)
        delivered += result.ok
    wall = time.perf_counter() - started
    await sender.close()
    return {
        "recipients": n,
        "delivered": delivered,
        "api_calls": sender.stats.api_calls,
        "wall_s": round(wall, 3),
        "floor_s": round(n / rate, 3),
    }


async def main(n: int, naive: int, rate: float, db_url: str) -> dict[str, Any]:
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any timing
        [sys.executable, "-m", "bench._sandbox_proc", "--rate-limit", str(rate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            async with scratch_database(Path(tmp), db_url) as database:
                batched = await engine_run(url, n, rate, database)
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            naive_result = await naive_run(url, naive, rate) if naive else None
    finally:
        server.terminate()
        server.wait()
    result: dict[str, Any] = {
        "benchmark": "broadcast",
        "rate_limit": rate,
        "engine": "postgresql" if db_url else "sqlite",
        **batched,
        "peak_memory_mb_engine_process": round(peak_mb, 1),
        "goal": "delivered = recipients, duplicates = 0, wall_s <= 1.5 x floor_s, < 300 MB",
    }
    if naive_result is not None:
        per_recipient_batched = batched["wall_s"] / n
        per_recipient_naive = naive_result["wall_s"] / naive_result["recipients"]
        result["naive"] = naive_result
        result["naive_over_batched_per_recipient"] = round(
            per_recipient_naive / per_recipient_batched, 1
        )
    return result


if __name__ == "__main__":
    # --db-url postgresql://127.0.0.1:5432/test: the engine's database on PostgreSQL.
    print_result(main, {"recipients": 100_000, "naive": 2_000, "rate-limit": 20.0, "db-url": ""})
