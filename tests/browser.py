"""Headless Chromium for browser tests: Debian's package, flags that keep it off the network."""

import os
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent: apt-get install -y chromium"
)


def chromium_env() -> dict[str, str]:
    """The environment for Chromium: ours without libfaketime. The suite also runs with the clock
    moved a year (``faketime``, see the Makefile); preloaded into Chromium, libfaketime stalls its
    start. The pages' times come from our servers, which keep the moved clock."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


async def launch_chromium(playwright: Any) -> Any:
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=chromium_env()
    )
