"""Keyboards in one place: every dialog step offers Back and Cancel, labels come from templates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vkbottle import Callback, Keyboard, KeyboardButtonColor, OpenLink, Text

from core.texts import CORE_TEXTS, Texts


@dataclass(frozen=True, slots=True)
class Link:
    """An open_link button (inline keyboards only)."""

    label: str
    url: str


# (label, payload) or (label, payload, colour); rows given to build() may also hold Links
Button = tuple[Any, ...]

MAX_INLINE_ROWS = 6
MAX_NORMAL_ROWS = 10


def _color(name: str | None) -> KeyboardButtonColor | None:
    return None if name is None else KeyboardButtonColor(name)


def build(
    rows: Iterable[Sequence[Any]],
    *,
    inline: bool = False,
    one_time: bool = False,
    callback: bool = False,
) -> str:
    """Rows of (label, payload[, colour]) and Link buttons as a VK keyboard JSON string."""
    keyboard = Keyboard(inline=inline, one_time=False if inline else one_time)
    first = True
    for row in rows:
        if not row:
            continue
        if not first:
            keyboard.row()
        first = False
        for button in row:
            if isinstance(button, Link):
                keyboard.add(OpenLink(button.url, button.label[:40]))
                continue
            label, payload = button[0], button[1]
            color = _color(button[2]) if len(button) > 2 else None
            action = Callback(label[:40], payload) if callback else Text(label[:40], payload)
            if color is None:
                keyboard.add(action)
            else:
                keyboard.add(action, color=color)
    return keyboard.get_json()


def nav_row(
    back: dict[str, Any] | None, cancel: dict[str, Any], texts: Texts = CORE_TEXTS
) -> list[Button]:
    row: list[Button] = []
    if back is not None:
        row.append((texts.label("back"), back))
    row.append((texts.label("cancel"), cancel, "negative"))
    return row


def chunk(buttons: Sequence[Button], per_row: int = 2) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def link_keyboard(label: str, url: str, *, inline: bool = True) -> str:
    keyboard = Keyboard(inline=inline)
    keyboard.add(OpenLink(url, label[:40]))
    return keyboard.get_json()


def payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
