"""Russian region codes (субъекты РФ, 01–99 as on number plates and in ОКАТО-based registries)
mapped to IANA time zones. No package ships this; the traps are commented.
For regions spanning several zones the capital's zone is taken."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_MSK = "Europe/Moscow"

_TABLE: tuple[tuple[str, str, str], ...] = (
    ("01", "Республика Адыгея", _MSK),
    ("02", "Республика Башкортостан", "Asia/Yekaterinburg"),
    ("03", "Республика Бурятия", "Asia/Irkutsk"),  # trap: not Asia/Chita
    ("04", "Республика Алтай", "Asia/Barnaul"),  # trap: UTC+7, not Novosibirsk
    ("05", "Республика Дагестан", _MSK),
    ("06", "Республика Ингушетия", _MSK),
    ("07", "Кабардино-Балкарская Республика", _MSK),
    ("08", "Республика Калмыкия", _MSK),
    ("09", "Карачаево-Черкесская Республика", _MSK),
    ("10", "Республика Карелия", _MSK),
    ("11", "Республика Коми", _MSK),
    ("12", "Республика Марий Эл", _MSK),
    ("13", "Республика Мордовия", _MSK),
    ("14", "Республика Саха (Якутия)", "Asia/Yakutsk"),  # spans three zones: capital Якутск
    ("15", "Республика Северная Осетия — Алания", _MSK),
    ("16", "Республика Татарстан", _MSK),
    ("17", "Республика Тыва", "Asia/Krasnoyarsk"),
    ("18", "Удмуртская Республика", "Europe/Samara"),  # trap: UTC+4
    ("19", "Республика Хакасия", "Asia/Krasnoyarsk"),
    ("20", "Чеченская Республика", _MSK),
    ("21", "Чувашская Республика", _MSK),
    ("22", "Алтайский край", "Asia/Barnaul"),
    ("23", "Краснодарский край", _MSK),
    ("24", "Красноярский край", "Asia/Krasnoyarsk"),
    ("25", "Приморский край", "Asia/Vladivostok"),
    ("26", "Ставропольский край", _MSK),
    ("27", "Хабаровский край", "Asia/Vladivostok"),
    ("28", "Амурская область", "Asia/Yakutsk"),
    ("29", "Архангельская область", _MSK),
    ("30", "Астраханская область", "Europe/Astrakhan"),  # UTC+4 since 2016
    ("31", "Белгородская область", _MSK),
    ("32", "Брянская область", _MSK),
    ("33", "Владимирская область", _MSK),
    ("34", "Волгоградская область", "Europe/Volgograd"),
    ("35", "Вологодская область", _MSK),
    ("36", "Воронежская область", _MSK),
    ("37", "Ивановская область", _MSK),
    ("38", "Иркутская область", "Asia/Irkutsk"),
    ("39", "Калининградская область", "Europe/Kaliningrad"),
    ("40", "Калужская область", _MSK),
    ("41", "Камчатский край", "Asia/Kamchatka"),
    ("42", "Кемеровская область — Кузбасс", "Asia/Novokuznetsk"),  # trap: own zone id
    ("43", "Кировская область", _MSK),
    ("44", "Костромская область", _MSK),
    ("45", "Курганская область", "Asia/Yekaterinburg"),
    ("46", "Курская область", _MSK),
    ("47", "Ленинградская область", _MSK),
    ("48", "Липецкая область", _MSK),
    ("49", "Магаданская область", "Asia/Magadan"),
    ("50", "Московская область", _MSK),
    ("51", "Мурманская область", _MSK),
    ("52", "Нижегородская область", _MSK),
    ("53", "Новгородская область", _MSK),
    ("54", "Новосибирская область", "Asia/Novosibirsk"),
    ("55", "Омская область", "Asia/Omsk"),
    ("56", "Оренбургская область", "Asia/Yekaterinburg"),
    ("57", "Орловская область", _MSK),
    ("58", "Пензенская область", _MSK),
    ("59", "Пермский край", "Asia/Yekaterinburg"),
    ("60", "Псковская область", _MSK),
    ("61", "Ростовская область", _MSK),
    ("62", "Рязанская область", _MSK),
    ("63", "Самарская область", "Europe/Samara"),
    ("64", "Саратовская область", "Europe/Saratov"),  # UTC+4 since 2016
    ("65", "Сахалинская область", "Asia/Sakhalin"),
    ("66", "Свердловская область", "Asia/Yekaterinburg"),
    ("67", "Смоленская область", _MSK),
    ("68", "Тамбовская область", _MSK),
    ("69", "Тверская область", _MSK),
    ("70", "Томская область", "Asia/Tomsk"),  # UTC+7 since 2016
    ("71", "Тульская область", _MSK),
    ("72", "Тюменская область", "Asia/Yekaterinburg"),
    ("73", "Ульяновская область", "Europe/Ulyanovsk"),
    ("74", "Челябинская область", "Asia/Yekaterinburg"),
    ("75", "Забайкальский край", "Asia/Chita"),
    ("76", "Ярославская область", _MSK),
    ("77", "Москва", _MSK),
    ("78", "Санкт-Петербург", _MSK),
    ("79", "Еврейская автономная область", "Asia/Vladivostok"),
    ("80", "Донецкая Народная Республика", _MSK),
    ("81", "Луганская Народная Республика", _MSK),
    ("82", "Республика Крым", "Europe/Simferopol"),
    ("83", "Ненецкий автономный округ", _MSK),
    ("84", "Херсонская область", _MSK),
    ("85", "Запорожская область", _MSK),
    ("86", "Ханты-Мансийский автономный округ — Югра", "Asia/Yekaterinburg"),
    ("87", "Чукотский автономный округ", "Asia/Anadyr"),
    ("89", "Ямало-Ненецкий автономный округ", "Asia/Yekaterinburg"),
    ("92", "Севастополь", "Europe/Simferopol"),
    ("95", "Чеченская Республика", _MSK),  # legacy code kept by some registries
)

REGIONS: dict[str, Region] = {code: Region(code, name, tz) for code, name, tz in _TABLE}


def normalise_code(code: str | int) -> str:
    text = str(code).strip()
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError(f"region code must be a number 01–99, got {code!r}")
    return f"{int(text):02d}"


def region(code: str | int) -> Region:
    key = normalise_code(code)
    try:
        return REGIONS[key]
    except KeyError:
        raise KeyError(f"unknown region code {key}") from None


def timezone_for(code: str | int) -> ZoneInfo:
    return region(code).zone
