"""Store benchmark: prints figures, not collected by pytest.

    .venv/bin/python bench/store_bench.py [--customers 100000] [--events 5000]
                                          [--batch-rows 20000] [--batch-size 500]

Runs an embedded PostgreSQL (durable, as `database: embedded` does) in a
temporary directory on disk, then measures: first start (initdb) and restart,
event writes (one at a time, and 10 at once on a pool of 10), call record
upserts, queue entry put+remove, batches of each kind of row the recorder
writes (Store.write_batch, one transaction a batch), and customer lookup by
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

from cti.store import Batch, CallRecord, EmbeddedPostgres, QueueEntry, Store, migrate
from cti.store.phone import phone_digits


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


async def batches(label: str, store: Store, rows: int, size: int,
                  fill: Callable[[Batch, int], None]) -> None:
    """Call ``fill`` ``rows`` times, ``size`` calls a batch; write the batches one
    after the other (as the recorder will). Prints rows written a second of wall
    clock, and rows a CPU second (our process writing the batches, and the
    server backend running them): on a machine shared with other work, the
    second is what the two would reach alone (they take turns, one waits for
    the other), less the fsync waits of commits."""
    made = [Batch() for _ in range(max(rows // size, 1))]
    for n, batch in enumerate(made):
        for i in range(size):
            fill(batch, n * size + i)
    backend = await store.pool.fetchval("SELECT pg_backend_pid()")  # a pool of one
    server_cpu, client_cpu = _cpu_seconds(backend), time.process_time()
    started = time.perf_counter()
    for batch in made:
        result = await store.write_batch(batch)
        assert not result.refused, result.refused[:3]
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu = _cpu_seconds(backend) - server_cpu
    count = sum(len(b) for b in made)
    print(f"{label:<46} {count / elapsed:9.0f} rows/s   "
          f"{count / (client_cpu + server_cpu):9.0f} rows/CPU-s   "
          f"({elapsed * 1000 / len(made):.1f} ms a batch of {len(made[0])}; CPU us a row: "
          f"client {client_cpu * 1e6 / count:.0f}, server {server_cpu * 1e6 / count:.0f})")


async def bench_batches(dsn: str, rows: int, size: int) -> None:
    store = await Store.open(dsn, min_size=1, max_size=1)
    try:
        await _bench_batches(store, rows, size)
    finally:
        await store.close()


async def _bench_batches(store: Store, rows: int, size: int) -> None:
    now = datetime.now(UTC)
    calls = [uuid.uuid4() for _ in range(rows)]
    records = [uuid.uuid4() for _ in range(rows)]
    agents = [f"a{n:04d}" for n in range(200)]

    def at(i: int) -> datetime:
        return now + timedelta(milliseconds=i)

    await batches("batch: interactions created", store, rows, size,
                  lambda b, i: b.create_interaction(calls[i], created_at=at(i),
                                                    caller_number=f"+3361234{i:04d}"))
    await batches("batch: interaction events", store, rows, size,
                  lambda b, i: b.add_event(uuid.uuid4(), calls[i], "queued", "acd",
                                           {"queue": "sales", "n": i}, at(i)))
    await batches("batch: interactions updated", store, rows, size,
                  lambda b, i: b.update_interaction(calls[i], queue="sales", queued_at=at(i),
                                                    priority=i % 10))
    await batches("batch: agent states", store, rows, size,
                  lambda b, i: b.record_agent_state(uuid.uuid4(), agents[i % len(agents)],
                                                    "READY", at=at(i), interaction_id=calls[i]))
    await batches("batch: call records inserted", store, rows, size,
                  lambda b, i: b.upsert_call_record(CallRecord(
                      records[i], at(i), interaction_id=calls[i], queue="sales",
                      queued_at=at(i))))
    await batches("batch: call records updated", store, rows, size,
                  lambda b, i: b.upsert_call_record(CallRecord(
                      records[i], at(i), interaction_id=calls[i], queue="sales", agent_id="a1",
                      queued_at=at(i), answered_at=at(i + 5000), ended_at=at(i + 60000),
                      outcome="answered", hangup_cause=16)))
    await batches("batch: queue entries put", store, rows, size,
                  lambda b, i: b.put_queue_entry(QueueEntry(
                      calls[i], "sales", at(i), priority=1, requirements={"spanish": 5},
                      node="pbx1", channel=f"PJSIP/trunk-{i:08x}")))
    await batches("batch: queue entries removed", store, rows, size,
                  lambda b, i: b.remove_queue_entry(calls[i]))
    await batches("batch: interactions closed (+ closed event)", store, rows, size,
                  lambda b, i: b.close_interaction(calls[i], event_id=uuid.uuid4(),
                                                   outcome="answered", actor="system",
                                                   at=at(i + 60000)))

    def call(batch: Batch, n: int) -> None:
        """One call's rows as the recorder writes them (15 rows)."""
        iid, rid, agent = uuid.uuid4(), uuid.uuid4(), agents[n % len(agents)]
        batch.create_interaction(iid, created_at=at(n), caller_number="+33612345678")
        batch.add_event(uuid.uuid4(), iid, "ivr-step", "ivr", {"step": "menu"}, at(n))
        batch.update_interaction(iid, queue="sales", queued_at=at(n))
        batch.put_queue_entry(QueueEntry(iid, "sales", at(n)))
        batch.upsert_call_record(CallRecord(rid, at(n), interaction_id=iid, queue="sales"))
        batch.add_event(uuid.uuid4(), iid, "queued", "acd", {"queue": "sales"}, at(n))
        batch.record_agent_state(uuid.uuid4(), agent, "RESERVED", at=at(n), interaction_id=iid)
        batch.add_event(uuid.uuid4(), iid, "offered", agent, {}, at(n))
        batch.remove_queue_entry(iid)
        batch.update_interaction(iid, agent_id=agent, answered_at=at(n + 1))
        batch.record_agent_state(uuid.uuid4(), agent, "ON_CALL", at=at(n + 1),
                                 interaction_id=iid)
        batch.add_event(uuid.uuid4(), iid, "answered", agent, {}, at(n + 1))
        batch.upsert_call_record(CallRecord(rid, at(n), interaction_id=iid, queue="sales",
                                            agent_id=agent, answered_at=at(n + 1),
                                            ended_at=at(n + 2), outcome="answered"))
        batch.record_agent_state(uuid.uuid4(), agent, "WRAP_UP", at=at(n + 2),
                                 interaction_id=iid)
        batch.close_interaction(iid, event_id=uuid.uuid4(), outcome="answered", at=at(n + 2))

    per_batch = max(size // 15, 1)
    await batches(f"batch: whole calls ({per_batch} calls of 15 rows)", store, rows // 15,
                  per_batch, call)


async def bench(pg: EmbeddedPostgres, customers: int, events: int, batch_rows: int,
                batch_size: int) -> None:
    started = time.perf_counter()
    await migrate(pg.dsn)
    timed("migrate a fresh database", time.perf_counter() - started)
    store = await Store.open(pg.dsn, min_size=10, max_size=10)
    try:
        now = datetime.now(UTC)
        iid = await store.interactions.create()
        await rate("add_event, one at a time", events,
                   lambda i: store.interactions.add_event(uuid.uuid4(), iid, "ivr-step", "ivr",
                                                          {"step": i}, now))
        await rate("add_event, 10 concurrent (pool of 10)", events,
                   lambda i: store.interactions.add_event(uuid.uuid4(), iid, "ivr-step", "ivr",
                                                          {"step": i}, now), concurrency=10)
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
        await bench_batches(pg.dsn, batch_rows, batch_size)

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
    parser.add_argument("--batch-rows", type=int, default=20_000,
                        help="rows of each kind written in batches")
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
