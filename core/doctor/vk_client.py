"""The few VK API calls doctor makes, over plain HTTP: any answer, error or failure comes back as
a value to describe, never as an exception that would end the report with a stack trace."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

API_VERSION = "5.199"


@dataclass(frozen=True, slots=True)
class VkAnswer:
    """``response`` on success; ``error_code`` and ``error_msg`` when VK refused the call."""

    response: Any = None
    error_code: int | None = None
    error_msg: str = ""

    @property
    def ok(self) -> bool:
        return self.error_code is None


class VkUnreachable(Exception):
    """No VK API answer at all: network failure, timeout, or something that is not the API."""


class VkCaller:
    """Calls ``<api_url><method>`` with one token, as vkbottle does: a POST form with ``v``."""

    def __init__(
        self, http: aiohttp.ClientSession, api_url: str, token: str, timeout_s: float
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def call(self, method: str, **params: str | int) -> VkAnswer:
        data = {key: str(value) for key, value in params.items()}
        data.update(access_token=self.token, v=API_VERSION)
        try:
            async with self.http.post(
                self.api_url + method, data=data, timeout=self.timeout
            ) as response:
                if response.status != 200:
                    raise VkUnreachable(f"HTTP {response.status}")
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise VkUnreachable(str(exc) or type(exc).__name__) from None
        try:
            body = json.loads(text)
        except ValueError:
            raise VkUnreachable("the answer is not JSON") from None
        if not isinstance(body, dict):
            raise VkUnreachable("the answer is not a VK API object")
        error = body.get("error")
        if isinstance(error, dict):
            code = error.get("error_code")
            return VkAnswer(
                error_code=code if isinstance(code, int) else 0,
                error_msg=str(error.get("error_msg") or ""),
            )
        if "response" not in body:
            raise VkUnreachable("the answer has neither response nor error")
        return VkAnswer(response=body["response"])
