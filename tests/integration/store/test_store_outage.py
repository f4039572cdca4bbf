"""A Store across PostgreSQL outages, and errors that name the database."""

import asyncio
import logging
from uuid import uuid4

import pytest
import structlog

from cti.store import EmbeddedPostgres, Store, StoreUnavailable
from cti.store.base import PROBE_EVERY


async def test_store_works_again_once_postgres_restarts(
        pg_server: EmbeddedPostgres, dsn: str) -> None:
    async with asyncio.timeout(40):
        store = await Store.open(dsn, min_size=2, max_size=2)
        try:
            before = await store.interactions.create(queue="sales")
            await asyncio.to_thread(pg_server.stop)
            try:
                with pytest.raises(StoreUnavailable, match=rf"127.0.0.1:{pg_server.port}/"):
                    await store.interactions.get(before)
            finally:
                await asyncio.to_thread(pg_server.start)
            await asyncio.sleep(PROBE_EVERY)  # found down: the next probe is due
            # Pooled connections died with the server; the store replaces them.
            assert (await store.interactions.get(before)).queue == "sales"
            after = await store.interactions.create(queue="support")
            assert (await store.interactions.get(after)).queue == "support"
        finally:
            await store.close()


async def test_write_with_retry_waits_for_postgres_to_come_back(
        pg_server: EmbeddedPostgres, dsn: str) -> None:
    async with asyncio.timeout(40):
        store = await Store.open(dsn, retry_for=20)
        try:
            await asyncio.to_thread(pg_server.stop)
            try:
                iid = uuid4()
                write = asyncio.create_task(store.interactions.create(interaction_id=iid))
                await asyncio.sleep(0.3)  # let it fail at least once: the point of the test
                assert not write.done()
            finally:
                await asyncio.to_thread(pg_server.start)
            assert await write == iid
            assert await store.interactions.get(iid) is not None
        finally:
            await store.close()


async def test_open_on_a_closed_port_names_host_and_port_but_not_the_password() -> None:
    async with asyncio.timeout(20):
        with pytest.raises(StoreUnavailable) as caught:
            await Store.open("postgresql://cti:hunter2@127.0.0.1:1/cc")
    message = str(caught.value)
    assert message.startswith("PostgreSQL at cti@127.0.0.1:1/cc is unreachable: ")
    assert "check that it is running and that database.url in cti.yaml" in message
    assert "hunter2" not in message


async def test_open_on_a_missing_database_says_to_create_it(pg_server: EmbeddedPostgres) -> None:
    async with asyncio.timeout(20):
        with pytest.raises(StoreUnavailable, match=r"/nowhere: database \"nowhere\" does not "
                           r"exist; create the database"):
            await Store.open(pg_server.dsn_for("nowhere"))


async def test_ping_answers_while_postgres_runs(store: Store) -> None:
    async with asyncio.timeout(10):
        await store.ping()


async def test_retry_gives_up_after_retry_for_seconds(
        pg_server: EmbeddedPostgres, dsn: str) -> None:
    async with asyncio.timeout(40):
        store = await Store.open(dsn, retry_for=0.5)
        try:
            await asyncio.to_thread(pg_server.stop)
            try:
                loop = asyncio.get_running_loop()
                started = loop.time()
                with pytest.raises(StoreUnavailable, match="unreachable"):
                    await store.queue_entries.entries()
                assert 0.5 <= loop.time() - started < 5
            finally:
                await asyncio.to_thread(pg_server.start)
        finally:
            await store.close()


async def test_an_outage_logs_no_traceback_and_no_line_per_attempt(
        private_pg_server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture) -> None:
    """The writer above (the recorder, with OutageLog) says it once; the store
    and asyncpg's pool refill only leave debug lines."""
    caplog.set_level(logging.DEBUG, logger="asyncpg")
    async with asyncio.timeout(40):
        store = await Store.open(private_pg_server.dsn, min_size=2, max_size=2)
        try:
            await store.ping()
            await asyncio.to_thread(private_pg_server.stop)
            with structlog.testing.capture_logs() as store_lines:
                for _ in range(3):
                    with pytest.raises(StoreUnavailable):
                        await store.ping()
                # asyncpg tries to refill the pool at once, then every 1, 2, 4 ... s
                while not any("pool connection floor" in r.getMessage() for r in caplog.records):
                    await asyncio.sleep(0.02)
        finally:
            await store.close()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [], [r.getMessage() for r in loud]
    assert all(r.exc_info is None for r in caplog.records)
    assert {line["log_level"] for line in store_lines} <= {"debug"}


async def test_an_unreachable_database_is_probed_not_hammered(
        pg_server: EmbeddedPostgres, dsn: str) -> None:
    """During an outage each statement would open a connection of its own (two with
    the retry): at 100 calls a second that was a fifth of the service's CPU. After a
    failure, statements fail at once until the next probe."""
    async with asyncio.timeout(40):
        store = await Store.open(dsn, min_size=1, max_size=2)
        attempts = 0

        async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal attempts
            attempts += 1
            writer.close()

        try:
            await asyncio.to_thread(pg_server.stop)
            # something listens on PostgreSQL's port and hangs up: each attempt shows
            listener = await asyncio.start_server(count, "127.0.0.1", pg_server.port)
            try:
                with pytest.raises(StoreUnavailable, match="unreachable"):
                    await store.customers.find_by_phone("+34600112233")
                first = attempts
                assert 1 <= first <= 2
                for _ in range(30):
                    with pytest.raises(StoreUnavailable, match="unreachable"):
                        await store.customers.find_by_phone("+34600112233")
                assert attempts == first  # no connection tried while it is known down
                await asyncio.sleep(PROBE_EVERY)
                with pytest.raises(StoreUnavailable):
                    await store.customers.find_by_phone("+34600112233")
                assert attempts > first  # probed again after half a second
            finally:
                listener.close()
                await listener.wait_closed()
                await asyncio.to_thread(pg_server.start)
            await asyncio.sleep(PROBE_EVERY)
            assert await store.customers.find_by_phone("+34600112233") == []
        finally:
            await store.close()
