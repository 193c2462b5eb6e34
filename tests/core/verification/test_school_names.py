import pytest

from core.keyboards import MAX_LABEL
from core.verification.school_names import short_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        (
            "Муниципальное автономное общеобразовательное учреждение «Лицей № 9» города Бердска",
            "МАОУ «Лицей № 9» г. Бердска",
        ),
        (
            "Муниципальное бюджетное общеобразовательное учреждение средняя общеобразовательная "
            "школа № 7",
            "МБОУ СОШ № 7",
        ),
        (
            "Государственное казённое общеобразовательное учреждение  «Школа № 3»",
            "ГКОУ «Школа № 3»",
        ),
        ("МБОУ СОШ № 112", "МБОУ СОШ № 112"),
        ("Школа муниципального района", "Школа муниципального района"),
    ],
)
def test_the_legal_form_is_abbreviated_so_schools_stay_apart_in_40_characters(
    name: str, short: str
) -> None:
    assert short_name(name) == short
    assert len(short) <= MAX_LABEL
