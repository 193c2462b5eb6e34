"""The services a command works with: opened for it at its clock, closed after it whatever it
does, so a command holds only its own work (``sferum roles``, ``sferum broadcast``)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.config import Settings, load_settings
from core.runtime.services import Services

T = TypeVar("T")


async def with_services(
    args: argparse.Namespace,
    work: Callable[[Services], Awaitable[T]],
    *,
    settings: Settings | None = None,
    broadcasts: bool = False,
) -> T:
    """``work`` on the services of ``settings`` (the configured ones when not given) at the
    command's clock, ``args.clock``. ``broadcasts``: the configured communities are connected
    for sending first, as a broadcast command needs."""
    services = await Services.open(settings or load_settings(), clock=args.clock)
    if broadcasts:
        services.broadcasts.connect_configured()
    try:
        return await work(services)
    finally:
        await services.close()
