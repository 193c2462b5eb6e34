"""The demo district's journal: a believable, deterministic term keyed to the demo persons."""

from __future__ import annotations

from collections import Counter

from core.people import PeopleRepository
from core.runtime.services import Services
from miniapp.journal.demo import BELLS, SUBJECTS, load_demo_journal


async def test_five_or_six_lessons_a_day_for_every_class(services: Services) -> None:
    rows = await services.db.fetchall(
        "SELECT c.group_id, l.day, count(*) AS n, min(l.number) AS first, max(l.number) AS last "
        "FROM journal_lessons l JOIN journal_classes c ON c.id = l.class_id "
        "GROUP BY c.group_id, l.day"
    )
    assert len({row["group_id"] for row in rows}) == 6
    assert {row["n"] for row in rows} <= {5, 6}
    assert all(row["first"] == 1 and row["last"] == row["n"] for row in rows)
    days = sorted({row["day"] for row in rows})
    assert days[0] == "2026-09-01" and days[-1] == "2026-12-28"
    assert "2026-10-28" not in days and "2026-11-04" not in days  # autumn holidays
    lesson = await services.db.fetchone("SELECT * FROM journal_lessons LIMIT 1")
    assert lesson is not None and (lesson["starts"], lesson["ends"]) in BELLS


async def test_real_subjects_rooms_and_no_teacher_in_two_places(services: Services) -> None:
    subjects = {r["subject"] for r in await services.db.fetchall(
        "SELECT DISTINCT subject FROM journal_classes")}  # fmt: skip
    assert subjects <= set(SUBJECTS.values()) and {"Алгебра", "Русский язык"} <= subjects
    clashes = await services.db.fetchall(
        "SELECT teacher_id, day, number FROM journal_lessons "
        "GROUP BY teacher_id, day, number HAVING count(*) > 1"
    )
    assert clashes == []
    assert await services.db.fetchval("SELECT count(*) FROM journal_lessons WHERE room = ''") == 0
    # The demo staff teach; journal-only teachers (no VK account) take the rest.
    teachers = {
        r["external_id"]
        for r in await services.db.fetchall(
            "SELECT DISTINCT p.external_id FROM journal_enrollments e "
            "JOIN persons p ON p.id = e.person_id WHERE e.role = 'teacher'"
        )
    }
    for key in ("smirnova", "kuznetsov", "morozova", "lebedeva", "novikov"):
        assert f"demo:person:{key}" in teachers
    assert all(t.startswith(("demo:person:", "demo:journal-teacher:")) for t in teachers)
    students = await services.db.fetchall(
        "SELECT DISTINCT p.external_id FROM journal_enrollments e "
        "JOIN persons p ON p.id = e.person_id WHERE e.role = 'student'"
    )
    assert {r["external_id"] for r in students} == {f"demo:person:st{n:02d}" for n in range(24)}


async def test_homework_and_grades_are_plausible(services: Services) -> None:
    scores = Counter(
        r["score"] for r in await services.db.fetchall("SELECT score FROM journal_results")
    )
    assert set(scores) <= {2.0, 3.0, 4.0, 5.0}
    assert scores[4.0] > scores[2.0] and scores[5.0] > scores[2.0]
    late = await services.db.fetchval(
        "SELECT count(*) FROM journal_line_items WHERE due_on < assigned_on"
    )
    assert late == 0
    homework = await services.db.fetchval(
        "SELECT count(*) FROM journal_line_items li JOIN journal_categories c "
        "ON c.id = li.category_id WHERE c.is_homework = 1 AND li.description != ''"
    )
    assert homework > 1000


async def test_reloading_is_idempotent_and_deterministic(services: Services) -> None:
    async def snapshot() -> tuple[object, ...]:
        counts = []
        for table in ("journal_lessons", "journal_line_items", "journal_results",
                      "journal_classes", "journal_enrollments", "persons", "roles"):  # fmt: skip
            counts.append(await services.db.fetchval(f"SELECT count(*) FROM {table}"))
        marks = await services.db.fetchall(
            "SELECT source_id, score, score_date FROM journal_results ORDER BY source_id"
        )
        return (*counts, tuple(tuple(m.values()) for m in marks))

    before = await snapshot()
    await load_demo_journal(PeopleRepository(services.db, services.clock))
    assert await snapshot() == before
