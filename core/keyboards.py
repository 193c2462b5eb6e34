"""Keyboards in one place: every dialog step offers Back and Cancel, labels come from templates,
VK's limits are checked before anything is sent and long lists are paged.

VK refuses a keyboard over its limits with error 911, and the person only sees «что-то пошло не
так». So ``build`` raises ``KeyboardError`` for a keyboard VK would refuse (a programming error:
the list should have been paged with ``paged``), cuts long labels with «…» and never lets a
payload over 255 characters reach VK.
"""

from __future__ import annotations

import json
import math
import re
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

# VK's limits (dev.vk.com, «Клавиатуры для ботов»; the sandbox checks the same in
# sandbox/keyboard.py): 5 buttons in a row; a normal keyboard holds 10 rows and 40 buttons,
# an inline one 6 rows and 10 buttons; a label is at most 40 characters, a payload 255.
MAX_PER_ROW = 5
MAX_NORMAL_ROWS = 10
MAX_NORMAL_BUTTONS = 40
MAX_INLINE_ROWS = 6
MAX_INLINE_BUTTONS = 10
MAX_LABEL = 40
MAX_PAYLOAD = 255
ELLIPSIS = "…"
PAGE_KEY = "page"


class KeyboardError(ValueError):
    """A keyboard VK would refuse (error 911). Raised while building: a bug in the caller."""


def limits(*, inline: bool) -> tuple[int, int]:
    """(rows, buttons) a keyboard of this kind may hold."""
    if inline:
        return MAX_INLINE_ROWS, MAX_INLINE_BUTTONS
    return MAX_NORMAL_ROWS, MAX_NORMAL_BUTTONS


def fit_label(label: str) -> str:
    """The label as VK takes it: one line, at most 40 characters, cut with «…»."""
    text = " ".join(str(label).split())
    if len(text) <= MAX_LABEL:
        return text
    return text[: MAX_LABEL - 1].rstrip() + ELLIPSIS


def payload_length(payload: Any) -> int:
    """Characters of the payload as VK counts them: the JSON text (the sandbox counts the same)."""
    if payload is None:
        return 0
    if isinstance(payload, str):
        return len(payload)
    return len(json.dumps(payload, ensure_ascii=False))


def _check_payload(label: str, payload: Any) -> None:
    length = payload_length(payload)
    if length > MAX_PAYLOAD:
        shown = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        raise KeyboardError(
            f"payload of button {label!r} is {length} characters, VK allows {MAX_PAYLOAD}: "
            f"{shown[:80]}… — keep ids in the payload, not texts"
        )


def _label(button: Any) -> str:
    return str(button.label if isinstance(button, Link) else button[0])


def _check_shape(rows: list[list[Any]], *, inline: bool) -> None:
    max_rows, max_buttons = limits(inline=inline)
    kind = "an inline" if inline else "a normal"
    if len(rows) > max_rows:
        raise KeyboardError(
            f"{len(rows)} rows in {kind} keyboard, VK allows {max_rows}: page the list "
            "with core.keyboards.paged()"
        )
    for row in rows:
        if len(row) > MAX_PER_ROW:
            raise KeyboardError(
                f"{len(row)} buttons in a row, VK allows {MAX_PER_ROW}: {[_label(b) for b in row]}"
            )
    total = sum(len(row) for row in rows)
    if total > max_buttons:
        raise KeyboardError(
            f"{total} buttons in {kind} keyboard, VK allows {max_buttons}: page the list "
            "with core.keyboards.paged()"
        )


def _color(name: str | None) -> KeyboardButtonColor | None:
    return None if name is None else KeyboardButtonColor(name)


def build(
    rows: Iterable[Sequence[Any]],
    *,
    inline: bool = False,
    one_time: bool = False,
    callback: bool = False,
) -> str:
    """Rows of (label, payload[, colour]) and Link buttons as a VK keyboard JSON string.

    Raises KeyboardError for what VK would refuse: too many rows or buttons, an empty label,
    a payload over 255 characters. Labels over 40 characters are cut with «…»."""
    kept = [list(row) for row in rows if row]
    _check_shape(kept, inline=inline)
    keyboard = Keyboard(inline=inline, one_time=False if inline else one_time)
    for index, row in enumerate(kept):
        if index:
            keyboard.row()
        for button in row:
            if isinstance(button, Link):
                label = fit_label(button.label)
                if not label:
                    raise KeyboardError(f"a link button without a label: {button.url}")
                keyboard.add(OpenLink(button.url, label))
                continue
            label, payload = fit_label(button[0]), button[1]
            if not label:
                raise KeyboardError(f"a button without a label, payload {payload!r}")
            _check_payload(label, payload)
            color = _color(button[2]) if len(button) > 2 else None
            action = Callback(label, payload) if callback else Text(label, payload)
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


# --- long lists: pages ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    """One page of a long list as keyboard rows: the items, then «Назад»/«Ещё», then the fixed
    rows (Back/Cancel). ``number`` counts from 1; ``first`` is the index of the page's first
    item in the whole list (to number items in the message text)."""

    rows: list[list[Button]]
    items: list[Button]
    number: int
    count: int
    first: int
    total: int


def page_size(
    fixed: Sequence[Sequence[Any]], *, inline: bool = False, per_row: int = 1
) -> tuple[int, int]:
    """(items when the list fits one page, items a page holds when it is paged)."""
    if not 1 <= per_row <= MAX_PER_ROW:
        raise KeyboardError(f"per_row must be 1..{MAX_PER_ROW}, not {per_row}")
    max_rows, max_buttons = limits(inline=inline)
    fixed_rows = [row for row in fixed if row]
    free_rows = max_rows - len(fixed_rows)
    free_buttons = max_buttons - sum(len(row) for row in fixed_rows)
    # The pager row takes a row and two buttons (a middle page shows both «Назад» and «Ещё»).
    if free_rows < 2 or free_buttons < 3:
        raise KeyboardError(
            f"no room for a list: the fixed rows leave {free_rows} rows and {free_buttons} buttons"
        )
    whole = min(free_rows * per_row, free_buttons)
    paged_size = min((free_rows - 1) * per_row, free_buttons - 2)
    return whole, paged_size


@dataclass(frozen=True, slots=True)
class Window:
    """Which part of a list one page shows: page ``number`` of ``count`` (from 1), the items
    ``first`` to ``first + size``."""

    number: int
    count: int
    first: int
    size: int


def page_window(
    total: int,
    fixed: Sequence[Sequence[Any]],
    *,
    page: int,
    inline: bool = False,
    per_row: int = 1,
) -> Window:
    """The page of a list of ``total`` items, for callers whose items are not all buttons."""
    whole, size = page_size(fixed, inline=inline, per_row=per_row)
    if total <= whole:
        return Window(1, 1, 0, total)
    count = math.ceil(total / size)
    number = min(max(int(page), 1), count)
    return Window(number, count, (number - 1) * size, size)


def pager_row(window: Window, turn: dict[str, Any]) -> list[Button]:
    """«◀ Назад» and «Ещё ▶» as the page needs them; each carries ``turn`` and its page number."""
    row: list[Button] = []
    if window.number > 1:
        row.append((CORE_TEXTS.label("page_prev"), {**turn, PAGE_KEY: window.number - 1}))
    if window.number < window.count:
        row.append(
            (CORE_TEXTS.label("page_next"), {**turn, PAGE_KEY: window.number + 1}, "primary")
        )
    return row


def paged(
    items: Sequence[Button],
    fixed: Sequence[Sequence[Any]],
    *,
    page: int,
    turn: dict[str, Any],
    inline: bool = False,
    per_row: int = 1,
) -> Page:
    """The ``page``-th page (from 1; out of range is brought back in) of ``items`` laid out
    ``per_row`` in a row above the ``fixed`` rows. The «Назад»/«Ещё» buttons carry ``turn`` with
    the page number under "page". Every page fits VK's limits; every item is on some page."""
    window = page_window(len(items), fixed, page=page, inline=inline, per_row=per_row)
    shown = list(items[window.first : window.first + window.size])
    rows = [*chunk(shown, per_row), pager_row(window, turn), *(list(r) for r in fixed)]
    return Page(
        [row for row in rows if row], shown, window.number, window.count, window.first, len(items)
    )


def page_of(payload: dict[str, Any] | None) -> int:
    """The page number a pager button carried (1 when absent or not a number)."""
    value = (payload or {}).get(PAGE_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


# --- long lists: search by typed text ---------------------------------------------------------
_NOT_WORD = re.compile(r"[^\w]+")


def _words(text: str) -> list[str]:
    # «№», quotes and dashes are not what people type: «сош 112» finds «МБОУ СОШ № 112».
    return [w for w in _NOT_WORD.sub(" ", text.casefold().replace("ё", "е")).split() if w]


def matches(text: str, query: str) -> bool:
    """Whether every word typed is found in ``text`` (case, ё/е and punctuation aside);
    «7б» and «7 б» both find «7Б», «гимназия 5» finds «МАОУ «Гимназия № 5»»."""
    wanted = _words(query)
    if not wanted:
        return False
    words = _words(text)
    joined = " ".join(words)
    if all(w in joined for w in wanted):
        return True
    return "".join(wanted) in "".join(words)


def search(items: Sequence[Button], query: str) -> list[Button]:
    """The items whose label matches the typed ``query``; those having each typed word as a
    whole word come first («5» puts «Гимназия № 5» before «Школа № 15»)."""
    found = [item for item in items if matches(str(item[0]), query)]
    wanted = _words(query)

    def exact(item: Button) -> int:
        words = _words(str(item[0]))
        return 0 if all(any(w == x for x in words) for w in wanted) else 1

    return sorted(found, key=exact)


def link_keyboard(label: str, url: str, *, inline: bool = True) -> str:
    return build([[Link(label, url)]], inline=inline)


def payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
