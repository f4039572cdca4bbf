"""Store benchmark: prints figures, not collected by pytest.

    .venv/bin/python bench/store_bench.py [--customers 100000] [--events 5000]

Runs an embedded PostgreSQL (durable, as `database: embedded` does) in a
temporary directory on disk, then measures: first start (initdb) and restart,
event writes (one at a time, and 10 at once on a pool of 10), call record
upserts, queue entry put+remove, and customer lookup by phone among N customers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cti.store import CallRecord, EmbeddedPostgres, QueueEntry, Store, migrate
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


async def bench(pg: EmbeddedPostgres, customers: int, events: int) -> None:
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
            asyncio.run(bench(pg, args.customers, args.events))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
