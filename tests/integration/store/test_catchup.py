"""The catch-up worker: a large journal backlog stored by a process of its own,
exactly once and in order, whatever happens to the worker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cti import events as ev
from cti.journal import Journal
from cti.recorder import CatchUpWorker, Recorder
from cti.store import EmbeddedPostgres, Store
from cti.stream import EventStream


def _opened(stream: EventStream) -> ev.InteractionOpened:
    return stream.new(ev.InteractionOpened, interaction_id=str(uuid.uuid4()),
                      caller_number="5551234")


async def _journal(directory: Path, events: list[ev.DomainEvent]) -> Journal:
    """A journal holding ``events`` (what an outage left), opened as at a start."""
    writer = Journal(directory, segment_bytes=64 << 10, interval=0.0005)
    writer.open()
    await writer.start()
    for i in range(0, len(events), 500):
        writer.append(events[i:i + 500])
        await writer.flush()
    await writer.stop()
    journal = Journal(directory, segment_bytes=64 << 10, interval=0.0005)
    journal.open()
    return journal


def _pipes() -> int:
    """Pipes this process holds open (a worker's stdin and stdout are two)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own, gone
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
    return count


async def _stored_seqs(store: Store) -> list[int]:
    return [r["seq"] for r in await store.pool.fetch("SELECT seq FROM events ORDER BY seq")]


@contextlib.asynccontextmanager
async def _recording(store: Store, journal: Journal, dsn: str) -> AsyncIterator[Recorder]:
    """A recorder with a worker for backlogs of 500 events, catching up from the start."""
    recorder = Recorder(store, journal=journal, max_backoff=0.1,
                        worker=CatchUpWorker(dsn, min_backlog=500))
    journal.subscribe(recorder.accept)
    await journal.start()
    await recorder.start()
    recorder.catch_up()
    try:
        yield recorder
    finally:
        await recorder.stop()
        await journal.stop()


async def test_a_backlog_is_stored_by_the_worker_once_and_in_order_as_calls_go_on(
        store: Store, dsn: str, tmp_path: Path) -> None:
    async with asyncio.timeout(60):
        stream = EventStream("e1")
        journal = await _journal(tmp_path, [_opened(stream) for _ in range(4000)])
        assert len(list(tmp_path.glob("*.jnl"))) > 3
        pipes = _pipes()
        async with _recording(store, journal, dsn) as recorder:
            stream.subscribe(journal.append)
            for _ in range(30):  # calls go on during the catch-up
                stream.publish([_opened(stream) for _ in range(10)])
                await asyncio.sleep(0.01)
            assert await recorder.flush(40)
            assert await _stored_seqs(store) == list(range(1, 4301))
            assert recorder.stored_seq == 4300 and recorder.pending == 0
            assert recorder.worker_stored >= 3500  # the worker did the bulk of it
            assert len(list(tmp_path.glob("*.jnl"))) == 1  # stored segments released
        assert _pipes() == pipes  # the worker's pipes closed with it


async def test_an_event_refused_in_the_worker_is_set_aside_and_the_rest_stored(
        store: Store, dsn: str, tmp_path: Path) -> None:
    async with asyncio.timeout(60):
        stream = EventStream("e1")
        events: list[ev.DomainEvent] = [_opened(stream) for _ in range(600)]
        bad = stream.new(ev.SurveyAnswered, interaction_id=str(uuid.uuid4()), kind="csat",
                         score=5)  # its interaction does not exist
        events += [bad, *(_opened(stream) for _ in range(100))]
        journal = await _journal(tmp_path, events)
        async with _recording(store, journal, dsn) as recorder:
            assert await recorder.flush(40)
            assert [(e.seq, e.TYPE) for e in recorder.rejected] == [(bad.seq, bad.TYPE)]
            assert await _stored_seqs(store) == [e.seq for e in events if e is not bad]
            assert recorder.worker_stored > 0


async def test_a_worker_killed_midway_leaves_the_rest_to_the_service(
        store: Store, dsn: str, tmp_path: Path) -> None:
    async with asyncio.timeout(90):
        stream = EventStream("e1")
        journal = await _journal(tmp_path, [_opened(stream) for _ in range(20_000)])
        async with _recording(store, journal, dsn) as recorder:
            while recorder.stored_seq == 0 or recorder.worker_pid is None:
                await asyncio.sleep(0.005)
            os.kill(recorder.worker_pid, signal.SIGKILL)
            assert await recorder.flush(80)
            assert await _stored_seqs(store) == list(range(1, 20_001))
            assert 0 < recorder.worker_stored < 20_000


async def test_the_worker_ends_when_the_service_is_gone(tmp_path: Path) -> None:
    """Its stdin is the service's pipe: closed (the service died, even by SIGKILL),
    it stops at once, here while it still waits for a database that never answers."""
    async with asyncio.timeout(20):
        silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cti.catchup", str(tmp_path), "0",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "CTI_CATCHUP_DSN": f"postgresql://x@127.0.0.1:{port}/cti"})
        try:
            await asyncio.sleep(0.5)
            assert proc.returncode is None  # still connecting
            assert proc.stdin is not None
            proc.stdin.close()
            async with asyncio.timeout(3):
                assert await proc.wait() == 0
        finally:
            if proc.returncode is None:
                proc.kill()
            async with asyncio.timeout(5):
                await proc.communicate()  # its stdout closed now, not by the GC later
            silent.close()


def test_the_worker_knows_every_event_and_projection_the_service_has() -> None:
    """A type the worker could not read (case.opened, once) would stop the catch-up;
    a projection it lacked would store events without their rows."""
    probe = ("{imports}; from cti.events import EVENT_TYPES; "
             "from cti.records import _PROJECTIONS; "
             "print(sorted(EVENT_TYPES)); print(sorted(c.__name__ for c in _PROJECTIONS))")
    seen = [subprocess.run([sys.executable, "-c", probe.format(imports=imports)],
                           capture_output=True, text=True, check=True, timeout=60).stdout
            for imports in ("import cti.catchup", "import cti.app")]
    assert seen[0] == seen[1]
    assert "case.opened" in seen[0] and "campaign." in seen[0]


@pytest.mark.parametrize("memory_limit", [300, 100_000], ids=["read-back", "in-memory"])
async def test_an_outage_backlog_goes_to_the_worker_once_the_database_is_back(
        pg_server: EmbeddedPostgres, dsn: str, tmp_path: Path, memory_limit: int) -> None:
    """Whether the events waited in memory or were dropped from it to be read back
    from the journal, the worker stores them (they are all on disk)."""
    async with asyncio.timeout(60):
        store = await Store.open(dsn, min_size=1, max_size=2)
        journal = Journal(tmp_path, segment_bytes=64 << 10, interval=0.0005)
        journal.open()
        recorder = Recorder(store, journal=journal, max_backoff=0.2, memory_limit=memory_limit,
                            worker=CatchUpWorker(dsn, min_backlog=1000))
        journal.subscribe(recorder.accept)
        await journal.start()
        await recorder.start()
        stream = EventStream("e1")
        stream.subscribe(journal.append)
        try:
            await asyncio.to_thread(pg_server.stop)
            try:
                for _ in range(40):
                    stream.publish([_opened(stream) for _ in range(100)])
                    await asyncio.sleep(0.01)
                assert not recorder.database_up and recorder.pending == 4000
            finally:
                await asyncio.to_thread(pg_server.start)
            stream.publish([_opened(stream) for _ in range(100)])
            assert await recorder.flush(40)
            assert await _stored_seqs(store) == list(range(1, 4101))
            assert recorder.worker_stored >= 3000
        finally:
            await recorder.stop()
            await journal.stop()
            await store.close()
