"""The e-journal kept in our own database (the ``journal`` migrations namespace).

Filled by the OneRoster import (miniapp/journal/oneroster.py) and by the demo journal
(miniapp/journal/demo.py). Class refs are the row ids as strings; they never reach a URL (the
mini-app shows opaque public ids instead).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from core.storage import Database, SqliteDatabase, load_migrations, migrate

from .abc import (
    ClassJournal,
    GradeColumn,
    GradeReport,
    Homework,
    JournalClass,
    JournalProvider,
    JournalRow,
    Lesson,
    Mark,
    SubjectGrades,
    Term,
    marks_in,
    weighted_average,
)

NAMESPACE = "journal"

# Grading periods (четверти) come first on the page, then what encloses them.
_KIND_ORDER = {"gradingPeriod": 0, "term": 1, "semester": 1, "schoolYear": 2}

_TEACHER_OF_CLASS = (
    "(SELECT p.last_name || ' ' || p.first_name FROM journal_enrollments t "
    "JOIN persons p ON p.id = t.person_id WHERE t.class_id = c.id AND t.role = 'teacher' "
    "ORDER BY t.is_primary DESC, p.id LIMIT 1)"
)
_MARK_DAY = "COALESCE(r.score_date, li.due_on, li.assigned_on)"
_CLASS_COLUMNS = "c.id, c.title, c.subject, c.org_id, COALESCE(g.name, '') AS group_name"


def _terms_under(seed: str) -> str:
    """The terms selected by ``seed`` (a query of term ids) and every term nested in them."""
    return (
        f"WITH RECURSIVE tree(id) AS ({seed}"
        " UNION SELECT t.id FROM journal_terms t JOIN tree ON t.parent_id = tree.id"
        ") SELECT * FROM journal_terms WHERE id IN (SELECT id FROM tree)"
    )


async def migrate_journal(db: Database) -> None:
    """Bring the journal tables up to date (the app factory and the CLI call this)."""
    await migrate(db, load_migrations(NAMESPACE, "miniapp.journal"))


def _day(value: str | None) -> date | None:
    return _parse_day(value[:10]) if value else None


@lru_cache(maxsize=4096)
def _parse_day(value: str) -> date:
    # A school year has ~250 distinct days and a page parses one per mark: memoise.
    return date.fromisoformat(value)


def _class_id(ref: str) -> int | None:
    return int(ref) if ref.isdigit() else None


def _name(row: dict[str, Any], prefix: str = "") -> str:
    last = row.get(f"{prefix}last_name") or ""
    first = row.get(f"{prefix}first_name") or ""
    return f"{last} {first}".strip()


def _term(row: dict[str, Any]) -> Term:
    return Term(
        id=row["id"],
        title=row["title"],
        kind=row["kind"],
        start=date.fromisoformat(row["start_date"]),
        end=date.fromisoformat(row["end_date"]),
        parent_id=row["parent_id"],
    )


def _sort_terms(terms: list[Term]) -> list[Term]:
    return sorted(terms, key=lambda t: (_KIND_ORDER.get(t.kind, 3), t.start, t.id))


def _lesson(row: dict[str, Any]) -> Lesson:
    return Lesson(
        day=date.fromisoformat(row["day"]),
        number=row["number"],
        starts=row["starts"],
        ends=row["ends"],
        subject=row["subject"],
        room=row["room"] or row["location"] or "",
        teacher=row["teacher"] or "",
        class_ref=str(row["class_id"]),
        class_title=row["class_title"],
        topic=row["topic"] or "",
    )


def _homework(row: dict[str, Any]) -> Homework:
    return Homework(
        id=str(row["id"]),
        class_ref=str(row["class_id"]),
        subject=row["subject"],
        class_title=row["class_title"],
        text=row["description"] or row["title"],
        assigned_on=_day(row["assigned_on"]),
        due_on=_day(row["due_on"]),
        teacher=row["teacher"] or "",
    )


def _mark(row: dict[str, Any]) -> Mark:
    return Mark(
        day=_day(row["day"]),
        score=row["score"],
        text=row["text_score"] or "",
        title=row["title"],
        weight=float(row["weight"]),
        comment=row["comment"] or "",
    )


_LESSON_COLUMNS = (
    "l.day, l.number, l.starts, l.ends, l.room, l.topic, c.location, c.id AS class_id, "
    "c.subject, c.title AS class_title, "
    f"COALESCE(lt.last_name || ' ' || lt.first_name, {_TEACHER_OF_CLASS}) AS teacher"
)

_HOMEWORK_COLUMNS = (
    "li.id, li.title, li.description, li.assigned_on, li.due_on, c.id AS class_id, c.subject, "
    f"c.title AS class_title, COALESCE(s.last_name || ' ' || s.first_name, {_TEACHER_OF_CLASS}) "
    "AS teacher"
)


def _lesson_query(join: str, where: str) -> str:
    """The lessons from one day to another (a week's), with class and teacher, in the order of the
    day; ``join`` and ``where`` narrow them to a pupil's or a teacher's."""
    return (
        f"SELECT {_LESSON_COLUMNS} FROM journal_lessons l "
        f"{join}JOIN journal_classes c ON c.id = l.class_id "
        "LEFT JOIN persons lt ON lt.id = l.teacher_id "
        f"WHERE l.day BETWEEN ? AND ? {where}ORDER BY l.day, l.number"
    )


def _week(monday: date) -> tuple[str, str]:
    """Monday to Sunday, as the queries compare days."""
    return monday.isoformat(), (monday + timedelta(days=6)).isoformat()


# (student id, from, to): the lessons of every class the pupil studies in.
_STUDENT_WEEK = _lesson_query(
    "JOIN journal_enrollments e ON e.class_id = l.class_id AND e.person_id = ? "
    "AND e.role = 'student' ",
    "",
)
# (from, to, teacher id, teacher id): the teacher's own lessons, and those of the classes they
# teach whose lesson names no teacher.
_TEACHER_WEEK = _lesson_query(
    "",
    "AND (l.teacher_id = ? OR (l.teacher_id IS NULL AND l.class_id IN (SELECT class_id FROM "
    "journal_enrollments WHERE person_id = ? AND role = 'teacher'))) ",
)


def _homework_query(join: str, where: str, order: str) -> str:
    """Homework (the line items of a homework category) due between two days, with its class and
    who set it; ``join``, ``where`` and ``order`` narrow it to a pupil's or one class's."""
    return (
        f"SELECT {_HOMEWORK_COLUMNS} FROM journal_line_items li "
        "JOIN journal_categories cat ON cat.id = li.category_id AND cat.is_homework = 1 "
        f"{join}JOIN journal_classes c ON c.id = li.class_id "
        "LEFT JOIN persons s ON s.id = li.set_by "
        f"WHERE {where}li.due_on BETWEEN ? AND ? ORDER BY li.due_on, {order}li.id"
    )


# (student id, from, to): every class the pupil studies in, by subject within a day.
_STUDENT_HOMEWORK = _homework_query(
    "JOIN journal_enrollments e ON e.class_id = li.class_id AND e.person_id = ? "
    "AND e.role = 'student' ",
    "",
    "c.subject, ",
)
# (class id, from, to).
_CLASS_HOMEWORK = _homework_query("", "li.class_id = ? AND ", "")


class SqliteJournal(JournalProvider):
    name = "sqlite"

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- students ----------------------------------------------------------------------------
    async def student_week(self, student_id: int, monday: date) -> list[Lesson]:
        rows = await self.db.fetchall(_STUDENT_WEEK, (student_id, *_week(monday)))
        return [_lesson(row) for row in rows]

    async def student_homework(self, student_id: int, start: date, end: date) -> list[Homework]:
        rows = await self.db.fetchall(
            _STUDENT_HOMEWORK, (student_id, start.isoformat(), end.isoformat())
        )
        return [_homework(row) for row in rows]

    async def student_terms(self, student_id: int) -> list[Term]:
        rows = await self.db.fetchall(
            _terms_under(
                " SELECT ct.term_id FROM journal_class_terms ct"
                " JOIN journal_enrollments e ON e.class_id = ct.class_id"
                " JOIN journal_classes c ON c.id = ct.class_id AND c.kind = 'scheduled'"
                " WHERE e.person_id = ? AND e.role = 'student'"
            ),
            (student_id,),
        )
        return _sort_terms([_term(row) for row in rows])

    async def student_grades(self, student_id: int, until: date) -> GradeReport:
        classes = await self.db.fetchall(
            f"SELECT c.id, c.subject, {_TEACHER_OF_CLASS} AS teacher FROM journal_classes c "
            "JOIN journal_enrollments e ON e.class_id = c.id "
            "WHERE e.person_id = ? AND e.role = 'student' AND c.kind = 'scheduled' "
            "ORDER BY c.subject, c.id",
            (student_id,),
        )
        rows = await self.db.fetchall(
            f"SELECT li.class_id, r.score, r.text_score, {_MARK_DAY} AS day, li.title, "
            "COALESCE(cat.weight, 1) AS weight, r.comment FROM journal_results r "
            "JOIN journal_line_items li ON li.id = r.line_item_id "
            "LEFT JOIN journal_categories cat ON cat.id = li.category_id "
            f"WHERE r.student_id = ? AND {_MARK_DAY} <= ? ORDER BY day, li.id",
            (student_id, until.isoformat()),
        )
        by_class: dict[int, list[Mark]] = {}
        for row in rows:
            by_class.setdefault(row["class_id"], []).append(_mark(row))
        terms = await self.student_terms(student_id)
        subjects = []
        for cls in classes:
            marks = by_class.get(cls["id"], [])
            averages = {term.id: weighted_average(marks_in(marks, term)) for term in terms}
            subjects.append(
                SubjectGrades(
                    subject=cls["subject"],
                    class_ref=str(cls["id"]),
                    teacher=cls["teacher"] or "",
                    marks=tuple(marks),
                    averages=averages,
                )
            )
        return GradeReport(terms=tuple(terms), subjects=tuple(subjects))

    # --- teachers and classes ----------------------------------------------------------------
    async def teacher_classes(self, teacher_id: int) -> list[JournalClass]:
        rows = await self.db.fetchall(
            f"SELECT {_CLASS_COLUMNS} FROM journal_classes c "
            "JOIN journal_enrollments e ON e.class_id = c.id AND e.person_id = ? "
            "AND e.role = 'teacher' "
            "LEFT JOIN groups g ON g.id = c.group_id "
            "WHERE c.kind = 'scheduled' ORDER BY g.grade, g.name, c.subject, c.id",
            (teacher_id,),
        )
        return [self._class(row) for row in rows]

    async def teacher_week(self, teacher_id: int, monday: date) -> list[Lesson]:
        rows = await self.db.fetchall(_TEACHER_WEEK, (*_week(monday), teacher_id, teacher_id))
        return [_lesson(row) for row in rows]

    @staticmethod
    def _class(row: dict[str, Any]) -> JournalClass:
        return JournalClass(
            ref=str(row["id"]),
            title=row["title"],
            subject=row["subject"],
            group_name=row["group_name"],
            org_id=row["org_id"],
        )

    async def journal_class(self, class_ref: str) -> JournalClass | None:
        class_id = _class_id(class_ref)
        if class_id is None:
            return None
        row = await self.db.fetchone(
            f"SELECT {_CLASS_COLUMNS} FROM journal_classes c "
            "LEFT JOIN groups g ON g.id = c.group_id WHERE c.id = ?",
            (class_id,),
        )
        return None if row is None else self._class(row)

    async def teaches(self, teacher_id: int, class_ref: str) -> bool:
        class_id = _class_id(class_ref)
        if class_id is None:
            return False
        found = await self.db.fetchval(
            "SELECT 1 FROM journal_enrollments WHERE class_id = ? AND person_id = ? "
            "AND role = 'teacher'",
            (class_id, teacher_id),
        )
        return found is not None

    async def class_terms(self, class_ref: str) -> list[Term]:
        class_id = _class_id(class_ref)
        if class_id is None:
            return []
        rows = await self.db.fetchall(
            _terms_under(" SELECT term_id FROM journal_class_terms WHERE class_id = ?"),
            (class_id,),
        )
        return _sort_terms([_term(row) for row in rows])

    async def class_journal(self, class_ref: str, term: Term | None, until: date) -> ClassJournal:
        journal_class = await self.journal_class(class_ref)
        if journal_class is None:
            raise KeyError(f"no journal class {class_ref!r}")
        class_id = int(class_ref)
        start = term.start.isoformat() if term else "0000-01-01"
        end = min(term.end, until).isoformat() if term else until.isoformat()
        students = await self.db.fetchall(
            "SELECT p.id, p.first_name, p.last_name FROM journal_enrollments e "
            "JOIN persons p ON p.id = e.person_id WHERE e.class_id = ? AND e.role = 'student' "
            "ORDER BY p.last_name, p.first_name, p.id",
            (class_id,),
        )
        results = await self.db.fetchall(
            f"SELECT li.id AS line_item_id, r.student_id, r.score, r.text_score, {_MARK_DAY} "
            "AS day, li.title, COALESCE(cat.weight, 1) AS weight, r.comment "
            "FROM journal_results r JOIN journal_line_items li ON li.id = r.line_item_id "
            "LEFT JOIN journal_categories cat ON cat.id = li.category_id "
            f"WHERE li.class_id = ? AND {_MARK_DAY} BETWEEN ? AND ? ORDER BY day, li.id",
            (class_id, start, end),
        )
        columns: dict[str, GradeColumn] = {}
        marks: dict[int, dict[str, Mark]] = {}
        for row in results:
            ref = str(row["line_item_id"])
            mark = _mark(row)
            if ref not in columns:
                columns[ref] = GradeColumn(ref, row["title"], mark.day, mark.weight)
            marks.setdefault(row["student_id"], {})[ref] = mark
        rows = tuple(
            JournalRow(
                student_id=s["id"],
                student_name=_name(s),
                marks=marks.get(s["id"], {}),
                average=weighted_average(list(marks.get(s["id"], {}).values())),
            )
            for s in students
        )
        return ClassJournal(journal_class, term, tuple(columns.values()), rows)

    async def class_homework(self, class_ref: str, start: date, end: date) -> list[Homework]:
        class_id = _class_id(class_ref)
        if class_id is None:
            return []
        rows = await self.db.fetchall(
            _CLASS_HOMEWORK, (class_id, start.isoformat(), end.isoformat())
        )
        return [_homework(row) for row in rows]

    async def data_version(self) -> int | None:
        # SQLite's counter of commits by other connections: the writer connection of this
        # process and `sferum journal import` in another one both move it. With one shared
        # connection (in-memory databases) it never moves, so nothing may be cached there.
        if not isinstance(self.db, SqliteDatabase) or self.db.in_memory:
            return None
        return await self.db.data_version()

    async def is_empty(self) -> bool:
        return await self.db.fetchval("SELECT 1 FROM journal_classes LIMIT 1") is None
