"""The audit log: every command through the API, who sent it, from where, the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cti.store.base import Db, maybe_aware


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str                 #: a user id, or ``key:<id>`` for an API key
    role: str | None
    address: str | None
    via: str                   #: ``ws``, ``rest``
    command: str
    target: str | None
    args: dict[str, Any]
    ok: bool
    error: str | None = None   #: the error code
    message: str | None = None
    id: int | None = None


_COLUMNS = [f.name for f in fields(AuditEntry) if f.name != "id"]


class Audit:
    """``store.audit``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        rows = [tuple(getattr(e, name) for name in _COLUMNS) for e in entries]
        places = ", ".join(f"${i + 1}" for i in range(len(_COLUMNS)))
        await self._db.run(lambda conn: conn.executemany(
            f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({places})", rows))

    async def find(self, *, actor: str | None = None, command: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        rows = await self._db.fetch(
            f"SELECT id, {', '.join(_COLUMNS)} FROM audit_log "
            "WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR command = $2) "
            "AND ($3::timestamptz IS NULL OR at >= $3) ORDER BY at DESC, id DESC LIMIT $4",
            actor, command, maybe_aware(since, "since"), limit)
        return [AuditEntry(**dict(r)) for r in rows]
