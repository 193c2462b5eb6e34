"""Sandbox throughput: prints one JSON object.

Runs `sferum sandbox` in a subprocess on 127.0.0.1 (so client and server do not share a core),
raises its rate limit, creates an audience with the control API, then measures with bounded loops:
single messages.send calls/s (several concurrent clients), recipients/s through messages.send with
peer_ids=100, and recipients/s through execute with 25 calls of 100 recipients.

    .venv/bin/python -m bench.sandbox [--single N] [--batches N] [--executes N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench.sandbox_command import start_sandbox_command

TARGET_CALLS_PER_S = 2_000
TARGET_RECIPIENTS_PER_S = 100_000
PEERS_PER_CALL = 100
CALLS_PER_EXECUTE = 25


async def run_workers(
    total: int, concurrency: int, one: Callable[[int], Awaitable[int]]
) -> tuple[float, int, int]:
    """Run `total` jobs on `concurrency` workers; returns (seconds, units done, failures)."""
    counter = iter(range(total))
    done = 0
    failed = 0

    async def worker() -> None:
        nonlocal done, failed
        for index in counter:
            units = await one(index)
            if units < 0:
                failed += 1
            else:
                done += units

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, done, failed


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    server = await start_sandbox_command(
        "--db", ":memory:", "--rate-limit", "1000000", community="Бенчмарк"
    )
    process, base, token, group_id = server.process, server.url, server.token, server.group_id
    try:
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as http:
            audience = args.batches * PEERS_PER_CALL
            async with http.post(
                f"{base}/sandbox/api/users/bulk",
                json={"count": max(audience, 2_500), "allow_group_id": group_id},
            ) as response:
                first_user = (await response.json())["first_user_id"]
            url = f"{base}/method/"
            query = {"access_token": token, "v": "5.199"}

            async def call(method: str, data: dict[str, str]) -> Any:
                async with http.post(url + method, params=query, data=data) as response:
                    return await response.json()

            async def single(index: int) -> int:
                body = await call(
                    "messages.send",
                    {
                        "peer_id": str(first_user + index % audience),
                        "random_id": "0",
                        "message": "Напоминание о собрании",
                    },
                )
                return 1 if "response" in body else -1

            async def batch(index: int) -> int:
                start = first_user + (index * PEERS_PER_CALL) % audience
                peers = ",".join(str(start + i) for i in range(PEERS_PER_CALL))
                body = await call(
                    "messages.send",
                    {"peer_ids": peers, "random_id": "0", "message": "Рассылка школы"},
                )
                if "response" not in body:
                    return -1
                return sum(1 for item in body["response"] if "error" not in item)

            async def execute(index: int) -> int:
                sends = []
                for part in range(CALLS_PER_EXECUTE):
                    offset = (index * CALLS_PER_EXECUTE + part) * PEERS_PER_CALL % audience
                    peers = ",".join(str(first_user + offset + i) for i in range(PEERS_PER_CALL))
                    sends.append(
                        f'API.messages.send({{"peer_ids": "{peers}", '
                        f'"random_id": 0, "message": "Рассылка школы"}})'
                    )
                body = await call("execute", {"code": f"return [{','.join(sends)}];"})
                if "response" not in body:
                    return -1
                return sum(
                    1
                    for items in body["response"]
                    if items
                    for item in items
                    if "error" not in item
                )

            await run_workers(200, args.concurrency, single)  # warm-up
            s_time, s_done, s_failed = await run_workers(args.single, args.concurrency, single)
            b_time, b_done, b_failed = await run_workers(args.batches, 4, batch)
            e_time, e_done, e_failed = await run_workers(args.executes, 2, execute)
            async with http.get(f"{base}/sandbox/api/stats") as response:
                stats = await response.json()
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()

    result: dict[str, Any] = {
        "machine_cpus": os.cpu_count(),
        "single_send": {
            "calls": s_done,
            "failed": s_failed,
            "seconds": round(s_time, 3),
            "calls_per_s": round(s_done / s_time),
            "concurrency": args.concurrency,
        },
        "peer_ids_100": {
            "calls": args.batches - b_failed,
            "recipients": b_done,
            "seconds": round(b_time, 3),
            "recipients_per_s": round(b_done / b_time),
            "calls_per_s": round((args.batches - b_failed) / b_time),
        },
        "execute_25x100": {
            "calls": args.executes - e_failed,
            "recipients": e_done,
            "seconds": round(e_time, 3),
            "recipients_per_s": round(e_done / e_time),
            "calls_per_s": round((args.executes - e_failed) / e_time, 1),
        },
        "server_stats": {
            k: stats[k] for k in ("api_calls", "messages_delivered", "errors_by_code")
        },
        "targets": {"calls_per_s": TARGET_CALLS_PER_S, "recipients_per_s": TARGET_RECIPIENTS_PER_S},
    }
    result["meets_targets"] = (
        result["single_send"]["calls_per_s"] >= TARGET_CALLS_PER_S
        and result["peer_ids_100"]["recipients_per_s"] >= TARGET_RECIPIENTS_PER_S
        and result["execute_25x100"]["recipients_per_s"] >= TARGET_RECIPIENTS_PER_S
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=10_000, help="single messages.send calls")
    parser.add_argument("--batches", type=int, default=2_000, help="peer_ids=100 calls")
    parser.add_argument("--executes", type=int, default=120, help="execute calls of 25x100")
    parser.add_argument("--concurrency", type=int, default=16, help="clients for single sends")
    print(json.dumps(asyncio.run(bench(parser.parse_args())), ensure_ascii=False))


if __name__ == "__main__":
    main()
