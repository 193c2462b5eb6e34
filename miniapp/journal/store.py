"""Writing the journal tables, idempotently by ``source_id`` (the demo journal and imports).

Every method runs inside one open transaction so an import lands whole or not at all; a re-run
of the same import updates rows in place instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from core.storage import Transaction

# (source id, line item id, student id, score, text score, date, comment)
ResultRow = tuple[str, int, int, float | None, str, date | None, str]


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class JournalWriter:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def _upsert(self, table: str, source_id: str, values: dict[str, Any]) -> int:
        columns = ["source_id", *values]
        marks = ", ".join("?" * len(columns))
        updates = ", ".join(f"{key} = excluded.{key}" for key in values)
        # Table and column names come from this module only; values are always parameters.
        row = await self.tx.fetchone(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT (source_id) DO UPDATE SET {updates} RETURNING id",
            (source_id, *values.values()),
        )
        assert row is not None
        return int(row["id"])

    async def term(
        self,
        source_id: str,
        *,
        title: str,
        kind: str,
        start: date,
        end: date,
        parent_id: int | None = None,
    ) -> int:
        return await self._upsert(
            "journal_terms",
            source_id,
            {
                "title": title,
                "kind": kind,
                "parent_id": parent_id,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            },
        )

    async def set_term_parent(self, term_id: int, parent_id: int | None) -> None:
        await self.tx.execute(
            "UPDATE journal_terms SET parent_id = ? WHERE id = ?", (parent_id, term_id)
        )

    async def course(
        self, source_id: str, *, title: str, org_id: int | None, code: str = ""
    ) -> int:
        return await self._upsert(
            "journal_courses", source_id, {"title": title, "org_id": org_id, "code": code}
        )

    async def journal_class(
        self,
        source_id: str,
        *,
        org_id: int,
        kind: str,
        title: str,
        subject: str,
        course_id: int | None = None,
        group_id: int | None = None,
        location: str = "",
        periods: str = "",
    ) -> int:
        return await self._upsert(
            "journal_classes",
            source_id,
            {
                "org_id": org_id,
                "course_id": course_id,
                "group_id": group_id,
                "kind": kind,
                "title": title,
                "subject": subject,
                "location": location,
                "periods": periods,
            },
        )

    async def class_terms(self, class_id: int, term_ids: Iterable[int]) -> None:
        await self.tx.execute("DELETE FROM journal_class_terms WHERE class_id = ?", (class_id,))
        await self.tx.executemany(
            self.tx.dialect.insert_ignore(
                "INTO journal_class_terms (class_id, term_id) VALUES (?, ?)"
            ),
            [(class_id, term_id) for term_id in term_ids],
        )

    async def enroll(
        self, class_id: int, person_id: int, role: str, *, primary: bool = False
    ) -> None:
        await self.tx.execute(
            "INSERT INTO journal_enrollments (class_id, person_id, role, is_primary) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (class_id, person_id, role) "
            "DO UPDATE SET is_primary = excluded.is_primary",
            (class_id, person_id, role, int(primary)),
        )

    async def unenroll(self, class_id: int, person_id: int, role: str) -> None:
        await self.tx.execute(
            "DELETE FROM journal_enrollments WHERE class_id = ? AND person_id = ? AND role = ?",
            (class_id, person_id, role),
        )

    async def category(
        self, source_id: str, *, title: str, weight: float = 1.0, is_homework: bool = False
    ) -> int:
        return await self._upsert(
            "journal_categories",
            source_id,
            {"title": title, "weight": weight, "is_homework": int(is_homework)},
        )

    async def line_item(
        self,
        source_id: str,
        *,
        class_id: int,
        title: str,
        category_id: int | None = None,
        term_id: int | None = None,
        description: str = "",
        assigned_on: date | None = None,
        due_on: date | None = None,
        value_min: float | None = None,
        value_max: float | None = None,
        set_by: int | None = None,
    ) -> int:
        return await self._upsert(
            "journal_line_items",
            source_id,
            {
                "class_id": class_id,
                "category_id": category_id,
                "term_id": term_id,
                "title": title,
                "description": description,
                "assigned_on": _iso(assigned_on),
                "due_on": _iso(due_on),
                "value_min": value_min,
                "value_max": value_max,
                "set_by": set_by,
            },
        )

    async def line_items(self, items: list[dict[str, Any]]) -> dict[str, int]:
        """Bulk upsert of line items (each a dict of ``line_item``'s arguments plus
        ``source_id``); returns their ids by source id."""
        keys = ("class_id", "category_id", "term_id", "title", "description", "assigned_on",
                "due_on", "value_min", "value_max", "set_by")  # fmt: skip
        rows = []
        for item in items:
            values = {key: item.get(key) for key in keys}
            values["description"] = values["description"] or ""
            values["assigned_on"] = _iso(values["assigned_on"])
            values["due_on"] = _iso(values["due_on"])
            rows.append((item["source_id"], *values.values()))
        updates = ", ".join(f"{key} = excluded.{key}" for key in keys)
        await self.tx.executemany(
            f"INSERT INTO journal_line_items (source_id, {', '.join(keys)}) "
            f"VALUES ({', '.join('?' * (len(keys) + 1))}) "
            f"ON CONFLICT (source_id) DO UPDATE SET {updates}",
            rows,
        )
        ids: dict[str, int] = {}
        class_ids = sorted({int(item["class_id"]) for item in items})
        for class_id in class_ids:
            for row in await self.tx.fetchall(
                "SELECT id, source_id FROM journal_line_items WHERE class_id = ?", (class_id,)
            ):
                ids[row["source_id"]] = int(row["id"])
        return ids

    async def enroll_many(self, class_id: int, person_ids: Iterable[int], role: str) -> None:
        await self.tx.executemany(
            self.tx.dialect.insert_ignore(
                "INTO journal_enrollments (class_id, person_id, role) VALUES (?, ?, ?)"
            ),
            [(class_id, person_id, role) for person_id in person_ids],
        )

    async def results(self, rows: Iterable[ResultRow]) -> None:
        """Bulk upsert of (source_id, line item id, student id, score, text, date, comment)."""
        await self.tx.executemany(
            "INSERT INTO journal_results (source_id, line_item_id, student_id, score, "
            "text_score, score_date, comment) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source_id) DO UPDATE SET line_item_id = excluded.line_item_id, "
            "student_id = excluded.student_id, score = excluded.score, "
            "text_score = excluded.text_score, score_date = excluded.score_date, "
            "comment = excluded.comment",
            [
                (s, li, st, score, text, _iso(day), note)
                for s, li, st, score, text, day, note in rows
            ],
        )

    async def lessons(
        self, rows: Iterable[tuple[str, int, date, int, str, str, str, int | None, str]]
    ) -> None:
        """Bulk upsert of (source_id, class id, day, number, starts, ends, room, teacher, topic)."""
        await self.tx.executemany(
            "INSERT INTO journal_lessons (source_id, class_id, day, number, starts, ends, room, "
            "teacher_id, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) "
            "DO UPDATE SET class_id = excluded.class_id, day = excluded.day, "
            "number = excluded.number, starts = excluded.starts, ends = excluded.ends, "
            "room = excluded.room, teacher_id = excluded.teacher_id, topic = excluded.topic",
            [(s, c, d.isoformat(), n, a, b, r, t, topic) for s, c, d, n, a, b, r, t, topic in rows],
        )
