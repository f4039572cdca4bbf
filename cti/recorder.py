"""Write-behind of the event stream to PostgreSQL: routing never waits for the database.

The journal hands every batch it has on disk to ``Recorder.accept``, which
only appends to memory, up to ``memory_limit`` events: past that (a long
database outage) it drops them from memory and reads them back from the
journal when the database takes writes again, so memory stays bounded and
nothing is lost. At start the recorder first stores what the journal holds
beyond the database (a crash during an outage).

One worker stores the events in batches (each with the rows it implies, in
one transaction: ``store.events.apply``), in sequence order. When
PostgreSQL is unreachable the head batch is retried with a capped backoff
and the rest waits: nothing is lost and the order is kept.
A stored batch is never stored twice (the events table dedups by sequence
number), so a batch retried after a connection dropped mid-commit is safe.
A batch PostgreSQL refuses (a bug, not an outage) is retried one event at a
time, and only the refused events are set aside in ``rejected`` (the status
shows how many), with a log line saying which and why.

A large backlog in the journal (after an outage, or at start after a crash
during one) is stored by a worker process (``cti/catchup.py``, when
``worker`` is given) so that the service's one thread keeps its CPU for the
calls going on; the recorder follows the worker's progress and goes on
itself from where it stopped, whatever happened to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from cti.events import DomainEvent, from_record
from cti.journal import Journal, JournalReader
from cti.records import project
from cti.store.errors import StoreRejected, StoreUnavailable
from cti.store.outage import OutageLog, OutageNote
from cti.store.rows import RowOp

if TYPE_CHECKING:
    from cti.store import Store

log = structlog.get_logger(__name__)

#: Events stored per transaction.
BATCH = 500
#: Events kept in memory for the database before they are only on the journal: a few
#: seconds at 100 calls a second. More only costs memory (about half a kilobyte an
#: event) in a long outage, since the backlog is read back from the journal anyway.
MEMORY_LIMIT = 5_000
#: Seconds the worker is not used again after it failed (not an outage).
WORKER_PAUSE = 60.0
#: The worker's environment variable with the DSN, and its status for "unreachable".
WORKER_DSN, WORKER_UNREACHABLE = "CTI_CATCHUP_DSN", 3


@dataclass(frozen=True, slots=True)
class CatchUpWorker:
    """How to run ``cti/catchup.py``: the DSN (given in its environment), the backlog
    from which it is used (events in the journal beyond the database), its log format."""

    dsn: str
    min_backlog: int = 20_000
    log_format: str = "console"


class Recorder:
    def __init__(self, store: Store, *, max_backoff: float = 5.0, stored_seq: int = 0,
                 journal: Journal | None = None, memory_limit: int = MEMORY_LIMIT,
                 projection: Callable[[DomainEvent], list[RowOp]] = project,
                 worker: CatchUpWorker | None = None) -> None:
        if worker is not None and projection is not project:
            raise ValueError("the catch-up worker stores with cti.records.project; "
                             "give no worker with another projection")
        self._store = store
        self._worker = worker
        self._worker_off_until = 0.0
        self.worker_pid: int | None = None  #: the catch-up worker's, while it runs
        self.worker_stored = 0  #: events the worker stored (the status shows it)
        self._project = projection
        self._journal = journal
        self._reader: JournalReader | None = None
        self._reader_end: int | None = None  #: read up to here, then memory (a hole)
        self.memory_limit = memory_limit
        self._pending: deque[DomainEvent] = deque()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._progress = asyncio.Event()
        self._reread: list[DomainEvent] | None = None
        self._outage = OutageLog(remind_every=300)
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self.rejected: list[DomainEvent] = []
        self.database_up = True
        self.stored_seq = stored_seq  #: the highest sequence number known to be stored

    @property
    def pending(self) -> int:
        """Events accepted and not stored yet (in memory or only in the journal)."""
        if self._reader is not None and self._journal is not None:
            end = self._reader_end if self._reader_end is not None \
                else self._journal.on_disk_until
            read = max(self._reader.after, self.stored_seq)  # a worker may be ahead
            return len(self._pending) + max(0, end - read)
        return len(self._pending)

    def accept(self, events: Sequence[DomainEvent]) -> None:
        """The journal's consumer: keep ``events`` for writing; never blocks.

        Events the journal has on disk may be dropped from memory (past
        ``memory_limit``, or while catching up) and read back later; events it
        could not keep (journal full) always stay in memory, after whatever the
        journal holds before them.
        """
        if not events:
            return
        self._idle.clear()
        self._wakeup.set()
        journal = self._journal
        on_disk = journal is not None and journal.on_disk(events[0].seq, events[-1].seq)
        if self._reader is not None:
            if on_disk and self._reader_end is None:
                return  # catching up from the journal, which has these too
            if self._reader_end is None:
                self._reader_end = events[0].seq - 1  # the journal has a hole from here
            self._pending.extend(events)
            return
        if journal is not None and on_disk and \
                len(self._pending) + len(events) > self.memory_limit:
            last = self._pending[-1].seq if self._pending else self.stored_seq
            if last + 1 >= journal.disk_from:
                log.warning("database behind: reading events back from the journal",
                            in_memory=len(self._pending), from_seq=last + 1)
                self._start_reading(last)
                return
        self._pending.extend(events)

    def _start_reading(self, after: int) -> None:
        assert self._journal is not None
        self._reader, self._reader_end = self._journal.reader(after), None

    def catch_up(self) -> None:
        """At start: store what the journal holds beyond ``stored_seq`` first."""
        if self._journal is not None and self._journal.last_seq > self.stored_seq:
            log.info("storing the events the journal kept", count=self._journal.last_seq
                     - self.stored_seq)
            self._start_reading(self.stored_seq)
            self._idle.clear()
            self._wakeup.set()

    async def stored(self, seq: int, timeout: float = 5.0) -> bool:
        """Wait until the event ``seq`` is stored (read-your-writes for commands that
        read the database next); False if time ran out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.stored_seq < seq:
            if loop.time() >= deadline:
                return False
            self._progress.clear()
            try:
                async with asyncio.timeout(deadline - loop.time()):
                    await self._progress.wait()
            except TimeoutError:
                return False
        return True

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def flush(self, timeout: float) -> bool:
        """Wait until every accepted event is stored; False if time ran out."""
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
            if self._worker_due():
                await self._catch_up_in_worker()
                continue
            from_memory = bool(self._pending) and (
                self._reader is None or self._pending[0].seq <= self._reader.after)
            if from_memory:
                batch = [self._pending[i] for i in range(min(BATCH, len(self._pending)))]
            else:
                batch = self._from_journal()
            if not batch:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            try:
                self.rejected.extend(await store_batch(self._store, batch, self._project))
            except StoreUnavailable as exc:
                self._note(self._outage.failed(asyncio.get_running_loop().time(),
                                               error=str(exc), backlog=self.pending))
                self.database_up = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            self._note(self._outage.succeeded(asyncio.get_running_loop().time(),
                                              backlog=self.pending))
            self.database_up = True
            backoff = 0.1
            if not from_memory:
                self._reread = None
            self._stored_up_to(batch[-1].seq)

    def _stored_up_to(self, seq: int) -> None:
        self.stored_seq = max(self.stored_seq, seq)
        pending = self._pending
        while pending and pending[0].seq <= seq:
            pending.popleft()
        self._progress.set()
        if self._journal is not None:
            self._journal.release(self.stored_seq)

    def _worker_due(self) -> bool:
        """Whether the backlog is for the worker: large, on disk from the first event
        not stored, the database up (a batch was stored since the last failure), the
        worker not failing."""
        journal = self._journal
        if self._worker is None or journal is None or self._reread is not None \
                or not self.database_up or self.pending < self._worker.min_backlog:
            return False
        return journal.disk_from <= self.stored_seq + 1 <= journal.on_disk_until and \
            asyncio.get_running_loop().time() >= self._worker_off_until

    async def _catch_up_in_worker(self) -> None:
        assert self._worker is not None and self._journal is not None
        after = self.stored_seq
        args = [sys.executable, "-m", "cti.catchup", str(self._journal.directory), str(after)]
        if self._reader is not None and self._reader_end is not None:
            args.append(str(self._reader_end))  # past it, the events are in memory only
        log.info("storing the journal's backlog in a worker process", from_seq=after + 1,
                 backlog=self.pending)
        loop, before = asyncio.get_running_loop(), self.stored_seq
        try:
            proc = await asyncio.create_subprocess_exec(
                *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                env={**os.environ, WORKER_DSN: self._worker.dsn,
                     "CTI_CATCHUP_LOG": self._worker.log_format})
        except OSError as exc:
            log.error("the catch-up worker could not start; storing the backlog in the "
                      "service", error=str(exc))
            self._worker_off_until = loop.time() + WORKER_PAUSE
            return
        self.worker_pid = proc.pid
        try:
            assert proc.stdout is not None
            async for line in proc.stdout:
                self._worker_said(line.decode(errors="replace").strip())
            status = await proc.wait()
        finally:
            self.worker_pid = None
            if proc.returncode is None:  # stopping: the worker goes too
                proc.kill()
                await proc.wait()
        if self._reader is not None:
            self._reader = self._journal.reader(self.stored_seq)  # on from there, here
        if status == WORKER_UNREACHABLE:
            self.database_up = False  # the loop retries, and logs the outage once
        elif status != 0 or self.stored_seq == before:
            log.error("the catch-up worker failed; storing the backlog in the service",
                      status=status, stored_seq=self.stored_seq)
            self._worker_off_until = loop.time() + WORKER_PAUSE
        else:
            log.info("the worker stored the journal's backlog", stored_seq=self.stored_seq)

    def _worker_said(self, line: str) -> None:
        kind, _, value = line.partition(" ")
        try:
            if kind == "stored":
                seq = int(value)
                self.worker_stored += max(0, seq - self.stored_seq)
                self._stored_up_to(seq)
            elif kind == "rejected":
                self.rejected.append(from_record(json.loads(value)))
        except (ValueError, TypeError) as exc:  # never let a stray line stop the recorder
            log.warning("the catch-up worker said something unexpected", line=line[:200],
                        error=str(exc))

    @staticmethod
    def _note(note: OutageNote | None) -> None:
        if note is not None:
            getattr(log, note.level)(note.message, **note.fields)

    def _from_journal(self) -> list[DomainEvent]:
        """The next batch read back from the journal; leaves catch-up when none is left."""
        if self._reader is None or self._journal is None:
            return []
        if self._reread is not None:
            return self._reread  # the batch the database could not take last time
        end = self._reader_end if self._reader_end is not None else self._journal.on_disk_until
        batch = [e for e in self._reader.next(BATCH) if e.seq <= end]
        if not batch:
            if self._reader.after < end and self._reader_end is not None:
                log.error("events missing from the journal were lost", first=self._reader.after
                          + 1, last=end)
            log.info("database caught up with the journal", seq=self._reader.after)
            self._reader, self._reader_end = None, None
        self._reread = batch or None
        return batch


async def store_batch(store: Store, batch: Sequence[DomainEvent],
                      projection: Callable[[DomainEvent], list[RowOp]]) -> list[DomainEvent]:
    """Store ``batch`` with its rows in one transaction; a batch PostgreSQL refuses is
    stored one event at a time. Returns the events refused (logged, set aside).

    Raises:
        StoreUnavailable: PostgreSQL is unreachable; nothing more was stored.
    """
    try:
        await store.events.apply(batch, projection)
        return []
    except StoreUnavailable:
        raise
    except StoreRejected:
        pass
    except Exception:
        log.exception("storing events failed; storing them one by one")
    refused = []
    for event in batch:
        try:
            await store.events.apply([event], projection)
        except StoreUnavailable:
            raise
        except Exception as exc:
            log.error("database refused an event; set aside", type=event.TYPE,
                      seq=event.seq, interaction_id=event.interaction_id, error=str(exc))
            refused.append(event)
    return refused
