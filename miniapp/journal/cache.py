"""A journal provider that remembers another provider's answers until the journal changes.

A journal changes a few times a day (an import, a teacher's sync) and is read on every page; the
mini-app's grades page spends most of its time rebuilding the same report from the same rows.
The wrapped provider says when its data changed (``data_version``: any value that differs after
a change, e.g. SQLite's ``PRAGMA data_version``, which also sees commits of other processes such
as ``sferum journal import``); on a change the whole cache is dropped. A provider that cannot
tell (None) is never cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import date
from typing import Any, TypeVar

from .abc import (
    ClassJournal,
    GradeReport,
    Homework,
    JournalClass,
    JournalProvider,
    Lesson,
    Term,
)

T = TypeVar("T")


class CachedJournal(JournalProvider):
    def __init__(self, inner: JournalProvider, *, size: int = 4096) -> None:
        self.inner = inner
        self.name = inner.name
        self.size = size
        self._version: Hashable | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def data_version(self) -> Hashable | None:
        return await self.inner.data_version()

    async def _get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        version = await self.inner.data_version()
        if version is None:
            return await compute()
        if version != self._version:
            self._entries.clear()
            self._version = version
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            found: T = self._entries[key]
            return found
        self.misses += 1
        value = await compute()
        if self._version == version:  # not dropped by a newer version meanwhile
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    # Lists are copied on the way out: a caller that sorts or appends must not change the cache.
    async def student_week(self, student_id: int, monday: date) -> list[Lesson]:
        key = ("student_week", student_id, monday)
        return list(await self._get(key, lambda: self.inner.student_week(student_id, monday)))

    async def student_homework(self, student_id: int, start: date, end: date) -> list[Homework]:
        key = ("student_homework", student_id, start, end)
        found = await self._get(key, lambda: self.inner.student_homework(student_id, start, end))
        return list(found)

    async def student_grades(self, student_id: int, until: date) -> GradeReport:
        key = ("student_grades", student_id, until)
        return await self._get(key, lambda: self.inner.student_grades(student_id, until))

    async def student_terms(self, student_id: int) -> list[Term]:
        key = ("student_terms", student_id)
        return list(await self._get(key, lambda: self.inner.student_terms(student_id)))

    async def teacher_classes(self, teacher_id: int) -> list[JournalClass]:
        key = ("teacher_classes", teacher_id)
        return list(await self._get(key, lambda: self.inner.teacher_classes(teacher_id)))

    async def teacher_week(self, teacher_id: int, monday: date) -> list[Lesson]:
        key = ("teacher_week", teacher_id, monday)
        return list(await self._get(key, lambda: self.inner.teacher_week(teacher_id, monday)))

    async def journal_class(self, class_ref: str) -> JournalClass | None:
        return await self._get(
            ("journal_class", class_ref), lambda: self.inner.journal_class(class_ref)
        )

    async def teaches(self, teacher_id: int, class_ref: str) -> bool:
        key = ("teaches", teacher_id, class_ref)
        return await self._get(key, lambda: self.inner.teaches(teacher_id, class_ref))

    async def class_terms(self, class_ref: str) -> list[Term]:
        key = ("class_terms", class_ref)
        return list(await self._get(key, lambda: self.inner.class_terms(class_ref)))

    async def class_journal(self, class_ref: str, term: Term | None, until: date) -> ClassJournal:
        key = ("class_journal", class_ref, term.id if term else None, until)
        return await self._get(key, lambda: self.inner.class_journal(class_ref, term, until))

    async def class_homework(self, class_ref: str, start: date, end: date) -> list[Homework]:
        key = ("class_homework", class_ref, start, end)
        found = await self._get(key, lambda: self.inner.class_homework(class_ref, start, end))
        return list(found)

    async def is_empty(self) -> bool:
        return await self.inner.is_empty()
