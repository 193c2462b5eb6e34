"""What differs between the SQL of SQLite and PostgreSQL, in one small object per engine.

Product SQL is written once, with ``?`` placeholders (``?NNN`` where a value repeats); where the
engines spell something differently the query asks ``db.dialect`` for the fragment::

    ids = [3, 5, 8]
    await db.fetchall(
        f"SELECT id, name FROM people WHERE id {db.dialect.in_list()}"
        f" ORDER BY {db.dialect.nocase('name')}",
        (db.dialect.in_values(ids),),
    )

Everything here returns SQL text (or a parameter value) and never runs anything, so a query can be
built once at import time per dialect. What the dialect does not cover — types in DDL, the
integer id column, full-text search — lives in dialect-specific migrations
(``NNNN_name.postgresql.sql``) or side by side in the module that owns the query.

Where a query reads an INSERT's new id (``execute`` returns it), see ``core.storage.postgres``:
on PostgreSQL the id is returned when the table has a single-column integer primary key named
``id`` (SQLite's ``INTEGER PRIMARY KEY``; on PostgreSQL an identity or serial column).
"""

from __future__ import annotations

import abc
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any


def quote_literal(text: str) -> str:
    """A SQL string literal (the same rule on both engines: quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def tsquery_lexeme(term: str) -> str:
    """A term as one quoted lexeme of PostgreSQL's ``to_tsquery`` (quotes doubled, backslashes
    escaped), so the words a person typed never reach tsquery's operators."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


class Dialect(abc.ABC):
    """The fragments that differ; one instance per engine (``SQLITE``, ``POSTGRESQL``)."""

    #: "sqlite" or "postgresql"; also the suffix of a dialect-specific migration file.
    name: str
    #: Appended to the SELECT of a claim (after ORDER BY / LIMIT) inside a transaction, so two
    #: workers never claim the same row. Empty on SQLite: its writer lock already serialises
    #: every transaction (``BEGIN IMMEDIATE``), so a second claimer sees the first one's update.
    skip_locked: str
    #: Appended to a SELECT inside a transaction to lock the rows read until it ends (a state
    #: change that must not race: the last place of an invite, a role granted twice). Empty on
    #: SQLite, whose writer lock already serialises the transactions.
    for_update: str
    #: An expression for "now" in UTC as the ISO text the product stores
    #: (``2026-11-23T03:00:00.000Z``), for column DEFAULTs.
    utc_now: str

    @abc.abstractmethod
    def in_list(self, placeholder: str = "?") -> str:
        """``<expr> {in_list()}``: membership in a list given as one parameter built by
        ``in_values`` (one parameter whatever the length, so the statement is cached once)."""

    @abc.abstractmethod
    def not_in_list(self, placeholder: str = "?") -> str:
        """The negation of ``in_list``; true for every row when the list is empty."""

    @abc.abstractmethod
    def in_values(self, values: Iterable[Any]) -> Any:
        """The parameter for ``in_list`` / ``not_in_list``."""

    @abc.abstractmethod
    def insert_ignore(self, body: str) -> str:
        """``INSERT <body>`` that skips rows conflicting with a unique key instead of failing.

        ``body`` is everything after ``INSERT``: ``INTO t (a, b) VALUES (?, ?)`` or
        ``INTO t (a, b) SELECT …``. When nothing is inserted ``execute`` returns 0 on PostgreSQL;
        SQLite then reports the connection's previous id, so a caller that must know whether a
        row went in asks with ``RETURNING`` or a SELECT, not by the returned id. PostgreSQL's
        identity spends a value on a skipped row: ids stay unique but not gapless.
        """

    def upsert(self, body: str, key: Sequence[str], update: Sequence[str]) -> str:
        """``INSERT <body>`` that updates the ``update`` columns of the row with the same ``key``
        (from the proposed row, ``excluded``); with no ``update`` columns a conflict is skipped.

        The same text on both engines (SQLite ≥ 3.24 has PostgreSQL's ON CONFLICT); on SQLite an
        ``INTO … SELECT …`` body needs a WHERE clause (``WHERE true``) before ON CONFLICT.
        """
        target = ", ".join(key)
        if not update:
            return f"INSERT {body.strip()} ON CONFLICT ({target}) DO NOTHING"
        assignments = ", ".join(f"{column} = excluded.{column}" for column in update)
        return f"INSERT {body.strip()} ON CONFLICT ({target}) DO UPDATE SET {assignments}"

    @abc.abstractmethod
    def group_concat(self, expr: str, sep: str = ",") -> str:
        """The aggregate that joins a group's values as text with ``sep`` (order unspecified)."""

    @abc.abstractmethod
    def nocase(self, expr: str) -> str:
        """``expr`` compared and ordered case-insensitively: use it on both sides of a
        comparison (``{nocase('name')} = {nocase('?')}``) and in ORDER BY. SQLite's NOCASE folds
        ASCII letters only; PostgreSQL's lower() folds Cyrillic as well."""

    @abc.abstractmethod
    def script_statements(self, script: str) -> list[str]:
        """A migration script as the statements to run one by one in its transaction."""


class SqliteDialect(Dialect):
    name = "sqlite"
    skip_locked = ""
    for_update = ""
    utc_now = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"

    def in_list(self, placeholder: str = "?") -> str:
        return f"IN (SELECT value FROM json_each({placeholder}))"

    def not_in_list(self, placeholder: str = "?") -> str:
        return f"NOT IN (SELECT value FROM json_each({placeholder}))"

    def in_values(self, values: Iterable[Any]) -> Any:
        return json.dumps(list(values))

    def insert_ignore(self, body: str) -> str:
        return f"INSERT OR IGNORE {body.strip()}"

    def group_concat(self, expr: str, sep: str = ",") -> str:
        return f"group_concat({expr}, {quote_literal(sep)})"

    def nocase(self, expr: str) -> str:
        return f"{expr} COLLATE NOCASE"

    def script_statements(self, script: str) -> list[str]:
        return split_statements(script)


class PostgresDialect(Dialect):
    name = "postgresql"
    skip_locked = "FOR UPDATE SKIP LOCKED"
    for_update = "FOR UPDATE"
    utc_now = "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"

    def in_list(self, placeholder: str = "?") -> str:
        # The array's element type is inferred from the left-hand side (bigint[] for an id).
        return f"= ANY({placeholder})"

    def not_in_list(self, placeholder: str = "?") -> str:
        return f"<> ALL({placeholder})"

    def in_values(self, values: Iterable[Any]) -> Any:
        return list(values)

    def insert_ignore(self, body: str) -> str:
        return f"INSERT {body.strip()} ON CONFLICT DO NOTHING"

    def group_concat(self, expr: str, sep: str = ",") -> str:
        # string_agg takes text only; SQLite's group_concat converts numbers itself.
        return f"string_agg(({expr})::text, {quote_literal(sep)})"

    def nocase(self, expr: str) -> str:
        return f"lower({expr})"

    def script_statements(self, script: str) -> list[str]:
        # Sent whole through the simple query protocol (several statements, dollar-quoted
        # bodies with semicolons inside, and no placeholder translation: ``?`` is jsonb's).
        return [script] if script.strip() else []


SQLITE: Dialect = SqliteDialect()
POSTGRESQL: Dialect = PostgresDialect()
DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLITE, POSTGRESQL)}


def split_statements(script: str) -> list[str]:
    """Split SQL into complete statements (executescript would commit behind our back)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            text = buffer.strip()
            if text and text != ";":
                statements.append(text)
            buffer = ""
    leftover = "\n".join(
        line for line in buffer.splitlines() if line.strip() and not line.strip().startswith("--")
    )
    if leftover:
        raise ValueError(f"incomplete SQL statement at the end of script: {buffer.strip()[:80]}")
    return statements
