"""Storage: the abstract interface, the SQLite backend, migrations, plugin namespaces."""

from __future__ import annotations

from .abc import Database, Row, Transaction
from .dialect import POSTGRESQL, SQLITE, Dialect
from .migrations import Migration, MigrationError, load_migrations, migrate
from .sqlite import SqliteDatabase

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_database(path: str) -> Database:
    """The backend for a configured ``db_url``: ``postgresql://…`` (or ``postgres://…``) is
    PostgreSQL; anything else — a file path, ``:memory:`` — is SQLite, as always."""
    if path.startswith(POSTGRES_SCHEMES):
        # Imported here so the embedded shape never loads asyncpg.
        from .postgres import PostgresDatabase

        return PostgresDatabase(path)
    return SqliteDatabase(path)


async def open_core_database(path: str) -> Database:
    """Connect and bring the core schema up to date."""
    db = open_database(path)
    await db.connect()
    await migrate(db, load_migrations("core", "core.storage"))
    return db


__all__ = [
    "POSTGRESQL",
    "SQLITE",
    "Database",
    "Dialect",
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
