"""The embedded PostgreSQL: start, reuse, stop/start, crash, and clear refusals."""

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest

from cti.store import EmbeddedPostgres, EmbeddedPostgresFailed, Store, StoreUnavailable
from cti.store.embedded.postmaster import Postmaster


async def _query(dsn: str, sql: str) -> object:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_first_start_serves_the_database_over_tcp(
        private_pg_server: EmbeddedPostgres) -> None:
    dsn = private_pg_server.dsn
    assert private_pg_server.display_dsn == (
        f"postgresql://postgres@127.0.0.1:{private_pg_server.port}/cti")
    async with asyncio.timeout(10):
        assert await _query(dsn, "SELECT current_database()") == "cti"
        assert await _query(dsn, "SHOW listen_addresses") == "127.0.0.1"
    assert private_pg_server.is_running


async def test_second_start_on_the_same_dir_reuses_the_running_server(
        private_pg_server: EmbeddedPostgres) -> None:
    pid = Postmaster.read(private_pg_server.data_dir).pid
    assert not private_pg_server.adopted
    other = EmbeddedPostgres(private_pg_server.data_dir)
    assert await asyncio.to_thread(other.start) == private_pg_server.dsn
    assert other.adopted and not other.owner
    assert Postmaster.read(private_pg_server.data_dir).pid == pid
    assert await asyncio.to_thread(other.stop) is False  # never stops what it adopted
    assert private_pg_server.is_running


async def test_data_and_dsn_survive_stop_and_start(private_pg_server: EmbeddedPostgres) -> None:
    dsn = private_pg_server.dsn
    async with asyncio.timeout(30):
        await _query(dsn, "CREATE TABLE kept AS SELECT 42 AS answer")
        await asyncio.to_thread(private_pg_server.stop)
        assert not private_pg_server.is_running
        with pytest.raises(StoreUnavailable, match="unreachable"):
            await Store.open(dsn)
        assert await asyncio.to_thread(private_pg_server.start) == dsn
        assert await _query(dsn, "SELECT answer FROM kept") == 42


async def test_start_after_a_crash_clears_the_stale_pid_file(
        private_pg_server: EmbeddedPostgres) -> None:
    dsn = private_pg_server.dsn
    async with asyncio.timeout(30):
        await _query(dsn, "CREATE TABLE kept AS SELECT 7 AS answer")
        await asyncio.to_thread(private_pg_server.crash)
        assert (private_pg_server.data_dir / "postmaster.pid").exists()
        assert not private_pg_server.is_running
        assert await asyncio.to_thread(private_pg_server.start) == dsn
        assert await _query(dsn, "SELECT answer FROM kept") == 7


async def test_pid_file_naming_a_live_process_that_is_not_postgres_is_stale(
        private_pg_server: EmbeddedPostgres) -> None:
    await asyncio.to_thread(private_pg_server.stop)
    pid_file = private_pg_server.data_dir / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n{private_pg_server.data_dir}\n0\n5432\n\n\n\nready\n")
    assert not private_pg_server.is_running
    async with asyncio.timeout(30):
        dsn = await asyncio.to_thread(private_pg_server.start)
        assert await _query(dsn, "SELECT 1") == 1


def test_stop_when_not_running_does_nothing(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "never-started")
    assert server.stop() is False
    assert not server.is_running


def test_directory_holding_other_files_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("mine")
    with pytest.raises(EmbeddedPostgresFailed, match=rf"{data} is not empty and is not a "
                       r"PostgreSQL data directory \(found notes.txt\); point database.data_dir"):
        EmbeddedPostgres(data).start()


def test_data_of_another_postgres_version_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "PG_VERSION").write_text("16\n")
    with pytest.raises(EmbeddedPostgresFailed, match="holds a PostgreSQL 16 database but the "
                       "embedded server is PostgreSQL 18"):
        EmbeddedPostgres(data).start()


def test_dsn_before_start_says_to_start(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedPostgresFailed, match=r"call start\(\) first"):
        _ = EmbeddedPostgres(tmp_path / "data").dsn


async def test_concurrent_starts_on_one_dir_share_one_server(
        private_pg_server: EmbeddedPostgres) -> None:
    await asyncio.to_thread(private_pg_server.stop)
    servers = [EmbeddedPostgres(private_pg_server.data_dir) for _ in range(3)]
    async with asyncio.timeout(30):
        dsns = await asyncio.gather(*(asyncio.to_thread(s.start) for s in servers))
    assert len(set(dsns)) == 1
    assert sorted(s.adopted for s in servers) == [False, True, True]
    starter = next(s for s in servers if not s.adopted)
    assert [s.owner for s in servers] == [s is starter for s in servers]
    stopped = [await asyncio.to_thread(s.stop) for s in (starter, *servers)]
    assert stopped == [False, False, False, True]  # the last user out stops it
