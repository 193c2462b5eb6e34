import pytest

from core.regions import REGIONS, region, timezone_for


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("03", "Asia/Irkutsk"),  # Бурятия
        ("42", "Asia/Novokuznetsk"),  # Кемеровская
        ("18", "Europe/Samara"),  # Удмуртия
        ("04", "Asia/Barnaul"),  # Республика Алтай
        ("14", "Asia/Yakutsk"),  # Якутия: the capital's zone
        (77, "Europe/Moscow"),
        ("54", "Asia/Novosibirsk"),
        ("39", "Europe/Kaliningrad"),
        ("41", "Asia/Kamchatka"),
    ],
)
def test_traps(code: str | int, zone: str) -> None:
    assert timezone_for(code).key == zone


def test_every_zone_exists_and_codes_are_two_digits() -> None:
    for code, entry in REGIONS.items():
        assert len(code) == 2 and code == entry.code
        assert entry.zone.key == entry.timezone
    assert len(REGIONS) >= 85


@pytest.mark.parametrize("bad", ["0", "100", "ab", ""])
def test_bad_codes(bad: str) -> None:
    with pytest.raises(ValueError):
        region(bad)
