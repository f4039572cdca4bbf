"""The audit log's writer: every command (who, from where, what, the result) is kept,
written to PostgreSQL in batches so a command never waits for it. During a
database outage entries wait in memory (at most ``limit``; the oldest go first,
and that is logged)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from datetime import UTC, datetime
from typing import Any

import structlog

from cti.errors import CtiError
from cti.store import Store
from cti.store.audit import AuditEntry

log = structlog.get_logger(__name__)

_SECRET_FIELDS = frozenset({"password", "current_password", "token", "secret", "key"})
_ARG_CHARS = 500


class AuditLog:
    def __init__(self, store: Store, *, interval: float = 0.5, limit: int = 50_000) -> None:
        self._store = store
        self._interval = interval
        self._pending: deque[AuditEntry] = deque(maxlen=limit)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.lost = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit")

    async def stop(self) -> None:
        await self.flush(timeout=2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def record(self, *, actor: str, role: str | None, address: str | None, via: str,
               command: str, target: str | None, args: dict[str, Any], ok: bool,
               error: str | None = None, message: str | None = None) -> None:
        if len(self._pending) == self._pending.maxlen:
            self.lost += 1
            if self.lost == 1 or self.lost % 1000 == 0:
                log.error("audit entries lost: the database has been down too long",
                          lost=self.lost)
        self._pending.append(AuditEntry(
            at=datetime.now(UTC), actor=actor, role=role, address=address, via=via,
            command=command, target=target, args=redact(args), ok=ok, error=error,
            message=None if message is None else message[:1000]))

    async def flush(self, timeout: float = 5.0) -> bool:
        """Write what is pending now; False if the database did not take it in time."""
        try:
            async with asyncio.timeout(timeout):
                while self._pending:
                    await self._write()
        except (TimeoutError, CtiError):
            return False
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            if self._pending:
                try:
                    await self._write()
                except CtiError as exc:
                    log.debug("audit log not written yet", error=str(exc))

    async def _write(self) -> None:
        async with self._lock:  # one writer at a time: the flush and the task
            batch = list(self._pending)
            await self._store.audit.append(batch)
            for _ in range(min(len(batch), len(self._pending))):
                self._pending.popleft()


def redact(args: dict[str, Any]) -> dict[str, Any]:
    """Arguments as the log keeps them: secrets hidden, long text cut."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key in _SECRET_FIELDS:
            out[key] = "***"
        elif isinstance(value, str) and len(value) > _ARG_CHARS:
            out[key] = value[:_ARG_CHARS] + "…"
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out
