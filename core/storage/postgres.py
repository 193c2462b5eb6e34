"""PostgreSQL through an asyncpg pool, with the semantics of ``SqliteDatabase``.

- SQL keeps SQLite's qmark placeholders: ``?`` and ``?NNN`` become ``$n`` (SQLite's numbering:
  a bare ``?`` takes one more than the largest number so far), never inside string literals,
  quoted identifiers, comments or dollar-quoted bodies. PostgreSQL's jsonb ``?`` operators are
  therefore unavailable in parameterised SQL: use ``jsonb_exists()`` and friends.
- ``execute`` returns, like SQLite's lastrowid, the new id of an INSERT when the target table has
  a single-column integer primary key named ``id`` (identity or serial): the statement is run as
  ``WITH _inserted AS (<insert> RETURNING id) SELECT max(id) …``, so a bulk INSERT … SELECT ships
  one value back, and 0 when nothing was inserted (ON CONFLICT DO NOTHING). An INSERT into any
  other table returns the number of rows inserted (SQLite would return an internal rowid nobody
  reads). Which tables have such an id is read from the catalog once per table name and
  forgotten after DDL. Other statements return the rows changed (``UPDATE 3`` → 3), or -1 when
  the statement changes no rows by nature (DDL, SELECT), as sqlite3's rowcount does.
- ``executemany`` is pipelined by asyncpg, which reports no counts: it returns the number of
  parameter rows run (no caller reads it; SQLite returns the rows changed).
- ``transaction()`` is a real transaction (READ COMMITTED) on one pooled connection; outside it
  every statement autocommits on whichever connection is idle. Unlike SQLite's, transactions are
  not serialised: what must not race takes row locks (``dialect.skip_locked``, ``FOR UPDATE``) or
  is a single conditional statement.
- ``iterate`` streams through a server-side cursor in a read-only transaction of its own.
- Values come back as asyncpg decodes them (bigint → int, text → str, json → str as on SQLite;
  timestamp/boolean/numeric columns would not match SQLite, so the product's schema keeps ISO text
  and integers). asyncpg binds strictly by type: a parameter must have the column's Python type.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from .abc import Database, Params, Row, Transaction
from .dialect import POSTGRESQL, Dialect

_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
_DIGITS = re.compile(r"\d+")
_INSERT_INTO = re.compile(
    r"INSERT\s+(?:OR\s+\w+\s+)?INTO\s+((?:\"[^\"]+\"|[A-Za-z_][\w$]*)(?:\.(?:\"[^\"]+\"|[A-Za-z_][\w$]*))?)",
    re.IGNORECASE,
)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_DDL = ("CREATE", "ALTER", "DROP")
_COUNTED = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "COPY"})
_ID_KEY = """
SELECT to_regclass($1) IS NOT NULL AS found, EXISTS (
    SELECT 1
    FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = to_regclass($1) AND i.indisprimary AND i.indnatts = 1
      AND a.attname = 'id' AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
) AS has_id
"""


@dataclass(frozen=True, slots=True)
class Translated:
    """A statement as PostgreSQL reads it, and what ``execute`` needs to know about it."""

    text: str
    #: Placeholders the statement uses (the highest ``$n``).
    params: int
    #: ``text`` up to the end of its last token, without a trailing ``;`` or comment.
    body: str
    #: Code follows a top-level ``;``: several statements (run only without parameters).
    several: bool
    #: The statement already has a RETURNING clause (outside literals and comments).
    returning: bool


def _skip_quoted(sql: str, start: int, quote: str, backslash: bool = False) -> int:
    """The index after the literal opened at ``start`` (a doubled quote stays inside)."""
    i = start + 1
    n = len(sql)
    while i < n:
        char = sql[i]
        if backslash and char == "\\":
            i += 2
            continue
        if char == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_block_comment(sql: str, start: int) -> int:
    # PostgreSQL nests block comments.
    depth = 0
    i = start
    n = len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


@lru_cache(maxsize=2048)
def translate(sql: str) -> Translated:
    """Translate qmark placeholders to ``$n`` and describe the statement."""
    out: list[str] = []
    length = 0  # of the text in ``out``
    code: list[str] = []  # the statement without literals and comments, for keyword checks
    highest = 0
    body_end = 0  # ``length`` after the last token that is neither a comment, space nor ``;``
    after_semicolon = False
    several = False
    i = 0
    n = len(sql)
    while i < n:
        char = sql[i]
        end: int | None = None
        token_code = ""
        if char == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _word_char(sql[i - 2]))
            end = _skip_quoted(sql, i, "'", backslash=escaped)
            token_code = "''"
        elif char == '"':
            end = _skip_quoted(sql, i, '"')
            token_code = '""'
        elif char == "$" and (i == 0 or not _word_char(sql[i - 1])):
            tag = _DOLLAR_TAG.match(sql, i)
            if tag is not None:
                close = sql.find(tag[0], tag.end())
                end = n if close == -1 else close + len(tag[0])
                token_code = "''"
        elif sql.startswith("--", i) or sql.startswith("/*", i):
            if char == "-":
                newline = sql.find("\n", i)
                end = n if newline == -1 else newline
            else:
                end = _skip_block_comment(sql, i)
            out.append(sql[i:end])
            length += end - i
            code.append(" ")
            i = end
            continue
        if end is not None:
            token = sql[i:end]
            i = end
        elif char == "?":
            digits = _DIGITS.match(sql, i + 1)
            if digits is not None:
                number = int(digits[0])
                i = digits.end()
            else:
                number = highest + 1
                i += 1
            highest = max(highest, number)
            token = token_code = f"${number}"
        else:
            i += 1
            token = token_code = char
            if char == ";":
                after_semicolon = True
                out.append(token)
                code.append(token)
                length += 1
                continue
            if char.isspace():
                out.append(token)
                code.append(token)
                length += 1
                continue
        if after_semicolon:
            several = True
        out.append(token)
        code.append(token_code)
        length += len(token)
        body_end = length
    text = "".join(out)
    return Translated(
        text=text,
        params=highest,
        body=text[:body_end],
        several=several,
        returning=_RETURNING.search("".join(code)) is not None,
    )


def _word_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _rowcount(status: str) -> int:
    """asyncpg's command tag as sqlite3's rowcount: ``UPDATE 3`` → 3, ``CREATE TABLE`` → -1."""
    parts = status.split()
    if parts and parts[0] in _COUNTED and parts[-1].isdigit():
        return int(parts[-1])
    return -1


class _PostgresQueries:
    """Statements on one connection (a transaction's, or one borrowed from the pool)."""

    def __init__(self, conn: asyncpg.Connection, ids: dict[str, bool]) -> None:
        self._conn = conn
        self._ids = ids

    async def _has_id(self, table: str) -> bool:
        known = self._ids.get(table)
        if known is not None:
            return known
        found, has_id = await self._conn.fetchrow(_ID_KEY, table)
        if not found:
            return False  # the INSERT fails on its own; nothing to remember
        self._ids[table] = bool(has_id)
        return bool(has_id)

    async def execute(self, sql: str, params: Params = ()) -> int:
        statement = translate(sql)
        words = sql.split(None, 1)
        head = words[0].upper() if words else ""
        if head in _DDL:
            self._ids.clear()
        if head == "INSERT" and not statement.several and not statement.returning:
            match = _INSERT_INTO.match(sql.lstrip())
            if match is not None and await self._has_id(match[1]):
                wrapped = (
                    f"WITH _inserted AS (\n{statement.body}\nRETURNING id\n)"
                    " SELECT max(id) FROM _inserted"
                )
                new_id = await self._conn.fetchval(wrapped, *params)
                return int(new_id or 0)
        if not params:
            # The simple protocol: several statements may run, and ``?`` means jsonb's.
            return _rowcount(await self._conn.execute(sql))
        return _rowcount(await self._conn.execute(statement.text, *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        batch = [tuple(row) for row in rows]
        if batch:
            await self._conn.executemany(translate(sql).text, batch)
        return len(batch)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        record = await self._conn.fetchrow(translate(sql).text, *params)
        return None if record is None else dict(record.items())

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        records = await self._conn.fetch(translate(sql).text, *params)
        return [dict(record.items()) for record in records]

    async def fetchrows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        records = await self._conn.fetch(translate(sql).text, *params)
        return [tuple(record.values()) for record in records]


class PostgresTransaction(_PostgresQueries, Transaction):
    dialect: Dialect = POSTGRESQL


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database (``postgresql://…``)."""

    dialect: Dialect = POSTGRESQL

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        server_settings: dict[str, str] | None = None,
        **pool_options: Any,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.url = url
        self._min_size = min(min_size, max_size)
        self._max_size = max_size
        self._server_settings = dict(server_settings or {})
        self._pool_options = pool_options
        self._pool: asyncpg.Pool | None = None
        # Table name → has an integer ``id`` primary key (the lastrowid rule), shared by the
        # pool's connections; cleared by DDL.
        self._ids: dict[str, bool] = {}

    async def connect(self) -> None:
        if self._pool is not None:
            return
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=self._min_size,
            max_size=self._max_size,
            server_settings=self._server_settings,
            **self._pool_options,
        )

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        self._ids.clear()

    async def __aenter__(self) -> PostgresDatabase:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _require(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not connected: call connect() first")
        return self._pool

    @asynccontextmanager
    async def _queries(self) -> AsyncIterator[_PostgresQueries]:
        async with self._require().acquire() as conn:
            yield _PostgresQueries(conn, self._ids)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._require().acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn, self._ids)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._queries() as queries:
            return await queries.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        async with self.transaction() as tx:
            return await tx.executemany(sql, rows)

    async def executescript(self, script: str) -> None:
        self._ids.clear()
        async with self._require().acquire() as conn, conn.transaction():
            if script.strip():
                await conn.execute(script)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._queries() as queries:
            return await queries.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._queries() as queries:
            return await queries.fetchall(sql, params)

    async def fetchrows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self._queries() as queries:
            return await queries.fetchrows(sql, params)

    async def iterate(self, sql: str, params: Params = (), batch: int = 1000) -> AsyncIterator[Row]:
        # A cursor lives only inside a transaction; the stream holds its connection until the
        # consumer finishes or closes the iterator, so other queries use the pool's others.
        text = translate(sql).text
        async with (
            self._require().acquire() as conn,
            conn.transaction(readonly=True, isolation="repeatable_read"),
        ):
            async for record in conn.cursor(text, *params, prefetch=batch):
                yield dict(record.items())
