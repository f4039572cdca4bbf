"""The stored event stream: each batch of domain events and the rows it implies,
in one transaction, once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from cti.events import DomainEvent
from cti.store.base import Db, as_uuid
from cti.store.rows import ColumnTypes, RowOp, apply_rows, column_types, compact

_INSERT = """
INSERT INTO events (seq, at, type, version, interaction_id, case_id, customer_id, queue,
                    agent_id, node, data)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::smallint[],
                     $5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::text[],
                     $11::jsonb[])
ON CONFLICT DO NOTHING
RETURNING seq
"""

Projection = Callable[[DomainEvent], list[RowOp]]


class Events:
    """``store.events``."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._types: ColumnTypes | None = None  # read from the database at first use

    async def position(self) -> tuple[str, int]:
        """The stream's epoch and the highest sequence number stored."""
        row = await self._db.fetchrow(
            "SELECT (SELECT epoch FROM stream_state WHERE id = 1) AS epoch, "
            "(SELECT coalesce(max(seq), 0) FROM events) AS seq")
        assert row is not None
        return row["epoch"], row["seq"]

    async def apply(self, events: Sequence[DomainEvent], project: Projection) -> int:
        """Store ``events`` and the rows ``project`` derives from the new ones.

        Events already stored (a batch replayed after a crash or a lost
        connection) are skipped with their rows. Returns how many were new.

        Raises:
            StoreUnavailable: the database cannot be reached (nothing was written).
            StoreRejected: the database refused the batch (nothing was written).
        """

        async def write(conn: asyncpg.Connection) -> int:
            if self._types is None:
                self._types = await column_types(conn)
            new = {r["seq"] for r in await conn.fetch(_INSERT, *_columns(events))}
            if new:
                ops = [op for e in events if e.seq in new for op in project(e)]
                await apply_rows(conn, compact(ops), self._types)
            return len(new)

        return await self._db.transaction(write)

    async def for_interaction(self, interaction_id: UUID | str) -> list[dict[str, Any]]:
        """The interaction's events in order: ``{seq, at, type, agent_id, data}``."""
        rows = await self._db.fetch(
            "SELECT seq, at, type, agent_id, queue, data FROM events "
            "WHERE interaction_id = $1 ORDER BY seq", as_uuid(interaction_id, "interaction_id"))
        return [dict(r) for r in rows]

    async def for_case(self, case_id: UUID | str) -> list[dict[str, Any]]:
        rows = await self._db.fetch(
            "SELECT seq, at, type, interaction_id, agent_id, data FROM events "
            "WHERE case_id = $1 ORDER BY seq", as_uuid(case_id, "case_id"))
        return [dict(r) for r in rows]

    async def ensure_partitions(self, start: datetime, months: int = 3) -> int:
        """Create the monthly partitions of the events table from ``start``."""
        return await self._db.fetchval("SELECT cti_ensure_partitions('events', $1, $2)",
                                       start, months)


def _columns(events: Sequence[DomainEvent]) -> tuple[list[Any], ...]:
    cols: tuple[list[Any], ...] = tuple([] for _ in range(11))
    for e in events:
        for i, value in enumerate((
                e.seq, datetime.fromtimestamp(e.at, UTC), e.TYPE, e.VERSION,
                e.interaction_id, e.case_id, e.customer_id, e.queue,  # (uuid[] takes text)
                e.agent_id, e.node, e.data())):
            cols[i].append(value)
    return cols
