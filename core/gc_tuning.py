"""Garbage-collector settings for long-running server processes (sferum run, sandbox, mini-app).

Servers here keep many small long-lived objects (sandbox records, compiled templates, broadcast
state). With CPython's default thresholds the cyclic collector runs every 700 allocations and
rescans them all: about 40 % of a broadcast's delivery time, and the mini-app's slowest requests
(a full collection stalls every request in flight). Collect less often, and freeze what start-up
created so it is never rescanned.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def tune_gc() -> None:
    """Call once, after start-up has built its long-lived objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collections while bulk work builds objects that are not garbage.

    Decoding and validating a large feed creates millions of dicts and tuples that all stay
    alive; every collection on the way rescans them (importing 50,000 events: a third of the
    time). Use around synchronous work only, so the pause is as short as the work; collections
    resume where they were when it ends, and a pause inside a pause keeps the outer one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
