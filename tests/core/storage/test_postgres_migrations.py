"""Every migrations namespace on PostgreSQL: from zero to the latest version, the same schema as
SQLite's, and the product's most basic writes and reads working on it.

The product applies the namespaces in this order: core (``open_core_database``), the plugins'
(``Services.open``; each plugin's tables refer to core's only) and the journal's (the mini-app,
on core's groups and persons). Each test migrates a fresh PostgreSQL schema (conftest.py) and a
fresh SQLite file through the namespaces up to the one it checks.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.storage import Database, SqliteDatabase, load_migrations, migrate
from core.storage.migrations import Migration
from tests.core.storage.conftest import connected, postgres_database, postgres_schema

NAMESPACES: list[tuple[str, str]] = [
    ("core", "core.storage"),
    ("exam_trainer", "bots.exam_trainer"),
    ("pushkin_card", "bots.pushkin_card"),
    ("rosobrnadzor_helper", "bots.rosobrnadzor_helper"),
    ("journal", "miniapp.journal"),
]
NAMES = [name for name, _ in NAMESPACES]
# FTS5 keeps an index in these shadow tables of each virtual table; they are its internals.
FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# SQLite's declared types by affinity, and the PostgreSQL types each may become.
PG_TYPES = {
    "INTEGER": {"bigint", "integer", "smallint"},
    "TEXT": {"text"},
    "REAL": {"double precision"},
}
# Integer columns that hold ids under names not ending in ``_id`` (persons, VK message ids,
# epoch seconds and milliseconds): BIGINT on PostgreSQL like every ``id`` and ``*_id``.
WIDE_INTEGERS = frozenset(
    {
        "id",
        "num",
        "cmid",
        "granted_by",
        "revoked_by",
        "created_by",
        "decided_by",
        "answered_by",
        "set_by",
        "on_behalf_of",
        "ts",
        "at",
        "last_ts",
        "watermark_ms",
    }
)
# SQLite rowid aliases whose value the product always gives (an API's id, a person's, a fixed
# code): a plain primary key on PostgreSQL. Every other one generates ids: an identity there.
GIVEN_KEYS = frozenset(
    {
        ("activity_kinds", "code"),
        ("identity_version", "id"),
        ("broadcast_read_checks", "broadcast_id"),
        ("federal_admins", "person_id"),
        ("exam_trainer_reminders", "person_id"),
        ("pushkin_card_events", "id"),
        ("pushkin_card_digest_subscriptions", "person_id"),
    }
)
# Tables the product reads by SQLite's implicit rowid: on PostgreSQL they end with an identity
# column of that name (a key where rows are looked up by it).
HIDDEN_ROWIDS = frozenset({"activity_uncounted", "pushkin_card_sessions"})
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # SQLite's declared type, or PostgreSQL's data_type
    identity: bool = False
    generated: bool = False


@dataclass(frozen=True)
class Relation:
    kind: str  # "table", "view"; on SQLite also "fts5" and "fts5vocab" (virtual tables)
    columns: tuple[Column, ...]
    #: The primary key's columns, in order (empty for a view or a virtual table).
    key: tuple[str, ...] = ()

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def migrations_upto(namespace: str) -> list[Migration]:
    found: list[Migration] = []
    for name, package in NAMESPACES[: NAMES.index(namespace) + 1]:
        found.extend(load_migrations(name, package))
    return found


async def sqlite_schema(db: Database) -> dict[str, Relation]:
    rows = await db.fetchall(
        "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    )
    virtual: dict[str, str] = {}
    for row in rows:
        using = re.match(r"CREATE VIRTUAL TABLE \w+ USING (\w+)", row["sql"] or "", re.I)
        if using is not None:
            virtual[row["name"]] = using[1].lower()
    shadows = {
        f"{name}{suffix}" for name, m in virtual.items() if m == "fts5" for suffix in FTS5_SHADOWS
    }
    schema: dict[str, Relation] = {}
    for row in rows:
        name = row["name"]
        if name in shadows:
            continue
        info = await db.fetchall("SELECT name, type, pk FROM pragma_table_info(?)", (name,))
        key = tuple(r["name"] for r in sorted((r for r in info if r["pk"]), key=lambda r: r["pk"]))
        kind = virtual.get(name) or str(row["type"])
        schema[name] = Relation(
            kind,
            tuple(Column(r["name"], r["type"].upper()) for r in info),
            key if kind == "table" else (),
        )
    return schema


async def postgres_schema_of(db: Database) -> dict[str, Relation]:
    tables = await db.fetchall(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = current_schema()"
    )
    columns = await db.fetchall(
        "SELECT table_name, column_name, data_type, is_identity, is_generated "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position"
    )
    keys = await db.fetchall(
        "SELECT c.relname AS table_name, a.attname AS column_name, k.n "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace "
        "ORDER BY c.relname, k.n"
    )
    by_table: dict[str, list[Column]] = {}
    for row in columns:
        by_table.setdefault(row["table_name"], []).append(
            Column(
                row["column_name"],
                row["data_type"],
                identity=row["is_identity"] == "YES",
                generated=row["is_generated"] == "ALWAYS",
            )
        )
    key_of: dict[str, list[str]] = {}
    for row in keys:
        key_of.setdefault(row["table_name"], []).append(row["column_name"])
    kinds = {"BASE TABLE": "table", "VIEW": "view"}
    return {
        row["table_name"]: Relation(
            kinds[row["table_type"]],
            tuple(by_table.get(row["table_name"], [])),
            tuple(key_of.get(row["table_name"], [])),
        )
        for row in tables
    }


def assert_parity(lite: dict[str, Relation], pg: dict[str, Relation]) -> None:
    assert sorted(pg) == sorted(lite)
    for name, ours in lite.items():
        theirs = pg[name]
        if ours.kind == "fts5":
            # A table with the document id (written as ``rowid``, as to FTS5) and one stored
            # tsvector computed from the indexed columns.
            assert theirs.kind == "table", name
            extra = [c for c in theirs.columns if c.name not in ours.names()]
            assert [c.name for c in extra if c.name == "rowid"] == ["rowid"], name
            assert theirs.key == ("rowid",), name
            vectors = [c for c in extra if c.name != "rowid"]
            assert [(c.type, c.generated) for c in vectors] == [("tsvector", True)], name
            assert [c.name for c in theirs.columns if c not in extra] == ours.names(), name
            continue
        if ours.kind == "fts5vocab":
            assert theirs.kind == "view", name
            assert theirs.names() == ours.names(), name
            continue
        assert theirs.kind == ours.kind, name
        if name in HIDDEN_ROWIDS:
            rowid = theirs.columns[-1]
            assert (rowid.name, rowid.type, rowid.identity) == ("rowid", "bigint", True), name
            assert theirs.key in {(), ("rowid",)}, name
            theirs = Relation(theirs.kind, theirs.columns[:-1], ours.key)
        assert theirs.names() == ours.names(), name
        if ours.kind != "table":
            continue
        assert theirs.key == ours.key, name
        for mine, other in zip(ours.columns, theirs.columns, strict=True):
            assert other.type in PG_TYPES[mine.type], (name, mine.name, mine.type, other.type)
            if mine.type == "INTEGER" and (mine.name in WIDE_INTEGERS or mine.name.endswith("_id")):
                assert other.type == "bigint", (name, mine.name, other.type)
        if len(ours.key) == 1 and ours.columns[ours.names().index(ours.key[0])].type == "INTEGER":
            # A rowid alias: SQLite numbers rows given none; PostgreSQL's identity does.
            column = theirs.columns[theirs.names().index(ours.key[0])]
            expected = (name, ours.key[0]) not in GIVEN_KEYS
            assert column.identity is expected, (name, column.name)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with connected(SqliteDatabase(tmp_path / "parity.db")) as db:
        yield db


@pytest.fixture
async def pg_db() -> AsyncIterator[Database]:
    async with postgres_schema() as schema, connected(postgres_database(schema)) as db:
        yield db


@pytest.mark.parametrize("namespace", NAMES)
async def test_namespace_migrates_from_zero_to_the_schema_of_sqlite(
    namespace: str, sqlite_db: Database, pg_db: Database
) -> None:
    migrations = migrations_upto(namespace)
    assert await migrate(sqlite_db, migrations) == migrations
    assert await migrate(pg_db, migrations) == migrations
    assert_parity(await sqlite_schema(sqlite_db), await postgres_schema_of(pg_db))
    recorded = await pg_db.fetchrows(
        "SELECT namespace, version, name FROM schema_migrations ORDER BY namespace, version"
    )
    assert recorded == sorted((m.namespace, m.version, m.name) for m in migrations)


@pytest.mark.parametrize("namespace", NAMES)
async def test_migrating_twice_changes_nothing(namespace: str, pg_db: Database) -> None:
    migrations = migrations_upto(namespace)
    await migrate(pg_db, migrations)
    before = await postgres_schema_of(pg_db)
    applied = await pg_db.fetchrows("SELECT namespace, version, applied_at FROM schema_migrations")
    assert await migrate(pg_db, migrations) == []
    assert await postgres_schema_of(pg_db) == before
    again = await pg_db.fetchrows("SELECT namespace, version, applied_at FROM schema_migrations")
    assert sorted(again) == sorted(applied)


def test_every_postgresql_override_has_the_name_of_its_base() -> None:
    # load_migrations refuses an orphan dialect file; this also proves each override is read.
    for name, package in NAMESPACES:
        for migration in load_migrations(name, package):
            overrides = dict(migration.overrides)
            assert set(overrides) <= {"postgresql"}, (name, migration.version)
            if "postgresql" in overrides:
                assert overrides["postgresql"].strip(), (name, migration.version)


# --- the product's most basic writes and reads, on PostgreSQL -------------------------------


async def migrated(db: Database, namespace: str) -> Database:
    await migrate(db, migrations_upto(namespace))
    return db


async def add_org_and_person(db: Database) -> tuple[int, int]:
    # As core/people/repository.py's _upsert writes them.
    org_id = await db.execute(
        "INSERT INTO organisations (kind, name, parent_id, region_code, timezone, external_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ("school", "МБОУ СОШ № 1", None, "26", "Europe/Moscow", "school-1"),
    )
    person_id = await db.execute(
        "INSERT INTO persons (vk_user_id, first_name, last_name, birth_date, is_adult, phone, "
        "external_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (3_000_000_001, "Анна", "Иванова", None, 1, None, "teacher-1"),
    )
    return org_id, person_id


async def test_core_organisation_person_and_role_on_postgres(pg_db: Database) -> None:
    db = await migrated(pg_db, "core")
    org_id, person_id = await add_org_and_person(db)
    assert (org_id, person_id) == (1, 1)
    org = await db.fetchone("SELECT * FROM organisations WHERE id = ?", (org_id,))
    assert org is not None
    assert (org["name"], org["kind"], org["work_days"]) == ("МБОУ СОШ № 1", "school", "1,2,3,4,5")
    person = await db.fetchone("SELECT * FROM persons WHERE vk_user_id = ?", (3_000_000_001,))
    assert person is not None
    assert (person["id"], person["first_name"], person["is_adult"]) == (person_id, "Анна", 1)
    # The column default writes the ISO text SQLite's strftime writes.
    assert ISO_UTC.match(person["created_at"]), person["created_at"]

    version = await db.fetchval("SELECT version FROM identity_version WHERE id = 1")
    role_id = await db.execute(
        "INSERT INTO roles (person_id, role, org_id, position, granted_at, granted_by, method) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (person_id, "staff", org_id, "teacher", "2026-12-01T09:00:00+00:00", None, "admin"),
    )
    assert role_id == 1
    assert await db.fetchval("SELECT version FROM identity_version WHERE id = 1") == version + 1
    # A statement that changes no row leaves the counter (SQLite's row triggers do not fire).
    await db.execute("UPDATE roles SET revoked_at = ? WHERE id = ?", ("x", 999))
    assert await db.fetchval("SELECT version FROM identity_version WHERE id = 1") == version + 1
    chat_id = await db.execute(
        "INSERT INTO chats (peer_id, title, org_id) VALUES (?, ?, ?)",
        (2_000_000_001, "9А", org_id),
    )
    assert await db.fetchval("SELECT peer_id FROM chats WHERE id = ?", (chat_id,)) == 2_000_000_001
    assert await db.fetchval("SELECT count(*) FROM activity_kinds") == 6
    # ActivityStore.recover() takes the oldest uncounted range by rowid, as on SQLite.
    for first, last in ((1, 10), (11, 20)):
        await db.execute(
            "INSERT INTO activity_uncounted (session, first_id, last_id, at) VALUES (?, ?, ?, ?)",
            ("s", first, last, 1_796_000_000),
        )
    oldest = await db.fetchrows(
        "SELECT rowid, first_id, last_id FROM activity_uncounted WHERE at <= ? "
        "ORDER BY rowid LIMIT 1",
        (1_796_000_000,),
    )
    assert oldest == [(1, 1, 10)]
    assert await db.execute("DELETE FROM activity_uncounted WHERE rowid = ?", (1,)) == 1


async def test_exam_trainer_task_and_review_on_postgres(pg_db: Database) -> None:
    db = await migrated(pg_db, "exam_trainer")
    await db.execute(
        "INSERT INTO exam_trainer_tasks (id, exam, subject, subject_title, number, topic, type, "
        "text, answer, explanation, points, source, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            "oge-math-1",
            "oge",
            "math",
            "Математика",
            1,
            "Дроби",
            "short",
            "1/2 + 1/4 = ?",
            "0,75",
            "Общий знаменатель 4.",
            1,
            "demo",
            "2026-12-01T09:00:00.000Z",
        ),
    )
    review_id = await db.execute(
        "INSERT INTO exam_trainer_reviews (person_id, task_id, exam, subject, number, topic, "
        "answered_at, given, correct, rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (7, "oge-math-1", "oge", "math", 1, "Дроби", "2026-12-01T09:01:00.000Z", "0,75", 1, 3),
    )
    assert review_id == 1
    row = await db.fetchone(
        "SELECT t.topic, r.correct FROM exam_trainer_reviews r "
        "JOIN exam_trainer_tasks t ON t.id = r.task_id WHERE r.id = ?",
        (review_id,),
    )
    assert row == {"topic": "Дроби", "correct": 1}


async def test_pushkin_card_event_and_its_search_row_on_postgres(pg_db: Database) -> None:
    db = await migrated(pg_db, "pushkin_card")
    event_id = 4_000_000_123  # the API's id, given
    await db.execute(
        "INSERT INTO pushkin_card_events (id, name, category, category_name, age_limit, is_free, "
        "starts_at, ends_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event_id,
            "Ревизор",
            "theatre",
            "Театры",
            12,
            0,
            "2026-12-10T16:00:00Z",
            "2026-12-10T19:00:00Z",
            "2026-12-01T00:00:00Z",
        ),
    )
    await db.execute(
        "INSERT INTO pushkin_card_search (rowid, text, cities) VALUES (?, ?, ?)",
        (event_id, "ревизора театр гоголь", "ставрополь"),
    )
    # The PostgreSQL form of the catalog's FTS5 query: stems as prefixes in the text (weight
    # A), the city in the cities (weight B).
    found = await db.fetchall(
        "SELECT rowid FROM pushkin_card_search WHERE tsv @@ to_tsquery('simple', ?) LIMIT ?",
        ("ревизор:*A & ставрополь:B", 10),
    )
    assert found == [{"rowid": event_id}]
    elsewhere = await db.fetchall(
        "SELECT rowid FROM pushkin_card_search WHERE tsv @@ to_tsquery('simple', ?)",
        ("ревизор:*A & ессентуки:B",),
    )
    assert elsewhere == []
    for place_no, starts_at in ((2, "2026-12-10T16:00:00Z"), (1, "2026-12-10T16:00:00Z")):
        await db.execute(
            "INSERT INTO pushkin_card_sessions (event_id, place_no, place_name, address, city, "
            "timezone, kind, starts_at, ends_at, category, age_limit) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                place_no,
                "Театр драмы",
                "пр. Карла Маркса, 1",
                "Ставрополь",
                "Europe/Moscow",
                "seance",
                starts_at,
                "2026-12-10T19:00:00Z",
                "theatre",
                12,
            ),
        )
    # The catalog's keyset paging: soonest first, then in the order the rows were written.
    page = await db.fetchrows(
        "SELECT rowid AS rid, place_no FROM pushkin_card_sessions WHERE city = ? "
        "AND (starts_at, rowid) > (?, ?) ORDER BY starts_at, rowid LIMIT ?",
        ("Ставрополь", "2026-12-10T16:00:00Z", 1, 10),
    )
    assert page == [(2, 1)]
    import_id = await db.execute(
        "INSERT INTO pushkin_card_imports (source, started_at, finished_at, imported, skipped, "
        "reasons, watermark_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ("api", "2026-12-01T00:00:00Z", "2026-12-01T00:01:00Z", 1, 0, "{}", 1_796_000_000_000),
    )
    assert import_id == 1


async def test_rosobrnadzor_helper_entry_vocabulary_and_appeal_on_postgres(
    pg_db: Database,
) -> None:
    db = await migrated(pg_db, "rosobrnadzor_helper")
    num = await db.fetchval(
        "INSERT INTO rosobrnadzor_helper_entries (title, answer, source, source_date, category, "
        "content_hash, updated_at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING num",
        ("Сроки ОГЭ", "В мае и июне.", "ФИПИ", "2026-01-01", "exams", "h", "2026-12-01", "e1"),
    )
    assert num == 1
    await db.execute(
        "INSERT INTO rosobrnadzor_helper_fts (rowid, title, questions, tags, answer) "
        "VALUES (?, ?, ?, ?, ?)",
        (num, "срок огэ", "когда огэ", "фипи", "ма июн"),
    )
    vocab = await db.fetchall(
        "SELECT term, doc, cnt FROM rosobrnadzor_helper_fts_vocab ORDER BY term"
    )
    assert {r["term"]: (r["doc"], r["cnt"]) for r in vocab}["огэ"] == (1, 2)
    ranked = await db.fetchall(
        "SELECT rowid FROM rosobrnadzor_helper_fts WHERE tsv @@ to_tsquery('simple', ?)",
        ("огэ",),
    )
    assert ranked == [{"rowid": num}]
    _, person_id = await add_org_and_person(db)
    appeal_id = await db.execute(
        "INSERT INTO rosobrnadzor_helper_appeals (number, person_id, category, text, created_at, "
        "due_at) VALUES (?, ?, ?, ?, ?, ?)",
        ("2026-000001", person_id, "exams", "Вопрос", "2026-12-01", "2026-12-31"),
    )
    appeal = await db.fetchone(
        "SELECT status, files FROM rosobrnadzor_helper_appeals WHERE id = ?", (appeal_id,)
    )
    assert appeal == {"status": "new", "files": "[]"}


async def test_journal_term_class_and_result_on_postgres(pg_db: Database) -> None:
    db = await migrated(pg_db, "journal")
    org_id, person_id = await add_org_and_person(db)
    term_id = await db.execute(
        "INSERT INTO journal_terms (source_id, title, kind, start_date, end_date) "
        "VALUES (?, ?, ?, ?, ?)",
        ("t1", "1 четверть", "gradingPeriod", "2026-09-01", "2026-10-26"),
    )
    class_id = await db.execute(
        "INSERT INTO journal_classes (source_id, org_id, kind, title, subject) "
        "VALUES (?, ?, ?, ?, ?)",
        ("c1", org_id, "scheduled", "Алгебра, 9А", "Алгебра"),
    )
    item_id = await db.execute(
        "INSERT INTO journal_line_items (source_id, class_id, term_id, title) VALUES (?, ?, ?, ?)",
        ("li1", class_id, term_id, "Контрольная"),
    )
    await db.execute(
        "INSERT INTO journal_results (source_id, line_item_id, student_id, score) "
        "VALUES (?, ?, ?, ?)",
        ("r1", item_id, person_id, 4.5),
    )
    row: dict[str, Any] | None = await db.fetchone(
        "SELECT c.title, r.score, r.text_score FROM journal_results r "
        "JOIN journal_line_items li ON li.id = r.line_item_id "
        "JOIN journal_classes c ON c.id = li.class_id WHERE r.student_id = ?",
        (person_id,),
    )
    assert row == {"title": "Алгебра, 9А", "score": 4.5, "text_score": ""}


# --- data migrations: rows written before them come out the same on both engines ------------

BEFORE_DATA = [
    "INSERT INTO organisations (kind, name, region_code, timezone) "
    "VALUES ('school', 'Школа', '26', 'Europe/Moscow')",
    "INSERT INTO groups (org_id, name) VALUES (1, '9А')",
    "INSERT INTO persons (vk_user_id, first_name) VALUES (3000000001, 'Анна')",
    "INSERT INTO roles (person_id, role, org_id, position, granted_at, method) "
    "VALUES (1, 'staff', 1, 'teacher', '2026-01-01T00:00:00+00:00', 'admin')",
    "INSERT INTO activity_events (at, vk_user_id, person_id, kind, peer_id, group_id, plugin) "
    "VALUES ('2026-11-23T03:00:00.750+00:00', 3000000001, 1, 'group_chat_message', "
    "2000000001, 230000001, NULL)",
    "INSERT INTO activity_events (at, vk_user_id, person_id, kind, peer_id, group_id, plugin) "
    "VALUES ('2026-11-23T04:30:00+00:00', 3000000001, 1, 'legacy_kind', 2000000001, "
    "230000001, 'old')",
    "INSERT INTO activity_events (at, vk_user_id, person_id, kind, peer_id, group_id, plugin) "
    "VALUES ('2026-11-24T10:00:00+00:00', 123456, NULL, 'message_to_bot', 123456, "
    "230000001, NULL)",
] + [
    "INSERT INTO broadcasts (author_person_id, group_id, audience, template, status, created_at) "
    f"VALUES (1, 230000001, '{audience}', 'Привет', 'done', '2026-02-01T00:00:00+00:00')"
    for audience in ('{"org_id": 1}', '{"group_ids": [1, 5]}', '{"person_ids": [1]}')
]
AFTER_DATA = [
    "SELECT code, name FROM activity_kinds ORDER BY code",
    "SELECT id, ts, vk_user_id, person_id, kind, peer_id, group_id, plugin FROM activity_facts "
    "ORDER BY id",
    "SELECT id, at, kind, plugin FROM activity_events ORDER BY id",
    "SELECT id, org_id, author_person_id, consent FROM broadcasts ORDER BY id",
    "SELECT peer_id, day, messages, events, last_ts FROM chat_activity_days ORDER BY peer_id, day",
]


async def test_data_migrations_give_the_same_rows_on_both_engines(
    sqlite_db: Database, pg_db: Database
) -> None:
    core = load_migrations("core", "core.storage")
    results = []
    for db in (sqlite_db, pg_db):
        await migrate(db, core[:4])  # up to the broadcasts, before the monitoring tables
        for statement in BEFORE_DATA:
            await db.execute(statement)
        await migrate(db, core)
        results.append([await db.fetchrows(query) for query in AFTER_DATA])
        # Ids copied into activity_facts were given explicitly: new rows are numbered after them.
        new_id = await db.execute(
            "INSERT INTO activity_facts (ts, vk_user_id, kind) VALUES (?, ?, ?)",
            (1_796_000_000, 1, 1),
        )
        assert new_id == 4
    lite, pg = results
    assert pg == lite
    kinds, facts, _, broadcasts, days = lite
    assert kinds[-1] == (7, "legacy_kind")
    assert facts[0][1] == 1795402800  # 2026-11-23T03:00:00.750Z, seconds truncated
    assert [row[1] for row in broadcasts] == [1, 1, 1]
    assert days == [(2000000001, 20780, 1, 2, 1795408200)]
