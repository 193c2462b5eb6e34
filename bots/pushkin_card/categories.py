"""Event categories: the API's Russian category names mapped to the keys users filter by."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    THEATRE = "theatre"
    MUSEUM = "museum"
    CONCERT = "concert"
    EXHIBITION = "exhibition"
    LECTURE = "lecture"
    MASTERCLASS = "masterclass"
    EXCURSION = "excursion"
    CINEMA = "cinema"
    OTHER = "other"


# PRO.Культура.РФ category names (casefolded). Anything unknown is OTHER, never an error:
# the catalogue of categories grows on their side without notice.
_BY_API_NAME: dict[str, Category] = {
    "спектакли": Category.THEATRE,
    "театр": Category.THEATRE,
    "музеи": Category.MUSEUM,
    "концерты": Category.CONCERT,
    "филармонии": Category.CONCERT,
    "выставки": Category.EXHIBITION,
    "лекции": Category.LECTURE,
    "встречи": Category.LECTURE,
    "мастер-классы": Category.MASTERCLASS,
    "обучение": Category.MASTERCLASS,
    "экскурсии": Category.EXCURSION,
    "кино": Category.CINEMA,
    "кинопоказы": Category.CINEMA,
}

# The order of the filter buttons: the five the issue names first.
FILTERABLE: tuple[Category, ...] = (
    Category.THEATRE,
    Category.MUSEUM,
    Category.CONCERT,
    Category.EXHIBITION,
    Category.LECTURE,
    Category.CINEMA,
    Category.EXCURSION,
    Category.MASTERCLASS,
)

# Exhibitions and museums are open for hours: a seance that has begun is still worth going to.
WALK_IN: frozenset[Category] = frozenset({Category.EXHIBITION, Category.MUSEUM})


def category_of(api_name: str) -> Category:
    return _BY_API_NAME.get(api_name.strip().casefold(), Category.OTHER)


def parse_category(key: str | None) -> Category | None:
    """A filter key from a button payload; None for 'all' or anything unknown."""
    try:
        return Category(key) if key else None
    except ValueError:
        return None
