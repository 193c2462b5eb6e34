"""Sending many messages at the speed VK allows.

Identical texts go into ``messages.send`` with ``peer_ids`` (≤ 100 recipients), up to 25 such calls
are packed into one ``execute``, and every call passes a per-token rate limiter. Errors 6, 9, 10
and timeouts are retried with backoff; per-recipient errors inside a peer_ids answer (901 not
allowed, 900 blacklisted, 902 privacy…) are reported per recipient and not retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .rate_limit import RateLimiter

log = logging.getLogger("sferum.sender")

PEERS_PER_CALL = 100
CALLS_PER_EXECUTE = 25
RETRYABLE = frozenset({6, 9, 10})
PERMANENT_REASONS = {
    900: "blacklisted",
    901: "not_allowed",
    902: "privacy",
    914: "too_long",
    911: "bad_keyboard",
}


class VkCallError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"VK error {code}: {message}")
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE


@dataclass(frozen=True)
class Batch:
    """One messages.send with peer_ids: the same text to up to 100 peers."""

    peer_ids: tuple[int, ...]
    message: str
    random_id: int
    keyboard: str | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "peer_ids": ",".join(map(str, self.peer_ids)),
            "random_id": self.random_id,
            "message": self.message,
            "dont_parse_links": 1,
        }
        if self.keyboard:
            params["keyboard"] = self.keyboard
        return params


@dataclass
class PeerResult:
    peer_id: int
    message_id: int | None = None
    error_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def retryable(self) -> bool:
        return self.error_code in RETRYABLE


@dataclass
class SenderStats:
    api_calls: int = 0
    retries: int = 0
    errors_by_code: dict[int, int] = field(default_factory=dict)
    first_call_at: float | None = None  # event-loop time, for throughput reports
    last_answer_at: float | None = None


def pack(batches: Sequence[Batch]) -> list[list[Batch]]:
    return [
        list(batches[i : i + CALLS_PER_EXECUTE]) for i in range(0, len(batches), CALLS_PER_EXECUTE)
    ]


def execute_code(batches: Sequence[Batch]) -> str:
    calls = ",".join(
        f"API.messages.send({json.dumps(b.params(), ensure_ascii=False)})" for b in batches
    )
    return f"return [{calls}];"


class BatchSender:
    def __init__(
        self,
        token: str,
        base_url: str,
        rate_limit: float,
        *,
        version: str = "5.199",
        timeout_s: float = 10.0,
        max_attempts: int = 6,
        backoff_s: float = 0.25,
    ) -> None:
        self.token = token
        self.base_url = base_url
        self.version = version
        self.limiter = RateLimiter(rate_limit)
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.stats = SenderStats()
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _count_error(self, code: int) -> None:
        self.stats.errors_by_code[code] = self.stats.errors_by_code.get(code, 0) + 1

    async def _call_once(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        async with self.limiter.slot():
            self.stats.api_calls += 1
            loop = asyncio.get_running_loop()
            if self.stats.first_call_at is None:
                self.stats.first_call_at = loop.time()
            session = await self._http()
            async with session.post(
                self.base_url + method,
                params={"access_token": self.token, "v": self.version},
                data={k: str(v) for k, v in params.items()},
            ) as response:
                body: dict[str, Any] = await response.json(content_type=None)
            self.stats.last_answer_at = loop.time()
        if "error" in body:
            error = body["error"]
            raise VkCallError(int(error.get("error_code", 0)), str(error.get("error_msg", "")))
        return body

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One API call, retried on 6/9/10 and timeouts with exponential backoff."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await self._call_once(method, params)
            except VkCallError as exc:
                self._count_error(exc.code)
                if not exc.retryable or attempt == self.max_attempts:
                    raise
            except (TimeoutError, aiohttp.ClientError) as exc:
                self._count_error(-1)
                if attempt == self.max_attempts:
                    raise VkCallError(-1, f"network: {exc!r}") from exc
            self.stats.retries += 1
            await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def send_execute(self, batches: Sequence[Batch]) -> list[PeerResult]:
        """Up to 25 batches in one execute; a result for every peer of every batch."""
        if len(batches) > CALLS_PER_EXECUTE:
            raise ValueError("at most 25 calls fit one execute")
        body = await self.call("execute", {"code": execute_code(batches)})
        answers = body.get("response")
        errors = list(body.get("execute_errors") or [])
        results: list[PeerResult] = []
        if not isinstance(answers, list):
            answers = [answers] if len(batches) == 1 else [False] * len(batches)
        for batch, answer in zip(batches, answers, strict=False):
            if isinstance(answer, list):
                by_peer = {
                    int(item.get("peer_id", 0)): item for item in answer if isinstance(item, dict)
                }
                for peer in batch.peer_ids:
                    item = by_peer.get(peer)
                    if item is None:
                        results.append(PeerResult(peer, error_code=10))
                        continue
                    error = item.get("error")
                    if error:
                        code = int(error.get("code") or error.get("error_code") or 10)
                        self._count_error(code)
                        results.append(PeerResult(peer, error_code=code))
                    else:
                        results.append(PeerResult(peer, message_id=item.get("message_id")))
            else:
                # The call failed inside execute: its error is in execute_errors, in order.
                error = errors.pop(0) if errors else {"error_code": 10}
                code = int(error.get("error_code", 10))
                self._count_error(code)
                results.extend(PeerResult(peer, error_code=code) for peer in batch.peer_ids)
        return results

    async def send_one(
        self, peer_id: int, message: str, random_id: int, keyboard: str | None = None
    ) -> PeerResult:
        """The naive way, one messages.send per recipient (for comparison and single replies)."""
        params: dict[str, Any] = {"peer_id": peer_id, "random_id": random_id, "message": message}
        if keyboard:
            params["keyboard"] = keyboard
        try:
            body = await self.call("messages.send", params)
        except VkCallError as exc:
            return PeerResult(peer_id, error_code=exc.code)
        return PeerResult(peer_id, message_id=int(body["response"]))
