"""Storage: the abstract interface, the SQLite backend, migrations, plugin namespaces."""

from __future__ import annotations

from .abc import Database, Row, Transaction
from .migrations import Migration, MigrationError, load_migrations, migrate
from .sqlite import SqliteDatabase


def open_database(path: str) -> Database:
    """The backend for a configured path (only SQLite today)."""
    return SqliteDatabase(path)


async def open_core_database(path: str) -> Database:
    """Connect and bring the core schema up to date."""
    db = open_database(path)
    await db.connect()
    await migrate(db, load_migrations("core", "core.storage"))
    return db


__all__ = [
    "Database",
    "Migration",
    "MigrationError",
    "Row",
    "SqliteDatabase",
    "Transaction",
    "load_migrations",
    "migrate",
    "open_core_database",
    "open_database",
]
