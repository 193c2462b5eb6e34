"""Versioned migrations, tracked per namespace (``core`` and one per plugin).

A migration is a ``NNNN_name.sql`` file in a package folder. Applied versions are recorded in
``schema_migrations``; each migration runs in its own transaction, so a failure leaves the database
at the previous version and a re-run picks up where it stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from .abc import Database

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# First line of a migration that rebuilds a table others refer to (SQLite's 12-step ALTER): it
# runs with foreign keys off, and the whole database is checked before it commits.
FOREIGN_KEYS_OFF = "-- migration: foreign_keys=off"

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    namespace TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (namespace, version)
);
"""


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    namespace: str
    version: int
    name: str
    sql: str


def load_migrations(namespace: str, package: str, folder: str = "migrations") -> list[Migration]:
    """Read ``NNNN_name.sql`` files of a package folder, in version order, without gaps."""
    root: Traversable = resources.files(package).joinpath(folder)
    found: list[Migration] = []
    if not root.is_dir():
        return found
    for entry in root.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE.match(entry.name)
        if match is None:
            raise MigrationError(f"{package}/{folder}/{entry.name}: name must be NNNN_name.sql")
        found.append(
            Migration(namespace, int(match[1]), match[2], entry.read_text(encoding="utf-8"))
        )
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            found_version = f"{migration.version:04d}"
            raise MigrationError(
                f"{package}/{folder}: expected migration {expected:04d}, found {found_version}"
            )
    return found


async def applied_versions(db: Database, namespace: str) -> set[int]:
    await db.execute(_BOOKKEEPING.strip())
    rows = await db.fetchall(
        "SELECT version FROM schema_migrations WHERE namespace = ?", (namespace,)
    )
    return {int(row["version"]) for row in rows}


async def migrate(db: Database, migrations: list[Migration]) -> list[Migration]:
    """Apply the migrations not yet applied; return those applied now."""
    from .sqlite import split_statements

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
        rebuild = migration.sql.startswith(FOREIGN_KEYS_OFF)
        if rebuild:
            # Only outside a transaction does SQLite let this change.
            await db.execute("PRAGMA foreign_keys = OFF")
        try:
            async with db.transaction() as tx:
                for statement in split_statements(migration.sql):
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
