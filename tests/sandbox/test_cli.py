"""`sferum sandbox`: serves, prints URL and tokens, stops cleanly on SIGTERM with a last flush."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import aiohttp

from bench.sandbox_command import start_sandbox_command
from sferum.cli import build_parser


def test_the_command_is_registered() -> None:
    args = build_parser().parse_args(
        ["sandbox", "--port", "0", "--db", ":memory:", "--seed-demo", "--communities", "А,Б"]
    )
    assert args.command == "sandbox" and args.seed_demo and args.communities == "А,Б"


async def test_serves_prints_tokens_and_flushes_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    # The banner must name the URL and Помощник's id and token: start_sandbox_command fails
    # (the command stopped) where it does not.
    started = await start_sandbox_command(
        "--db", str(db), "--rate-limit", "50", community="Помощник", cwd=tmp_path, timeout_s=30
    )
    process, url, group_id, token = started.process, started.url, started.group_id, started.token
    try:
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{url}/method/groups.getById",
                params={"access_token": token, "v": "5.199"},
            ) as response:
                body = await response.json()
            assert body["response"]["groups"][0]["id"] == group_id
            async with http.post(
                f"{url}/sandbox/api/users", json={"first_name": "Сохранённый"}
            ) as response:
                assert response.status == 201
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    with sqlite3.connect(db) as saved:
        assert saved.execute("SELECT first_name FROM users").fetchall() == [("Сохранённый",)]
        assert saved.execute("SELECT id FROM communities").fetchall() == [(group_id,)]
