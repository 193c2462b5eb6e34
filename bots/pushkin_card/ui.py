"""The plugin's texts and keyboards. Payload keys start with "pk" (this plugin's prefix), short,
because VK limits a payload to 255 characters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core import keyboards
from core.texts import Texts


def _rub(value: int | None) -> str:
    """5000 -> '5 000' (a narrow no-break space groups thousands in Russian typography)."""
    return "" if value is None else f"{value:,}".replace(",", "\u202f")


T = Texts.for_package("bots.pushkin_card")
T.env.filters["rub"] = _rub


Link = keyboards.Link
Button = keyboards.Button | Link


MENU = {"pk": "menu"}
CANCEL = {"pk": "x"}


def inline(rows: Sequence[Sequence[Button]]) -> str:
    """An inline keyboard of text buttons and link buttons."""
    return keyboards.build(rows, inline=True)


def nav(back: dict[str, Any] | None) -> list[Button]:
    """Back and Cancel, as every dialog step offers."""
    return list(keyboards.nav_row(back, CANCEL, T))


def chunk(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def menu_keyboard(show_city: bool = True) -> str:
    """The persistent keyboard under the input field."""
    rows: list[list[keyboards.Button]] = [
        [(T.label("menu_list"), {"pk": "list"}, "primary")],
        [(T.label("menu_search"), {"pk": "q"}), (T.label("menu_filters"), {"pk": "flt"})],
        [(T.label("menu_favourites"), {"pk": "favs"}), (T.label("menu_digest"), {"pk": "dig"})],
        [(T.label("menu_faq"), {"pk": "faq"}), (T.label("menu_eligibility"), {"pk": "elig"})],
    ]
    if show_city:
        rows.append([(T.label("menu_city"), {"pk": "city"})])
    return keyboards.build(rows)


def to_menu() -> list[Button]:
    return [(T.label("menu"), MENU)]
