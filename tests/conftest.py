"""Fixtures shared by every test directory.

PostgreSQL: ONE embedded server per test run, and a fresh database per test
cloned from a migrated template (CREATE DATABASE ... TEMPLATE), so tests are
isolated and each costs a few tens of milliseconds.

    pg_server   (session) the running EmbeddedPostgres; ``pg_server.dsn`` is a
                shared, unmigrated database ``cti``; ``pg_server.dsn_for(name)``
    pg_template (session) name of the migrated template database (no connections)
    dsn         a fresh migrated database, dropped after the test: its DSN
    empty_dsn   a fresh database without any table (for migration tests)
    store       a cti.store.Store open on ``dsn``
    private_pg_server  a server of the test's own (about 0.7 s), to kill or corrupt
    pg_scratch  an empty directory for a data directory of the test's own, on a RAM
                disk if there is one, that the embedded server's user can enter

A test that stops the shared server should start it again before it ends
(``pg_server.start()`` reuses the data and the port); the next ``dsn`` starts
it otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import warnings
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:  # imported lazily so a broken store cannot break collection
    from cti.store import EmbeddedPostgres, Store

T = TypeVar("T")
TEMPLATE_DB = "cti_template"
_OWN_BASETEMP = pytest.StashKey[Path]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """As root, the embedded server runs as another user, which must pass through
    the parents of a data directory under ``tmp_path`` (it is given an ACL entry
    for that). pytest resets /tmp/pytest-of-root to 0700 when any session of
    root starts, which would cut that passage under a running test: give this
    session a base directory of its own (removed after a passing session)."""
    if os.geteuid() != 0 or config.option.basetemp is not None:
        return
    parent = Path(tempfile.mkdtemp(prefix="pytest-cti-"))
    parent.chmod(0o711)
    config.option.basetemp = parent / "tmp"
    config.stash[_OWN_BASETEMP] = parent


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    parent = session.config.stash.get(_OWN_BASETEMP, None)
    if parent is not None and exitstatus == 0:
        shutil.rmtree(parent, ignore_errors=True)

# config/cti.yaml reads the AMI secret from CTI_AMI_SECRET with no default (the
# service refuses placeholder secrets): tests that load the shipped config get a
# random one.
os.environ.setdefault("CTI_AMI_SECRET", f"test-{uuid.uuid4().hex}")


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a private loop in a thread (usable from
    sync fixtures, whatever loop pytest-asyncio has running)."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="pg-fixture")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _scratch_parent() -> Path:
    """Where the test server keeps its data: a RAM disk if there is one.

    Measured on the 2-core CI machine: CREATE DATABASE from the template
    takes 10-30 ms on /dev/shm and 100-400 ms on its virtual disk (PostgreSQL
    pushes the copied files to disk even with fsync off).

    When run as root the server runs as another user, which must be able to
    enter this directory: mkdtemp makes it 0700, so open it to others (its
    name is unguessable and the data directory inside is 0700).
    """
    shm = Path("/dev/shm")
    parent = Path(tempfile.mkdtemp(prefix="cti-test-pg-",
                                   dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
    parent.chmod(0o755)
    return parent


@pytest.fixture
def pg_scratch() -> Iterator[Path]:
    parent = _scratch_parent()
    try:
        yield parent
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    from cti.store import EmbeddedPostgres

    parent = _scratch_parent()
    server = EmbeddedPostgres(parent / "data", durable=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def private_pg_server() -> Iterator[EmbeddedPostgres]:
    from cti.store import EmbeddedPostgres

    parent = _scratch_parent()
    server = EmbeddedPostgres(parent / "data", durable=False, timeout=20)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server: EmbeddedPostgres) -> str:
    run_in_thread(_make_template(pg_server))
    return TEMPLATE_DB


async def _make_template(pg_server: EmbeddedPostgres) -> None:
    """Create and migrate the template, then close it to connections: a session
    left on it would make every CREATE DATABASE ... TEMPLATE wait."""
    import asyncpg

    from cti.store import migrate

    admin = await asyncpg.connect(pg_server.dsn_for("postgres"), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
        await migrate(pg_server.dsn_for(TEMPLATE_DB))
        await admin.execute(f'ALTER DATABASE "{TEMPLATE_DB}" WITH ALLOW_CONNECTIONS false')
    finally:
        await admin.close()


async def _create_database(pg_server: EmbeddedPostgres, template: str) -> str:
    import asyncpg

    if not pg_server.is_running:  # a previous test stopped it and did not start it again
        await asyncio.to_thread(pg_server.start)
    name = f"test_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(pg_server.dsn_for("postgres"), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    finally:
        await conn.close()
    return name


async def _drop_database(pg_server: EmbeddedPostgres, name: str) -> None:
    import asyncpg

    if not pg_server.is_running:
        return
    conn = await asyncpg.connect(pg_server.dsn_for("postgres"), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _database(pg_server: EmbeddedPostgres, template: str) -> AsyncIterator[str]:
    """A fresh database made from ``template``; its DSN, dropped afterwards."""
    async with asyncio.timeout(30):
        name = await _create_database(pg_server, template)
    try:
        yield pg_server.dsn_for(name)
    finally:
        try:
            async with asyncio.timeout(30):
                await _drop_database(pg_server, name)
        except TimeoutError:
            # Clean-up only: the run's server, with every database left on it, goes at
            # the end of the session. A drop slowed by a loaded machine is no failure.
            warnings.warn(f"database {name} not dropped within 30 s; left to the session end",
                          stacklevel=1)


@pytest.fixture
async def dsn(pg_server: EmbeddedPostgres, pg_template: str) -> AsyncIterator[str]:
    async with _database(pg_server, pg_template) as url:
        yield url


@pytest.fixture
async def empty_dsn(pg_server: EmbeddedPostgres) -> AsyncIterator[str]:
    async with _database(pg_server, "template0") as url:
        yield url


@pytest.fixture
async def store(dsn: str) -> AsyncIterator[Store]:
    from cti.store import Store

    async with asyncio.timeout(30):
        opened = await Store.open(dsn, min_size=1, max_size=4)
    try:
        yield opened
    finally:
        await opened.close()
