"""Migration 006: the agent state history partitioned by month, each state's end
filled in by the next one, partitions created ahead and dropped by retention."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _state(conn: asyncpg.Connection, agent: str, state: str, at: datetime,
                 interaction: uuid.UUID | None = None) -> None:
    await conn.execute("INSERT INTO agent_state_history (id, agent_id, state, at, interaction_id)"
                       " VALUES ($1, $2, $3, $4, $5)", uuid.uuid4(), agent, state, at,
                       interaction)


async def test_each_state_ends_when_the_next_begins_and_wrap_up_keeps_the_call(dsn: str) -> None:
    call = uuid.uuid4()
    async with asyncio.timeout(20):
        conn = await asyncpg.connect(dsn)
        try:
            for state, seconds, iid in (("READY", 0, None), ("RESERVED", 10, call),
                                        ("ON_CALL", 14, call), ("WRAP_UP", 100, None),
                                        ("READY", 130, None)):
                await _state(conn, "a1", state, T0 + timedelta(seconds=seconds), iid)
            await _state(conn, "a2", "READY", T0)
            rows = await conn.fetch("SELECT state, at, ended_at, interaction_id FROM "
                                    "agent_state_history WHERE agent_id = 'a1' ORDER BY at")
            other = await conn.fetchval("SELECT ended_at FROM agent_state_history "
                                        "WHERE agent_id = 'a2'")
        finally:
            await conn.close()
    ends = [None if r["ended_at"] is None else (r["ended_at"] - T0).total_seconds()
            for r in rows]
    assert ends == [10, 14, 100, 130, None]
    assert rows[3]["state"] == "WRAP_UP" and rows[3]["interaction_id"] == call
    assert other is None  # another agent's state is not ended by a1's


async def test_rows_of_a_month_without_partition_move_into_it_when_it_is_created(
        dsn: str) -> None:
    async with asyncio.timeout(20):
        conn = await asyncpg.connect(dsn)
        try:
            await _state(conn, "a1", "READY", T0)
            await _state(conn, "a1", "NOT_READY", T0 + timedelta(minutes=5))
            assert await conn.fetchval("SELECT count(*) FROM agent_state_history_default") == 2
            made = await conn.fetchval(
                "SELECT cti_ensure_partitions('agent_state_history', $1, 2)", T0)
            assert made == 2
            assert await conn.fetchval("SELECT count(*) FROM agent_state_history_default") == 0
            assert await conn.fetchval("SELECT count(*) FROM agent_state_history_202603") == 2
            ends = await conn.fetch("SELECT ended_at FROM agent_state_history ORDER BY at")
            assert [r["ended_at"] for r in ends] == [T0 + timedelta(minutes=5), None]
            await _state(conn, "a1", "READY", T0 + timedelta(minutes=9))
            assert await conn.fetchval(
                "SELECT count(*) FROM agent_state_history WHERE ended_at IS NULL") == 1
            dropped = await conn.fetchval(
                "SELECT cti_drop_partitions_before('agent_state_history', $1)",
                datetime(2026, 4, 1, tzinfo=UTC))
            assert dropped == 1
            assert await conn.fetchval("SELECT count(*) FROM agent_state_history") == 0
            assert await conn.fetchval("SELECT to_regclass('agent_state_history_202604')") \
                is not None
        finally:
            await conn.close()


async def test_existing_history_is_kept_with_its_ends(empty_dsn: str) -> None:
    from cti.store.migrate import bundled_migrations, migrate

    before = [m for m in bundled_migrations() if m.name < "006"]
    async with asyncio.timeout(30):
        await migrate(empty_dsn, before)
        conn = await asyncpg.connect(empty_dsn)
        try:
            call = uuid.uuid4()
            await conn.execute("INSERT INTO interactions (id) VALUES ($1)", call)
            for state, minutes, iid in (("ON_CALL", 0, call), ("WRAP_UP", 3, None),
                                        ("READY", 4, None)):
                await _state(conn, "a1", state, T0 + timedelta(minutes=minutes), iid)
            await migrate(empty_dsn)
            rows = await conn.fetch("SELECT state, ended_at, interaction_id, seq FROM "
                                    "agent_state_history ORDER BY at")
            partitions = await conn.fetchval(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
                "WHERE p.relname = 'agent_state_history'")
            await _state(conn, "a1", "NOT_READY", T0 + timedelta(minutes=6))
            last_seq = await conn.fetchval("SELECT max(seq) FROM agent_state_history")
        finally:
            await conn.close()
    assert [r["state"] for r in rows] == ["ON_CALL", "WRAP_UP", "READY"]
    assert [r["ended_at"] for r in rows] == [T0 + timedelta(minutes=3),
                                             T0 + timedelta(minutes=4), None]
    assert rows[1]["interaction_id"] == call
    assert partitions >= 5  # the default, March 2026 and every month up to three ahead
    assert last_seq > max(r["seq"] for r in rows)
