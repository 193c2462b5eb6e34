"""The two test harnesses side by side: one exchange with a bot through each. Prints JSON.

    .venv/bin/python -m bench.harness [--rounds 20] [--messages 10]

A round opens a harness with the counsellor's bot and the demo district, has the demo teacher
write «меню» ``--messages`` times (each answered with the bot's menu) and closes it. Rounds
alternate between the recording harness (sferum.recording: the production routing and
middleware on a recording VK, in-process) and the sandbox harness (sferum.testing: the real
vkbottle stack over HTTP against the VK sandbox on 127.0.0.1), so when the machine's speed drifts
both sides of a pair feel it. Reported per harness: the time to open and close it, and per
message; and the per-pair ratio sandbox / recording.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any

from bench.cli import print_result
from bots.advisor_broadcast import plugin
from sferum.recording import recording_bot
from sferum.testing import bot_harness


async def _round(
    open_bot: Callable[[], AbstractAsyncContextManager[Any]], messages: int
) -> dict[str, float]:
    started = time.perf_counter()
    async with open_bot() as bot:
        opened = time.perf_counter()
        teacher = bot.vk("smirnova")
        for _ in range(messages):
            await bot.say(teacher, "меню")
        said = time.perf_counter()
    closed = time.perf_counter()
    return {
        "setup_s": (opened - started) + (closed - said),
        "per_message_ms": (said - opened) / messages * 1000,
    }


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


async def main(rounds: int, messages: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"recording": [], "sandbox": []}
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(rounds):
            folder = Path(tmp) / str(index)
            folder.mkdir()
            runs["recording"].append(await _round(lambda: recording_bot([plugin]), messages))
            runs["sandbox"].append(await _round(partial(bot_harness, [plugin], folder), messages))
    result: dict[str, Any] = {"rounds": rounds, "messages_per_round": messages}
    for name, items in runs.items():
        result[name] = {
            "setup_s": _summary([r["setup_s"] for r in items]),
            "per_message_ms": _summary([r["per_message_ms"] for r in items]),
        }
    pairs = list(zip(runs["sandbox"], runs["recording"], strict=True))
    result["ratio_sandbox_to_recording"] = {
        "setup": _summary([s["setup_s"] / r["setup_s"] for s, r in pairs]),
        "per_message": _summary([s["per_message_ms"] / r["per_message_ms"] for s, r in pairs]),
    }
    return result


if __name__ == "__main__":
    print_result(
        main, {"rounds": 20, "messages": 10}, description=__doc__.splitlines()[0], indent=2
    )
