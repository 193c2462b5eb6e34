"""Every keyboard built from any list fits VK's limits (judged by the sandbox's own 911 checks),
and every item of the list is on exactly one page."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core import keyboards
from sandbox.keyboard import parse_keyboard

CANCEL = {"x": "cancel"}
TURN = {"x": "page"}

labels = st.text(min_size=1, max_size=90).filter(lambda s: s.split())
item_lists = st.lists(labels, max_size=120)
fixed_rows = st.lists(
    st.lists(
        st.sampled_from(["← Назад", "Отмена", "Меню", "Показать все"]), min_size=1, max_size=3
    ),
    max_size=2,
)


def _items(names: list[str]) -> list[keyboards.Button]:
    return [(name, {"x": "item", "i": i}) for i, name in enumerate(names)]


def _fixed(rows: list[list[str]]) -> list[list[keyboards.Button]]:
    return [
        [(label, {"x": "fixed", "r": r, "b": b}) for b, label in enumerate(row)]
        for r, row in enumerate(rows)
    ]


def _all_pages(
    items: list[keyboards.Button],
    fixed: list[list[keyboards.Button]],
    *,
    inline: bool,
    per_row: int,
) -> list[keyboards.Page]:
    """Walk the pages the way a person does: from the first, pressing «Ещё» until it is gone."""
    pages = [keyboards.paged(items, fixed, page=1, turn=TURN, inline=inline, per_row=per_row)]
    while True:
        nexts = [
            b[1]
            for row in pages[-1].rows
            for b in row
            if b[1].get("x") == "page" and b[1]["page"] == pages[-1].number + 1
        ]
        if not nexts:
            return pages
        pages.append(
            keyboards.paged(
                items,
                fixed,
                page=keyboards.page_of(nexts[0]),
                turn=TURN,
                inline=inline,
                per_row=per_row,
            )
        )
        assert len(pages) <= len(items) + 1, "paging does not end"


def _payloads(raw: str) -> list[dict[str, Any]]:
    parsed = parse_keyboard(raw, author_id=-1)
    if parsed is None:  # nothing to show: the keyboard that hides the old one
        return []
    return [json.loads(b["action"]["payload"]) for row in parsed["buttons"] for b in row]


@settings(max_examples=150, deadline=None)
@given(
    names=item_lists,
    fixed=fixed_rows,
    inline=st.booleans(),
    per_row=st.integers(min_value=1, max_value=5),
)
def test_every_page_fits_vk_and_every_item_is_reachable(
    names: list[str], fixed: list[list[str]], inline: bool, per_row: int
) -> None:
    items = _items(names)
    fixed_buttons = _fixed(fixed)
    pages = _all_pages(items, fixed_buttons, inline=inline, per_row=per_row)
    seen: list[int] = []
    for number, page in enumerate(pages, start=1):
        assert page.number == number and page.count == len(pages)
        raw = keyboards.build(page.rows, inline=inline)
        # The sandbox raises VkError(911) exactly where VK would.
        payloads = _payloads(raw)
        seen += [p["i"] for p in payloads if p["x"] == "item"]
        # The fixed rows (Back/Cancel) are on every page, and «Назад» leads back.
        assert sum(1 for p in payloads if p["x"] == "fixed") == sum(len(r) for r in fixed)
        if number > 1:
            assert {"x": "page", "page": number - 1} in payloads
        parsed = parse_keyboard(raw, -1)
        shown = [
            b["action"]["label"] for row in (parsed or {"buttons": []})["buttons"] for b in row
        ]
        assert all(0 < len(label) <= keyboards.MAX_LABEL for label in shown)
    assert seen == list(range(len(items)))


@settings(max_examples=100, deadline=None)
@given(names=item_lists, query=st.text(max_size=12), inline=st.booleans())
def test_search_results_page_within_limits_and_each_found_item_names_the_query(
    names: list[str], query: str, inline: bool
) -> None:
    items = _items(names)
    found = keyboards.search(items, query)
    for item in found:
        assert keyboards.matches(item[0], query)
    for page in _all_pages(found, _fixed([["← Назад", "Отмена"]]), inline=inline, per_row=2):
        _payloads(keyboards.build(page.rows, inline=inline))


@settings(max_examples=100, deadline=None)
@given(label=st.text(min_size=1, max_size=200).filter(lambda s: s.split()))
def test_any_label_becomes_one_vk_label(label: str) -> None:
    raw = keyboards.build([[(label, {"a": 1})]], inline=True)
    parsed = parse_keyboard(raw, -1)
    assert parsed is not None
    shown = parsed["buttons"][0][0]["action"]["label"]
    assert len(shown) <= keyboards.MAX_LABEL
    words = " ".join(label.split())
    assert shown == words or (shown.endswith("…") and words.startswith(shown[:-1]))
