"""Versioned migrations, tracked per namespace (``core`` and one per plugin).

A migration is a ``NNNN_name.sql`` file in a package folder. Applied versions are recorded in
``schema_migrations``; each migration runs in its own transaction, so a failure leaves the database
at the previous version and a re-run picks up where it stopped.

Where the engines need different SQL, ``NNNN_name.postgresql.sql`` (or ``NNNN_name.sqlite.sql``)
beside ``NNNN_name.sql`` is run instead of it on that engine; the version and name stay one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from .abc import Database

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)(?:\.(sqlite|postgresql))?\.sql$")
# First line of a migration that rebuilds a table others refer to (SQLite's 12-step ALTER): it
# runs with foreign keys off, and the whole database is checked before it commits.
FOREIGN_KEYS_OFF = "-- migration: foreign_keys=off"

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    namespace TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT {utc_now},
    PRIMARY KEY (namespace, version)
);
"""


# Held by a PostgreSQL transaction that creates the bookkeeping table or applies a migration, so
# workers migrating at once take turns (SQLite's BEGIN IMMEDIATE already does).
_PG_LOCK = "SELECT pg_advisory_xact_lock(7468201553)"


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    namespace: str
    version: int
    name: str
    sql: str
    #: (dialect name, sql) pairs that replace ``sql`` on that engine.
    overrides: tuple[tuple[str, str], ...] = ()

    def sql_for(self, dialect: str) -> str:
        return dict(self.overrides).get(dialect, self.sql)


def load_migrations(namespace: str, package: str, folder: str = "migrations") -> list[Migration]:
    """Read ``NNNN_name.sql`` files of a package folder, in version order, without gaps."""
    root: Traversable = resources.files(package).joinpath(folder)
    found: list[Migration] = []
    if not root.is_dir():
        return found
    overrides: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for entry in root.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE.match(entry.name)
        if match is None:
            raise MigrationError(
                f"{package}/{folder}/{entry.name}: name must be NNNN_name.sql"
                " (or NNNN_name.postgresql.sql / NNNN_name.sqlite.sql beside it)"
            )
        sql = entry.read_text(encoding="utf-8")
        if match[3] is not None:
            overrides.setdefault((int(match[1]), match[2]), []).append((match[3], sql))
            continue
        found.append(Migration(namespace, int(match[1]), match[2], sql))
    bases = {(m.version, m.name) for m in found}
    for version, name in sorted(overrides.keys() - bases):
        raise MigrationError(
            f"{package}/{folder}: {version:04d}_{name} has dialect files but no {version:04d}_"
            f"{name}.sql beside them"
        )
    found = [
        Migration(m.namespace, m.version, m.name, m.sql, tuple(sorted(overrides[key])))
        if (key := (m.version, m.name)) in overrides
        else m
        for m in found
    ]
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            found_version = f"{migration.version:04d}"
            raise MigrationError(
                f"{package}/{folder}: expected migration {expected:04d}, found {found_version}"
            )
    return found


def bookkeeping_ddl(db: Database) -> str:
    return _BOOKKEEPING.strip().format(utc_now=db.dialect.utc_now)


async def applied_versions(db: Database, namespace: str) -> set[int]:
    if db.dialect.name == "postgresql":
        # Workers start together: CREATE TABLE IF NOT EXISTS races on PostgreSQL's catalog.
        async with db.transaction() as tx:
            await tx.execute(_PG_LOCK)
            await tx.execute(bookkeeping_ddl(db))
    else:
        await db.execute(bookkeeping_ddl(db))
    rows = await db.fetchall(
        "SELECT version FROM schema_migrations WHERE namespace = ?", (namespace,)
    )
    return {int(row["version"]) for row in rows}


async def migrate(db: Database, migrations: list[Migration]) -> list[Migration]:
    """Apply the migrations not yet applied; return those applied now."""
    dialect = db.dialect
    postgres = dialect.name == "postgresql"
    applied_now: list[Migration] = []
    by_namespace: dict[str, set[int]] = {}
    for migration in migrations:
        done = by_namespace.get(migration.namespace)
        if done is None:
            done = by_namespace[migration.namespace] = await applied_versions(
                db, migration.namespace
            )
        if migration.version in done:
            continue
        sql = migration.sql_for(dialect.name)
        rebuild = dialect.name == "sqlite" and sql.startswith(FOREIGN_KEYS_OFF)
        if rebuild:
            # Only outside a transaction does SQLite let this change.
            await db.execute("PRAGMA foreign_keys = OFF")
        try:
            async with db.transaction() as tx:
                if postgres:
                    await tx.execute(_PG_LOCK)
                # Inside the writer lock (SQLite's BEGIN IMMEDIATE holds it across processes,
                # the advisory lock on PostgreSQL): two processes starting together on a new
                # database apply each migration once.
                if await tx.fetchone(
                    "SELECT 1 FROM schema_migrations WHERE namespace = ? AND version = ?",
                    (migration.namespace, migration.version),
                ):
                    done.add(migration.version)
                    continue  # another worker applied it while this one waited
                for statement in dialect.script_statements(sql):
                    await tx.execute(statement)
                if rebuild and await tx.fetchall("PRAGMA foreign_key_check"):
                    raise MigrationError(
                        f"{migration.namespace} {migration.version:04d}_{migration.name}: "
                        "foreign keys broken by the rebuild"
                    )
                await tx.execute(
                    "INSERT INTO schema_migrations (namespace, version, name) VALUES (?, ?, ?)",
                    (migration.namespace, migration.version, migration.name),
                )
        finally:
            if rebuild:
                await db.execute("PRAGMA foreign_keys = ON")
        done.add(migration.version)
        applied_now.append(migration)
    return applied_now
