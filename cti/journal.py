"""The journal: every domain event on local disk before anyone sees it.

The stream appends each published batch here. A flush task writes what has
accumulated and fsyncs it every few milliseconds (group commit), and only
then hands those events to the consumers (recorder, bus, log): a desktop
never sees a fact that a crash could lose. The recorder stores events in
PostgreSQL from memory, or reads them back from here when it is behind (a
long database outage, a restart); segments whose events are all stored are
deleted.

On disk: segment files ``<first seq, 16 digits>.jnl`` in one directory, each
a run of records ``length (4 bytes) | seq (8 bytes) | crc32 (4 bytes) | JSON``,
the JSON being ``cti.events.to_record``. A torn last record (power loss mid-write) is
cut off when the journal opens; every record before it is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import struct
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from cti.events import DomainEvent, from_record, to_record

log = structlog.get_logger(__name__)

_HEAD = struct.Struct(">IQI")  # payload length, sequence number, crc32 of the payload
_CHUNK = 1 << 20  # bytes a reader takes from a segment at a time
Consumer = Callable[[Sequence[DomainEvent]], None]


class JournalError(Exception):
    pass


@dataclass
class Segment:
    path: Path
    first: int
    last: int
    size: int


class Journal:
    """Append-only, checksummed, fsync'd in batches.

    Args:
        directory: where the segments live (created if missing).
        max_bytes: the size the journal must not pass; past ``warn_ratio`` of it
            a warning is logged once, past it events are still published but
            no longer kept on disk (logged as an error: a crash then loses them).
        segment_bytes: size after which a new segment starts.
        interval: seconds between two group commits.
    """

    def __init__(self, directory: Path, *, max_bytes: int = 1 << 30,
                 segment_bytes: int = 16 << 20, interval: float = 0.002,
                 warn_ratio: float = 0.8) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.interval = interval
        self.warn_ratio = warn_ratio
        self._segments: list[Segment] = []
        self._consumers: list[Consumer] = []
        self._buffer = bytearray()
        self._waiting: list[DomainEvent] = []
        self._appended_seq = 0
        self._file: object | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._flushed = asyncio.Event()
        self.flushed_seq = 0      #: the newest event handed on (on disk or not)
        self.on_disk_until = 0    #: the newest event on disk
        self.disk_from = 1        #: from here to on_disk_until, every event is on disk
        self.full = False
        self._warned = False
        self.last_seq = 0         #: the newest event found on disk at open

    # --- opening ------------------------------------------------------------------

    def open(self) -> int:
        """Scan the segments, cut off a torn last record; return the newest sequence."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in sorted(self.directory.glob("*.jnl")):
            first = int(path.stem)
            last, good = first - 1, 0
            for seq, end in _scan(path):
                last, good = seq, end
            size = path.stat().st_size
            if good < size:
                log.warning("journal: torn record cut off", file=str(path), kept=good,
                            cut=size - good)
                with path.open("r+b") as f:
                    f.truncate(good)
                    os.fsync(f.fileno())
            if good == 0:
                path.unlink()
                continue
            self._segments.append(Segment(path, first, last, good))
        self.last_seq = self.flushed_seq = max((s.last for s in self._segments), default=0)
        self._appended_seq = self.last_seq
        self.on_disk_until = self.last_seq
        self.disk_from = min((s.first for s in self._segments), default=1)
        return self.last_seq

    def on_disk(self, first: int, last: int) -> bool:
        """Whether every event from ``first`` to ``last`` is on disk, with no hole before
        them back to ``disk_from``."""
        return self.disk_from <= first and last <= self.on_disk_until

    @property
    def backlog(self) -> int:
        """Events appended and not yet on disk and handed on."""
        return self._appended_seq - self.flushed_seq

    @property
    def size(self) -> int:
        return sum(s.size for s in self._segments) + len(self._buffer)

    def reader(self, after: int) -> JournalReader:
        """Reads the events with sequence numbers above ``after``, batch by batch."""
        return JournalReader(lambda: list(self._segments), after)

    def release(self, stored: int) -> None:
        """Delete the segments whose every event is stored (never the one being written).
        A full journal takes events again once it is below the warning level, and the
        warning is armed again."""
        while len(self._segments) > 1 and self._segments[0].last <= stored:
            segment = self._segments.pop(0)
            with contextlib.suppress(FileNotFoundError):
                segment.path.unlink()
        if self._warned and self.size < self.warn_ratio * self.max_bytes:
            if self.full:
                log.info("journal has room again", size=self.size)
            self.full = self._warned = False  # the next outage gets its alarm again

    # --- writing ------------------------------------------------------------------

    def subscribe(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal")

    def append(self, events: Sequence[DomainEvent]) -> None:
        """The stream's consumer: buffer ``events``; they go on after the next fsync."""
        for event in events:
            payload = json.dumps(to_record(event), separators=(",", ":")).encode()
            self._buffer += _HEAD.pack(len(payload), event.seq, zlib.crc32(payload))
            self._buffer += payload
        self._waiting.extend(events)
        if events:
            self._appended_seq = events[-1].seq
        self._wakeup.set()

    async def flush(self) -> None:
        """Wait until everything appended so far is on disk and handed on."""
        target = self._appended_seq
        while self.flushed_seq < target:
            self._flushed.clear()
            self._wakeup.set()
            await self._flushed.wait()

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._close_file()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if not self._waiting:
                continue
            data, events = bytes(self._buffer), self._waiting
            self._buffer, self._waiting = bytearray(), []
            try:
                await loop.run_in_executor(None, self._write, data, events[0].seq,
                                           events[-1].seq)
            except OSError as exc:
                log.error("journal write failed; events published without a disk copy",
                          error=str(exc), first_seq=events[0].seq, last_seq=events[-1].seq)
            self.flushed_seq = events[-1].seq
            for consumer in self._consumers:
                try:
                    consumer(events)
                except Exception:
                    log.exception("event consumer failed", consumer=repr(consumer))
            self._flushed.set()
            await asyncio.sleep(self.interval)

    def _write(self, data: bytes, first: int, last: int) -> None:
        """In a worker thread: append to the current segment and fsync."""
        # The alarm first, even when one batch jumps from below the warning level to
        # past the limit: the operator always hears "nearly full" before "full".
        if not self._warned and self.size + len(data) > self.warn_ratio * self.max_bytes:
            self._warned = True
            log.warning("journal nearly full: the database is not keeping up",
                        size=self.size, max_bytes=self.max_bytes)
        if self.full or self.size + len(data) > self.max_bytes:
            if not self.full:
                log.error("journal full: events are no longer kept on disk; a crash now "
                          "loses what the database has not stored", max_bytes=self.max_bytes)
            self.full = True
            return
        segment = self._segments[-1] if self._segments else None
        if segment is None or segment.size >= self.segment_bytes or self._file is None:
            self._close_file()
            if segment is None or segment.size >= self.segment_bytes:
                segment = Segment(self.directory / f"{first:016d}.jnl", first, first - 1, 0)
                self._segments.append(segment)
            self._file = segment.path.open("ab")
        f = self._file
        f.write(data)  # type: ignore[attr-defined]
        f.flush()  # type: ignore[attr-defined]
        os.fsync(f.fileno())  # type: ignore[attr-defined]
        segment.last, segment.size = last, segment.size + len(data)
        if first != self.on_disk_until + 1:
            self.disk_from = first  # events before these are missing from the disk
        self.on_disk_until = last

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()  # type: ignore[attr-defined]
            self._file = None


class JournalReader:
    """A cursor over the journal: ``next(limit)`` returns the following events.

    ``segments`` gives the segments as they are now: the journal's own list in the
    service, ``segments_on_disk`` in another process (the catch-up worker), which
    may find the newest record half written: it stops before it and reads it the
    next time.
    """

    def __init__(self, segments: Callable[[], Sequence[Segment]], after: int) -> None:
        self._segments = segments
        self._after = after
        self._path: Path | None = None
        self._offset = 0

    @property
    def after(self) -> int:
        """The sequence number of the last event read."""
        return self._after

    def next(self, limit: int = 1000) -> list[DomainEvent]:
        out: list[DomainEvent] = []
        for segment in self._segments():
            if segment.last <= self._after:
                continue
            if segment.path != self._path:
                self._path, self._offset = segment.path, 0
            try:
                self._read(segment, out, limit)
            except FileNotFoundError:
                continue  # released since the listing: everything in it is stored
            if len(out) >= limit:
                break
        return out

    def _read(self, segment: Segment, out: list[DomainEvent], limit: int) -> None:
        with segment.path.open("rb") as f:
            while len(out) < limit and self._offset + _HEAD.size <= segment.size:
                f.seek(self._offset)
                data = f.read(min(segment.size - self._offset, _CHUNK))
                if len(data) < _HEAD.size:
                    return
                (length, _seq, _crc) = _HEAD.unpack_from(data)
                if _HEAD.size + length > len(data):  # one record bigger than a chunk
                    f.seek(self._offset)
                    data = f.read(_HEAD.size + length)
                at = 0
                while at + _HEAD.size <= len(data) and len(out) < limit:
                    length, seq, _crc = _HEAD.unpack_from(data, at)
                    end = at + _HEAD.size + length
                    if end > len(data):
                        break
                    if seq > self._after:
                        out.append(from_record(json.loads(data[at + _HEAD.size: end])))
                        self._after = seq
                    at = end
                if at == 0:
                    return  # a record still being written
                self._offset += at


def segments_on_disk(directory: Path) -> list[Segment]:
    """The journal's segments as another process sees them while the service writes:
    sizes as they are now; the last event of each bounded by the next one's first."""
    paths = sorted(directory.glob("*.jnl"))
    out = []
    for i, path in enumerate(paths):
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue  # released meanwhile
        last = int(paths[i + 1].stem) - 1 if i + 1 < len(paths) else sys.maxsize
        out.append(Segment(path, int(path.stem), last, size))
    return out


def _scan(path: Path) -> Iterator[tuple[int, int]]:
    """(seq, end offset) of each whole, intact record of a segment."""
    data = path.read_bytes()
    at = 0
    while at + _HEAD.size <= len(data):
        length, seq, crc = _HEAD.unpack_from(data, at)
        payload = data[at + _HEAD.size: at + _HEAD.size + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            return
        at += _HEAD.size + length
        yield seq, at
