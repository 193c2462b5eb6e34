"""The VK API over HTTP: /method/<name>, GET query or POST form, answered as VK answers."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from . import api_version
from .callback_api import CallbackDelivery
from .config import SandboxConfig
from .errors import VkError, error_body, request_params
from .faults import FaultInjector
from .messaging import Messenger
from .methods import METHODS, CallContext
from .params import Params
from .ratelimit import RateLimiter, TokenKind
from .records import Community
from .state import SandboxState
from .vkscript import compile_code, run

# execute's own parameters; the others reach the code as Args.
EXECUTE_PARAMS = frozenset({"code", "access_token", "v", "lang", "test_mode"})
log = logging.getLogger(__name__)
# What VK's front answers when the API behind it is down: an error page, not the API's JSON.
SERVER_FAILURE_PAGE = (
    "<html><head><title>500 Internal Server Error</title></head>"
    "<body><center><h1>500 Internal Server Error</h1></center></body></html>"
)


class ServerFailure(Exception):
    """An injected HTTP 500: the call is answered with SERVER_FAILURE_PAGE."""


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def base_url(request: web.Request, config: SandboxConfig) -> str:
    return (config.public_url or f"{request.scheme}://{request.host}").rstrip("/")


async def read_params(request: web.Request) -> dict[str, str]:
    raw = dict(request.query)
    if request.method == "POST" and request.body_exists:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                raw[key] = value
    return raw


class ApiService:
    def __init__(
        self,
        state: SandboxState,
        messenger: Messenger,
        callback: CallbackDelivery,
        limiter: RateLimiter,
        faults: FaultInjector,
    ) -> None:
        self.state = state
        self.messenger = messenger
        self.callback = callback
        self.limiter = limiter
        self.faults = faults

    async def handle(self, request: web.Request) -> web.Response:
        raw = await read_params(request)
        try:
            body = await self.call(
                request.match_info["method"], raw, base_url(request, self.state.config)
            )
        except ServerFailure:
            return web.Response(status=500, text=SERVER_FAILURE_PAGE, content_type="text/html")
        return web.Response(body=dumps(body), content_type="application/json")

    async def call(self, name: str, raw: dict[str, str], origin: str) -> dict[str, Any]:
        """One API call exactly as VK would answer it, as a JSON-ready dict."""
        stats = self.state.stats
        stats.api_calls += 1
        try:
            return await self._call(name, raw, origin)
        except VkError as error:
            stats.error(error.code)
            return error_body(error, request_params(name, raw.get("v"), raw))
        except ServerFailure:
            raise  # injected on purpose: handle() answers it as an HTTP 500
        except Exception:
            # A sandbox bug must look like VK's own failure, not a bare HTTP 500.
            log.exception("sandbox failed in %s", name)
            stats.error(10)
            return error_body(VkError(10), request_params(name, raw.get("v"), raw))

    async def _call(self, name: str, raw: dict[str, str], origin: str) -> dict[str, Any]:
        if name != "execute" and name not in METHODS:
            raise VkError(3)
        token = raw.get("access_token")
        if not token:
            raise VkError(5, "no access_token passed.")
        actor = self.state.actor_for_token(token)
        if actor is None:
            raise VkError(5, "invalid access_token (4).")
        version = api_version.of_request(raw.get("v"))
        kind = TokenKind.COMMUNITY if isinstance(actor, Community) else TokenKind.USER
        if not self.limiter.allow(token, kind):
            self.state.stats.rate_limited += 1
            raise VkError(6)
        fault = self.faults.for_call()
        if fault:
            if fault == FaultInjector.HANG:
                await asyncio.sleep(self.faults.config.hang_seconds)
                raise VkError(10)
            if fault == FaultInjector.HTTP_500:
                raise ServerFailure
            raise VkError(fault)
        ctx = CallContext(
            self.state,
            self.messenger,
            self.callback,
            actor,
            origin,
            self.state.rights_of(token),
            version,
        )
        if name == "execute":
            return await self._execute(ctx, raw)
        return {"response": await self._invoke(ctx, name, Params(raw))}

    async def _invoke(self, ctx: CallContext, name: str, params: Params) -> Any:
        method = METHODS.get(name)
        if method is None:
            raise VkError(3)
        ctx.require_rights(name)
        result = method(ctx, params)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    async def _execute(self, ctx: CallContext, raw: dict[str, str]) -> dict[str, Any]:
        code = raw.get("code")
        if not code:
            raise VkError(100, "code is undefined")
        statements = compile_code(code)
        stats = self.state.stats

        async def invoke(method: str, args: dict[str, Any]) -> Any:
            try:
                return await self._invoke(ctx, method, Params(args))
            except VkError as error:
                stats.error(error.code)
                raise

        args = {key: value for key, value in raw.items() if key not in EXECUTE_PARAMS}
        result = await run(statements, invoke, args)
        body: dict[str, Any] = {"response": result.response}
        if result.errors:
            body["execute_errors"] = result.errors
        return body
