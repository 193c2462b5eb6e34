"""build() refuses what VK would refuse with error 911, before anything is sent."""

from __future__ import annotations

import json

import pytest

from core import keyboards
from core.keyboards import KeyboardError
from sandbox.errors import VkError
from sandbox.keyboard import parse_keyboard


def _row(n: int, start: int = 0) -> list[keyboards.Button]:
    return [(f"Кнопка {i}", {"i": i}) for i in range(start, start + n)]


def test_a_payload_over_255_characters_is_refused_at_build_time_naming_the_button() -> None:
    payload = {"text": "ж" * 250}
    with pytest.raises(KeyboardError, match=r"'Длинная'.*262 characters, VK allows 255"):
        keyboards.build([[("Длинная", payload)]])
    # The same payload is what VK (the sandbox) refuses with 911.
    raw = json.dumps(
        {"buttons": [[{"action": {"type": "text", "label": "x", "payload": payload}}]]}
    )
    with pytest.raises(VkError):
        parse_keyboard(raw, -1)


def test_a_payload_of_exactly_255_characters_is_sent() -> None:
    payload = {"t": "a" * (255 - len('{"t": ""}'))}
    assert keyboards.payload_length(payload) == 255
    assert parse_keyboard(keyboards.build([[("Ровно", payload)]]), -1) is not None


@pytest.mark.parametrize(
    ("rows", "inline", "problem"),
    [
        ([_row(1, i) for i in range(11)], False, "11 rows in a normal keyboard, VK allows 10"),
        ([_row(1, i) for i in range(7)], True, "7 rows in an inline keyboard, VK allows 6"),
        ([_row(5, 5 * i) for i in range(9)], False, "45 buttons in a normal keyboard"),
        ([_row(4, 4 * i) for i in range(3)], True, "12 buttons in an inline keyboard"),
        ([_row(6)], False, "6 buttons in a row, VK allows 5"),
    ],
)
def test_shapes_vk_refuses_are_refused(
    rows: list[list[keyboards.Button]], inline: bool, problem: str
) -> None:
    with pytest.raises(KeyboardError, match=problem):
        keyboards.build(rows, inline=inline)


def test_the_largest_shapes_vk_takes_are_built() -> None:
    for rows, inline in (
        ([_row(4, 4 * i) for i in range(10)], False),
        ([_row(5), _row(5, 5)], True),
        ([_row(1, i) for i in range(6)], True),
    ):
        assert parse_keyboard(keyboards.build(rows, inline=inline), -1) is not None


def test_long_labels_are_cut_with_an_ellipsis_and_empty_ones_refused() -> None:
    name = "Муниципальное бюджетное общеобразовательное учреждение «СОШ № 112»"
    raw = keyboards.build(
        [[(name, {"o": 1})], [keyboards.Link(name, "https://vk.com")]], inline=True
    )
    labels = [row[0]["action"]["label"] for row in json.loads(raw)["buttons"]]
    assert labels == ["Муниципальное бюджетное общеобразовател…"] * 2
    assert all(len(label) == 40 for label in labels)
    with pytest.raises(KeyboardError, match="without a label"):
        keyboards.build([[("  ", {"o": 1})]])


def test_a_short_list_is_one_page_without_pager() -> None:
    items = _row(9)
    page = keyboards.paged(items, [[("Отмена", {"c": 1})]], page=1, turn={"p": 1})
    assert (page.count, page.items, page.rows[-1]) == (1, items, [("Отмена", {"c": 1})])
    assert len(page.rows) == 10


def test_fourteen_schools_make_two_pages_with_more_and_back() -> None:
    items = _row(14)
    nav = [[("Отмена", {"c": 1})]]
    first = keyboards.paged(items, nav, page=1, turn={"do": "page"})
    assert (first.number, first.count, len(first.items)) == (1, 2, 8)
    assert first.rows[-2] == [("Ещё ▶", {"do": "page", "page": 2}, "primary")]
    second = keyboards.paged(items, nav, page=2, turn={"do": "page"})
    assert second.items == items[8:] and second.first == 8
    assert second.rows[-2] == [("◀ Назад", {"do": "page", "page": 1})]
    # A page number from an old keyboard beyond the end shows the last page.
    assert keyboards.paged(items, nav, page=99, turn={"do": "page"}).number == 2
    assert keyboards.page_of({"page": "2"}) == 1 and keyboards.page_of({"page": 3}) == 3


def test_search_finds_schools_and_classes_as_people_type_them() -> None:
    schools: list[keyboards.Button] = [
        ("МБОУ СОШ № 112", {"o": 1}),
        ("МАОУ «Гимназия № 5»", {"o": 2}),
        ("Школа № 15 имени Ёлкина", {"o": 3}),
    ]
    assert [s[1]["o"] for s in keyboards.search(schools, "сош 112")] == [1]
    assert [s[1]["o"] for s in keyboards.search(schools, "гимназия")] == [2]
    assert [s[1]["o"] for s in keyboards.search(schools, "5")] == [2, 3]  # whole word first
    assert [s[1]["o"] for s in keyboards.search(schools, "елкина")] == [3]
    assert keyboards.search(schools, "лицей") == [] and keyboards.search(schools, " !? ") == []
    classes: list[keyboards.Button] = [("7Б", {"g": 1}), ("7А", {"g": 2}), ("11Б", {"g": 3})]
    assert [c[1]["g"] for c in keyboards.search(classes, "7б")] == [1]
    assert [c[1]["g"] for c in keyboards.search(classes, "7 б")] == [1]
