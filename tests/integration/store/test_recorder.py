"""The write-behind recorder on a real PostgreSQL: order kept, outages waited out,
refused events set aside without holding up the rest."""

from __future__ import annotations

import asyncio
import uuid

from cti import events as ev
from cti.recorder import Recorder
from cti.store import EmbeddedPostgres, Store
from cti.stream import EventStream


def _opened(stream: EventStream, iid: str) -> ev.InteractionOpened:
    return stream.new(ev.InteractionOpened, interaction_id=iid, caller_number="5551234")


async def test_events_wait_out_an_outage_in_order_and_none_is_lost(
        pg_server: EmbeddedPostgres, dsn: str) -> None:
    async with asyncio.timeout(40):
        store = await Store.open(dsn, min_size=1, max_size=2)
        recorder = Recorder(store, max_backoff=0.1)
        await recorder.start()
        stream = EventStream("e1")
        stream.subscribe(recorder.accept)
        ids = [str(uuid.uuid4()) for _ in range(3)]
        try:
            await asyncio.to_thread(pg_server.stop)
            try:
                for iid in ids:
                    stream.publish([_opened(stream, iid)])
                while recorder.database_up:  # the first attempt found the database down
                    await asyncio.sleep(0.01)
                assert recorder.pending == 3
            finally:
                await asyncio.to_thread(pg_server.start)
            assert await recorder.flush(20)
            assert recorder.database_up and recorder.stored_seq == 3
            stored = [str(r["id"]) for r in await store.pool.fetch(
                "SELECT interaction_id AS id FROM events ORDER BY seq")]
            assert stored == ids
        finally:
            await recorder.stop()
            await store.close()


async def test_a_refused_event_is_set_aside_and_the_rest_is_stored(store: Store) -> None:
    async with asyncio.timeout(20):
        recorder = Recorder(store)
        await recorder.start()
        stream = EventStream("e1")
        first, last = str(uuid.uuid4()), str(uuid.uuid4())
        bad = stream.new(ev.SurveyAnswered, interaction_id=str(uuid.uuid4()), kind="csat",
                         score=5)  # its interaction does not exist
        recorder.accept([_opened(stream, first), bad, _opened(stream, last)])
        assert await recorder.flush(10)
        assert recorder.rejected == [bad]
        assert await store.interactions.get(first) is not None
        assert await store.interactions.get(last) is not None
        await recorder.stop()
