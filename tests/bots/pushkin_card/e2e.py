"""Helpers of the end-to-end tests: the harness with the demo events, reading replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bots.pushkin_card import plugin
from bots.pushkin_card.importer import EventImporter
from bots.pushkin_card.sources import FileSource
from sferum.testing import Harness, bot_harness

from .conftest import DEMO


@asynccontextmanager
async def pushkin(tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_harness([plugin], tmp_path) as h:
        await EventImporter(h.services.db, h.clock).run(FileSource(DEMO))
        yield h


def text(h: Harness, vk: int) -> str:
    return str(h.last_reply(vk)["text"])


def labels(h: Harness, vk: int) -> list[str]:
    return [str(b["action"].get("label", "")) for b in h.buttons(vk)]


def payload(button: dict[str, Any]) -> dict[str, Any]:
    raw = button["action"].get("payload")
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def listed_ids(h: Harness, vk: int) -> list[int]:
    """The event ids behind the number buttons of the last list."""
    return [payload(b)["e"] for b in h.buttons(vk) if payload(b).get("pk") == "ev"]


def link(h: Harness, vk: int, label: str) -> str:
    button = h.find_button(vk, label)
    assert button["action"]["type"] == "open_link"
    return str(button["action"]["link"])


async def press(h: Harness, vk: int, label: str, data: dict[str, Any]) -> None:
    """A button of a keyboard that is not the last one (the menu under the input field)."""
    await h.say(vk, label, data)


async def page_through(h: Harness, vk: int) -> list[int]:
    """From the list shown now, press «Дальше» to the end, collecting every event id."""
    ids = listed_ids(h, vk)
    for _ in range(100):
        if "Дальше →" not in labels(h, vk):
            return ids
        await h.tap(vk, "Дальше →")
        ids += listed_ids(h, vk)
    raise AssertionError("the list did not end")


async def all_listed(h: Harness, vk: int) -> list[int]:
    """The whole list with the current filters, page by page."""
    await press(h, vk, "Афиша", {"pk": "list"})
    return await page_through(h, vk)
