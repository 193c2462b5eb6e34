"""Small pure rules: eligibility by age, date windows and typed ranges, regions, the FAQ."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bots.pushkin_card import faq, plugin
from bots.pushkin_card.dates import Period, RangeError, parse_range, window
from bots.pushkin_card.eligibility import UNKNOWN_AGE_LIMIT, Status, eligibility
from bots.pushkin_card.geo import city_of_municipality, region_code
from bots.pushkin_card.settings import PushkinSettings
from core.config import ConfigError, Settings, load_settings
from core.people import Person
from core.plugins.settings import plugin_settings

TODAY = date(2026, 11, 23)
NSK = ZoneInfo("Asia/Novosibirsk")


def _born(day: date) -> Person:
    return Person(1, 1, "Аня", "Иванова", birth_date=day)


@pytest.mark.parametrize(
    ("birth", "status", "age"),
    [
        (date(2012, 11, 24), Status.TOO_YOUNG, 13),  # 14 tomorrow
        (date(2012, 11, 23), Status.ELIGIBLE, 14),  # 14 today
        (date(2003, 11, 24), Status.ELIGIBLE, 22),  # 23 tomorrow: today is the last day
        (date(2003, 11, 23), Status.TOO_OLD, 23),  # 23 today
    ],
)
def test_the_card_is_for_14_to_22_inclusive(birth: date, status: Status, age: int) -> None:
    rules = eligibility(_born(birth), TODAY)
    assert (rules.status, rules.age, rules.age_limit) == (status, age, age)
    assert (rules.yearly_sum, rules.cinema_cap) == (5000, 2000)
    if birth == date(2003, 11, 24):
        assert rules.until == TODAY


def test_leap_day_birthdays_and_unknown_ages() -> None:
    rules = eligibility(_born(date(2012, 2, 29)), TODAY)
    assert rules.status == Status.ELIGIBLE and rules.since == date(2026, 3, 1)
    assert rules.until == date(2035, 2, 28)
    nobody = eligibility(None, TODAY)
    assert nobody.status == Status.UNKNOWN and nobody.age_limit == UNKNOWN_AGE_LIMIT == 17
    adult = eligibility(Person(2, 2, "Олег", "", adult_flag=True), TODAY)
    assert adult.status == Status.UNKNOWN and adult.age_limit is None
    assert eligibility(None, date(2031, 1, 1)).yearly_sum is None  # unknown years: not guessed


def test_windows_are_local_days() -> None:
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00 in Novosibirsk
    today = window(Period.TODAY, now, NSK)
    assert today.start == now and today.end == datetime(2026, 11, 24, tzinfo=NSK)
    weekend = window(Period.WEEKEND, now, NSK)
    assert weekend.start == datetime(2026, 11, 28, tzinfo=NSK)
    assert weekend.end == datetime(2026, 11, 30, tzinfo=NSK)
    sunday = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert window(Period.WEEKEND, sunday, NSK).start == sunday
    assert window(Period.ALL, now, NSK).end is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.12–12.12", (date(2026, 12, 5), date(2026, 12, 12))),
        ("5.12", (date(2026, 12, 5), date(2026, 12, 5))),
        ("с 5.12 по 12.12.2026", (date(2026, 12, 5), date(2026, 12, 12))),
        ("30.12-05.01", (date(2026, 12, 30), date(2027, 1, 5))),
        ("20.11-25.11", (date(2026, 11, 23), date(2026, 11, 25))),
    ],
)
def test_typed_ranges(text: str, expected: tuple[date, date]) -> None:
    assert parse_range(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("завтра", "format"),
        ("31.02", "no_such_date"),
        ("12.12-5.12.2026", "backwards"),
        ("01.11.2026-05.11.2026", "past"),
        ("1.12-1.06", "too_long"),
        ("", "format"),
    ],
)
def test_bad_ranges_say_why(text: str, code: str) -> None:
    with pytest.raises(RangeError) as caught:
        parse_range(text, TODAY)
    assert caught.value.code == code


def test_regions_from_addresses_and_zones() -> None:
    assert region_code("630099, Новосибирская обл, г Новосибирск, ул Каменская", "X") == "54"
    assert region_code("125009, г Москва, ул Тверская, д 1", "Europe/Moscow") == "77"
    assert region_code("690091, Приморский край, г Владивосток", "Asia/Vladivostok") == "25"
    assert region_code("Респ Татарстан, г Казань", "Europe/Moscow") == "16"
    assert region_code("", "Asia/Novosibirsk") == "54"  # the only region in that zone
    assert region_code("", "Europe/Moscow") is None  # dozens of regions: do not guess
    assert city_of_municipality("город Новосибирск") == "Новосибирск"
    assert city_of_municipality("Искитимский район") == "Искитимский район"


def test_faq_loads_and_answers() -> None:
    entries = faq.entries()
    assert len(entries) == 14 and len({e.id for e in entries}) == 14
    cases = {
        "Как оформить карту?": "how_to_get",
        "можно ли по ней в кино": "cinema",
        "сколько денег на карте": "how_much",
        "мне 15 лет, что нужно": "age_14_17",
        "можно купить попкорн?": "what_cannot_pay",
        "хочу вернуть билет": "refund",
        "сгорают ли деньги в конце года": "yearly_topup",
        "я потеряла карту": "lost_card",
    }
    for question, expected in cases.items():
        entry = faq.answer(question)
        assert entry is not None and entry.id == expected, question
    assert faq.answer("какая завтра погода") is None
    assert faq.by_number(0) is entries[0] and faq.by_number(99) is None
    with pytest.raises(faq.FaqError):
        faq.parse([{"id": "a", "question": "q"}])


def _pushkin(
    environ: dict[str, str], table: str = "", tmp_path: Path | None = None
) -> PushkinSettings:
    """The plugin's settings as core fills them at start: [bots.pushkin_card], then the env."""
    settings = Settings()
    if tmp_path is not None:
        path = tmp_path / "sferum.toml"
        path.write_text(table, encoding="utf-8")
        settings = load_settings(environ, path)
    loaded = plugin_settings(plugin, settings, environ)
    assert isinstance(loaded, PushkinSettings)
    return loaded


def test_settings_from_the_environment() -> None:
    settings = _pushkin(
        {
            "SFERUM_PUSHKIN_CARD_API_URL": "https://api.example/2.5/",
            "SFERUM_PUSHKIN_CARD_API_KEY": "k",
        }
    )
    assert settings.api_configured and settings.api_url == "https://api.example/2.5"
    assert not _pushkin({}).api_configured
    with pytest.raises(ConfigError, match=r"^SFERUM_PUSHKIN_CARD_PAGE_SIZE: ожидается целое"):
        _pushkin({"SFERUM_PUSHKIN_CARD_PAGE_SIZE": "500"})
    with pytest.raises(ConfigError, match=r"^SFERUM_PUSHKIN_CARD_API_URL: ожидается адрес"):
        _pushkin({"SFERUM_PUSHKIN_CARD_API_URL": "ftp://x"})
    # The old names are not read any more.
    assert _pushkin({"SFERUM_PUSHKIN_PAGE_SIZE": "500"}).page_size == 100


def test_settings_from_the_file_with_the_environment_over_it(tmp_path: Path) -> None:
    table = '[bots.pushkin_card]\napi_url = "https://api.example/2.5"\npage_size = 50\n'
    settings = _pushkin({"SFERUM_PUSHKIN_CARD_PAGE_SIZE": "20"}, table, tmp_path)
    assert settings.api_url == "https://api.example/2.5" and settings.page_size == 20
    assert not settings.api_configured  # no key in either place
    with pytest.raises(ConfigError) as raised:
        _pushkin({}, '[bots.pushkin_card]\napi_key = "secret-key"\npage_size = 0\n', tmp_path)
    line = str(raised.value)
    assert line.endswith(
        "sferum.toml: ключ bots.pushkin_card.page_size: ожидается целое число от 1 до 100, задано 0"
    )
    assert "secret-key" not in repr(
        _pushkin({}, '[bots.pushkin_card]\napi_key = "secret-key"\n', tmp_path)
    )
