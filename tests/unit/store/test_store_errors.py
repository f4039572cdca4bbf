"""How asyncpg and socket errors become store errors (no database needed)."""

import asyncio
import logging

import asyncpg
import pytest

from cti.errors import StoreError
from cti.store.db import is_connection_error, quiet_pool_refill_logs, translate_errors
from cti.store.errors import NoSuchInteraction, StoreRejected, StoreUnavailable

WHERE = "cti@db:5432/cc"


@pytest.mark.parametrize(
    ("raised", "expected", "text"),
    [
        (ConnectionRefusedError(111, "Connection refused"), StoreUnavailable,
         "PostgreSQL at cti@db:5432/cc is unreachable: [Errno 111] Connection refused; check"),
        (TimeoutError(), StoreUnavailable, "is unreachable: no answer in time"),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), StoreUnavailable,
         "is unreachable: connection was closed"),
        (asyncpg.CannotConnectNowError("the database system is starting up"),
         StoreUnavailable, "is unreachable: the database system is starting up"),
        (asyncpg.InterfaceError("connection is closed"), StoreUnavailable, "unreachable"),
        # seen when PostgreSQL stopped under an IVR customer lookup: the pool's reset
        # of the dropped connection; it used to end the caller's FastAGI session
        (asyncpg.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"),
         StoreUnavailable, "unreachable: cannot switch to state 15"),
        (asyncpg.InvalidPasswordError("password authentication failed"), StoreUnavailable,
         "refused the login: password authentication failed; check the user and password"),
        (asyncpg.InvalidCatalogNameError('database "cc" does not exist'), StoreUnavailable,
         "create the database"),
        (asyncpg.UniqueViolationError("duplicate key"), StoreRejected,
         "refused the write: duplicate key"),
        (asyncpg.NumericValueOutOfRangeError("numeric field overflow"), StoreRejected,
         "refused the write: numeric field overflow"),
        (asyncpg.UndefinedTableError('relation "x" does not exist'), StoreError,
         'failed: relation "x" does not exist'),
        (asyncpg.InterfaceError("the server expects 2 arguments, 1 was passed"), StoreError,
         "the server expects 2 arguments"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_foreign_errors_become_store_errors_naming_the_database(
        raised: BaseException, expected: type[StoreError], text: str) -> None:
    with pytest.raises(expected) as caught, translate_errors(WHERE):
        raise raised
    assert type(caught.value) is expected
    assert text in str(caught.value)
    assert caught.value.__cause__ is raised


def test_our_own_errors_pass_through() -> None:
    with pytest.raises(NoSuchInteraction), translate_errors(WHERE):
        raise NoSuchInteraction("abc")


def test_statement_errors_are_not_connection_errors() -> None:
    assert is_connection_error(asyncpg.ConnectionDoesNotExistError("gone"))
    assert is_connection_error(OSError("reset"))
    assert not is_connection_error(asyncpg.InterfaceError("the server expects 2 arguments"))
    assert not is_connection_error(asyncpg.UniqueViolationError("duplicate key"))


def test_an_abandoned_connection_attempt_is_a_debug_line_not_an_error(
        caplog: pytest.LogCaptureFixture) -> None:
    """Seen each time PostgreSQL came back during the outage bench: asyncio reporting
    asyncpg's future of a connection attempt nobody waited for any more."""
    quiet_pool_refill_logs()
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.DEBUG, logger="asyncio"):
            for error in (ConnectionError("unexpected connection_lost() call"),
                          ValueError("a real bug")):
                future = loop.create_future()
                future.set_exception(error)
                future.exception()  # retrieved here, reported below as asyncio would
                loop.default_exception_handler({
                    "message": "Future exception was never retrieved",
                    "exception": error, "future": future})
    finally:
        loop.close()
    (orphan, bug) = [r for r in caplog.records if r.name == "asyncio"]
    assert orphan.levelname == "DEBUG" and orphan.exc_info is None
    assert "abandoned database connection attempt" in orphan.getMessage()
    assert bug.levelname == "ERROR" and bug.exc_info is not None
