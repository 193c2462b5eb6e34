"""The plugin's texts, keyboards and button payloads. Every button carries ``{"pk": action, ...}``
("pk" is this plugin's payload key), declared below as a Payload class; short names, because VK
limits a payload to 255 characters."""

from __future__ import annotations

from collections.abc import Sequence

from core import keyboards
from core.bot import LooseInt, LooseStr, Payload
from core.texts import Texts


def _rub(value: int | None) -> str:
    """5000 -> '5 000' (a narrow no-break space groups thousands in Russian typography)."""
    return "" if value is None else f"{value:,}".replace(",", "\u202f")


T = Texts.for_package("bots.pushkin_card")
T.env.filters["rub"] = _rub


Link = keyboards.Link
Button = keyboards.Button | Link


# --- payloads -------------------------------------------------------------------------------
# Optional fields are left out of the packed payload when None: a button without a page, say,
# is the same {"pk": "list"} as before the classes existed. Fields are loose (a forged or stale
# value becomes None): the handlers answer such a button themselves, with the list or the menu.
class Pk(Payload, key="pk"):
    """A button of this plugin."""


class Menu(Pk, action="menu"):
    pass


class Cancel(Pk, action="x"):
    pass


class ShowList(Pk, action="list"):
    p: LooseInt = None  # the page, from 0


class ShowCard(Pk, action="ev"):
    e: LooseInt = None  # the event
    p: LooseInt = None  # the page of the list the card was opened from


class Filters(Pk, action="flt"):
    pass


class ChooseDates(Pk, action="dates"):
    pass


class ChooseCategory(Pk, action="cats"):
    pass


class SetPeriod(Pk, action="d"):
    v: LooseStr = None  # a Period value


class SetCategory(Pk, action="c"):
    v: LooseStr = None  # a Category value, or "all"


class ResetFilters(Pk, action="reset"):
    pass


class Search(Pk, action="q"):
    keep: LooseInt = None  # 1: keep the other filters (the search from the filters screen)


class ChooseCity(Pk, action="city"):
    v: LooseStr = None  # the city pressed; none: the list of cities
    all: LooseInt = None  # 1: cities of every region, not only the person's


class Eligibility(Pk, action="elig"):
    pass


class Faq(Pk, action="faq"):
    i: LooseInt = None  # a question's index: its answer
    p: LooseInt = None  # else the page of the questions


class AskQuestion(Pk, action="ask"):
    pass


class Favourite(Pk, action="fav"):
    e: LooseInt = None  # the event
    on: LooseInt = None  # 1: save it, 0: remove it


class Favourites(Pk, action="favs"):
    p: LooseInt = None


class Digest(Pk, action="dig"):
    on: LooseInt = None  # 1: subscribe, 0: unsubscribe, none: show the subscription


class Recommend(Pk, action="rec"):
    """A teacher recommends an event to a class: start (``e``), pick a class (``g``), then
    ``do`` "send" or "back"."""

    e: LooseInt = None
    g: LooseInt = None
    do: LooseStr = None


MENU = Menu().pack()
CANCEL = Cancel().pack()


def inline(rows: Sequence[Sequence[Button]]) -> str:
    """An inline keyboard of text buttons and link buttons."""
    return keyboards.build(rows, inline=True)


def nav(back: Pk | None) -> list[Button]:
    """Back (to the screen ``back`` opens) and Cancel, as every dialog step offers."""
    return list(keyboards.nav_row(back.pack() if back else None, CANCEL, T))


def chunk(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def menu_keyboard(show_city: bool = True) -> str:
    """The persistent keyboard under the input field."""
    rows: list[list[keyboards.Button]] = [
        [(T.label("menu_list"), ShowList().pack(), "primary")],
        [(T.label("menu_search"), Search().pack()), (T.label("menu_filters"), Filters().pack())],
        [
            (T.label("menu_favourites"), Favourites().pack()),
            (T.label("menu_digest"), Digest().pack()),
        ],
        [(T.label("menu_faq"), Faq().pack()), (T.label("menu_eligibility"), Eligibility().pack())],
    ]
    if show_city:
        rows.append([(T.label("menu_city"), ChooseCity().pack())])
    return keyboards.build(rows)


def to_menu() -> list[Button]:
    return [(T.label("menu"), MENU)]
