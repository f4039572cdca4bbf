"""The history query: call records per local interval. The only SQL of ``cti.wfm``.

A call counts in the interval in which it entered the queue (``queued_at``, or
``arrived_at`` for a record without it), in the contact centre's local time.
Its channel is its interaction's (``voice`` when it has none). Offered,
answered and abandoned are the figures of cti/reports/definitions.py (short
abandons are neither offered nor abandoned):

    offered         records that entered the queue, short abandons left out
    answered        answered (handle time counted once ended)
    abandoned       hung up after the short-abandon time
    handle_seconds  talk (answer to hang-up) + wrap-up (the agent's WRAP_UP state
                    tagged with the interaction, until the agent's next state)
    wait_seconds    time in queue of every call, answered or not (for patience)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from cti.reports import definitions as d
from cti.store.db import translate_errors
from cti.store.errors import StoreUnavailable
from cti.wfm.buckets import Bucket

_BUCKETS = """
WITH params AS (
    SELECT $1::text AS queue, $2::text AS channel, $3::timestamptz AS since,
           $4::timestamptz AS until, $5::text AS zone, $6::int AS minutes
),
calls AS (
    SELECT c.interaction_id, c.outcome, c.answered_at, c.ended_at, c.callback,
           coalesce(c.queued_at, c.arrived_at) AS entered_at,
           c.wait_seconds, c.talk_seconds
    FROM params p
    JOIN call_records c ON c.queue = p.queue
        AND c.arrived_at >= p.since - interval '1 day' AND c.arrived_at < p.until
    LEFT JOIN interactions i ON i.id = c.interaction_id
    WHERE coalesce(i.channel, 'voice') = p.channel
      AND coalesce(c.queued_at, c.arrived_at) >= p.since
      AND coalesce(c.queued_at, c.arrived_at) < p.until
),
states AS (
    SELECT interaction_id, state, at,
           lead(at) OVER (PARTITION BY agent_id ORDER BY at, seq) AS next_at
    FROM agent_state_history, params p
    WHERE at >= p.since AND at < p.until + interval '1 day'
),
wraps AS (
    SELECT interaction_id, sum(extract(epoch FROM next_at - at)) AS wrap_seconds
    FROM states
    WHERE state = 'WRAP_UP' AND next_at IS NOT NULL
      AND interaction_id IN (SELECT interaction_id FROM calls WHERE interaction_id IS NOT NULL)
    GROUP BY interaction_id
)
SELECT date_bin(make_interval(mins => p.minutes), entered_at AT TIME ZONE p.zone,
                timestamp '2000-01-01') AS start,
       count(*) - sum({short_abandoned}) AS offered,
       sum({answered}) AS answered,
       sum({abandoned}) AS abandoned,
       coalesce(sum(talk_seconds + coalesce(w.wrap_seconds, 0))
                FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL), 0)
           AS handle_seconds,
       coalesce(sum(wait_seconds) FILTER (WHERE wait_seconds >= 0), 0) AS wait_seconds
FROM calls c
CROSS JOIN params p
LEFT JOIN wraps w USING (interaction_id)
GROUP BY 1
ORDER BY 1
"""


def _buckets_sql(short_abandon_seconds: float) -> str:
    """The history query, counting with definitions.VISIT_SQL (the calls CTE is ``c``)."""
    sums = {name: d.VISIT_SQL[name].format(short=repr(float(short_abandon_seconds)), sl="0")
            for name in ("short_abandoned", "answered", "abandoned")}
    return _BUCKETS.format(**sums)


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(timezone))


async def interval_buckets(pool: asyncpg.Pool, where: str, *, queue: str, channel: str,
                           first_day: date, end_day: date, timezone: str,
                           interval_minutes: int,
                           short_abandon_seconds: float = d.SHORT_ABANDON_SECONDS
                           ) -> list[Bucket]:
    """Buckets of the local days [first_day, end_day), in order.

    Raises:
        StoreUnavailable: the database is unreachable or has no call_records yet.
        StoreError: PostgreSQL refused the query.
    """
    since, until = local_midnight(first_day, timezone), local_midnight(end_day, timezone)
    with translate_errors(where):
        try:
            rows = await pool.fetch(_buckets_sql(short_abandon_seconds), queue, channel,
                                    since, until, timezone, interval_minutes)
        except asyncpg.UndefinedTableError as exc:
            raise StoreUnavailable(
                f"PostgreSQL at {where} has no call records table ({exc}); "
                "run `cti db migrate` and let `cti run` record some calls") from exc
    return [Bucket(r["start"], r["offered"], r["answered"], r["abandoned"],
                   float(r["handle_seconds"]), float(r["wait_seconds"])) for r in rows]


def history_window(start: date, weeks: int) -> tuple[date, date]:
    """The whole local days of ``weeks`` weeks before ``start``."""
    return start - timedelta(weeks=weeks), start
