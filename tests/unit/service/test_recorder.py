"""The write-behind recorder: order kept, outages waited out, refused writes set aside."""

from __future__ import annotations

import asyncio

from cti.recorder import Recorder
from cti.store.errors import StoreRejected, StoreUnavailable


class _Database:
    """Stands for the store: down for the first ``down`` attempts, then up."""

    def __init__(self, down: int = 0) -> None:
        self.down = down
        self.rows: list[str] = []
        self.attempts = 0

    async def write(self, row: str) -> None:
        self.attempts += 1
        if self.attempts <= self.down:
            raise StoreUnavailable("postgres@127.0.0.1:5432/cti: connection refused")
        if row == "bad":
            raise StoreRejected("violates check constraint")
        self.rows.append(row)


async def _record(db: _Database, rows: list[str]) -> Recorder:
    recorder = Recorder(db, max_backoff=0.02)  # type: ignore[arg-type]
    await recorder.start()
    for row in rows:
        recorder.submit(row, lambda store, row=row: store.write(row))
    return recorder


async def test_writes_wait_out_an_outage_in_order_and_none_is_lost() -> None:
    db = _Database(down=5)
    recorder = await _record(db, ["a", "b", "c"])
    async with asyncio.timeout(5):
        await asyncio.sleep(0.01)
        assert recorder.pending == 3 and not recorder.database_up
        assert await recorder.flush(5)
    assert db.rows == ["a", "b", "c"] and recorder.database_up
    await recorder.stop()


async def test_a_refused_write_is_set_aside_and_the_rest_goes_on() -> None:
    db = _Database()
    recorder = await _record(db, ["a", "bad", "c"])
    async with asyncio.timeout(5):
        assert await recorder.flush(5)
    assert db.rows == ["a", "c"]
    assert [w.what for w in recorder.rejected] == ["bad"]
    await recorder.stop()


async def test_stop_waits_for_pending_writes() -> None:
    db = _Database(down=2)
    recorder = await _record(db, ["a"])
    async with asyncio.timeout(5):
        await recorder.stop(drain_timeout=5)
    assert db.rows == ["a"]
