"""Banks with more subjects and task numbers than a keyboard holds: the student's and the
teacher's pickers page with «Ещё», every subject and every number can be chosen, and each page
fits VK's limits."""

from __future__ import annotations

import json
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bots.exam_trainer import plugin, tasks
from bots.exam_trainer.bank_format import MAX_NUMBER, validate
from bots.exam_trainer.importer import import_bank
from core import keyboards
from core.texts import CORE_TEXTS
from sferum.testing import Harness, bot_harness

NEXT, PREV = CORE_TEXTS.label("page_next"), CORE_TEXTS.label("page_prev")
BIG = "Большой предмет"


def _bank(subject: str, title: str, numbers: range) -> dict[str, Any]:
    return {
        "exam": "ЕГЭ",
        "subject": subject,
        "subject_title": title,
        "tasks": [
            {
                "id": f"ege-{subject}-{n:02d}-001",
                "number": n,
                "topic": f"Тема {n}",
                "type": "short",
                "text": f"Условие {n}",
                "answer": str(n),
                "explanation": "Разбор.",
                "points": 1,
            }
            for n in numbers
        ],
    }


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_harness([plugin], tmp_path) as harness:
        now = harness.clock.now()
        # Twenty small subjects besides the shipped ones, and one with every task number.
        for letter in string.ascii_lowercase[:20]:
            bank = _bank(f"paged_{letter}", f"Предмет {letter.upper()}", range(1, 2))
            await import_bank(harness.services.db, validate(bank, f"{letter}.yaml"), now)
        big = _bank("paged_big", BIG, range(1, MAX_NUMBER + 1))
        await import_bank(harness.services.db, validate(big, "big.yaml"), now)
        yield harness


def labels(h: Harness, vk: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk)]


def fits_vk(h: Harness, vk: int) -> None:
    raw = h.last_reply(vk).get("keyboard")
    shape = (json.loads(raw) if isinstance(raw, str) else raw)["buttons"]  # type: ignore[index]
    assert len(shape) <= keyboards.MAX_NORMAL_ROWS
    assert sum(len(row) for row in shape) <= keyboards.MAX_NORMAL_BUTTONS
    assert all(len(row) <= keyboards.MAX_PER_ROW for row in shape)


async def press(h: Harness, vk: int, label: str) -> None:
    button = next(b for b in h.buttons(vk) if b["action"].get("label") == label)
    await h.say(vk, label, json.loads(button["action"]["payload"]))


async def walk(h: Harness, vk: int, wanted: set[str], nav: set[str]) -> list[str]:
    """Every label of ``wanted`` shown over the pages, pressing «Ещё» to the last page; the fixed
    buttons ``nav`` on every page."""
    seen: list[str] = []
    for _ in range(10):
        fits_vk(h, vk)
        shown = labels(h, vk)
        assert nav <= set(shown)
        seen += [label for label in shown if label in wanted]
        if NEXT not in shown:
            return seen
        await h.tap(vk, NEXT)
    raise AssertionError("more than 10 pages")


async def back_to_page_with(h: Harness, vk: int, label: str) -> None:
    for _ in range(10):
        if label in labels(h, vk):
            return
        await h.tap(vk, PREV)
    raise AssertionError(f"{label} on no page")


async def every_subject_then_every_number(h: Harness, vk: int, beside: str) -> None:
    """From the first page of the ЕГЭ subjects: each subject is on exactly one page; then the big
    subject's numbers, each on exactly one page (``beside``: the button the numbers' pages add,
    «По темам» for a student, «Готово» for a teacher)."""
    subjects = {s.title for s in await tasks.subjects(h.services.db, "ЕГЭ")}
    assert len(subjects) > 18  # more than one page of two columns holds
    numbers = {f"№ {n}" for n in range(1, MAX_NUMBER + 1)}
    nav = {CORE_TEXTS.label("back"), "Закрыть"}
    seen = await walk(h, vk, subjects, nav)
    assert sorted(seen) == sorted(subjects)
    await back_to_page_with(h, vk, BIG)
    await press(h, vk, BIG)
    seen = await walk(h, vk, numbers, nav | {beside})
    assert sorted(seen) == sorted(numbers)


async def test_student_reaches_every_subject_and_number(h: Harness) -> None:
    st = h.vk("st08")
    await h.say(st, "тренажёр")
    await h.tap(st, "Тренироваться")
    await h.tap(st, "ЕГЭ")
    assert "страница 1 из" in h.last_reply(st)["text"]
    await every_subject_then_every_number(h, st, "По темам")
    # The last number, from the last page, starts its training.
    await press(h, st, f"№ {MAX_NUMBER}")
    dialog = await h.services.dialogs.load(h.group_id, st)
    assert dialog.step == "exam_trainer.train"
    task = await tasks.task(h.services.db, str(dialog.data.get("task")))
    assert task is not None and task.number == MAX_NUMBER and task.subject == "paged_big"


async def test_teacher_reaches_every_subject_and_ticks_a_number_on_its_page(h: Harness) -> None:
    teacher = h.vk("smirnova")
    await h.say(teacher, "тренажёр")
    await h.tap(teacher, "Задание классу")
    await h.tap(teacher, "9А")
    await h.tap(teacher, "ЕГЭ")
    await every_subject_then_every_number(h, teacher, "Готово")

    # Ticked on the last page: the same page comes back with the mark.
    await press(h, teacher, f"№ {MAX_NUMBER}")
    assert f"✓ № {MAX_NUMBER}" in labels(h, teacher) and PREV in labels(h, teacher)
    await h.tap(teacher, PREV)
    await press(h, teacher, "№ 1")
    assert "✓ № 1" in labels(h, teacher) and NEXT in labels(h, teacher)
    await h.tap(teacher, "Готово")
    assert f"Номера: 1, {MAX_NUMBER}" in h.last_reply(teacher)["text"]


async def test_teacher_pages_through_many_assignments_and_opens_the_oldest(h: Harness) -> None:
    from bots.exam_trainer import assignments

    teacher = h.vk("smirnova")
    author = await h.person_id("smirnova")
    group = next(
        g
        for g in await h.services.people.groups_of_org(
            (await h.services.people.active_roles(author))[0].org_id
        )
        if g.name == "9А"
    )
    now = h.clock.now()
    made = [
        await assignments.create(
            h.services.db,
            author_person_id=author,
            org_id=group.org_id,
            group_id=group.id,
            exam="ЕГЭ",
            subject="paged_big",
            numbers=[n],
            count=1,
            due_at=now,
            now=now,
        )
        for n in range(1, 13)
    ]
    await h.say(teacher, "тренажёр")
    await h.tap(teacher, "Результаты заданий")
    assert "Страница 1 из 2" in h.last_reply(teacher)["text"]
    fits_vk(h, teacher)
    await h.tap(teacher, NEXT)
    fits_vk(h, teacher)
    oldest = next(
        b
        for b in h.buttons(teacher)
        if f'"a":{made[0].id}' in b["action"]["payload"]
        or f'"a": {made[0].id}' in b["action"]["payload"]
    )
    await h.say(teacher, oldest["action"]["label"], json.loads(oldest["action"]["payload"]))
    assert "Класс 9А" in h.last_reply(teacher)["text"]
