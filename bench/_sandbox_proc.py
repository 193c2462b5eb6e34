"""Run a sandbox in its own process for benchmarks (client and server must not share a core).

Prints its base URL on the first line, then serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio

from core.gc_tuning import tune_gc
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig


async def main(rate_limit: float | None) -> None:
    running = await start_sandbox(SandboxConfig(rate_limit=rate_limit), port=0)
    tune_gc()
    print(running.url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limit", type=float, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.rate_limit))
