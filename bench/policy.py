"""Bulk policy: outcomes for one sender and 100,000 recipients from storage. Prints JSON.

Run by hand: .venv/bin/python -m bench.policy [--recipients 100000]
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from bench.cli import print_result
from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.policy.service import PolicyService
from core.storage import open_core_database
from sferum.testing import scratch_database


async def build(db_path: str, n: int) -> tuple[int, list[int]]:
    db = await open_core_database(db_path)
    people = PeopleRepository(db, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)))
    org = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="Школа", region_code="54", timezone="Asia/Novosibirsk"
    )
    teacher = await people.upsert_person(first_name="Учитель", vk_user_id=1, is_adult=True)
    await people.grant_role(
        teacher, RoleKind.STAFF, org, position=Position.COUNSELLOR, method="bench"
    )
    groups = [await people.upsert_group(org_id=org, name=f"{g}А", grade=g) for g in range(1, 12)]
    persons = [
        (i + 10, f"Имя{i}", f"Фамилия{i}", date(2010 + i % 12, 1 + i % 12, 1 + i % 28).isoformat())
        for i in range(n)
    ]
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO persons (vk_user_id, first_name, last_name, birth_date) "
            "VALUES (?, ?, ?, ?)",
            persons,
        )
        ids = [
            r["id"] for r in await tx.fetchall("SELECT id FROM persons WHERE id != ?", (teacher,))
        ]
        roles = [
            ("student", "parent", "staff")[i % 10 // 8 if i % 10 < 9 else 2]
            for i in range(len(ids))
        ]
        await tx.executemany(
            "INSERT INTO roles (person_id, role, org_id, position, granted_at, method) "
            "VALUES (?, ?, ?, ?, '2026-01-01', 'bench')",
            [
                (pid, role, org, "teacher" if role == "staff" else None)
                for pid, role in zip(ids, roles, strict=True)
            ],
        )
        await tx.executemany(
            "INSERT INTO student_groups (person_id, group_id) VALUES (?, ?)",
            [(pid, groups[i % len(groups)]) for i, pid in enumerate(ids) if roles[i] == "student"],
        )
        await tx.executemany(
            "INSERT INTO contacts (owner_id, contact_id) VALUES (?, ?)",
            [(teacher, pid) for pid in ids[::50]] + [(pid, teacher) for pid in ids[::100]],
        )
    await db.close()
    return teacher, ids


async def main(n: int, repeats: int, db_url: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_database(Path(tmp), db_url) as path:
            return await measure(path, n, repeats, db_url)


async def measure(path: str, n: int, repeats: int, db_url: str) -> dict[str, object]:
    teacher, ids = await build(path, n)
    db = await open_core_database(path)
    policy = PolicyService(db, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)))
    timings = []
    outcomes: Counter[str] = Counter()
    for _ in range(repeats):
        started = time.perf_counter()
        result = await policy.outcomes(teacher, ids)
        timings.append(time.perf_counter() - started)
        outcomes = Counter(d.outcome.value for d in result.values())
    await db.close()
    return {
        "benchmark": "policy.bulk_outcomes",
        "engine": "postgresql" if db_url else "sqlite",
        "recipients": n,
        "runs": repeats,
        "best_s": round(min(timings), 4),
        "median_s": round(sorted(timings)[len(timings) // 2], 4),
        "recipients_per_s": round(n / min(timings)),
        "goal": "100,000 recipients under 1 s",
        "outcomes": dict(outcomes),
    }


if __name__ == "__main__":
    # --db-url postgresql://127.0.0.1:5432/test: the same on PostgreSQL (a schema of its own).
    print_result(main, {"recipients": 100_000, "repeats": 5, "db-url": ""})
