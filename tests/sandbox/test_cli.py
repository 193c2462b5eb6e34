"""`sferum sandbox`: serves, prints URL and tokens, stops cleanly on SIGTERM with a last flush."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp

from sferum.cli import build_parser


def test_the_command_is_registered() -> None:
    args = build_parser().parse_args(
        ["sandbox", "--port", "0", "--db", ":memory:", "--seed-demo", "--communities", "А,Б"]
    )
    assert args.command == "sandbox" and args.seed_demo and args.communities == "А,Б"


async def test_serves_prints_tokens_and_flushes_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sferum.cli",
        "sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--db",
        str(db),
        "--communities",
        "Помощник",
        "--rate-limit",
        "50",
        stdout=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Остановить"):
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, "the command ended before printing its banner"
            lines.append(line.decode().rstrip())
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert url is not None
        token_line = next(line for line in lines if line.strip().startswith("Помощник:"))
        group_id, token = token_line.split(":", 1)[1].split()[:2]
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{url.group(0)}/method/groups.getById",
                params={"access_token": token, "v": "5.199"},
            ) as response:
                body = await response.json()
            assert body["response"]["groups"][0]["id"] == int(group_id)
            async with http.post(
                f"{url.group(0)}/sandbox/api/users", json={"first_name": "Сохранённый"}
            ) as response:
                assert response.status == 201
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    with sqlite3.connect(db) as saved:
        assert saved.execute("SELECT first_name FROM users").fetchall() == [("Сохранённый",)]
        assert saved.execute("SELECT id FROM communities").fetchall() == [(int(group_id),)]
