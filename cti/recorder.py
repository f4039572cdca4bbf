"""Write-behind to PostgreSQL: routing never waits for the database.

The routing loop hands each write to ``Recorder.submit``, which returns at
once. One worker applies the writes in order. When PostgreSQL is unreachable
(``StoreUnavailable``) the write at the head is retried with a capped backoff
and everything behind it waits in memory: nothing is lost, and the order is
kept. Every write is idempotent (events and call records carry ids chosen
here), so a write retried after a connection dropped mid-statement is not
duplicated. A write PostgreSQL refuses (``StoreRejected``: a bug, not an
outage) is logged (what it was and why) and set aside in ``rejected`` (the
status shows how many), so it cannot block the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from cti.store.errors import StoreRejected, StoreUnavailable

if TYPE_CHECKING:
    from cti.store import Store

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Write:
    """One idempotent write: ``what`` names it in logs, ``apply`` does it."""

    what: str
    apply: Callable[[Store], Awaitable[object]]


class Recorder:
    def __init__(self, store: Store, *, max_backoff: float = 5.0) -> None:
        self._store = store
        self._pending: deque[Write] = deque()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self.rejected: list[Write] = []
        self.database_up = True

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, what: str, apply: Callable[[Store], Awaitable[object]]) -> None:
        self._pending.append(Write(what, apply))
        self._idle.clear()
        self._wakeup.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def flush(self, timeout: float) -> bool:
        """Wait until every submitted write is applied; False if time ran out."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def stop(self, drain_timeout: float = 10.0) -> None:
        flushed = await self.flush(drain_timeout)
        if not flushed:
            log.error("database writes not flushed at stop", pending=self.pending)
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            if not self._pending:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            write = self._pending[0]
            try:
                await write.apply(self._store)
            except StoreUnavailable as exc:
                if self.database_up:
                    log.warning("database unreachable; keeping writes", error=str(exc),
                                pending=self.pending)
                self.database_up = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            except StoreRejected as exc:
                log.error("database refused a write; set aside", write=write.what, error=str(exc))
                self.rejected.append(write)
            except Exception:
                log.exception("write failed; set aside", write=write.what)
                self.rejected.append(write)
            else:
                if not self.database_up:
                    log.info("database back; flushing kept writes", pending=self.pending)
                self.database_up = True
            backoff = 0.1
            self._pending.popleft()
