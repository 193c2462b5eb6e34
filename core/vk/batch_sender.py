"""Sending many messages at the speed VK allows.

Identical texts go into ``messages.send`` with ``peer_ids`` (≤ 100 recipients), up to 25 such calls
are packed into one ``execute``, and every call passes the token's rate limiter (shared with every
other caller of the token, core/vk/tokens.py). Errors 6, 9, 10, timeouts and answers that are not
the API's (HTTP 5xx, not JSON) are retried with backoff; per-recipient errors inside a peer_ids
answer (901 not allowed, 900 blacklisted, 902 privacy…) are reported per recipient and not retried.
Flood control (error 9, core/vk/backoff.py) is retried with a longer backoff, as a whole call and
per recipient: the recipients a peer_ids answer refused with 9 are sent again, alone, after a
pause — the ones it delivered never are — and reported as failed with 9 only after
``max_attempts``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp

from .backoff import FLOOD_CONTROL, INTERNAL_ERROR, TOO_MANY_REQUESTS, retry_delay
from .random_ids import part_random_id
from .rate_limit import Limiter, RateLimiter
from .split import split_text
from .tokens import TokenChannel

log = logging.getLogger("sferum.sender")

PEERS_PER_CALL = 100
CALLS_PER_EXECUTE = 25
RETRYABLE = frozenset({TOO_MANY_REQUESTS, FLOOD_CONTROL, INTERNAL_ERROR})
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
    # VK attachment strings, comma-separated ("doc-1_2,photo-1_3"): files uploaded once and
    # named by every batch, so every recipient gets the same files.
    attachment: str | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "peer_ids": ",".join(map(str, self.peer_ids)),
            "random_id": self.random_id,
            "message": self.message,
            "dont_parse_links": 1,
        }
        if self.keyboard:
            params["keyboard"] = self.keyboard
        if self.attachment:
            params["attachment"] = self.attachment
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


class BadAnswer(Exception):
    """VK answered, but not as the API answers: an HTTP error page (500, 502 from its front),
    a body that is not JSON. Like a timeout: the call may or may not have been done, and trying
    again at once would only add load to a VK that is struggling."""


def _parse(status: int, raw: bytes) -> dict[str, Any]:
    if status >= 500:
        raise BadAnswer(f"HTTP {status}")
    try:
        body = json.loads(raw)
    except ValueError:  # also bytes that are not UTF-8
        raise BadAnswer(f"HTTP {status}, not JSON: {raw[:60]!r}") from None
    if not isinstance(body, dict):
        raise BadAnswer(f"HTTP {status}, not a JSON object: {raw[:60]!r}")
    return body


class BatchSender:
    """Sends through a token's channel: its rate limiter and HTTP session, shared with every other
    caller of that token (core/vk/tokens.py). ``BatchSender(token, url, rate)`` makes a channel of
    its own, for a token nothing else uses (benchmarks, tests of the sender alone);
    ``BatchSender.on(channel)`` is the way a running process makes one."""

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
        flood_backoff_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._setup(
            TokenChannel(base_url, token, RateLimiter(rate_limit), timeout_s),
            owns_channel=True,
            version=version,
            max_attempts=max_attempts,
            backoff_s=backoff_s,
            flood_backoff_s=flood_backoff_s,
            sleep=sleep,
        )

    @classmethod
    def on(
        cls,
        channel: TokenChannel,
        *,
        version: str = "5.199",
        max_attempts: int = 6,
        backoff_s: float = 0.25,
        flood_backoff_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> BatchSender:
        """A sender on a shared channel; closing the sender leaves the channel to its owner."""
        sender = cls.__new__(cls)
        sender._setup(
            channel,
            owns_channel=False,
            version=version,
            max_attempts=max_attempts,
            backoff_s=backoff_s,
            flood_backoff_s=flood_backoff_s,
            sleep=sleep,
        )
        return sender

    def _setup(
        self,
        channel: TokenChannel,
        *,
        owns_channel: bool,
        version: str,
        max_attempts: int,
        backoff_s: float,
        flood_backoff_s: float,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.channel = channel
        self._owns_channel = owns_channel
        self.version = version
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.flood_backoff_s = flood_backoff_s  # error 9's first pause (core/vk/backoff.py)
        self._sleep = sleep  # injectable: tests count the pauses instead of sitting them out
        self.stats = SenderStats()

    @property
    def token(self) -> str:
        return self.channel.token

    @property
    def base_url(self) -> str:
        return self.channel.api_url

    @property
    def limiter(self) -> Limiter:
        return self.channel.limiter

    async def close(self) -> None:
        if self._owns_channel:
            await self.channel.close()

    def _count_error(self, code: int) -> None:
        self.stats.errors_by_code[code] = self.stats.errors_by_code.get(code, 0) + 1

    async def _call_once(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        async with self.limiter.slot():
            self.stats.api_calls += 1
            loop = asyncio.get_running_loop()
            if self.stats.first_call_at is None:
                self.stats.first_call_at = loop.time()
            async with self.channel.session().post(
                self.base_url + method,
                params={"access_token": self.token, "v": self.version},
                data={k: str(v) for k, v in params.items()},
            ) as response:
                status = response.status
                raw = await response.read()
            self.stats.last_answer_at = loop.time()
        body = _parse(status, raw)
        if "error" in body:
            error = body["error"]
            raise VkCallError(int(error.get("error_code", 0)), str(error.get("error_msg", "")))
        return body

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One API call, retried on 6/9/10, timeouts, network errors and answers that are not
        the API's (HTTP 5xx, not JSON), with exponential backoff (longer for flood control).
        Each failed attempt is one log line: a VK that is down for a while must not bury the log
        in tracebacks."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await self._call_once(method, params)
            except VkCallError as exc:
                self._count_error(exc.code)
                failure: VkCallError = exc
                if not exc.retryable:
                    raise
            except (TimeoutError, aiohttp.ClientError, BadAnswer) as exc:
                self._count_error(-1)
                reason = "timeout" if isinstance(exc, TimeoutError) else str(exc) or repr(exc)
                failure = VkCallError(-1, f"no API answer: {reason}")
                failure.__cause__ = exc
            if attempt == self.max_attempts:
                log.warning(
                    "%s failed (%s), attempt %d of %d: giving up",
                    method,
                    failure,
                    attempt,
                    self.max_attempts,
                )
                raise failure
            delay = retry_delay(failure.code, attempt, self.backoff_s, self.flood_backoff_s)
            log.warning(
                "%s failed (%s), attempt %d of %d: again in %.2f s",
                method,
                failure,
                attempt,
                self.max_attempts,
                delay,
            )
            self.stats.retries += 1
            await self._sleep(delay)
        raise AssertionError("unreachable")

    async def send_execute(self, batches: Sequence[Batch]) -> list[PeerResult]:
        """Up to 25 batches in one execute; a result for every peer of every batch, in order.

        Recipients refused with flood control (error 9, for them alone or for their whole
        batch) are sent again after a pause, in a batch of their own with the same text and
        random_id, up to ``max_attempts`` sends in all; recipients already delivered are never
        in it. Those still refused then are reported with 9."""
        if len(batches) > CALLS_PER_EXECUTE:
            raise ValueError("at most 25 calls fit one execute")
        answered: list[dict[int, PeerResult]] = [{} for _ in batches]
        pending = list(enumerate(batches))
        for attempt in range(1, self.max_attempts + 1):
            try:
                results = await self._execute_once([batch for _, batch in pending])
            except VkCallError as exc:
                if attempt == 1:
                    raise  # nothing is known yet: the caller retries the whole call
                # A later send failed as a whole, after call()'s own retries: the earlier
                # answers stand, the recipients still waiting get this failure.
                results = [
                    PeerResult(peer, error_code=exc.code)
                    for _, batch in pending
                    for peer in batch.peer_ids
                ]
            flooded: list[tuple[int, Batch]] = []
            position = iter(results)
            for index, batch in pending:
                again: list[int] = []
                for peer in batch.peer_ids:
                    result = next(position)
                    answered[index][peer] = result
                    if result.error_code == FLOOD_CONTROL:
                        again.append(peer)
                if again:
                    flooded.append((index, replace(batch, peer_ids=tuple(again))))
            if not flooded:
                break
            waiting = sum(len(batch.peer_ids) for _, batch in flooded)
            if attempt == self.max_attempts:
                log.warning(
                    "execute: flood control (VK error 9) for %d recipients, attempt %d of %d: "
                    "giving up",
                    waiting,
                    attempt,
                    self.max_attempts,
                )
                break
            delay = retry_delay(FLOOD_CONTROL, attempt, self.backoff_s, self.flood_backoff_s)
            log.warning(
                "execute: flood control (VK error 9) for %d recipients, attempt %d of %d: "
                "them again in %.2f s",
                waiting,
                attempt,
                self.max_attempts,
                delay,
            )
            self.stats.retries += 1
            await self._sleep(delay)
            pending = flooded
        return [
            answered[index][peer] for index, batch in enumerate(batches) for peer in batch.peer_ids
        ]

    async def _execute_once(self, batches: Sequence[Batch]) -> list[PeerResult]:
        """One execute of these batches: a result for every peer of every batch, in order."""
        body = await self.call("execute", {"code": execute_code(batches)})
        answers = body.get("response")
        errors = list(body.get("execute_errors") or [])
        results: list[PeerResult] = []
        if not isinstance(answers, list):
            answers = [answers] if len(batches) == 1 else [False] * len(batches)
        # An answer short of calls leaves the calls without one failed (as VK's error 10).
        answers = [*answers, *[False] * (len(batches) - len(answers))]
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
                        # A failed recipient's item has no message_id (VK leaves it out).
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
        self,
        peer_id: int,
        message: str,
        random_id: int,
        keyboard: str | None = None,
        attachment: str | None = None,
    ) -> PeerResult:
        """One message to one peer, one messages.send a call (what the bot sends on its own: a
        relayed answer, a reminder; and the naive way, for comparison). A text over VK's limit
        goes as several messages cut where a reader expects it (core/vk/split.py), the keyboard
        and the ``attachment`` (VK attachment strings, comma-separated) under the last; the
        first keeps ``random_id``, each further one has its own derived from it and its index,
        so sending the whole again delivers no part twice. The result is the first part VK
        refused — the parts after it are not sent, a reader would get a text with a hole — or,
        when every part went, the last part's."""
        parts = split_text(message) or [message]  # an empty text: VK's own error, as before
        result = PeerResult(peer_id, error_code=0)
        for index, part in enumerate(parts):
            params: dict[str, Any] = {
                "peer_id": peer_id,
                "random_id": part_random_id(random_id, index),
                "message": part,
            }
            if keyboard and index == len(parts) - 1:
                params["keyboard"] = keyboard
            if attachment and index == len(parts) - 1:
                params["attachment"] = attachment
            try:
                body = await self.call("messages.send", params)
            except VkCallError as exc:
                if index:
                    log.warning(
                        "message to %s: part %d of %d refused (VK error %s)",
                        peer_id,
                        index + 1,
                        len(parts),
                        exc.code,
                    )
                return PeerResult(peer_id, error_code=exc.code)
            result = PeerResult(peer_id, message_id=int(body["response"]))
        return result
