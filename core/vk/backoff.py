"""How long to wait before trying a VK call again that VK refused or did not answer.

Every retry doubles the pause of the one before. Flood control (error 9) starts from a pause of
its own, longer than that of error 6: error 6 is a per-second limit that the next second lifts,
while error 9 says VK wants fewer messages (to one peer, or in all) and refuses again whatever
comes soon after. Trying again at once would only prolong it.
"""

from __future__ import annotations

TOO_MANY_REQUESTS = 6  # "Too many requests per second"
FLOOD_CONTROL = 9  # "Flood control"
INTERNAL_ERROR = 10  # "Internal server error"

# Refusals: VK did nothing with the call, so sending it again can deliver nothing twice.
REFUSED = frozenset({TOO_MANY_REQUESTS, FLOOD_CONTROL})


def retry_delay(code: int, attempt: int, backoff_s: float, flood_backoff_s: float) -> float:
    """The pause after failed attempt number ``attempt`` (1 for the first) with this code."""
    base = flood_backoff_s if code == FLOOD_CONTROL else backoff_s
    return base * 2.0 ** (attempt - 1)
