"""An author's mistake in a broadcast template is explained in Russian with its line, and jinja2's
English stays in the log."""

from __future__ import annotations

import logging
import re

import pytest

from core.broadcast.render import Renderer, TemplateError

# Words of jinja2's own messages: none may reach the author.
JINJA_WORDS = re.compile(
    r"Encountered|unknown|Unexpected|unexpected|expected|Expected|Jinja|template|statement|"
    r"token|got|innermost|Missing|char|nesting|print|block",
)

CASES = [
    # (template, line, what the explanation must say)
    ("Здравствуйте!\n{% для ребёнка %}", 2, "команды «{% для %}» нет"),
    ("{{ first_name }}\n{% if child_name %}\nВаш ребёнок\n\nДо встречи", 2, "не закрыто"),
    ("{% if child_name %}x{% endfor %}", 1, "«{% endif %}» вместо «{% endfor %}»"),
    ("Текст\n{% endif %}", 2, "без начала условия"),
    ("{% if child_name %}a{% else %}b{% else %}c{% endif %}", 1, "только один «{% else %}»"),
    ("Привет, {{ first_name", 1, "поле не закрыто"),
    ("{% if child_name %}x{% endif", 1, "команда не закрыта"),
    ("Привет, {{ first_name }", 1, "недостающая фигурная скобка"),
    ("{{ }}", 1, "пусто"),
    ("{% if %}x{% endif %}", 1, "не сказано, что проверять"),
    ("{% %}", 1, "пусто"),
    ("{{ first_name!}}", 1, "знак «!»"),
    ("{{ first name }}", 1, "лишнее «name»"),
    ("{{ first_name | }}", 1, "чего-то не хватает"),
    ("\n\n{# заметка", 3, "комментарий"),
    ("Привет, {{ имя }}!", 1, "поля «{{ имя }}» нет"),
    ("Привет,\n{{ first_name }} {{ school }}", 2, "поля «{{ school }}» нет"),
]


@pytest.mark.parametrize(("source", "line", "says"), CASES)
def test_each_mistake_is_explained_in_russian_with_its_line(
    source: str, line: int, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="sferum.broadcast"),
        pytest.raises(TemplateError) as refused,
    ):
        Renderer(source)
    text = str(refused.value)
    assert f"строка {line}:" in text
    assert says in text
    assert not JINJA_WORDS.search(text), text
    assert re.search("[а-яё]{4}", text)


def test_jinja_s_original_message_goes_to_the_log_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="sferum.broadcast"), pytest.raises(TemplateError):
        Renderer("{% для x %}")
    assert "Encountered unknown tag 'для'" in caplog.text


def test_fields_the_author_and_the_bot_give_are_known() -> None:
    renderer = Renderer(
        "{{ first_name }}, {{ event }} в {{ city }}", {"event": "Театр", "city": "Бердск"}
    )
    assert renderer.preview({"first_name": "Аня"}) == "Аня, Театр в Бердск"
    assert Renderer('{% if role == "parent" %}{{ child_name }}{% endif %}').used == {
        "role",
        "child_name",
    }
