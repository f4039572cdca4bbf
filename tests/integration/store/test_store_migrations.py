"""Migrations against a real PostgreSQL: fresh, re-run, concurrent, failing."""

import asyncio

import asyncpg
import pytest

from cti.store.errors import MigrationFailed, StoreUnavailable
from cti.store.migrate import Migration, applied_migrations, bundled_migrations, migrate

TABLES = {
    "customers", "customer_phones", "interactions", "call_records", "call_offers",
    "agent_state_history", "agent_state_history_default", "agent_current_state",
    "queue_entries", "schema_migrations",
    "events", "events_default", "stream_state", "survey_answers", "recordings",
    "cases", "case_notes", "case_attachments", "case_derivations", "attachment_blobs",
    "scheduled_callbacks", "control_settings",
    "users", "user_sessions", "api_keys", "signing_keys", "audit_log", "webhooks",
    "quality_reviews", "agent_desks",
    "campaigns", "campaign_contacts", "campaign_attempts", "dnc_numbers",
}


async def _tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


async def test_fresh_database_gets_every_bundled_migration(empty_dsn: str) -> None:
    async with asyncio.timeout(20):
        applied = await migrate(empty_dsn)
        assert applied == [m.name for m in bundled_migrations()]
        assert await _tables(empty_dsn) == TABLES
        recorded = await applied_migrations(empty_dsn)
    assert recorded == {m.name: m.checksum for m in bundled_migrations()}


async def test_rerun_applies_nothing(empty_dsn: str) -> None:
    async with asyncio.timeout(20):
        await migrate(empty_dsn)
        assert await migrate(empty_dsn) == []


async def test_template_database_is_already_migrated(dsn: str) -> None:
    async with asyncio.timeout(20):
        assert await migrate(dsn) == []


async def test_concurrent_runs_apply_each_migration_once(empty_dsn: str) -> None:
    async with asyncio.timeout(30):
        results = await asyncio.gather(*(migrate(empty_dsn) for _ in range(4)))
    applied = [name for result in results for name in result]
    assert sorted(applied) == [m.name for m in bundled_migrations()]


async def test_new_migration_is_applied_after_the_old_ones(empty_dsn: str) -> None:
    extra = Migration("900_extra.sql", "CREATE TABLE extra (id int PRIMARY KEY);")
    async with asyncio.timeout(20):
        await migrate(empty_dsn)
        assert await migrate(empty_dsn, [*bundled_migrations(), extra]) == ["900_extra.sql"]
        assert "extra" in await _tables(empty_dsn)


async def test_failing_migration_is_rolled_back_and_named_with_its_line(empty_dsn: str) -> None:
    good = Migration("001_good.sql", "CREATE TABLE good (id int);")
    bad = Migration("002_bad.sql",
                    "CREATE TABLE half (id int);\n\nSELECT no_such_column FROM good;")
    later = Migration("003_later.sql", "CREATE TABLE later (id int);")
    async with asyncio.timeout(20):
        with pytest.raises(MigrationFailed, match=r"migration 002_bad.sql failed at line 3: "
                           r"column \"no_such_column\" does not exist; nothing of it was applied"):
            await migrate(empty_dsn, [good, bad, later])
        tables = await _tables(empty_dsn)
        assert "good" in tables
        assert "half" not in tables and "later" not in tables
        assert set(await applied_migrations(empty_dsn)) == {"001_good.sql"}


async def test_migration_edited_after_being_applied_is_refused(empty_dsn: str) -> None:
    async with asyncio.timeout(20):
        await migrate(empty_dsn, [Migration("001_a.sql", "CREATE TABLE a (id int);")])
        with pytest.raises(MigrationFailed, match=r"001_a\.sql was edited after it was applied"):
            await migrate(empty_dsn, [Migration("001_a.sql", "CREATE TABLE a (id bigint);")])


async def test_store_open_can_migrate_first(empty_dsn: str) -> None:
    from cti.store import Store

    async with asyncio.timeout(20):
        store = await Store.open(empty_dsn, apply_migrations=True)
        try:
            assert await store.queue_entries.entries() == []
        finally:
            await store.close()
        assert await migrate(empty_dsn) == []


async def test_migrating_through_a_pool_or_a_connection(empty_dsn: str) -> None:
    async with asyncio.timeout(20):
        pool = await asyncpg.create_pool(empty_dsn, min_size=1, max_size=1)
        try:
            assert await migrate(pool) == [m.name for m in bundled_migrations()]
            async with pool.acquire() as conn:
                assert await migrate(conn) == []
        finally:
            await pool.close()


async def test_migrating_an_unreachable_database_names_host_and_port() -> None:
    async with asyncio.timeout(20):
        with pytest.raises(StoreUnavailable, match=r"PostgreSQL at cti@127.0.0.1:1/cc is "
                           r"unreachable: .*check that it is running") as caught:
            await migrate("postgresql://cti:hunter2@127.0.0.1:1/cc")
    assert "hunter2" not in str(caught.value)


async def test_event_stream_migration_keeps_the_data_of_the_earlier_schema(
        empty_dsn: str) -> None:
    """003 moves the per-interaction events into the stream, in their order, and keeps
    the call records, on a database filled by the schema before it."""
    before = [m for m in bundled_migrations() if m.name < "003"]
    async with asyncio.timeout(30):
        await migrate(empty_dsn, before)
        conn = await asyncpg.connect(empty_dsn)
        try:
            iid = await conn.fetchval(
                "INSERT INTO interactions (id, caller_number, queue) "
                "VALUES (gen_random_uuid(), '5551234', 'sales') RETURNING id")
            for kind, second in (("queued", 1), ("offered", 2), ("no-answer", 3)):
                await conn.execute(
                    "INSERT INTO interaction_events (id, interaction_id, kind, actor, data, at) "
                    "VALUES (gen_random_uuid(), $1, $2, 'acd', '{\"x\": 1}', "
                    "now() + make_interval(secs => $3))", iid, kind, second)
            await conn.execute(
                "INSERT INTO call_records (id, interaction_id, queue, arrived_at, answered_at, "
                "ended_at, outcome) VALUES (gen_random_uuid(), $1, 'sales', now(), "
                "now() + interval '10 s', now() + interval '70 s', 'answered')", iid)
            assert await migrate(empty_dsn) == [m.name for m in bundled_migrations()
                                                if m not in before]
            rows = await conn.fetch("SELECT seq, type, data FROM events "
                                    "WHERE interaction_id = $1 ORDER BY seq", iid)
            assert [r["type"] for r in rows] == ["legacy.queued", "legacy.offered",
                                                 "legacy.no_answer"]
            assert '"actor": "acd"' in rows[0]["data"]
            talk = await conn.fetchval("SELECT talk_seconds FROM call_records "
                                       "WHERE interaction_id = $1", iid)
            assert talk == 60
            assert await conn.fetchval("SELECT epoch FROM stream_state") is not None
        finally:
            await conn.close()
