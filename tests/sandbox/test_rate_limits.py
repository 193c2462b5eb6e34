"""VK's per-token limit depends on the token: a community's 20 calls a second, a user's 3."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from sandbox.config import SandboxConfig
from sandbox.ratelimit import RateLimiter, TokenKind
from sandbox.records import Community

from .conftest import Control, Vk

# The defaults, as VK has them.
VK_LIMITS = SandboxConfig(background_tasks=False, communities=("Школьный бот",))


def code_of(body: dict[str, Any]) -> int | None:
    return body["error"]["error_code"] if "error" in body else None


async def user_token(control: Control) -> tuple[int, str]:
    made = await control.post("/users", {"first_name": "Анна", "last_name": "Пользова"}, 201)
    return int(made["user_id"]), str(made["access_token"])


def test_the_defaults_are_vks() -> None:
    assert (VK_LIMITS.rate_limit, VK_LIMITS.user_rate_limit) == (20, 3)


@pytest.mark.parametrize("config", [VK_LIMITS])
async def test_a_user_token_gets_three_calls_a_second(
    vk: Vk, control: Control, community: Community, clock: ManualClock
) -> None:
    user_id, token = await user_token(control)
    codes = [code_of(await vk.call("users.get", token, user_ids=user_id)) for _ in range(4)]
    assert codes == [None, None, None, 6]
    # The community's token in the same second has its own, larger budget.
    community_codes = [
        code_of(await vk.call("groups.getById", community.access_token)) for _ in range(21)
    ]
    assert community_codes == [None] * 20 + [6]
    # A new second, a new budget.
    clock.advance(timedelta(seconds=1))
    assert code_of(await vk.call("users.get", token, user_ids=user_id)) is None
    stats = await control.get("/stats")
    assert stats["rate_limited"] == 2


@pytest.mark.parametrize(
    "config",
    [SandboxConfig(background_tasks=False, communities=("Бот",), rate_limit=2, user_rate_limit=5)],
)
async def test_both_limits_are_configurable(vk: Vk, control: Control, community: Community) -> None:
    user_id, token = await user_token(control)
    user_codes = [code_of(await vk.call("users.get", token, user_ids=user_id)) for _ in range(6)]
    assert user_codes == [None] * 5 + [6]
    group_codes = [code_of(await vk.call("groups.getById", community.access_token)) for _ in "abc"]
    assert group_codes == [None, None, 6]


@pytest.mark.parametrize(
    "config",
    [SandboxConfig(background_tasks=False, communities=("Бот",), user_rate_limit=None)],
)
async def test_a_limit_of_none_is_no_limit(vk: Vk, control: Control) -> None:
    user_id, token = await user_token(control)
    codes = [code_of(await vk.call("users.get", token, user_ids=user_id)) for _ in range(10)]
    assert codes == [None] * 10


def test_the_limiter_counts_seconds_of_the_injected_clock(clock: ManualClock) -> None:
    limiter = RateLimiter(20, clock, user_per_second=3)
    assert [limiter.allow("u", TokenKind.USER) for _ in range(4)] == [True] * 3 + [False]
    assert all(limiter.allow("c") for _ in range(20)) and not limiter.allow("c")
    # The last microsecond of this second is still this second; the next one is a new second.
    clock.advance(timedelta(microseconds=999_999 - clock.now().microsecond))
    assert not limiter.allow("u", TokenKind.USER)
    clock.advance(timedelta(microseconds=1))
    assert limiter.allow("u", TokenKind.USER)
    # Pruning forgets old seconds, never the current one.
    limiter.prune()
    assert [limiter.allow("u", TokenKind.USER) for _ in range(3)] == [True, True, False]


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="user_rate_limit must be positive"):
        SandboxConfig(user_rate_limit=0).validate()
    with pytest.raises(ValueError, match="rate_limit must be positive"):
        SandboxConfig(rate_limit=-1).validate()
