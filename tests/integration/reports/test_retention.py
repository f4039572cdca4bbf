"""Daily upkeep: partitions made ahead, old months dropped, old rows deleted."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from cti.config import Retention
from cti.store import Store
from cti.store.retention import cutoff, upkeep

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def test_the_cutoff_is_the_start_of_a_month() -> None:
    assert cutoff(NOW, 1) == datetime(2026, 10, 1, tzinfo=UTC)
    assert cutoff(NOW, 13) == datetime(2025, 10, 1, tzinfo=UTC)
    assert cutoff(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2025, 12, 1, tzinfo=UTC)


async def _partitions(store: Store, parent: str) -> set[str]:
    rows = await store.pool.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1", parent)
    return {r["relname"] for r in rows}


async def test_upkeep_makes_the_months_ahead_and_prunes_what_retention_says(
        store: Store) -> None:
    pool = store.pool
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=20)
    async with asyncio.timeout(30):
        await pool.execute("SELECT cti_ensure_partitions('agent_state_history', $1, 14)", old)
        await pool.execute("SELECT cti_ensure_partitions('events', $1, 14)", old)
        for at in (old, recent):
            await pool.execute("INSERT INTO agent_state_history (id, agent_id, state, at) "
                               "VALUES ($1, 'a1', 'READY', $2)", uuid.uuid4(), at)
            await pool.execute("INSERT INTO events (seq, at, type) VALUES ($1, $2, "
                               "'agent.state_changed')", int(at.timestamp()), at)
            iid = uuid.uuid4()
            await pool.execute("INSERT INTO interactions (id, created_at, closed_at, status) "
                               "VALUES ($1, $2, $2, 'closed')", iid, at)
            await pool.execute("INSERT INTO call_records (id, interaction_id, queue, "
                               "arrived_at) VALUES ($1, $2, 'sales', $3)", uuid.uuid4(), iid, at)
        pruned = await upkeep(pool, store.where,
                              Retention(events=6, agent_state_history=12, call_records=12,
                                        interactions=24), now=NOW)
        history = await pool.fetch("SELECT at FROM agent_state_history")
        events = await pool.fetchval("SELECT count(*) FROM events")
        records = await pool.fetchval("SELECT count(*) FROM call_records")
        interactions = await pool.fetchval("SELECT count(*) FROM interactions")
        partitions = await _partitions(store, "agent_state_history")
    assert [r["at"] for r in history] == [recent]
    assert (events, records, interactions) == (1, 1, 2)
    done = {p.table: p for p in pruned}
    assert done["events"].partitions >= 1 and done["call_records"].rows == 1
    assert "agent_state_history_202701" in partitions       # three months ahead of NOW
    assert "agent_state_history_202509" not in partitions   # older than 12 months
    assert "interactions" in done and "survey_answers" not in done   # null: kept for ever
