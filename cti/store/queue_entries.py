"""Durable queue entries: the callers waiting now, to rebuild queues after a restart."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import asyncpg

from cti.store.base import Db, as_uuid, aware, columns, to_model
from cti.store.errors import NoSuchInteraction, StoreRejected
from cti.store.models import QueueEntry

_COLUMNS = columns(QueueEntry)
_NAMES = _COLUMNS.split(", ")
_PUT = (
    f"INSERT INTO queue_entries ({_COLUMNS}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_NAMES) + 1))}) "
    "ON CONFLICT (interaction_id) DO UPDATE SET "
    + ", ".join(f"{n} = EXCLUDED.{n}" for n in _NAMES if n != "interaction_id")
)


class QueueEntries:
    """``store.queue_entries``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def put(self, entry: QueueEntry) -> None:
        """Store the entry, or replace the one of the same interaction (a call
        moved to another queue, or put back after a no-answer with its
        original ``arrived_at``).

        Raises:
            NoSuchInteraction: the interaction is not stored.
            ValueError: a callback without a number, or a naive ``arrived_at``.
        """
        if entry.is_callback and not entry.callback_number:
            raise ValueError(f"queue entry {entry.interaction_id}: a callback needs "
                             "callback_number")
        entry = replace(entry, interaction_id=as_uuid(entry.interaction_id, "interaction_id"),
                        arrived_at=aware(entry.arrived_at, "arrived_at"),
                        requirements=dict(entry.requirements), attributes=dict(entry.attributes))
        try:
            await self._db.execute(_PUT, *(getattr(entry, n) for n in _NAMES))
        except StoreRejected as exc:
            if isinstance(exc.__cause__, asyncpg.ForeignKeyViolationError):
                raise NoSuchInteraction(entry.interaction_id) from exc
            raise

    async def remove(self, interaction_id: UUID | str) -> bool:
        """Remove the entry when the call leaves the queue; False if it was not there."""
        status = await self._db.execute("DELETE FROM queue_entries WHERE interaction_id = $1",
                                        as_uuid(interaction_id, "interaction_id"))
        return status == "DELETE 1"

    async def entries(self, queue: str | None = None) -> list[QueueEntry]:
        """Waiting callers (of one queue, or all) in arrival order; equal
        arrival instants keep the order they were first put in."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM queue_entries WHERE ($1::text IS NULL OR queue = $1) "
            "ORDER BY arrived_at, seq", queue)
        return [to_model(QueueEntry, r) for r in rows]
