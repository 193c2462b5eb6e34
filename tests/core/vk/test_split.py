"""Long texts cut into VK-sized parts at paragraphs, lines, sentences, spaces, never losing text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.vk.split import VK_MESSAGE_LIMIT, split_text

WORDS = st.text(alphabet="абвгдежзийклмнопрстуфхцчшщъыьэюяabc0123456789.,!?…", min_size=1)
SCHEMA = Path(__file__).resolve().parents[3] / "vendor" / "vk-api-schema"
GAPS = st.sampled_from([" ", "  ", "\n", "\n\n", " \n", "\n \n", "\t", ". ", "\r\n"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, max_size=60))
    pieces: list[str] = [draw(st.sampled_from(["", " ", "\n"]))]
    for word in words:
        pieces += [word, draw(GAPS)]
    return "".join(pieces)


def _gaps(text: str, parts: list[str]) -> list[str] | None:
    """The whitespace between consecutive parts if ``text`` is the parts in order with only
    whitespace before, between and after them; None otherwise."""
    pattern = r"\s*" + r"(\s*)".join(re.escape(p) for p in parts) + r"\s*"
    found = re.fullmatch(pattern, text)
    return None if found is None else list(found.groups())


@settings(max_examples=300, deadline=None)
@given(texts(), st.integers(min_value=1, max_value=80))
def test_parts_fit_are_never_empty_and_give_back_the_text(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert all(part.strip() for part in parts)
    assert _gaps(text, parts) is not None
    assert bool(parts) == bool(text.strip())


@settings(max_examples=200, deadline=None)
@given(texts(), st.integers(min_value=1, max_value=80))
def test_a_word_is_cut_only_when_no_space_is_in_reach(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    gaps = _gaps(text, parts)
    assert gaps is not None
    for part, gap in zip(parts[:-1], gaps, strict=True):
        if gap == "":  # cut inside a word: the part is a whole window without a space
            assert len(part) == limit and not re.search(r"\s", part)


def test_a_text_that_fits_is_one_part_as_it_is() -> None:
    assert split_text("Здравствуйте!\n") == ["Здравствуйте!\n"]
    assert split_text("я" * VK_MESSAGE_LIMIT) == ["я" * VK_MESSAGE_LIMIT]
    assert split_text("я" * (VK_MESSAGE_LIMIT + 1)) == ["я" * VK_MESSAGE_LIMIT, "я"]


def test_the_limit_is_what_messages_send_accepts_not_vkbottles_4096() -> None:
    methods = json.loads((SCHEMA / "messages" / "methods.json").read_text(encoding="utf-8"))
    send = next(m for m in methods["methods"] if m["name"] == "messages.send")
    message = next(p for p in send["parameters"] if p["name"] == "message")
    assert VK_MESSAGE_LIMIT == message["maxLength"] == 9000
    text = "Слово. " * 1000  # 7,000 characters: two messages if cut at 4,096, one for VK
    assert split_text(text) == [text]
    assert split_text("  \n ") == [] and split_text("") == []


def test_prefers_a_paragraph_then_a_line_then_a_sentence_then_a_space() -> None:
    first, second = "Первый абзац. " * 20, "Второй абзац."
    assert split_text(first.strip() + "\n\n" + second, 290) == [first.strip(), second]
    assert split_text("а" * 200 + "\nб" * 2 + " в" * 100, 250)[0] == "а" * 200 + "\nб"
    assert split_text("Раз два три. Четыре пять шесть", 20) == ["Раз два три.", "Четыре пять шесть"]
    assert split_text("Раз два три четыре пять", 20) == ["Раз два три четыре", "пять"]


def test_a_break_early_in_the_window_does_not_make_a_tiny_part() -> None:
    text = "Заголовок\n\n" + "слово " * 100
    parts = split_text(text, 200)
    assert len(parts[0]) > 100  # not just «Заголовок»


def test_a_word_longer_than_the_limit_is_cut_at_the_limit() -> None:
    assert split_text("https://x/" + "a" * 25, 10) == ["https://x/", "a" * 10, "a" * 10, "a" * 5]


def test_a_bad_limit_is_an_error() -> None:
    with pytest.raises(ValueError):
        split_text("текст", 0)
