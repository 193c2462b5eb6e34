"""A sandbox VK for the runtime tests that assemble our side by hand (callback transport)."""

from __future__ import annotations

from core.clock import ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community
from sferum.testing import DEFAULT_START


async def echo_sandbox() -> tuple[ManualClock, RunningSandbox, Community]:
    """A sandbox on the harness's start moment, without VK's rate limit or background tasks, with
    one community «Эхо»; the caller stops it."""
    clock = ManualClock(DEFAULT_START)
    sandbox = await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=None), clock=clock
    )
    return clock, sandbox, sandbox.runtime.state.create_community("Эхо")
