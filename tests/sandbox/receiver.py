"""A Callback API server for tests: records what VK (the sandbox) POSTs and answers as told."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    confirmation_code: str = ""
    # Answers for event deliveries, used in order; when exhausted, "ok".
    answers: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        self.received.append(Received(body, dict(request.headers)))
        if body.get("type") == "confirmation":
            return web.Response(text=self.confirmation_code)
        if self.answers:
            status, text, headers = self.answers.pop(0)
            return web.Response(status=status, text=text, headers=headers)
        return web.Response(text="ok")

    @property
    def events(self) -> list[Received]:
        return [r for r in self.received if r.body.get("type") != "confirmation"]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/callback", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/callback"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
