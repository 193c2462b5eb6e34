"""Where an event is: the API gives a city (locale.name), a time zone and a free-form address,
but no region field. The region comes from the address ("Новосибирская обл", "г Москва",
"Приморский край"), else from the time zone when exactly one region uses it."""

from __future__ import annotations

import re
from functools import cache

from core.regions import REGIONS

# How ФИАС-style addresses abbreviate region kinds.
_ABBREVIATIONS = (
    ("автономная область", "аобл"),
    ("автономный округ", "ао"),
    ("республика", "респ"),
    ("область", "обл"),
)
# Cities that are regions of their own appear in addresses as "г Москва".
_CITY_REGIONS = {"москва": "77", "санкт-петербург": "78", "севастополь": "92"}


def _norm(text: str) -> str:
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[^\w\s-]", " ", text)
    return " ".join(text.split())


@cache
def _names() -> dict[str, str]:
    """Normalised region name (full and abbreviated forms) -> code."""
    names: dict[str, str] = {}
    for code, region in REGIONS.items():
        # "Кемеровская область — Кузбасс": addresses use the part before the dash
        full = _norm(region.name.split(" — ")[0])
        names.setdefault(full, code)
        short = full
        for long_form, abbreviation in _ABBREVIATIONS:
            short = short.replace(long_form, abbreviation)
        names.setdefault(short, code)
        # "Республика Татарстан" is also written "Татарстан респ" and "Татарстан"
        words = short.split()
        if words and words[0] in ("респ", "ао"):
            names.setdefault(" ".join(words[1:]), code)
            names.setdefault(" ".join([*words[1:], words[0]]), code)
    return names


@cache
def _zone_regions() -> dict[str, tuple[str, ...]]:
    zones: dict[str, list[str]] = {}
    for code, region in REGIONS.items():
        zones.setdefault(region.timezone, []).append(code)
    return {zone: tuple(codes) for zone, codes in zones.items()}


@cache
def region_code(address: str, timezone: str) -> str | None:
    names = _names()
    for part in address.split(","):
        key = _norm(part)
        if not key or key.isdigit():
            continue
        if key in names:
            return names[key]
        city = re.sub(r"^(г|город)\s+", "", key)
        if city != key and city in _CITY_REGIONS:
            return _CITY_REGIONS[city]
    codes = _zone_regions().get(timezone, ())
    return codes[0] if len(codes) == 1 else None


def city_of_municipality(name: str) -> str:
    """'город Новосибирск' -> 'Новосибирск'; other municipality names are returned as given."""
    return re.sub(r"^(город|г\.?|городской округ)\s+", "", name.strip(), flags=re.I).strip()


def same_city(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)
