"""Authors' templates: substitution, conditions and a few filters; nothing that can freeze the
process or fail with a Python error."""

from __future__ import annotations

import pytest

from core.broadcast.render import MAX_TEXT, Recipient, Renderer, TemplateError


def _render(source: str, **values: str) -> str:
    return Renderer(source).preview({"first_name": "Аня", "child_name": "", **values})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ first_name }}, привет", "Аня, привет"),
        ("{{ first_name | upper }}", "АНЯ"),
        ("{{ child_name | default('ребёнок', true) }}", "ребёнок"),
        ("{% if child_name %}{{ child_name }}{% else %}Здравствуйте{% endif %}", "Здравствуйте"),
        ("{{ 'да' if first_name == 'Аня' else 'нет' }}", "да"),
    ],
)
def test_what_authors_write_works(source: str, expected: str) -> None:
    assert _render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(10) %}x{% endfor %}",
        "{{ 'x' * 10 }}",
        "{{ 10 ** 100 }}",
        "{{ first_name.__class__ }}",
        "{{ first_name['x'] }}",
        "{{ lipsum() }}",
        "{{ range(5) | list }}",
        "{{ first_name | center(1000000) }}",
        "{{ first_name | format(1) }}",
        "{% set x = 1 %}",
        "{% macro m() %}{% endmacro %}",
        "{{ 12345678901234567890 }}",
        "{{ '" + "я" * 500 + "' }}",
        "{% include 'x' %}",
    ],
)
def test_everything_else_is_refused_before_anything_runs(source: str) -> None:
    with pytest.raises(TemplateError) as refused:
        Renderer(source)
    assert "В тексте рассылки" in str(refused.value)


def test_a_text_over_vk_limit_is_a_clear_error() -> None:
    renderer = Renderer("{{ first_name }}" + "я" * (MAX_TEXT - 2))
    with pytest.raises(TemplateError, match="длиннее"):
        renderer.render(Recipient(1, 1, {"first_name": "Аня"}))


def test_one_recipient_s_failure_is_a_template_error_not_a_crash() -> None:
    class Odd(str):
        def __str__(self) -> str:
            raise OverflowError("int too large")

    renderer = Renderer("{{ first_name }}")
    with pytest.raises(TemplateError):
        renderer.render(Recipient(1, 1, {"first_name": Odd("x")}))
