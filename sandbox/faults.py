"""Fault injection: a share of API calls fail, hang or answer HTTP 500, recipients of messages.send
can meet flood control (error 9), and long poll can answer failed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from .config import FaultConfig


class FaultInjector:
    NONE = 0
    ERROR_10 = 10
    ERROR_6 = 6
    ERROR_9 = 9
    HANG = -1
    HTTP_500 = 500  # not a VK error: the HTTP answer itself is a server error page

    def __init__(self, config: FaultConfig) -> None:
        config.validate()
        self.config = config
        self._random = random.Random(config.seed)

    @property
    def active(self) -> bool:
        return any(getattr(self.config, share_name) for _, share_name in _CALL_FAULTS)

    def update(self, changes: dict[str, Any]) -> FaultConfig:
        if "longpoll_failed_codes" in changes:
            changes["longpoll_failed_codes"] = tuple(
                int(c) for c in changes["longpoll_failed_codes"]
            )
        if "flood_peers" in changes:
            changes["flood_peers"] = tuple(int(p) for p in changes["flood_peers"] or ())
        updated = replace(self.config, **changes)
        updated.validate()
        self.config = updated
        if "seed" in changes:
            self._random = random.Random(updated.seed)
        return updated

    def as_json(self) -> dict[str, Any]:
        data = asdict(self.config)
        data["longpoll_failed_codes"] = list(self.config.longpoll_failed_codes)
        data["flood_peers"] = list(self.config.flood_peers)
        return data

    def for_call(self) -> int:
        """Which fault, if any, this API call suffers."""
        c = self.config
        if not self.active:
            return self.NONE
        roll = self._random.random()
        for fault, share_name in _CALL_FAULTS:
            share: float = getattr(c, share_name)
            if roll < share:
                return fault
            roll -= share
        return self.NONE

    def flood_check(self) -> Callable[[int], bool] | None:
        """For one messages.send: whether a recipient meets flood control (error 9), or None
        when nobody does — the delivery loop then pays nothing per recipient."""
        c = self.config
        if not c.flood_peers and not c.peer_error9_share:
            return None
        always = frozenset(c.flood_peers)
        share = c.peer_error9_share
        roll = self._random.random

        def flooded(peer_id: int) -> bool:
            return peer_id in always or (share > 0 and roll() < share)

        return flooded

    def longpoll_failure(self) -> int:
        """0, or the failed code this long poll request answers."""
        c = self.config
        if not c.longpoll_failed_share or self._random.random() >= c.longpoll_failed_share:
            return 0
        return self._random.choice(c.longpoll_failed_codes)


# The faults one API call can meet, in the order a roll of the dice is laid over their shares.
_CALL_FAULTS = (
    (FaultInjector.ERROR_10, "error10_share"),
    (FaultInjector.ERROR_6, "error6_share"),
    (FaultInjector.ERROR_9, "error9_share"),
    (FaultInjector.HANG, "hang_share"),
    (FaultInjector.HTTP_500, "http500_share"),
)
