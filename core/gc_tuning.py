"""Garbage-collector settings for long-running server processes (sferum run, sandbox, mini-app).

Servers here keep many small long-lived objects (sandbox records, compiled templates, broadcast
state). With CPython's default thresholds the cyclic collector runs every 700 allocations and
rescans them all: about 40 % of a broadcast's delivery time, and the mini-app's slowest requests
(a full collection stalls every request in flight). Collect less often, and freeze what start-up
created so it is never rescanned.
"""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Call once, after start-up has built its long-lived objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
