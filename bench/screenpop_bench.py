"""Screen-pop history benchmark: prints figures, not collected by pytest.

    .venv/bin/python bench/screenpop_bench.py [--customers 1000000] [--interactions 5000000]

Starts an embedded PostgreSQL (default settings: shared_buffers 128 MB) in a
temporary directory, migrates it, and loads the data in SQL with
generate_series (secondary indexes dropped during the load and rebuilt
after, as a restore would): customers, two cases each on average (one in ten
not closed), and interactions spread over a year, one in ten of them the
unidentified customer's. Then it measures the screen-pop's database fetch
(``store.cases.history``: open cases and last 5 contacts, one round trip) for
random customers, and the same through ``screenpop.history`` (its time
budget and fallback included). The budget is p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from cti.cases import screenpop
from cti.store import EmbeddedPostgres, Store, migrate

#: Customer n has the id below (so the bench can pick customers without a query).
CUSTOMER_ID = "('00000000-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid"
CASE_ID = "('00000000-0000-4000-9000-' || lpad(to_hex({n}), 12, '0'))::uuid"

TOPICS = "(ARRAY['bookings','changes','billing','complaints','general'])"
QUEUES = "(ARRAY['bookings','changes','billing','complaints','vip','general'])"
OUTCOMES = "(ARRAY['answered','answered','answered','abandoned','callback','transferred'])"


def load_sql(customers: int, interactions: int) -> list[tuple[str, str]]:
    """(label, statement) in load order."""
    cases = customers * 2
    customer = CUSTOMER_ID.format(n="g")
    return [
        ("customers", f"""
            INSERT INTO customers (id, name, account_number, tier, created_at, updated_at)
            SELECT {customer}, 'Customer ' || g, 'AC-' || g,
                   CASE WHEN g % 50 = 0 THEN 'gold' ELSE 'standard' END, now(), now()
            FROM generate_series(1, {customers}) g"""),
        ("cases", f"""
            INSERT INTO cases (id, customer_id, topic, reason, sub_reason, question,
                               call_type, status, status_at, status_by, unit, owner,
                               opened_at, opened_by, closed_at, closed_by, updated_at)
            SELECT {CASE_ID.format(n="g")}, {CUSTOMER_ID.format(n=f"(1 + g % {customers})")},
                   {TOPICS}[1 + g % 5], 'reason', 'sub-reason', 'question',
                   CASE WHEN g % 10 = 0 THEN NULL ELSE 'perfect' END,
                   CASE WHEN g % 10 = 0 THEN 'open' WHEN g % 10 = 1 THEN 'closed'
                        ELSE 'closed' END,
                   t, 'a1', 'agents', 'a' || (1000 + g % 50), t, 'a1',
                   CASE WHEN g % 10 = 0 THEN NULL ELSE t + interval '1 hour' END,
                   CASE WHEN g % 10 = 0 THEN NULL ELSE 'a1' END, t
            FROM generate_series(1, {cases}) g,
                 LATERAL (SELECT now() - (g % 365) * interval '1 day' AS t) x"""),
        ("interactions", f"""
            INSERT INTO interactions (id, customer_id, case_id, caller_number, queue,
                                      agent_id, topic, status, outcome, created_at,
                                      closed_at, updated_at)
            SELECT gen_random_uuid(),
                   CASE WHEN g % 10 = 0 THEN '00000000-0000-0000-0000-000000000001'::uuid
                        ELSE {CUSTOMER_ID.format(n=f"(1 + g % {customers})")} END,
                   CASE WHEN g % 10 = 0 OR g % 7 = 0 THEN NULL
                        ELSE {CASE_ID.format(n=f"(1 + g % {cases})")} END,
                   '+3460' || lpad((g % {customers})::text, 7, '0'),
                   {QUEUES}[1 + g % 6], 'a' || (1000 + g % 50), {TOPICS}[1 + g % 5],
                   'closed', {OUTCOMES}[1 + g % 6], t, t + interval '5 minutes', t
            FROM generate_series(1, {interactions}) g,
                 LATERAL (SELECT now() - (g % 525600) * interval '1 minute' AS t) x"""),
    ]


async def load(store: Store, customers: int, interactions: int) -> None:
    async with store.pool.acquire() as conn:
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('customers', 'cases', 'interactions') AND indexdef NOT LIKE '%UNIQUE%'")
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        # Bulk load: no foreign-key checks or user triggers (phones sync) for this session.
        await conn.execute("SET session_replication_role = replica")
        for label, sql in load_sql(customers, interactions):
            started = time.perf_counter()
            await conn.execute(sql, timeout=3600)
            print(f"load {label:<14} {time.perf_counter() - started:8.1f} s")
        await conn.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        for index in indexes:
            await conn.execute(index["indexdef"], timeout=3600)
        await conn.execute("VACUUM ANALYZE customers, cases, interactions", timeout=3600)
        print(f"{'indexes, vacuum, analyze':<19} {time.perf_counter() - started:8.1f} s")
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size       {size:>10}")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered) * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms   "
            f"max {ordered[-1] * 1000:6.2f} ms   ({len(ordered)} fetches)")


async def measure(store: Store, customers: int, samples: int) -> None:
    rng = random.Random(7)
    picks = [f"00000000-0000-4000-8000-{rng.randint(1, customers):012x}" for _ in range(samples)]
    for customer in picks[:200]:  # warm-up: connections, plans
        await store.cases.history(customer)
    found = await store.cases.history(picks[0])
    print(f"example: {len(found['open_cases'])} open cases, "
          f"{len(found['interactions'])} last interactions")
    raw: list[float] = []
    for customer in picks:
        started = time.perf_counter()
        await store.cases.history(customer)
        raw.append(time.perf_counter() - started)
    print(f"{'store.cases.history':<32} {percentiles(raw)}")
    wrapped: list[float] = []
    fallbacks = 0
    for customer in picks:
        started = time.perf_counter()
        pop = await screenpop.history(store, customer, timeout=0.1)
        wrapped.append(time.perf_counter() - started)
        fallbacks += not pop["available"]
    print(f"{'screenpop.history (100 ms budget)':<32} {percentiles(wrapped)}   "
          f"fallbacks {fallbacks}")
    async with store.pool.acquire() as conn:
        plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM interactions "
                                "WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 5",
                                picks[1].__str__())
        print("plan of the last-contacts part:")
        for row in plan:
            print("   ", row[0])


async def bench(pg: EmbeddedPostgres, customers: int, interactions: int, samples: int) -> None:
    await migrate(pg.dsn)
    store = await Store.open(pg.dsn, min_size=2, max_size=4, command_timeout=3600)
    try:
        await load(store, customers, interactions)
        await measure(store, customers, samples)
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the data directory goes (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cti-screenpop-bench-", dir=args.dir) as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "data", durable=False, timeout=120)
        pg.start()
        try:
            print(f"{args.customers} customers, {args.customers * 2} cases, "
                  f"{args.interactions} interactions")
            asyncio.run(bench(pg, args.customers, args.interactions, args.samples))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
