"""`sferum sandbox` in a child process, started and read as a person would: its banner.

The throughput benchmark serves the sandbox from a child process (client and server must not
share a core), and the command's own test runs it the same way; both read the URL and a
community's id and token from the banner `sferum sandbox` prints, so the one reading lives here.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SandboxCommand:
    process: asyncio.subprocess.Process
    url: str  # base URL, e.g. http://127.0.0.1:8081
    group_id: int  # of the community named when started
    token: str  # that community's access token


async def start_sandbox_command(
    *options: str, community: str, cwd: Path | None = None, timeout_s: float = 60
) -> SandboxCommand:
    """`sferum sandbox --host 127.0.0.1 --port 0 --communities <community> <options>`, once
    its banner is printed; the caller stops the process. A command that ends or falls silent
    before the banner's last line is killed and reported as RuntimeError."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sferum.cli",
        "sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--communities",
        community,
        *options,
        stdout=asyncio.subprocess.PIPE,
        cwd=cwd,
    )
    try:
        lines = await _banner(process, timeout_s)
    except BaseException:
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise
    found = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
    if found is None:
        process.kill()
        await process.wait()
        raise RuntimeError(f"no URL in the banner's first line: {lines[0]!r}")
    entry = next(line for line in lines if line.strip().startswith(f"{community}:"))
    group_id, token = entry.split(":", 1)[1].split()[:2]
    return SandboxCommand(process, found.group(0), int(group_id), token)


async def _banner(process: asyncio.subprocess.Process, timeout_s: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Остановить"):
        line = await asyncio.wait_for(process.stdout.readline(), timeout_s)
        if not line:
            raise RuntimeError("the command ended before printing its banner")
        lines.append(line.decode().rstrip())
    return lines
