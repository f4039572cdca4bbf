"""The journal on a real directory: order, checksums, torn records, segments."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti import events as ev
from cti import journal as journal_module
from cti.journal import Journal
from cti.stream import EventStream


def _events(stream: EventStream, n: int) -> list[ev.DomainEvent]:
    return [stream.new(ev.CallQueued, interaction_id=f"i-{i}", queue="sales", priority=i,
                       skills={"sales": 3}) for i in range(n)]


async def _write(directory: Path, events: list[ev.DomainEvent], **kwargs: object) -> Journal:
    journal = Journal(directory, interval=0.0005, **kwargs)  # type: ignore[arg-type]
    journal.open()
    seen: list[ev.DomainEvent] = []
    journal.subscribe(seen.extend)
    await journal.start()
    async with asyncio.timeout(10):
        for i in range(0, len(events), 7):
            journal.append(events[i:i + 7])
            await journal.flush()
    await journal.stop()
    assert seen == events  # handed on in order, once on disk
    return journal


async def test_events_come_back_exactly_and_in_order(tmp_path: Path) -> None:
    events = _events(EventStream("e1"), 50)
    await _write(tmp_path, events)
    again = Journal(tmp_path)
    assert again.open() == 50
    assert again.reader(0).next(1000) == events
    reader = again.reader(20)
    assert [e.seq for e in reader.next(10)] == list(range(21, 31))
    assert [e.seq for e in reader.next(1000)] == list(range(31, 51))
    assert reader.next(1000) == []


async def test_a_torn_last_record_is_cut_off_and_the_rest_kept(tmp_path: Path) -> None:
    events = _events(EventStream("e1"), 10)
    await _write(tmp_path, events)
    (segment,) = tmp_path.glob("*.jnl")
    whole = segment.read_bytes()
    segment.write_bytes(whole[:-5])  # power lost in the middle of the last record
    journal = Journal(tmp_path)
    assert journal.open() == 9
    assert journal.reader(0).next(100) == events[:9]
    assert segment.stat().st_size < len(whole) - 5  # the torn bytes are gone from disk


async def test_a_corrupted_record_ends_the_journal_there(tmp_path: Path) -> None:
    events = _events(EventStream("e1"), 10)
    await _write(tmp_path, events)
    (segment,) = tmp_path.glob("*.jnl")
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped bit in the middle: the checksum says so
    segment.write_bytes(bytes(data))
    journal = Journal(tmp_path)
    kept = journal.open()
    assert 0 < kept < 10
    assert journal.reader(0).next(100) == events[:kept]


async def test_segments_roll_over_and_stored_ones_are_deleted(tmp_path: Path) -> None:
    events = _events(EventStream("e1"), 200)
    journal = await _write(tmp_path, events, segment_bytes=2000)
    segments = sorted(tmp_path.glob("*.jnl"))
    assert len(segments) > 3
    assert Journal(tmp_path).open() == 200
    assert [e.seq for e in journal.reader(0).next(1000)] == list(range(1, 201))
    journal.release(150)
    left = sorted(tmp_path.glob("*.jnl"))
    assert 0 < len(left) < len(segments) and int(left[0].stem) <= 151
    assert [e.seq for e in journal.reader(150).next(1000)] == list(range(151, 201))


async def test_past_its_size_limit_the_journal_publishes_without_keeping(
        tmp_path: Path) -> None:
    events = _events(EventStream("e1"), 100)
    journal = await _write(tmp_path, events, max_bytes=3000)
    assert journal.full
    assert sum(p.stat().st_size for p in tmp_path.glob("*.jnl")) <= 3000


class _Said:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def warning(self, text: str, **_: object) -> None:
        self.lines.append(("warning", text))

    def error(self, text: str, **_: object) -> None:
        self.lines.append(("error", text))


async def test_the_alarm_comes_once_before_the_limit_then_the_error_at_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said = _Said()
    monkeypatch.setattr(journal_module, "log", said)
    await _write(tmp_path, _events(EventStream("e1"), 100), max_bytes=3000)
    warnings = [s for s in said.lines if s[0] == "warning" and "nearly full" in s[1]]
    errors = [s for s in said.lines if s[0] == "error" and "journal full" in s[1]]
    assert len(warnings) == 1 and len(errors) == 1
    assert said.lines.index(warnings[0]) < said.lines.index(errors[0])  # the alarm first


async def test_another_process_reads_the_segments_while_the_last_record_is_written(
        tmp_path: Path) -> None:
    """The catch-up worker lists the segments itself and may find the newest record
    half written: it stops before it, and reads it once it is whole."""
    events = _events(EventStream("e1"), 120)
    await _write(tmp_path, events, segment_bytes=2048)
    segments = journal_module.segments_on_disk(tmp_path)
    assert len(segments) > 2
    assert [s.first for s in segments] == sorted(s.first for s in segments)
    newest = segments[-1].path
    whole = newest.read_bytes()
    cut = len(whole) - 7
    newest.write_bytes(whole[:cut])  # the service is writing its last record
    reader = journal_module.JournalReader(lambda: journal_module.segments_on_disk(tmp_path),
                                          after=30)
    got = reader.next(1000)
    assert got == events[30:119]
    assert reader.next(1000) == []
    newest.write_bytes(whole)  # now whole
    assert reader.next(1000) == events[119:]
    segments[0].path.unlink()  # released: everything in it was stored
    assert journal_module.JournalReader(
        lambda: journal_module.segments_on_disk(tmp_path), after=100).next(30) == events[100:]
