"""Store benchmark: prints figures, not collected by pytest.

    .venv/bin/python bench/store_bench.py [--customers 100000] [--events 5000]
                                          [--batch-rows 20000] [--batch-size 500]

Runs an embedded PostgreSQL (durable, as `database: embedded` does) in a
temporary directory on disk, then measures: first start (initdb) and restart,
event writes (one at a time, and 10 at once on a pool of 10), call record
upserts, queue entry put+remove, the recorder's path (batches of domain
events and the rows they imply, store.events.apply), and customer lookup by
phone among N customers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cti import events as ev
from cti.records import project
from cti.store import CallRecord, EmbeddedPostgres, QueueEntry, Store, migrate
from cti.store.phone import phone_digits
from cti.stream import EventStream


def timed(label: str, seconds: float, count: int = 1) -> None:
    if count == 1:
        print(f"{label:<46} {seconds * 1000:9.1f} ms")
    else:
        print(f"{label:<46} {count / seconds:9.0f} /s   ({seconds * 1e6 / count:.0f} us each)")


async def rate(label: str, count: int, make: Callable[[int], Awaitable[object]],
               concurrency: int = 1) -> None:
    started = time.perf_counter()
    for base in range(0, count, concurrency):
        await asyncio.gather(*(make(i) for i in range(base, min(base + concurrency, count))))
    timed(label, time.perf_counter() - started, count)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (the server backend), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def call_events(stream: EventStream, at: float, n: int) -> list[ev.DomainEvent]:
    """One answered inbound call as the routing step records it (13 events)."""
    iid, agent = str(uuid.uuid4()), f"a{n % 200:04d}"
    env = {"interaction_id": iid, "node": "pbx1"}
    q = {**env, "queue": "sales"}
    return [
        stream.new(ev.InteractionOpened, at=at, caller_number="+34612345678", **env),
        stream.new(ev.IvrStepRan, at=at + 1, step="menu", step_type="menu",
                   result={"digit": "1"}, **env),
        stream.new(ev.InteractionClassified, at=at + 2, topic="bookings", **env),
        stream.new(ev.CallQueued, at=at + 3, priority=1, caller_number="+34612345678",
                   channel="PJSIP/trunk-1", uniqueid="1.1", **q),
        stream.new(ev.AgentStateChanged, at=at + 4, agent_id=agent, state="RESERVED",
                   previous="READY", **env),
        stream.new(ev.CallOffered, at=at + 4, attempt=1, ring_timeout=15, agent_id=agent,
                   screen_pop={"caller_number": "+34612345678"}, **q),
        stream.new(ev.AgentStateChanged, at=at + 6, agent_id=agent, state="ON_CALL",
                   previous="RESERVED", **env),
        stream.new(ev.CallAnswered, at=at + 6, attempt=1, agent_id=agent, **q),
        stream.new(ev.AgentLeftCall, at=at + 90, attempt=1, agent_id=agent, **q),
        stream.new(ev.AgentStateChanged, at=at + 90, agent_id=agent, state="WRAP_UP",
                   previous="ON_CALL", **env),
        stream.new(ev.CallEnded, at=at + 90, outcome="answered", cause=16, queued=True,
                   agent_id=agent, **q),
        stream.new(ev.AgentStateChanged, at=at + 100, agent_id=agent, state="READY",
                   previous="WRAP_UP"),
        stream.new(ev.SurveyAnswered, at=at + 100, kind="csat", score=5, **q),
    ]


async def bench_stream(dsn: str, calls: int, batch: int) -> None:
    """The recorder's path: batches of events and the rows they imply
    (store.events.apply), one transaction a batch. Prints events and rows a
    second of wall clock, and a CPU second (our process and the server backend:
    on a machine shared with other work, what the two would reach alone)."""
    store = await Store.open(dsn, min_size=1, max_size=1)
    try:
        await store.events.ensure_partitions(datetime.now(UTC), months=2)
        stream = EventStream("bench")
        now = time.time()
        events = [e for n in range(calls) for e in call_events(stream, now + n, n)]
        rows = sum(len(project(e)) for e in events)
        backend = await store.pool.fetchval("SELECT pg_backend_pid()")  # a pool of one
        server_cpu, client_cpu = _cpu_seconds(backend), time.process_time()
        started = time.perf_counter()
        for i in range(0, len(events), batch):
            await store.events.apply(events[i:i + batch], project)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - client_cpu + _cpu_seconds(backend) - server_cpu
        print(f"{'stream: events stored':<46} {len(events) / elapsed:9.0f} /s   "
              f"({len(events) / cpu:.0f} a CPU-second; batches of {batch})")
        print(f"{'stream: rows written (events + projections)':<46} "
              f"{(rows + len(events)) / elapsed:9.0f} /s   "
              f"({(rows + len(events)) / cpu:.0f} a CPU-second; {calls} calls)")
    finally:
        await store.close()


async def bench(pg: EmbeddedPostgres, customers: int, events: int, batch_rows: int,
                batch_size: int) -> None:
    started = time.perf_counter()
    await migrate(pg.dsn)
    timed("migrate a fresh database", time.perf_counter() - started)
    store = await Store.open(pg.dsn, min_size=10, max_size=10)
    try:
        now = datetime.now(UTC)
        await store.events.ensure_partitions(now, months=2)
        one = EventStream("one-by-one")
        await rate("events.apply, one event at a time", events,
                   lambda i: store.events.apply([one.new(
                       ev.InteractionOpened, interaction_id=str(uuid.uuid4()))], project))
        await rate("interactions.create, 10 concurrent", events // 5,
                   lambda i: store.interactions.create(queue="sales"), concurrency=10)
        await rate("calls.upsert, 10 concurrent", events // 5,
                   lambda i: store.calls.upsert(CallRecord(
                       id=uuid.uuid4(), arrived_at=now, queue="sales", outcome="answered",
                       answered_at=now + timedelta(seconds=3))), concurrency=10)
        ids = [await store.interactions.create() for _ in range(200)]

        async def put_remove(i: int) -> None:
            await store.queue_entries.put(QueueEntry(ids[i % 200], "sales", now))
            await store.queue_entries.remove(ids[i % 200])

        await rate("queue entry put + remove, one at a time", events // 5, put_remove)
        await bench_stream(pg.dsn, batch_rows // 13, batch_size)

        started = time.perf_counter()
        async with store.pool.acquire() as conn:
            rows = [(uuid.uuid4(), f"Customer {n}", f"AC-{n}") for n in range(customers)]
            await conn.copy_records_to_table("customers", records=rows,
                                             columns=["id", "name", "account_number"])
            phones = [(cid, phone_digits(f"+336{n:08d}"), f"+336{n:08d}")
                      for n, (cid, _, _) in enumerate(rows)]
            await conn.copy_records_to_table("customer_phones", records=phones,
                                             columns=["customer_id", "digits", "number"])
            await conn.execute("ANALYZE customers; ANALYZE customer_phones")
        timed(f"load {customers} customers with COPY", time.perf_counter() - started)
        samples = []
        for n in range(0, customers, max(customers // 500, 1)):
            t = time.perf_counter()
            found = await store.customers.find_by_phone(f"06{n:08d}")
            samples.append(time.perf_counter() - t)
            assert len(found) == 1, (n, found)
        samples.sort()
        print(f"{'find_by_phone (national form, suffix match)':<46} "
              f"p50 {statistics.median(samples) * 1000:.2f} ms   "
              f"p99 {samples[int(len(samples) * 0.99)] * 1000:.2f} ms   ({len(samples)} lookups)")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--batch-rows", type=int, default=130_000,
                        help="events written through the recorder's path")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cti-store-bench-") as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "data")
        started = time.perf_counter()
        pg.start()
        timed("embedded first start (initdb + start)", time.perf_counter() - started)
        try:
            started = time.perf_counter()
            pg.stop()
            timed("embedded stop", time.perf_counter() - started)
            started = time.perf_counter()
            pg.start()
            timed("embedded start on existing data", time.perf_counter() - started)
            asyncio.run(bench(pg, args.customers, args.events, args.batch_rows,
                              args.batch_size))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
