"""A small hand-made region whose every monitoring number is worked out by hand in the tests.

Region «Тестовая область» (code 54, Asia/Novosibirsk = UTC+7):

- municipality M1 «Первый район»: school A (class 5А), school B (class 1А)
- municipality M2 «Второй район»: school C (class 2А), school D (no classes)

People (all roles granted on 2026-09-01; "VK" = a VK account bound):

A: t1 teacher + class_teacher (VK), t2 teacher (VK), t3 teacher (no VK), t4 teacher (VK),
   a1 admin (VK); students s1–s4 (VK), s5 (no VK)
B: t5 teacher (VK, created a chat: chats.created_by), t6 teacher (VK, revoked Wed 2026-11-18);
   students s6, s7 (VK)
C: t7 teacher (no VK); student s8 (VK)
D: t8 teacher (VK), a2 admin (VK)

The week under test W is Monday 2026-11-16 … Sunday 2026-11-22 in Novosibirsk; the clock stands
at Monday 2026-11-23 10:00 local, so W is finished. Activity (local times):

W-1 (9–15 Nov): t4 created a chat (chat_created), t6 wrote one group-chat message.
W:  t1 10 group-chat messages and a call; t2 2 messages on Tuesday and 1 on Sunday 23:30;
    t4 2 messages + 1 message to a bot; t5 pressed a button; t6 wrote a message (after his role
    was revoked); t8 12 messages; s1 wrote to a bot; s2 opened the mini-app; s6 pressed a button;
    an unknown VK user wrote 5 messages.
W+1: t2 wrote at Monday 00:10 (belongs to the next week, though in UTC it is still Sunday).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl.worksheet.worksheet import Worksheet

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.report import COLUMNS
from core.activity.store import IngestRow
from core.activity.texts import column_title
from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.storage import Database
from sferum.cli import main

NSK = ZoneInfo("Asia/Novosibirsk")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=NSK)
UNKNOWN_VK = 999_999


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Novosibirsk time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NSK)


@dataclass
class District:
    db: Database
    clock: ManualClock
    people: PeopleRepository
    ids: dict[str, int]  # organisations and persons by key
    vk: dict[str, int]

    def org(self, key: str) -> int:
        return self.ids[key]


async def build_district(db: Database) -> District:
    clock = ManualClock(datetime(2026, 9, 1, 3, 0, tzinfo=UTC))
    people = PeopleRepository(db, clock)
    ids: dict[str, int] = {}
    ids["R"] = await people.upsert_organisation(
        kind=OrgKind.REGION, name="Тестовая область", region_code="54", timezone="Asia/Novosibirsk"
    )
    for key, name in (("M1", "Первый район"), ("M2", "Второй район")):
        ids[key] = await people.upsert_organisation(
            kind=OrgKind.MUNICIPALITY, name=name, region_code="54",
            timezone="Asia/Novosibirsk", parent_id=ids["R"],
        )  # fmt: skip
    for key, name, parent in (
        ("A", "Школа А", "M1"),
        ("B", "Школа Б", "M1"),
        ("C", "Школа В", "M2"),
        ("D", "Школа Г", "M2"),
    ):
        ids[key] = await people.upsert_organisation(
            kind=OrgKind.SCHOOL, name=name, region_code="54",
            timezone="Asia/Novosibirsk", parent_id=ids[parent],
        )  # fmt: skip
    for school, name in (("A", "5А"), ("B", "1А"), ("C", "2А")):
        await people.upsert_group(org_id=ids[school], name=name)
    vk: dict[str, int] = {}
    persons = [
        # key, VK?, school, role, positions
        ("t1", True, "A", RoleKind.STAFF, (Position.TEACHER, Position.CLASS_TEACHER)),
        ("t2", True, "A", RoleKind.STAFF, (Position.TEACHER,)),
        ("t3", False, "A", RoleKind.STAFF, (Position.TEACHER,)),
        ("t4", True, "A", RoleKind.STAFF, (Position.TEACHER,)),
        ("a1", True, "A", RoleKind.STAFF, (Position.ADMIN,)),
        ("t5", True, "B", RoleKind.STAFF, (Position.TEACHER,)),
        ("t6", True, "B", RoleKind.STAFF, (Position.TEACHER,)),
        ("t7", False, "C", RoleKind.STAFF, (Position.TEACHER,)),
        ("t8", True, "D", RoleKind.STAFF, (Position.TEACHER,)),
        ("a2", True, "D", RoleKind.STAFF, (Position.ADMIN,)),
        *((f"s{i}", True, "A", RoleKind.STUDENT, (None,)) for i in range(1, 5)),
        ("s5", False, "A", RoleKind.STUDENT, (None,)),
        ("s6", True, "B", RoleKind.STUDENT, (None,)),
        ("s7", True, "B", RoleKind.STUDENT, (None,)),
        ("s8", True, "C", RoleKind.STUDENT, (None,)),
    ]
    roles: dict[str, int] = {}
    for number, (key, has_vk, school, role, positions) in enumerate(persons):
        vk_id = 500_000 + number if has_vk else None
        ids[key] = await people.upsert_person(
            first_name=key.upper(), last_name="Тестов", vk_user_id=vk_id, is_adult=True
        )
        if vk_id is not None:
            vk[key] = vk_id
        for position in positions:
            roles[key] = await people.grant_role(
                ids[key], role, ids[school], position=position, method="test"
            )
    await people.upsert_chat(
        title="Чат 1А", peer_id=2_000_000_101, org_id=ids["B"], created_by=ids["t5"]
    )
    clock.set(local(18, 12))
    await people.revoke_role(roles["t6"], by_person_id=None, reason="уволился")
    clock.set(NOW)
    return District(db, clock, people, ids, vk)


def activity(d: District) -> list[IngestRow]:
    k = ActivityKind
    rows: list[IngestRow] = []

    def add(key: str, kind: ActivityKind, at: datetime, times: int = 1) -> None:
        vk_id = d.vk.get(key, UNKNOWN_VK)
        for n in range(times):
            rows.append(event_row(at + timedelta(minutes=n), vk_id, kind))

    add("t4", k.CHAT_CREATED, local(10, 9))
    add("t6", k.GROUP_CHAT_MESSAGE, local(11, 9))
    add("t1", k.GROUP_CHAT_MESSAGE, local(16, 9), 10)
    add("t1", k.CALL, local(17, 15))
    add("t2", k.GROUP_CHAT_MESSAGE, local(17, 10), 2)
    add("t2", k.GROUP_CHAT_MESSAGE, local(22, 23, 30))
    add("t4", k.GROUP_CHAT_MESSAGE, local(18, 8), 2)
    add("t4", k.MESSAGE_TO_BOT, local(18, 9))
    add("t5", k.BUTTON, local(19, 14))
    add("t6", k.GROUP_CHAT_MESSAGE, local(19, 9))
    add("t8", k.GROUP_CHAT_MESSAGE, local(20, 11), 12)
    add("s1", k.MESSAGE_TO_BOT, local(16, 18))
    add("s2", k.MINIAPP_OPEN, local(21, 12))
    add("s6", k.BUTTON, local(17, 16))
    add("nobody", k.GROUP_CHAT_MESSAGE, local(18, 10), 5)
    add("t2", k.GROUP_CHAT_MESSAGE, local(23, 0, 10))
    rows.sort(key=lambda row: row[0])
    return rows


class Interrupted(Exception):
    """The ingesting process died (raised by ``ingest_cut_off``)."""


async def ingest_cut_off(store: ActivityStore, rows: list[IngestRow], after: int) -> None:
    """An ingest whose process dies once ``after`` rows were read from its source."""

    def dying() -> Iterator[IngestRow]:
        for number, row in enumerate(rows):
            if number == after:
                raise Interrupted
            yield row

    with pytest.raises(Interrupted):
        await store.ingest(dying())


@pytest.fixture
async def district(db: Database) -> District:
    d = await build_district(db)
    await ActivityStore(db, default_timezone="Europe/Moscow").ingest(activity(d))
    return d


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose database `sferum demo-data` has filled, for the `sferum monitoring`
    commands (they find it through SFERUM_DB_PATH); files the test writes go beside it."""
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "monitoring.db"))
    assert main(["demo-data"]) == 0
    return tmp_path


def assert_weekly_headings(sheet: Worksheet) -> None:
    """A by-weeks sheet of an xlsx export: the columns' titles on row 3, and the three weeks up to
    W (2–22 November) down the first column from row 4."""
    headings = [sheet.cell(row=3, column=c).value for c in range(1, len(COLUMNS) + 2)]
    assert headings == ["Неделя", *(column_title(c) for c in COLUMNS)]
    assert [sheet.cell(row=r, column=1).value for r in (4, 5, 6)] == [
        "2–8 ноября",
        "9–15 ноября",
        "16–22 ноября",
    ]
