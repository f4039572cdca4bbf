"""Recorded history for forecast tests: synthetic call records written to PostgreSQL
(a unique module name: the API and browser tests import it by path)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from cti.wfm.generate import synthetic_calls, synthetic_series

COLUMNS = ["id", "queue", "agent_id", "arrived_at", "queued_at", "answered_at", "ended_at",
           "outcome"]


async def insert_history(dsn: str, queue: str, *, end: date, days: int, zone: str,
                         daily_calls: float = 150.0, seed: int = 3) -> int:
    """``days`` whole local days of calls before ``end``; the number of records."""
    series = synthetic_series(queue, first_day=end - timedelta(days=days), days=days,
                              daily_calls=daily_calls, seed=seed)
    rows = [(c.id, c.queue, c.agent_id, c.arrived_at, c.queued_at, c.answered_at,
             c.ended_at, c.outcome) for c in synthetic_calls(series, zone, seed=seed)]
    await _copy(dsn, rows)
    return len(rows)


async def insert_today(dsn: str, queue: str, *, zone: str, count: int) -> datetime:
    """``count`` answered calls spread over today (local) until a minute ago; now."""
    now = datetime.now(ZoneInfo(zone))
    midnight = datetime.combine(now.date(), datetime.min.time(), ZoneInfo(zone))
    span = max(1.0, (now - midnight).total_seconds() - 60)
    rows = []
    for i in range(count):
        at = midnight + timedelta(seconds=span * (i + 0.5) / count)
        rows.append((uuid.uuid4(), queue, "a1001", at, at, at + timedelta(seconds=5),
                     at + timedelta(seconds=50), "answered"))
    await _copy(dsn, rows)
    return now


async def _copy(dsn: str, rows: list[tuple[object, ...]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("call_records", records=rows, columns=COLUMNS)
    finally:
        await conn.close()
