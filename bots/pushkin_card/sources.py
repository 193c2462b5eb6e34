"""Where events come from: a JSON file, or the PRO.Культура.РФ API page by page.

Both yield pages (lists of raw records); the importer validates records, so a source only
guarantees the envelope: ``{"total": N, "events": [...]}`` (a bare list is accepted from files).
"""

from __future__ import annotations

import abc
import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from core.file_errors import unreadable as _unreadable
from core.gc_tuning import paused_gc

from .settings import PushkinSettings

log = logging.getLogger("sferum.pushkin_card")

ENDPOINT = "/pushkinsCardEvents"


class SourceError(Exception):
    """The source as a whole is unusable (unreadable file, API down after retries)."""


def _api_problem(exc: Exception) -> str:
    """What the person reads about a failed API page (the exception itself goes to the log)."""
    if isinstance(exc, json.JSONDecodeError):
        return "ответ не JSON"
    if isinstance(exc, TimeoutError):
        return "сервер не ответил вовремя"
    return "нет связи с сервером"


class EventSource(abc.ABC):
    name: str

    @abc.abstractmethod
    def pages(self) -> AsyncIterator[list[Any]]:
        """Raw event records, one page at a time."""


def _events_of(document: Any, where: str) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return list(document["events"])
    raise SourceError(f'{where}: ожидается {{"total", "events": [...]}} или список мероприятий')


class FileSource(EventSource):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = f"file:{self.path}"

    async def pages(self) -> AsyncIterator[list[Any]]:
        try:
            text = await asyncio.to_thread(self.path.read_text, encoding="utf-8")
        except OSError as exc:
            log.info("cannot read %s: %r", self.path, exc)
            raise SourceError(f"{self.path}: {_unreadable(exc)}") from None
        except UnicodeDecodeError:
            raise SourceError(f"{self.path}: текст не в кодировке UTF-8") from None
        try:
            with paused_gc():  # a large feed is millions of objects, none of them garbage
                document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{self.path}: это не JSON — ошибка в строке {exc.lineno}, позиция {exc.colno}"
            ) from None
        yield _events_of(document, str(self.path))


class ApiSource(EventSource):
    """``GET {api_url}/pushkinsCardEvents?limit=…&offset=…[&start=…]`` until ``total`` is read.

    ``start`` (milliseconds) asks only for events starting at or after it: the importer passes
    its watermark for incremental updates. Failed pages (network errors, 5xx, 429, a broken
    envelope) are retried with exponential back-off; 4xx other than 429 fail at once.
    """

    name = "api"

    def __init__(
        self,
        settings: PushkinSettings,
        *,
        start_ms: int | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not settings.api_configured:
            raise SourceError(
                "API не настроен: задайте SFERUM_PUSHKIN_CARD_API_URL и "
                "SFERUM_PUSHKIN_CARD_API_KEY (или api_url и api_key в [bots.pushkin_card])"
            )
        self.settings = settings
        self.start_ms = start_ms
        self._session = session
        self.requests = 0
        self.retried = 0

    def _params(self, offset: int) -> dict[str, str]:
        params = {"limit": str(self.settings.page_size), "offset": str(offset)}
        if self.start_ms is not None:
            params["start"] = str(self.start_ms)
        return params

    async def _page(self, session: aiohttp.ClientSession, offset: int) -> dict[str, Any]:
        url = f"{self.settings.api_url}{ENDPOINT}"
        headers = {"Authorization": f"Bearer {self.settings.api_key}", "Accept": "application/json"}
        delay = self.settings.retry_delay
        problem = ""
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self.retried += 1
                log.warning("API page offset=%s failed (%s); retry %s", offset, problem, attempt)
                await asyncio.sleep(delay)
                delay *= 2
            self.requests += 1
            try:
                async with session.get(url, params=self._params(offset), headers=headers) as resp:
                    if resp.status == 429 or resp.status >= 500:
                        problem = f"ответ HTTP {resp.status}"
                        continue
                    if resp.status >= 400:
                        raise SourceError(f"API ответил HTTP {resp.status} на {url}")
                    body = await resp.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
                log.info("API page offset=%s: %r", offset, exc)
                problem = _api_problem(exc)
                continue
            if isinstance(body, dict) and isinstance(body.get("events"), list):
                return body
            problem = "ответ не в формате API (нет списка events)"
        raise SourceError(f"API недоступен после {self.settings.retries + 1} попыток: {problem}")

    async def pages(self) -> AsyncIterator[list[Any]]:
        owned = self._session is None
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        session = self._session or aiohttp.ClientSession(timeout=timeout)
        try:
            offset = 0
            while True:
                body = await self._page(session, offset)
                events: list[Any] = body["events"]
                total = body.get("total")
                if events:
                    yield events
                offset += len(events)
                # Without a usable total, a short page is the last one.
                finished = (
                    offset >= total
                    if isinstance(total, int)
                    else (len(events) < self.settings.page_size)
                )
                if not events or finished:
                    break
        finally:
            if owned:
                await session.close()
