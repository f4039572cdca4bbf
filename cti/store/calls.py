"""Call records: one row per call leg, written as the call progresses."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from uuid import UUID

from cti.store.base import Db, as_uuid, aware, columns, maybe_aware, to_model
from cti.store.models import CallOutcome, CallRecord

_COLUMNS = columns(CallRecord)
_COMPUTED = frozenset({"wait_seconds", "talk_seconds"})
WRITTEN = [f.name for f in fields(CallRecord) if f.name not in _COMPUTED]
OUTCOMES = frozenset(CallOutcome.__args__)  # type: ignore[attr-defined]
_UPSERT = (
    f"INSERT INTO call_records ({', '.join(WRITTEN)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(WRITTEN) + 1))}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{n} = EXCLUDED.{n}" for n in WRITTEN if n != "id")
    + f", updated_at = now() RETURNING {_COLUMNS}"
)


class CallRecords:
    """``store.calls``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def upsert(self, record: CallRecord) -> CallRecord:
        """Write the whole record (insert, or replace the row with this id);
        returns it as stored, with ``wait_seconds`` and ``talk_seconds``.

        Raises:
            ValueError: a naive datetime or an unknown outcome.
            StoreRejected: ``interaction_id`` names no interaction.
        """
        if record.outcome is not None and record.outcome not in OUTCOMES:
            raise ValueError(f"call outcome {record.outcome!r} is not one of "
                             f"{', '.join(sorted(OUTCOMES))}")
        record = replace(
            record,
            id=as_uuid(record.id, "id"),
            interaction_id=None if record.interaction_id is None
            else as_uuid(record.interaction_id, "interaction_id"),
            arrived_at=aware(record.arrived_at, "arrived_at"),
            **{n: maybe_aware(getattr(record, n), n)
               for n in ("queued_at", "offered_at", "answered_at", "ended_at")},
        )
        row = await self._db.fetchrow(_UPSERT, *(getattr(record, n) for n in WRITTEN))
        assert row is not None  # RETURNING always yields the row
        return to_model(CallRecord, row)

    async def get(self, call_id: UUID | str) -> CallRecord | None:
        row = await self._db.fetchrow(f"SELECT {_COLUMNS} FROM call_records WHERE id = $1",
                                      as_uuid(call_id, "call_id"))
        return None if row is None else to_model(CallRecord, row)

    async def between(self, start: datetime, end: datetime, *,
                      queue: str | None = None) -> list[CallRecord]:
        """Records of calls that arrived in [start, end), optionally of one queue,
        in arrival order."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM call_records WHERE arrived_at >= $1 AND arrived_at < $2 "
            "AND ($3::text IS NULL OR queue = $3) ORDER BY arrived_at, id",
            aware(start, "start"), aware(end, "end"), queue)
        return [to_model(CallRecord, r) for r in rows]
