"""The journal cache: answers are reused until the journal's data changes, in this process or
in another one (``sferum journal import`` runs as its own process)."""

from __future__ import annotations

from datetime import date

from core.storage import Database, SqliteDatabase
from miniapp.journal.cache import CachedJournal
from miniapp.journal.sqlite import SqliteJournal

from .conftest import vk

TODAY = date(2026, 11, 23)


async def _student(db: Database, key: str) -> int:
    return int(await db.fetchval("SELECT id FROM persons WHERE vk_user_id = ?", (vk(key),)))


async def _first_mark(db: Database, student_id: int) -> tuple[int, float]:
    row = await db.fetchone(
        "SELECT id, score FROM journal_results WHERE student_id = ? AND score IS NOT NULL "
        "AND score_date <= ? ORDER BY id LIMIT 1",
        (student_id, TODAY.isoformat()),
    )
    assert row is not None
    return int(row["id"]), float(row["score"])


def _scores(report: object) -> list[float | None]:
    return [m.score for s in report.subjects for m in s.marks]  # type: ignore[attr-defined]


async def test_cached_until_a_write_in_this_process(jdb: Database) -> None:
    journal = CachedJournal(SqliteJournal(jdb))
    student = await _student(jdb, "st08")
    first = await journal.student_grades(student, TODAY)
    again = await journal.student_grades(student, TODAY)
    assert again is first and (journal.hits, journal.misses) == (1, 1)

    result_id, score = await _first_mark(jdb, student)
    new_score = 2.0 if score != 2.0 else 5.0
    await jdb.execute("UPDATE journal_results SET score = ? WHERE id = ?", (new_score, result_id))
    changed = await journal.student_grades(student, TODAY)
    assert changed is not first
    assert new_score in _scores(changed)
    assert _scores(changed) != _scores(first)


async def test_a_commit_by_another_process_drops_the_cache(jdb: Database) -> None:
    assert isinstance(jdb, SqliteDatabase)
    journal = CachedJournal(SqliteJournal(jdb))
    student = await _student(jdb, "st08")
    before = await journal.student_week(student, date(2026, 11, 23))
    assert before
    other = SqliteDatabase(jdb.path)  # another connection, as another process would have
    await other.connect()
    try:
        await other.execute(
            "UPDATE journal_lessons SET room = 'каб. 999' WHERE class_id IN "
            "(SELECT class_id FROM journal_enrollments WHERE person_id = ?)",
            (student,),
        )
    finally:
        await other.close()
    after = await journal.student_week(student, date(2026, 11, 23))
    assert {lesson.room for lesson in after} == {"каб. 999"}


async def test_lists_handed_out_are_copies(jdb: Database) -> None:
    journal = CachedJournal(SqliteJournal(jdb))
    student = await _student(jdb, "st08")
    week = await journal.student_week(student, date(2026, 11, 23))
    week.clear()
    assert await journal.student_week(student, date(2026, 11, 23))


async def test_a_provider_that_cannot_tell_is_never_cached() -> None:
    from core.storage import open_core_database

    db = await open_core_database(":memory:")
    try:
        from miniapp.journal.sqlite import migrate_journal

        await migrate_journal(db)
        journal = CachedJournal(SqliteJournal(db))
        assert await journal.data_version() is None
        await journal.student_terms(1)
        await journal.student_terms(1)
        assert journal.hits == 0
    finally:
        await db.close()
