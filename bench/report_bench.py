"""Report benchmark: a year of records, then the time of each report. Not collected by pytest.

    .venv/bin/python bench/report_bench.py [--interactions 1000000] [--agents 200]
                                           [--data var/bench-report-pg] [--dsn DSN]
                                           [--fresh] [--kinds queues,agents,...]

Generates, inside PostgreSQL (generate_series, no client round trips), a year
of a contact centre: the interactions and everything they imply, shaped as
the service writes them (call records per queue visit with overflows and
transfers, offers with missed rings, agent states with each one's end,
events, cases with their contacts, survey answers): about 1.5 million agent
legs, 10 million events and 5 million agent state rows for 1,000,000
interactions. Agent states are loaded with the history trigger disabled and
their ends computed in one pass (the trigger would give the same ends, row by
row). The data stays in --data (an embedded server) for the next run unless
--fresh.

Then runs each report for the last month and for the whole year, not cut and
cut by day, and prints the seconds each took (targets: a month under 2 s, a
year under 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cti.config import Config, load_config  # noqa: E402
from cti.reports.run import KINDS, ReportSpec, run_report  # noqa: E402
from cti.store import EmbeddedPostgres, migrate  # noqa: E402

FIRST_DAY = date(2025, 1, 1)
DAYS = 365

#: One row per interaction with every random choice made once.
_CALLS = """
CREATE UNLOGGED TABLE bench_calls AS
WITH base AS (
    SELECT i, i / $2 AS day, (i % $2) % $3 AS agent, (i % $2) / $3 AS slot,
           random() AS r_queue, random() AS r_out, random() AS r_fail, random() AS r_xfer,
           random() AS r_case, random() AS r_survey, random() AS r_jitter,
           random() AS r_wait, random() AS r_talk, random() AS r_hold, random() AS r_wrap
    FROM generate_series(0::bigint, $1 - 1) AS i
)
SELECT i, agent,
       ((date '2025-01-01' + day::int) + time '08:00'
        + make_interval(secs => slot * (43200.0 / ceil($2::float8 / $3)) + agent * 11
                        + r_jitter * 60)) AT TIME ZONE 'Europe/Madrid' AS arrived,
       CASE WHEN r_queue < 0.35 THEN 'bookings' WHEN r_queue < 0.55 THEN 'changes'
            WHEN r_queue < 0.70 THEN 'billing' WHEN r_queue < 0.90 THEN 'general'
            WHEN r_queue < 0.95 THEN 'vip' ELSE 'complaints' END AS queue,
       CASE WHEN r_out < 0.02 THEN 'short' WHEN r_out < 0.08 THEN 'abandoned'
            WHEN r_out < 0.10 THEN 'overflow' WHEN r_out < 0.11 THEN 'voicemail'
            WHEN r_out < 0.14 THEN 'callback' ELSE 'answered' END AS kind,
       CASE WHEN r_out < 0.02 THEN 1 + r_wait * 3 WHEN r_out < 0.08 THEN 6 + r_wait * 200
            WHEN r_out < 0.10 THEN 240 WHEN r_out < 0.11 THEN 300
            WHEN r_out < 0.14 THEN 300 + r_wait * 900
            ELSE -25 * ln(1 - r_wait * 0.999) END AS wait,
       r_fail < 0.5 AS failed_first, r_xfer < 0.07 AS transferred,
       r_case < 0.40 AS has_case, r_case AS r_case, r_survey < 0.20 AS surveyed,
       60 + r_talk * 400 AS talk, CASE WHEN r_hold < 0.3 THEN 10 + r_hold * 160 ELSE 0 END AS hold,
       5 + r_wrap * 35 AS wrap
FROM base
"""

#: The interaction's legs: (segment, queue, entered, agent, answered_at, left, ...)
_LEGS = """
CREATE UNLOGGED TABLE bench_legs AS
SELECT c.i, 0 AS segment, c.queue, c.arrived AS entered, c.agent, c.kind, c.failed_first,
       c.talk, c.hold, c.wrap, c.wait,
       CASE WHEN c.kind IN ('answered', 'callback') THEN c.arrived + make_interval(secs => c.wait)
       END AS answered_at,
       CASE WHEN c.kind = 'answered' AND c.transferred THEN 'transferred'
            WHEN c.kind = 'answered' THEN 'answered' WHEN c.kind = 'short' THEN 'abandoned'
            ELSE c.kind END AS outcome,
       c.transferred AS continues
FROM bench_calls c
UNION ALL
SELECT c.i, 1, CASE WHEN c.kind = 'overflow' THEN 'general' ELSE 'billing' END,
       c.arrived + make_interval(secs => c.wait + CASE WHEN c.kind = 'overflow' THEN 0
                                                    ELSE c.talk END),
       (c.agent + 7) % $1, 'answered', false, c.talk * 0.6, 0, c.wrap, 12,
       c.arrived + make_interval(secs => c.wait + 12 + CASE WHEN c.kind = 'overflow' THEN 0
                                                        ELSE c.talk END),
       'answered', false
FROM bench_calls c WHERE c.kind = 'overflow' OR (c.kind = 'answered' AND c.transferred)
"""

_FILL = [
    # customers, then interactions
    """INSERT INTO customers (id, name, tier)
       SELECT md5('c' || n)::uuid, 'Customer ' || n, 'standard'
       FROM generate_series(0, 99999) n""",
    """INSERT INTO interactions (id, channel, direction, customer_id, caller_number, queue,
                                agent_id, status, outcome, created_at, queued_at, answered_at,
                                closed_at, node, topic)
       SELECT md5('i' || c.i)::uuid, 'voice', 'inbound', md5('c' || (c.i * 7919) % 100000)::uuid,
              '+3461' || lpad((c.i % 10000000)::text, 7, '0'), c.queue,
              CASE WHEN c.kind IN ('answered', 'callback') THEN 'a' || (1000 + c.agent) END,
              'closed', CASE WHEN c.kind = 'short' THEN 'abandoned' ELSE c.kind END,
              c.arrived - interval '20 seconds', c.arrived,
              CASE WHEN c.kind IN ('answered', 'callback')
                   THEN c.arrived + make_interval(secs => c.wait) END,
              c.arrived + make_interval(secs => c.wait + c.talk), 'pbx1', c.queue
       FROM bench_calls c""",
    """INSERT INTO call_records (id, interaction_id, queue, agent_id, node, arrived_at,
                                queued_at, offered_at, answered_at, ended_at, agent_left_at,
                                outcome, segment, callback, offers, from_queue, to_queue)
       SELECT md5('r' || l.i || '/' || l.segment)::uuid, md5('i' || l.i)::uuid, l.queue,
              CASE WHEN l.answered_at IS NOT NULL THEN 'a' || (1000 + l.agent) END, 'pbx1',
              c.arrived, l.entered,
              CASE WHEN l.kind IN ('answered', 'callback') THEN l.answered_at - interval '5 s' END,
              l.answered_at,
              CASE WHEN l.answered_at IS NOT NULL
                   THEN l.answered_at + make_interval(secs => l.talk)
                   ELSE l.entered + make_interval(secs => l.wait) END,
              CASE WHEN l.answered_at IS NOT NULL
                   THEN l.answered_at + make_interval(secs => l.talk) END,
              l.outcome, l.segment, l.kind = 'callback',
              CASE WHEN l.answered_at IS NULL THEN 0 WHEN l.failed_first THEN 2 ELSE 1 END,
              CASE WHEN l.segment = 1 THEN c.queue END,
              CASE WHEN l.outcome IN ('overflow', 'transferred') THEN
                   CASE WHEN l.outcome = 'overflow' THEN 'general' ELSE 'billing' END END
       FROM bench_legs l JOIN bench_calls c USING (i)""",
    # offers: a missed ring first for half the answered legs, then the answer
    """INSERT INTO call_offers (id, interaction_id, call_record_id, queue, agent_id, attempt,
                               callback, offered_at, answered_at, ended_at, agent_left_at,
                               outcome, hold_seconds, holds)
       SELECT md5('o' || l.i || '/' || l.segment || '/0')::uuid, md5('i' || l.i)::uuid,
              md5('r' || l.i || '/' || l.segment)::uuid, l.queue,
              'a' || (1000 + (l.agent + 100) % $1), 1, false,
              l.answered_at - interval '25 seconds', NULL, l.answered_at - interval '10 seconds',
              NULL, 'no-answer', 0, 0
       FROM bench_legs l WHERE l.answered_at IS NOT NULL AND l.failed_first
       UNION ALL
       SELECT md5('o' || l.i || '/' || l.segment || '/1')::uuid, md5('i' || l.i)::uuid,
              md5('r' || l.i || '/' || l.segment)::uuid, l.queue, 'a' || (1000 + l.agent),
              CASE WHEN l.failed_first THEN 2 ELSE 1 END, l.kind = 'callback',
              l.answered_at - interval '5 seconds', l.answered_at,
              l.answered_at + make_interval(secs => l.talk),
              l.answered_at + make_interval(secs => l.talk), 'answered', l.hold,
              (l.hold > 0)::int
       FROM bench_legs l WHERE l.answered_at IS NOT NULL""",
    # agent states: each agent's day, and the states around each ring and call
    """CREATE UNLOGGED TABLE bench_states AS
       SELECT 'a' || (1000 + a) AS agent_id, s.state, s.reason,
              ((date '2025-01-01' + d) + s.t) AT TIME ZONE 'Europe/Madrid' AS at,
              NULL::uuid AS iid
       FROM generate_series(0, $1 - 1) a, generate_series(0, $2 - 1) d,
            LATERAL (VALUES ('READY', NULL, time '07:55'), ('NOT_READY', 'lunch', '14:30'),
                            ('READY', NULL, '14:34'), ('LOGGED_OUT', NULL, '20:30')
            ) AS s(state, reason, t)
       UNION ALL
       SELECT 'a' || (1000 + l.agent), s.state, NULL, s.at, md5('i' || l.i)::uuid
       FROM bench_legs l, LATERAL (VALUES
              ('RESERVED', l.answered_at - interval '5 seconds'),
              ('ON_CALL', l.answered_at),
              ('WRAP_UP', l.answered_at + make_interval(secs => l.talk)),
              ('READY', l.answered_at + make_interval(secs => l.talk + l.wrap))) AS s(state, at)
       WHERE l.answered_at IS NOT NULL
       UNION ALL
       SELECT 'a' || (1000 + (l.agent + 100) % $1), s.state, s.reason, s.at,
              md5('i' || l.i)::uuid
       FROM bench_legs l, LATERAL (VALUES
              ('RESERVED', NULL, l.answered_at - interval '25 seconds'),
              ('NOT_READY', 'no-answer', l.answered_at - interval '10 seconds'),
              ('READY', NULL, l.answered_at + interval '20 seconds')) AS s(state, reason, at)
       WHERE l.answered_at IS NOT NULL AND l.failed_first""",
    "ALTER TABLE agent_state_history DISABLE TRIGGER agent_state_history_close_previous",
    """INSERT INTO agent_state_history (id, agent_id, state, reason, at, interaction_id,
                                       ended_at)
       SELECT gen_random_uuid(), agent_id, state, reason, at,
              CASE WHEN state IN ('RESERVED', 'ON_CALL', 'WRAP_UP') THEN iid END,
              lead(at) OVER (PARTITION BY agent_id ORDER BY at)
       FROM bench_states""",
    "ALTER TABLE agent_state_history ENABLE TRIGGER agent_state_history_close_previous",
    # ten events an interaction
    """INSERT INTO events (seq, at, type, interaction_id, queue, agent_id, node, data)
       SELECT c.i * 10 + k, c.arrived + make_interval(secs => k * 15),
              (ARRAY['interaction.opened', 'ivr.step_ran', 'ivr.step_ran',
                     'interaction.classified', 'call.queued', 'call.offered', 'call.answered',
                     'call.agent_left', 'call.ended', 'call.wrapped_up'])[k + 1],
              md5('i' || c.i)::uuid, c.queue, 'a' || (1000 + c.agent), 'pbx1',
              jsonb_build_object('attempt', 1, 'segment', 0, 'step', 'menu', 'k', k)
       FROM bench_calls c, generate_series(0, 9) k""",
    # cases: four interactions in ten open one; most close within three days
    """INSERT INTO cases (id, customer_id, topic, reason, sub_reason, question, call_type,
                         status, status_at, status_by, unit, opened_at, opened_by, closed_at,
                         closed_by, updated_at)
       SELECT md5('k' || c.i)::uuid, md5('c' || (c.i * 7919) % 100000)::uuid, c.queue,
              'reason', 'sub', 'question', 'perfect',
              CASE WHEN c.r_case < 0.34 THEN 'closed' ELSE 'open' END, c.arrived, 'bench',
              CASE WHEN c.queue = 'complaints' THEN 'complaints' ELSE 'agents' END,
              c.arrived, 'bench',
              CASE WHEN c.r_case < 0.34
                   THEN c.arrived + make_interval(secs => c.r_case * 760000) END,
              CASE WHEN c.r_case < 0.34 THEN 'bench' END, c.arrived
       FROM bench_calls c WHERE c.has_case""",
    """UPDATE interactions i SET case_id = md5('k' || c.i)::uuid
       FROM bench_calls c WHERE c.has_case AND i.id = md5('i' || c.i)::uuid""",
    """INSERT INTO survey_answers (id, interaction_id, queue, agent_id, kind, score, at)
       SELECT md5('s' || c.i || k)::uuid, md5('i' || c.i)::uuid, c.queue,
              'a' || (1000 + c.agent), k,
              CASE WHEN k = 'csat' THEN 1 + (c.i % 5) ELSE c.i % 11 END,
              c.arrived + make_interval(secs => c.wait + c.talk + 20)
       FROM bench_calls c, unnest(ARRAY['csat', 'nps']) k
       WHERE c.surveyed AND c.kind = 'answered'""",
    "DROP TABLE bench_calls, bench_legs, bench_states",
    "VACUUM ANALYZE",
]


async def generate(dsn: str, interactions: int, agents: int) -> None:
    conn = await asyncpg.connect(dsn, command_timeout=3600)
    try:
        await conn.execute("SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'")
        await conn.execute("SELECT setseed(0.42)")
        for name in ("events", "agent_state_history"):
            await conn.execute("SELECT cti_ensure_partitions($1, $2::date, 14)", name,
                               FIRST_DAY)
        per_day = -(-interactions // DAYS)
        steps = [(_CALLS, (interactions, per_day, agents)), (_LEGS, (agents,))]
        steps += [(sql, _args(sql, agents)) for sql in _FILL]
        for sql, args in steps:
            started = time.perf_counter()
            await conn.execute(sql, *args)
            label = " ".join(sql.split()[:4])[:60]
            print(f"  {label:<62} {time.perf_counter() - started:7.1f} s", flush=True)
        for table in ("interactions", "call_records", "call_offers", "agent_state_history",
                      "events", "cases", "survey_answers"):
            count = await conn.fetchval(f"SELECT count(*) FROM {table}")
            print(f"  {table:<24} {count:>12,} rows")
    finally:
        await conn.close()


def _args(sql: str, agents: int) -> tuple[object, ...]:
    if "$2" in sql:
        return (agents, DAYS)
    return (agents,) if "$1" in sql else ()


async def measure(dsn: str, config: Config, kinds: list[str]) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=3, command_timeout=600)
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    ranges = {"month": (date(last.year, last.month, 1), last), "year": (FIRST_DAY, last)}
    wall = datetime.now(UTC)
    print(f"\n{'report':<10} {'range':<6} {'by':<5} {'rows':>7} {'seconds':>8}")
    cuts = [("month", None), ("month", "day"), ("year", None), ("year", "week"),
             ("year", "day")]
    try:
        for kind in kinds:
            for span, by in cuts:
                first, end = ranges[span]
                spec = ReportSpec(kind, first, end, by=by)
                started = time.perf_counter()
                report = await run_report(pool, spec, config, now=wall)
                seconds = time.perf_counter() - started
                print(f"{kind:<10} {span:<6} {by or '-':<5} {len(report.rows):>7} "
                      f"{seconds:>8.2f}", flush=True)
    finally:
        await pool.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "bench-report-pg")
    parser.add_argument("--dsn", help="a PostgreSQL of your own (its database is emptied)")
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    config = load_config(ROOT / "config")
    server = None
    dsn = args.dsn
    if dsn is None:
        server = EmbeddedPostgres(args.data)
        dsn = await asyncio.to_thread(server.start)
    try:
        conn = await asyncpg.connect(dsn)
        try:
            generated = await conn.fetchval("SELECT to_regclass('interactions') IS NOT NULL") \
                and await conn.fetchval("SELECT EXISTS (SELECT 1 FROM interactions)")
            if args.fresh or not generated:
                await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()
        await migrate(dsn)
        if args.fresh or not generated:
            print(f"generating {args.interactions:,} interactions, {args.agents} agents, "
                  f"{DAYS} days from {FIRST_DAY}")
            started = time.perf_counter()
            await generate(dsn, args.interactions, args.agents)
            print(f"generated in {time.perf_counter() - started:.0f} s")
        await measure(dsn, config, args.kinds.split(","))
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("CTI_AMI_SECRET", "bench-secret-not-used-for-anything")
    sys.exit(asyncio.run(main()))
