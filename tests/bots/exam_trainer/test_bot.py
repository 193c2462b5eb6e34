"""End to end through the sandbox: a training session on the shipped banks, every answer type,
FSRS scheduling on the injected clock with the daily reminder, and a teacher's assignment from
the broadcast to the report."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bots.exam_trainer import plugin, tasks, topic_progress
from bots.exam_trainer.bank_format import validate
from bots.exam_trainer.importer import import_bank
from sferum.testing import Harness, bot_harness

NSK = ZoneInfo("Asia/Novosibirsk")


def _task(ident: str, kind: str, answer: str, **extra: Any) -> dict[str, Any]:
    number = int(ident.split("-")[2])
    return {
        "id": ident, "number": number, "topic": f"Тема {number}", "type": kind,
        "text": extra.pop("text", f"Условие {ident}"), "answer": answer,
        "explanation": f"Разбор {ident}.", "points": 1, **extra,
    }  # fmt: skip


# One task number per answer type, so the test knows which task the bot shows.
TYPES_BANK = {
    "exam": "ЕГЭ",
    "subject": "testing",
    "subject_title": "Тестовый предмет",
    "tasks": [
        _task("ege-testing-01-001", "short", "2,5"),
        _task("ege-testing-02-001", "short", "расчёт"),
        _task("ege-testing-03-001", "choice", "245", options=["а", "б", "в", "г", "д"]),
        _task("ege-testing-03-002", "choice", "13", options=["а", "б", "в"]),
        _task("ege-testing-04-001", "sequence", "3142", options=["а", "б", "в", "г"]),
        _task("ege-testing-04-002", "sequence", "213", options=["а", "б", "в"]),
        _task(
            "ege-testing-05-001",
            "matching",
            "312",
            options=["х", "у", "з"],
            text="Сопоставьте. А) один Б) два В) три",
        ),
    ],
}


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_harness([plugin], tmp_path) as harness:
        await import_bank(
            harness.services.db, validate(TYPES_BANK, "types.yaml"), harness.clock.now()
        )
        yield harness


def texts(h: Harness, vk: int) -> list[str]:
    return [m["text"] for m in h.replies(vk)]


def labels(h: Harness, vk: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk)]


async def current_task(h: Harness, vk: int) -> str:
    dialog = await h.services.dialogs.load(h.group_id, vk)
    assert dialog.step == "exam_trainer.train", dialog
    return str(dialog.data["task"])


async def press(h: Harness, vk: int, label: str) -> None:
    """Press the button with exactly this label ("№ 1" would also match "№ 12" in h.tap)."""
    button = next(b for b in h.buttons(vk) if b["action"].get("label") == label)
    await h.say(vk, label, json.loads(button["action"]["payload"]))


async def number(h: Harness, vk: int, n: int) -> None:
    await press(h, vk, f"№ {n}")


async def open_subject(h: Harness, vk: int, exam: str, subject: str) -> None:
    await h.say(vk, "тренажёр")
    await h.tap(vk, "Тренироваться")
    await h.tap(vk, exam)
    await h.tap(vk, subject)
    h.replies(vk)


async def test_training_session_on_the_shipped_banks(h: Harness) -> None:
    st = h.vk("st08")
    await h.say(st, "Тренажёр")
    greeting = texts(h, st)
    assert "Тренажёр ОГЭ и ЕГЭ" in greeting[-1]
    assert labels(h, st)[:1] == ["Тренироваться"]
    assert "Задание классу" not in labels(h, st)  # a student sees no teacher's buttons
    await h.tap(st, "Тренироваться")
    assert labels(h, st) == ["ОГЭ", "ЕГЭ", "← Назад", "Закрыть"]
    await h.tap(st, "ОГЭ")
    assert {"Математика", "Русский язык"} <= set(labels(h, st))
    await h.tap(st, "Математика")
    assert "По темам" in labels(h, st) and "№ 5" in labels(h, st)
    h.replies(st)

    await number(h, st, 5)
    first = await tasks.task(h.services.db, await current_task(h, st))
    assert first is not None and first.number == 5
    shown = texts(h, st)[-1]
    assert f"ОГЭ · Математика · задание 5\n\nТема: {first.topic}" in shown
    assert first.text.splitlines()[0] in shown
    assert labels(h, st) == ["Не знаю", "← Назад", "Закрыть"]

    await h.say(st, first.answer.replace(",", "."))  # a decimal point is as good as a comma
    verdict, following = texts(h, st)
    assert verdict.startswith("✅ Верно!")
    assert first.explanation.splitlines()[0] in verdict
    assert "Следующее повторение — через" in verdict
    second_id = await current_task(h, st)
    assert second_id != first.id and "задание 5" in following

    await h.say(st, "никак")
    verdict, _ = texts(h, st)
    second = await tasks.task(h.services.db, second_id)
    assert second is not None
    assert verdict.startswith("❌ Неверно (ваш ответ: никак). Правильный ответ: " + second.answer)
    assert "вернётся на повторение через 10 минут" in verdict

    third_id = await current_task(h, st)
    await h.tap(st, "Не знаю")
    verdict, _ = texts(h, st)
    third = await tasks.task(h.services.db, third_id)
    assert third is not None and verdict.startswith(f"Правильный ответ: {third.answer}.")

    await h.say(st, "  ")  # a blank message is not an answer
    assert texts(h, st) == ["Напишите ответ текстом или нажмите «Не знаю»."]

    await h.tap(st, "← Назад")  # back to choosing the number
    assert "№ 5" in labels(h, st)
    await h.tap(st, "Закрыть")
    assert texts(h, st)[-1].startswith("За это занятие: 1 из 3 верно.")

    await h.say(st, "тренажёр")
    await h.tap(st, "Мой прогресс")
    progress = texts(h, st)[-1]
    assert "ОГЭ · Математика" in progress
    assert "№ 5: 3 попытки, верно 33 %, серия 0" in progress


@pytest.mark.parametrize(
    ("n", "answers"),
    [
        (1, [("2.5", True)]),  # short number, decimal point
        (2, [("  РАСЧЕТ ", True)]),  # short word: case, spaces, ё as е
        (3, [("5 4 2", True), ("1", False)]),  # choice: any order; then a wrong choice
        (4, [("3142", True), ("123", False)]),  # sequence: order matters
        (5, [("А3 Б1 В2", True)]),  # matching, with the letters typed
    ],
)
async def test_each_answer_type(h: Harness, n: int, answers: list[tuple[str, bool]]) -> None:
    st = h.vk("st12")
    await open_subject(h, st, "ЕГЭ", "Тестовый предмет")
    await number(h, st, n)
    h.replies(st)
    for given, right in answers:
        task_id = await current_task(h, st)
        assert int(task_id.split("-")[2]) == n
        await h.say(st, given)
        replies = texts(h, st)
        verdict = replies[0]
        assert verdict.startswith("✅ Верно!" if right else "❌ Неверно"), (given, verdict)
        assert f"Разбор {task_id}." in verdict
    # Then: never the task just answered. A number of one task is used up; with two, the other
    # one is practised ahead of its time.
    if len(answers) == 1:
        assert replies[1].startswith("В этом разделе заданий больше нет")
        assert "Выберите номер задания" in replies[2]
    else:
        assert await current_task(h, st) != task_id and f"задание {n}" in replies[1]


async def test_wrong_tasks_come_back_and_the_reminder_brings_the_student(h: Harness) -> None:
    st = h.vk("st09")
    await open_subject(h, st, "ЕГЭ", "Тестовый предмет")
    await number(h, st, 4)
    h.replies(st)
    wrong = await current_task(h, st)
    await h.say(st, "4321")  # wrong
    assert texts(h, st)[0].startswith("❌ Неверно")
    other = await current_task(h, st)
    assert other != wrong  # never the same task twice in a row
    await h.say(st, "1")  # wrong too
    h.replies(st)

    # Ten minutes later (the clock moves, nobody sleeps) the first wrong task is due again.
    h.clock.advance(timedelta(minutes=11))
    await h.tap(st, "Закрыть")
    await h.say(st, "тренажёр")
    menu = texts(h, st)[-1]
    assert "На повторение ждут 2 задания." in menu
    await h.tap(st, "Повторение (2)")
    assert "· повторение" in texts(h, st)[-1]
    assert await current_task(h, st) == wrong  # the earliest due first
    await h.say(st, "3142" if wrong.endswith("001") else "213")
    verdict = texts(h, st)[0]
    assert verdict.startswith("✅ Верно!") and "Следующее повторение — через" in verdict
    assert await current_task(h, st) == other
    await h.tap(st, "Закрыть")

    # The daily reminder at 18:00 in the school's zone; nothing at night is offered.
    await h.say(st, "тренажёр")
    await h.tap(st, "Напоминание")
    assert labels(h, st)[:5] == ["16:00", "17:00", "18:00", "19:00", "20:00"]
    h.replies(st)
    await h.say(st, "23:00", {"et": "at", "v": "23:00"})  # a forged night time
    assert "Ночью напоминания не приходят" in texts(h, st)[0]
    await h.tap(st, "18:00")
    assert "каждый день в 18:00" in texts(h, st)[0]

    h.clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=NSK))
    await h.run_due()
    reminder = texts(h, st)
    assert reminder == ["Пора повторить: 1 задание ждёт повторения в тренажёре."]
    await h.tap(st, "Повторение (1)")
    assert "· повторение" in texts(h, st)[-1]
    assert await current_task(h, st) == other
    await h.say(st, "3142" if other.endswith("001") else "213")
    assert texts(h, st)[0].startswith("✅ Верно!")

    # Relearnt tasks come back the next day (FSRS), and so does the reminder.
    h.clock.set(datetime(2026, 11, 24, 18, 0, tzinfo=NSK))
    await h.run_due()
    assert texts(h, st) == ["Пора повторить: 2 задания ждут повторения в тренажёре."]
    # Turned off, it stops.
    await h.say(st, "тренажёр")
    await h.tap(st, "Напоминание")
    await h.tap(st, "Отключить напоминание")
    assert texts(h, st)[-2] == "Напоминание отключено."
    h.clock.set(datetime(2026, 11, 25, 18, 0, tzinfo=NSK))
    await h.run_due()
    assert texts(h, st) == []


async def test_teacher_assigns_a_set_and_sees_results(h: Harness) -> None:
    teacher = h.vk("smirnova")
    await h.say(teacher, "тренажёр")
    assert {"Задание классу", "Результаты заданий"} <= set(labels(h, teacher))
    await h.tap(teacher, "Задание классу")
    assert {"5А", "7Б", "9А", "11А"} <= set(labels(h, teacher))
    assert "10Б" not in labels(h, teacher)  # another school's class
    await h.tap(teacher, "9А")
    await h.tap(teacher, "ОГЭ")
    await h.tap(teacher, "Математика")
    await number(h, teacher, 5)
    await number(h, teacher, 6)
    assert {"✓ № 5", "✓ № 6"} <= set(labels(h, teacher))
    await press(h, teacher, "✓ № 6")  # pressed again: unmarked
    assert "№ 6" in labels(h, teacher)
    await number(h, teacher, 7)
    h.replies(teacher)
    await h.tap(teacher, "Готово")
    assert "Номера: 5, 7" in texts(h, teacher)[-1]
    await h.tap(teacher, "5 заданий")
    await h.tap(teacher, "Через неделю")
    summary = texts(h, teacher)[-1]
    assert "класс 9А, ОГЭ · Математика" in summary and "срок: до 30 ноября" in summary
    await h.tap(teacher, "Отправить классу")
    assert "Задание отправлено классу 9А: 5 заданий, срок — до 30 ноября." in texts(h, teacher)[0]

    await h.run_due()  # the broadcast engine delivers
    st, mate, stranger = h.vk("st08"), h.vk("st09"), h.vk("st00")
    (invitation,) = texts(h, st)
    assert "Смирнова даёт задание в тренажёре: ОГЭ · Математика, 5 заданий" in invitation
    assert texts(h, stranger) == []  # 5А is not addressed

    await h.tap(st, "Открыть задание")
    intro, task_text = texts(h, st)
    assert intro.startswith("Задание от учителя: ОГЭ · Математика, 5 заданий, срок — до 30 ноября")
    assert "от учителя (1 из 5)" in task_text
    assert labels(h, st) == ["Не знаю", "← Назад", "Закрыть"]
    for position in range(5):
        task = await tasks.task(h.services.db, await current_task(h, st))
        assert task is not None and task.number in (5, 7)
        await h.say(st, task.answer if position != 1 else "0")
        replies = texts(h, st)
        assert replies[0].startswith("✅ Верно!" if position != 1 else "❌ Неверно")
    assert "Задание учителя выполнено: верно 4 из 5." in replies[1]

    await h.tap(mate, "Открыть задание")
    task = await tasks.task(h.services.db, await current_task(h, mate))
    assert task is not None
    await h.say(mate, task.answer)
    await h.tap(mate, "Закрыть")

    # A student of another class cannot open it, even with the payload.
    assignment_id = int(
        await h.services.db.fetchval("SELECT max(id) FROM exam_trainer_assignments")
    )
    await h.say(stranger, "Открыть задание", {"et": "open", "a": assignment_id})
    assert "Это задание для другого класса" in texts(h, stranger)[0]

    h.replies(teacher)
    await h.say(teacher, "тренажёр")
    await h.tap(teacher, "Результаты заданий")
    await h.tap(teacher, "9А: ОГЭ Математика")
    report = texts(h, teacher)[-1]
    names = {
        key: await h.services.db.fetchval(
            "SELECT last_name || ' ' || first_name FROM persons WHERE external_id = ?",
            (f"demo:person:{key}",),
        )
        for key in ("st08", "st09", "st10")
    }
    assert "Выполнили полностью: 1 из 4." in report
    assert "Сообщение о задании доставлено: 4 из 4." in report
    assert f"{names['st08']}: 5/5, верно 4" in report
    assert f"{names['st09']}: 1/5, верно 1" in report
    assert f"{names['st10']}: 0/5" in report
    lines = [line for line in report.splitlines() if line.startswith("№ ")]
    assert len(lines) == 2 and all("верно" in line for line in lines)

    # Another teacher cannot read it.
    other = h.vk("kuznetsov")
    await h.say(other, "x", {"et": "arep", "a": assignment_id})
    assert "может смотреть только учитель, который его дал" in texts(h, other)[0]


async def test_no_dead_ends_and_no_hijacking(h: Harness) -> None:
    st = h.vk("st10")
    # Typed text in a step that waits for a choice: a hint, and the buttons stay.
    await h.say(st, "тренажёр")
    await h.tap(st, "Тренироваться")
    h.replies(st)
    await h.say(st, "хочу математику")
    assert texts(h, st) == [
        "Пожалуйста, выберите вариант кнопкой ниже. Чтобы выйти из тренажёра, нажмите «Закрыть»."
    ]
    # A stale button (its step is gone) brings the menu back.
    await h.tap(st, "← Назад")
    h.replies(st)
    await h.say(st, "ОГЭ", {"et": "exam", "v": "ОГЭ"})
    assert texts(h, st)[0] == "Эта кнопка уже не действует. Вот меню тренажёра."
    # In the menu the trainer does not hold typed text: core passes it on — in the trainer's
    # own community to its menu, with a hint (in a shared one to the main bot:
    # tests/core/runtime/test_shared_community.py).
    await h.say(st, "как подать апелляцию?")
    hint, menu = texts(h, st)
    assert hint.startswith("Не понял сообщение") and "Выберите, что делать" in menu
    assert (await h.services.dialogs.load(h.group_id, st)).step == "exam_trainer.menu"
    # A forged number is refused politely.
    await h.say(st, "тренажёр")
    await h.tap(st, "Тренироваться")
    await h.tap(st, "ОГЭ")
    await h.tap(st, "Математика")
    h.replies(st)
    await h.say(st, "№ 99", {"et": "num", "v": 99})
    assert "Выберите номер задания" in texts(h, st)[0]
    await h.say(st, "№", {"et": "num", "v": "x" * 500})
    assert "Выберите номер задания" in texts(h, st)[0]


async def test_unknown_user_is_asked_to_confirm_a_role(h: Harness) -> None:
    state = h.sandbox.runtime.state
    user = state.create_user("Гость", "Незнакомый")
    state.set_allowed(state.communities[h.group_id], user.id, True)
    await h.say(user.id, "тренажёр")
    assert texts(h, user.id) == [
        "Чтобы тренажёр сохранял ваши ответы и прогресс, подтвердите роль в школе: напишите «роль»."
    ]


async def test_training_by_topic_with_pages_and_back(h: Harness) -> None:
    st = h.vk("st11")
    await open_subject(h, st, "ОГЭ", "Математика")
    await h.tap(st, "По темам")
    topics = await tasks.topics(h.services.db, "ОГЭ", "math")
    first_page = labels(h, st)
    assert first_page[: min(7, len(topics))] == topics[:7]
    if len(topics) > 7:
        await h.tap(st, "Ещё темы →")
        assert labels(h, st)[0] == topics[7]
        await h.tap(st, "← Назад")  # back to numbers
        assert "По темам" in labels(h, st)
        await h.tap(st, "По темам")
    h.replies(st)
    await press(h, st, topics[0][:40])
    shown = texts(h, st)[-1]
    task = await tasks.task(h.services.db, await current_task(h, st))
    assert task is not None and task.topic == topics[0] and f"Тема: {topics[0]}" in shown
    await h.tap(st, "Не знаю")
    progress_rows = await topic_progress(h.services.db, await h.person_id("st11"))
    assert [(r.key, r.attempts, r.correct) for r in progress_rows] == [(topics[0], 1, 0)]


async def test_other_bots_buttons_are_not_taken_for_answers(h: Harness) -> None:
    st = h.vk("st13")
    await open_subject(h, st, "ОГЭ", "Математика")
    await number(h, st, 6)
    h.replies(st)
    await h.say(st, "Афиша", {"pk": "menu"})  # another plugin's button, mid-task
    assert texts(h, st) == [
        "Эта кнопка здесь не действует. Ответьте на задание или выберите вариант кнопкой ниже; "
        "чтобы выйти из тренажёра, нажмите «Закрыть»."
    ]
    assert await h.services.db.fetchval("SELECT count(*) FROM exam_trainer_reviews") == 0
    assert (await h.services.dialogs.load(h.group_id, st)).step == "exam_trainer.train"
