"""The e-journal provider interface and the records it returns.

The mini-app reads a journal only through ``JournalProvider``: the SQLite provider (filled from
OneRoster CSV or the demo district) today; Дневник.ру, ЭлЖур or Сетевой город later, each as one
more subclass. Students and teachers are core person ids; classes are provider-defined opaque
strings (``class_ref``), so a remote provider can use its own identifiers.

Authorisation is not the provider's business: the mini-app checks who may see what before it
asks (miniapp/access.py).
"""

from __future__ import annotations

import abc
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Term:
    """An academic session: a semester (полугодие) or a grading period (четверть)."""

    id: int
    title: str
    kind: str
    start: date
    end: date
    parent_id: int | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Lesson:
    day: date
    number: int
    starts: str
    ends: str
    subject: str
    room: str
    teacher: str
    class_ref: str
    class_title: str
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Homework:
    id: str
    class_ref: str
    subject: str
    class_title: str
    text: str
    assigned_on: date | None
    due_on: date | None
    teacher: str = ""


@dataclass(frozen=True, slots=True)
class Mark:
    """One result. ``score`` is None for a text-only result (``зачёт``, ``н``)."""

    day: date | None
    score: float | None
    text: str
    title: str
    weight: float = 1.0
    comment: str = ""

    @property
    def shown(self) -> str:
        if self.text:
            return self.text
        if self.score is None:
            return ""
        return str(int(self.score)) if self.score == int(self.score) else f"{self.score:g}"


def marks_in(marks: Iterable[Mark], term: Term) -> list[Mark]:
    """The dated marks that fall within ``term``."""
    return [m for m in marks if m.day is not None and term.contains(m.day)]


def weighted_average(marks: list[Mark]) -> float | None:
    """Weighted mean of the numeric marks, or None when there are none."""
    total = sum(m.weight for m in marks if m.score is not None)
    if total <= 0:
        return None
    return sum(m.score * m.weight for m in marks if m.score is not None) / total


@dataclass(frozen=True, slots=True)
class SubjectGrades:
    subject: str
    class_ref: str
    teacher: str
    marks: tuple[Mark, ...]
    averages: dict[int, float | None] = field(default_factory=dict)  # term id -> average

    def marks_in(self, term: Term) -> list[Mark]:
        return marks_in(self.marks, term)


@dataclass(frozen=True, slots=True)
class GradeReport:
    """A student's grades: one row per subject, averages for each of ``terms``."""

    terms: tuple[Term, ...]
    subjects: tuple[SubjectGrades, ...]


@dataclass(frozen=True, slots=True)
class JournalClass:
    ref: str
    title: str
    subject: str
    group_name: str
    org_id: int


@dataclass(frozen=True, slots=True)
class GradeColumn:
    """A gradebook column (line item) in a teacher's class journal."""

    ref: str
    title: str
    day: date | None
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class JournalRow:
    student_id: int
    student_name: str
    marks: dict[str, Mark]  # column ref -> mark
    average: float | None


@dataclass(frozen=True, slots=True)
class ClassJournal:
    journal_class: JournalClass
    term: Term | None
    columns: tuple[GradeColumn, ...]
    rows: tuple[JournalRow, ...]


class JournalProvider(abc.ABC):
    """Read access to one e-journal. Dates are school-local calendar dates."""

    #: Short machine name shown in logs and the JSON API ("sqlite", "dnevnik_ru", ...).
    name: str = "abstract"

    # --- students ----------------------------------------------------------------------------
    @abc.abstractmethod
    async def student_week(self, student_id: int, monday: date) -> list[Lesson]:
        """Lessons of the student from ``monday`` to the Sunday after, by day and number."""

    @abc.abstractmethod
    async def student_homework(self, student_id: int, start: date, end: date) -> list[Homework]:
        """Homework of the student due between ``start`` and ``end`` inclusive, by due date."""

    @abc.abstractmethod
    async def student_grades(self, student_id: int, until: date) -> GradeReport:
        """Grades dated up to ``until`` by subject, with averages per term."""

    @abc.abstractmethod
    async def student_terms(self, student_id: int) -> list[Term]:
        """Terms the student's classes run in: grading periods first, then enclosing terms."""

    # --- teachers and classes ----------------------------------------------------------------
    @abc.abstractmethod
    async def teacher_classes(self, teacher_id: int) -> list[JournalClass]:
        """Subject classes the teacher teaches."""

    @abc.abstractmethod
    async def teacher_week(self, teacher_id: int, monday: date) -> list[Lesson]:
        """Lessons the teacher gives from ``monday`` to the Sunday after."""

    @abc.abstractmethod
    async def journal_class(self, class_ref: str) -> JournalClass | None: ...

    @abc.abstractmethod
    async def teaches(self, teacher_id: int, class_ref: str) -> bool:
        """Whether the teacher teaches this class (the mini-app's access check)."""

    @abc.abstractmethod
    async def class_terms(self, class_ref: str) -> list[Term]: ...

    @abc.abstractmethod
    async def class_journal(self, class_ref: str, term: Term | None, until: date) -> ClassJournal:
        """Students × grade columns of the class within ``term`` (all terms when None)."""

    @abc.abstractmethod
    async def class_homework(self, class_ref: str, start: date, end: date) -> list[Homework]:
        """Homework set in the class, due between ``start`` and ``end`` inclusive."""

    # --- bookkeeping -------------------------------------------------------------------------
    async def data_version(self) -> Hashable | None:
        """A value that changes whenever the journal's data changes; None when the provider
        cannot tell (then nothing is cached in front of it, see cache.py)."""
        return None

    @abc.abstractmethod
    async def is_empty(self) -> bool:
        """True when the journal holds no classes (the app then loads the demo journal)."""
