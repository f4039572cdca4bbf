"""What every repository shares: running a statement with retry on a lost
connection, and checking inputs before they reach PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import structlog

from cti.store.db import is_connection_error, translate_errors
from cti.store.errors import StoreUnavailable

log = structlog.get_logger(__name__)
T = TypeVar("T")
#: seconds statements fail at once after PostgreSQL was found unreachable
PROBE_EVERY = 0.5
M = TypeVar("M")


class Db:
    """Runs a function on a pooled connection; the one place that retries.

    After a lost connection (PostgreSQL restarted) every pooled connection
    is expired and the function runs once more at once; with ``retry_for``
    > 0 it keeps trying, with backoff, for that many seconds while
    PostgreSQL is unreachable. Every write of the repositories is idempotent
    (caller-chosen ids, upserts), so running it twice is safe.

    Once PostgreSQL is found unreachable (the retry on a fresh connection
    failed too), statements fail at once for ``probe_every`` seconds instead
    of each opening a connection of its own: during an outage at 100 calls a
    second, every caller's customer lookup would otherwise cost two connection
    attempts (a fifth of the service's CPU, measured). The first statement
    after that probes again.
    """

    def __init__(self, pool: asyncpg.Pool, where: str, *, retry_for: float = 0.0,
                 acquire_timeout: float = 5.0, probe_every: float = PROBE_EVERY) -> None:
        self.pool = pool
        self.where = where
        self.retry_for = retry_for
        self.acquire_timeout = acquire_timeout
        self.probe_every = probe_every
        self._down_until = 0.0
        self._down_error = ""

    async def run(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_for
        attempt = 0
        while True:
            if loop.time() < self._down_until:
                if loop.time() >= deadline:
                    raise StoreUnavailable(self._down_error)
                await asyncio.sleep(min(self._down_until, deadline) - loop.time())
                continue
            attempt += 1
            try:
                with translate_errors(self.where):
                    async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                        return await fn(conn)
            except StoreUnavailable as exc:
                if exc.__cause__ is None or not is_connection_error(exc.__cause__):
                    raise
                await self.pool.expire_connections()
                if attempt == 1:
                    # debug: during an outage every statement comes here; the
                    # writer above logs the outage once (OutageLog)
                    log.debug("database connection lost; retrying on a new one",
                              database=self.where, error=str(exc.__cause__))
                    continue
                self._down_until, self._down_error = loop.time() + self.probe_every, str(exc)
                if loop.time() >= deadline:
                    raise
                await asyncio.sleep(min(0.05 * 2 ** (attempt - 2), 1.0,
                                        max(deadline - loop.time(), 0.0)))

    async def transaction(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async def in_tx(conn: asyncpg.Connection) -> T:
            async with conn.transaction():
                return await fn(conn)

        return await self.run(in_tx)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self.run(lambda conn: conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self.run(lambda conn: conn.fetchrow(sql, *args))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.run(lambda conn: conn.fetchval(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        return await self.run(lambda conn: conn.execute(sql, *args))


def columns(model: type, prefix: str = "") -> str:
    """``a, b, c`` (or ``p.a, p.b``) for the fields of a dataclass."""
    return ", ".join(prefix + f.name for f in fields(model))  # type: ignore[arg-type]


def to_model(model: type[M], row: asyncpg.Record) -> M:
    return model(**dict(row))


def aware(at: datetime | None, what: str) -> datetime:
    """``at`` (now if None) as an aware datetime; naive ones are refused, since
    PostgreSQL would read them in its own time zone."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {at.isoformat()}")
    return at


def maybe_aware(at: datetime | None, what: str) -> datetime | None:
    return None if at is None else aware(at, what)


def as_uuid(value: UUID | str, what: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a UUID, got {value!r}") from None
