"""What call control keeps across restarts: callbacks agreed for later and the switches
supervisors set (closed queues, the centre's mode). Rows are written by the event
projection (cti/records.py); this reads them back when the service starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cti.store.base import Db


@dataclass(frozen=True, slots=True)
class PendingCallback:
    id: UUID
    number: str
    due_at: datetime
    queue: str
    agent_id: str | None
    note: str | None
    origin_interaction_id: UUID | None
    created_by: str | None


class ControlRecords:
    """``store.control``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def pending_callbacks(self) -> list[PendingCallback]:
        """Callbacks not made nor cancelled yet, the earliest due first."""
        rows = await self._db.fetch(
            "SELECT id, number, due_at, queue, agent_id, note, origin_interaction_id, "
            "created_by FROM scheduled_callbacks WHERE status = 'pending' ORDER BY due_at, id")
        return [PendingCallback(**dict(r)) for r in rows]

    async def callback_status(self, callback_id: UUID) -> str | None:
        return await self._db.fetchval(
            "SELECT status FROM scheduled_callbacks WHERE id = $1", callback_id)

    async def settings(self) -> dict[str, dict[str, Any]]:
        """key -> value: ``queue:<name>`` {"closed": bool}, ``centre_mode`` {"mode", "message"}."""
        rows = await self._db.fetch("SELECT key, value FROM control_settings")
        return {r["key"]: dict(r["value"]) for r in rows}
