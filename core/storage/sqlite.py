"""SQLite through aiosqlite.

Connection strategy: one writer connection guarded by an asyncio lock, so concurrent tasks never
interleave statements of two transactions, and a few reader connections (``readers``, three by
default: a broadcast reads two heavy results per chunk while its calls still check for a cancel);
WAL mode lets readers see the last committed state while a write is in progress. Each
connection has its own thread and SQLite releases the GIL while it works, so reads given to
different readers run in parallel: a report that needs several heavy queries gathers them. A read
takes an idle reader, waiting for one when all are busy. ``:memory:`` uses one connection for
everything (separate in-memory connections would be separate databases).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from .abc import Database, Params, Row, Transaction
from .dialect import SQLITE, Dialect, split_statements

_names: tuple[object, tuple[str, ...]] = ((), ())


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    # Called for every row, in the connection's thread and holding the GIL: the column names are
    # computed once per result (the cursor keeps one description object per statement).
    global _names
    description = cursor.description
    seen, names = _names
    if seen is not description:
        names = tuple(column[0] for column in description)
        _names = (description, names)
    return dict(zip(names, row, strict=True))


async def _run(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    cursor = await conn.execute(sql, params)
    try:
        if sql.lstrip()[:6].upper() == "INSERT":
            return cursor.lastrowid or 0
        return cursor.rowcount
    finally:
        await cursor.close()


class _SqliteQueries:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await _run(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        cursor = await self._conn.executemany(sql, rows)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return row  # type: ignore[return-value]

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # One trip to the connection's thread instead of three (execute, fetch, close): under
        # load the hand-offs, not SQLite, are what a page's queries cost.
        rows = await self._conn.execute_fetchall(sql, params)
        return rows  # type: ignore[return-value]

    async def fetchrows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self._conn.execute(sql, params) as cursor:
            cursor.row_factory = None  # applied at fetch time: tuples for this cursor only
            rows = await cursor.fetchall()
        return rows  # type: ignore[return-value]


class SqliteTransaction(_SqliteQueries, Transaction):
    dialect: Dialect = SQLITE


class SqliteDatabase(Database):
    dialect: Dialect = SQLITE

    def __init__(
        self, path: str | Path, *, busy_timeout_ms: int = 30_000, readers: int = 3
    ) -> None:
        if readers < 1:
            raise ValueError("readers must be at least 1")
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._write_lock = asyncio.Lock()

    @property
    def in_memory(self) -> bool:
        return self.path == ":memory:"

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = _dict_row  # type: ignore[assignment]
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not self.in_memory:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def connect(self) -> None:
        if self._writer is not None:
            return
        if not self.in_memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._open()
        if self.in_memory:
            self._readers = [self._writer]
        else:
            self._readers = [await self._open() for _ in range(self._reader_count)]
        self._idle = asyncio.Queue()
        for reader in self._readers:
            self._idle.put_nowait(reader)

    async def close(self) -> None:
        connections = [*self._readers, *([self._writer] if self._writer else [])]
        for conn in {id(c): c for c in connections}.values():
            await conn.close()
        self._writer = None
        self._readers = []

    async def __aenter__(self) -> SqliteDatabase:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _require(self, conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("database is not connected: call connect() first")
        return conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        writer = self._require(self._writer)
        async with self._write_lock:
            await writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(writer)
            except BaseException:
                await writer.execute("ROLLBACK")
                raise
            else:
                await writer.execute("COMMIT")

    async def execute(self, sql: str, params: Params = ()) -> int:
        writer = self._require(self._writer)
        async with self._write_lock:
            return await _run(writer, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        async with self.transaction() as tx:
            return await tx.executemany(sql, rows)

    async def executescript(self, script: str) -> None:
        async with self.transaction() as tx:
            for statement in split_statements(script):
                await tx.execute(statement)

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        """An idle reader, held for one read (never across caller code, so waiting for one
        cannot deadlock). Handing reads to idle readers only balances them by what they cost:
        a heavy query never queues behind another on a busy connection while one sits idle."""
        if not self._readers:
            raise RuntimeError("database is not connected: call connect() first")
        conn = await self._idle.get()
        try:
            yield conn
        finally:
            self._idle.put_nowait(conn)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._reader() as conn:
            return await _SqliteQueries(conn).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._reader() as conn:
            return await _SqliteQueries(conn).fetchall(sql, params)

    async def fetchrows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self._reader() as conn:
            return await _SqliteQueries(conn).fetchrows(sql, params)

    async def iterate(self, sql: str, params: Params = (), batch: int = 1000) -> AsyncIterator[Row]:
        # A stream lives as long as its consumer wants, so it gets a connection of its own
        # rather than holding a pooled reader (reads in the loop would wait for it).
        own = not self.in_memory
        conn = await self._open() if own else self._require(self._writer)
        try:
            async with conn.execute(sql, params) as cursor:
                while rows := await cursor.fetchmany(batch):
                    for row in rows:
                        yield row  # type: ignore[misc]
        finally:
            if own:
                await conn.close()

    async def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: it changes when another connection (this process's
        writer, or another process) commits. The counter is per connection, so it is always read
        on the same one. With one connection for everything (``:memory:``) it never moves."""
        if not self._readers:
            raise RuntimeError("database is not connected: call connect() first")
        rows = await _SqliteQueries(self._readers[0]).fetchrows("PRAGMA data_version")
        return int(rows[0][0])
