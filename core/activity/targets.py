"""The region targets of the 2022–2023 school year, drawn as lines on the monitoring charts:
at least 35 % of registered teachers created a group chat, 25 % wrote at least 3 messages in
group chats that week, 35 % at least 10, and 30 % made a call."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .counts import Metric

TARGETS_2022_2023: Mapping[Metric, float] = MappingProxyType(
    {
        Metric.CHAT_CREATORS: 35.0,
        Metric.WRITERS3: 25.0,
        Metric.WRITERS10: 35.0,
        Metric.CALLERS: 30.0,
    }
)


def target(metric: Metric) -> float | None:
    """The 2022–2023 target of ``metric`` in percent, None when it has none."""
    return TARGETS_2022_2023.get(metric)
