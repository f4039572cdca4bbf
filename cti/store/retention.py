"""Daily upkeep of the records: partitions ahead, and retention.

The events and the agent state history are partitioned by month (migrations
003 and 006): ``upkeep`` creates the partitions of the coming months (so no
row lands in the default partition) and drops those older than the retention
of cti.yaml ``reports.retention``. The other tables lose their rows older than
theirs, a batch at a time so no lock is held for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg
import structlog

from cti.store.db import translate_errors

if TYPE_CHECKING:
    from cti.config import Retention

log = structlog.get_logger(__name__)

PARTITIONED = ("events", "agent_state_history")
#: Tables pruned by rows: the column that dates a row (a closed interaction only).
BY_ROW = {"call_records": "arrived_at", "call_offers": "offered_at",
          "survey_answers": "at", "interactions": "closed_at"}
#: Months of partitions made ahead.
AHEAD = 3
BATCH = 10_000


@dataclass(frozen=True, slots=True)
class Pruned:
    table: str
    before: datetime
    partitions: int = 0
    rows: int = 0


def cutoff(now: datetime, months: int) -> datetime:
    """The first instant kept: the start (UTC) of the month ``months`` before now's."""
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


async def ensure_partitions(pool: asyncpg.Pool, now: datetime) -> int:
    made = 0
    for table in PARTITIONED:
        made += await pool.fetchval("SELECT cti_ensure_partitions($1, $2, $3)", table, now,
                                    AHEAD)
    return made


async def prune(pool: asyncpg.Pool, retention: Retention, now: datetime) -> list[Pruned]:
    """Apply ``retention``: drop old partitions, delete old rows. Returns what went."""
    done: list[Pruned] = []
    for table in PARTITIONED:
        months = getattr(retention, table)
        if months is None:
            continue
        before = cutoff(now, months)
        dropped = await pool.fetchval("SELECT cti_drop_partitions_before($1, $2)", table,
                                      before)
        done.append(Pruned(table, before, partitions=dropped))
    for table, column in BY_ROW.items():
        months = getattr(retention, table)
        if months is None:
            continue
        before = cutoff(now, months)
        rows = 0
        while True:
            status = await pool.execute(
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} "
                f"WHERE {column} < $1 LIMIT {BATCH}))", before)
            deleted = int(status.split()[-1])
            rows += deleted
            if deleted < BATCH:
                break
        done.append(Pruned(table, before, rows=rows))
    return done


async def upkeep(pool: asyncpg.Pool, where: str, retention: Retention,
                 now: datetime | None = None) -> list[Pruned]:
    """Partitions ahead, then retention; logs what it did.

    Raises:
        StoreError: the database failed.
    """
    now = now or datetime.now(UTC)
    with translate_errors(where):
        made = await ensure_partitions(pool, now)
        pruned = await prune(pool, retention, now)
    gone = [p for p in pruned if p.partitions or p.rows]
    if made or gone:
        log.info("records upkeep", partitions_made=made,
                 pruned={p.table: p.partitions or p.rows for p in gone})
    return pruned
