"""The storage interface callers depend on; SQLite and PostgreSQL implement it.

SQL is written with ``?`` placeholders (qmark style) and portable types; a PostgreSQL backend
translates placeholders and is the only place that knows the dialect difference.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dialect import Dialect

Row = dict[str, Any]
Params = Sequence[Any]


class Queries(abc.ABC):
    """Statements that run either inside a transaction or on their own."""

    @property
    @abc.abstractmethod
    def dialect(self) -> Dialect:
        """The SQL fragments that differ between engines (``core.storage.dialect``)."""

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return lastrowid for INSERT, else the number of rows changed."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> int: ...

    @abc.abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abc.abstractmethod
    async def fetchrows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Plain tuples, for bulk reads where building a dict per row costs more than the query."""

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


class Transaction(Queries, abc.ABC):
    """An open write transaction: everything commits together or not at all."""


class Database(Queries, abc.ABC):
    """A connected database. ``execute`` outside ``transaction()`` commits at once."""

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Write transaction; reads outside it see only committed data. SQLite serialises
        transactions (one writer); PostgreSQL does not: claims lock rows (``skip_locked``)."""

    @abc.abstractmethod
    def iterate(self, sql: str, params: Params = (), batch: int = 1000) -> AsyncIterator[Row]:
        """Stream a large result without loading it whole."""

    @abc.abstractmethod
    async def executescript(self, script: str) -> None:
        """Run several statements in one transaction (migrations)."""
