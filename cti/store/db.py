"""The edge with asyncpg: connecting, JSON codecs, error translation, its logs.

asyncpg's exceptions stop here: ``translate_errors`` turns them into our
``StoreError`` family, with the database named as ``user@host:port/db``
(never the password) and what to check.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import asyncpg

from cti.errors import CtiError, StoreError
from cti.store.errors import StoreRejected, StoreUnavailable

CONNECT_TIMEOUT = 5.0

#: Errors after which a statement may be retried on a fresh connection:
#: the connection died (server restarted) or the server is starting up.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A connection the server dropped mid-statement, found out when the pool
    # resets it ("cannot switch to state ...; another operation is in
    # progress"): asyncpg has terminated it, a fresh one works.
    asyncpg.InternalClientError,
)


def is_connection_error(exc: BaseException) -> bool:
    """True if ``exc`` means the link to PostgreSQL is gone, not that a statement is wrong."""
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    # asyncpg reports a use of a connection it already knows is dead this way.
    return isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc)


def describe_dsn(dsn: str) -> str:
    """``user@host:port/database`` from a DSN, without the password."""
    try:
        parts = urlsplit(dsn)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
    except ValueError:
        return "the configured database (unparsable DSN)"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    database = parts.path.lstrip("/") or "(default database)"
    return f"{user}{host}:{port}/{database}"


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb into Python values and encode them back."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads,
                                  schema="pg_catalog")


async def connect(dsn: str, *, timeout: float = CONNECT_TIMEOUT) -> asyncpg.Connection:
    """One connection with our codecs (pools use ``init_connection`` too)."""
    conn = await asyncpg.connect(dsn, timeout=timeout)
    await init_connection(conn)
    return conn


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    """Re-raise asyncpg and socket errors as ``StoreError`` naming ``where``."""
    try:
        yield
    except CtiError:
        raise
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise StoreUnavailable(
            f"PostgreSQL at {where} refused the login: {exc}; "
            "check the user and password in database.url in cti.yaml") from exc
    except asyncpg.InvalidCatalogNameError as exc:
        raise StoreUnavailable(
            f"PostgreSQL at {where}: {exc}; create the database "
            "(createdb), or fix database.url in cti.yaml") from exc
    except (*CONNECTION_ERRORS, asyncpg.InterfaceError) as exc:
        if not is_connection_error(exc):
            raise StoreError(f"PostgreSQL at {where}: {exc}") from exc
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, asyncio.TimeoutError):
            reason = "no answer in time"
        raise StoreUnavailable(
            f"PostgreSQL at {where} is unreachable: {reason}; check that it is running "
            "and that database.url in cti.yaml points to it") from exc
    except (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError) as exc:
        detail = f" ({exc.detail})" if getattr(exc, "detail", None) else ""
        raise StoreRejected(f"PostgreSQL at {where} refused the write: {exc}{detail}") from exc
    except asyncpg.PostgresError as exc:
        raise StoreError(f"PostgreSQL at {where} failed: {exc}") from exc


class _QuietPoolRefill(logging.Filter):
    """asyncpg's pool logs a warning with a full traceback each time it fails to
    reconnect its ``min_size`` connections: every 1, 2, 4 ... s during an
    outage. The writer above says once that the database is down (OutageLog);
    turn those into one-line debug records."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (error is not None and is_connection_error(error)
                and record.getMessage().startswith("Failed to restore the pool connection floor")):
            return _as_debug(record, "pool connection floor not restored yet: %s", error)
        return True


class _QuietOrphanedConnect(logging.Filter):
    """A statement given up (an IVR lookup's timeout) while asyncpg was opening its
    connection leaves asyncpg's own future to fail when PostgreSQL restarts, which
    asyncio reports as "Future exception was never retrieved" with a traceback at
    error level: a handful of them each time the database comes back. Nobody
    waits for those connections; turn them into one-line debug records."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (isinstance(error, ConnectionError) and "connection_lost" in str(error)
                and record.getMessage().startswith("Future exception was never retrieved")):
            return _as_debug(record, "abandoned database connection attempt: %s", error)
        return True


def _as_debug(record: logging.LogRecord, message: str, error: BaseException) -> bool:
    """Make ``record`` a one-line debug record; whether it is still to be logged."""
    record.levelno, record.levelname = logging.DEBUG, "DEBUG"
    record.msg, record.args = message, (error,)
    record.exc_info, record.exc_text = None, None
    # the level was checked before the filter ran: check it again
    return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


_QUIET, _QUIET_ORPHANS = _QuietPoolRefill(), _QuietOrphanedConnect()


def quiet_pool_refill_logs() -> None:
    """Install the filters on asyncpg's pool logger and asyncio's (once; idempotent)."""
    logging.getLogger("asyncpg.pool").addFilter(_QUIET)
    logging.getLogger("asyncio").addFilter(_QUIET_ORPHANS)
