"""The report queries: counts per (period, key) read from the records.

Every query takes a ``Window`` (an instant range, the centre's time zone and
how to cut it into periods) and returns additive counts keyed by
``(period, key)``: the period is the local start of an interval, hour, day
or week (None when the report is not cut), the key a queue, an agent, a unit
or a topic. Being additive, the counts of a long range can be read month by
month, in parallel, and added up (``cti/reports/run.py``); the figures come
after, from ``cti/reports/definitions.py``.

What each count is, per visit or per answer, is written once in
definitions.py (``VISIT_SQL``, ``SURVEY_SQL``); this module only decides which
rows are read and how they are grouped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from cti.reports import definitions as d

#: How a report cuts its range: local intervals, hours, days or ISO weeks (Monday).
BY = ("interval", "hour", "day", "week")
#: Case groupings: the owning unit or a level of the classification.
CASE_GROUPS = ("unit", "topic", "reason", "sub_reason", "call_type")
#: Survey groupings.
SURVEY_GROUPS = ("queue", "agent")

Key = tuple[datetime | None, str]


@dataclass(frozen=True)
class Window:
    """[since, until) in instants; ``timezone`` (IANA) for the local periods.

    A report cut in periods puts each row in its period with ``width_bucket``
    over the periods' bounds (instants computed here, daylight saving time
    included): a binary search per row instead of a time-zone conversion.
    """

    since: datetime
    until: datetime
    timezone: str
    by: str | None = None
    interval_minutes: int = 30

    @cached_property
    def periods(self) -> list[datetime]:
        """The local starts of the periods that overlap the window (naive, local)."""
        if self.by is None:
            return []
        zone = ZoneInfo(self.timezone)
        start = self.since.astimezone(zone).replace(tzinfo=None)
        end = self.until.astimezone(zone).replace(tzinfo=None)
        start = start.replace(second=0, microsecond=0)
        if self.by == "interval":
            minute = start.hour * 60 + start.minute
            start = start.replace(hour=0, minute=0) + timedelta(
                minutes=minute - minute % self.interval_minutes)
        elif self.by == "hour":
            start = start.replace(minute=0)
        else:
            start = start.replace(hour=0, minute=0)
            if self.by == "week":
                start -= timedelta(days=start.weekday())
        out = []
        while start < end:
            out.append(start)
            start = start + self.step
        return out

    @property
    def step(self) -> timedelta:
        return {"interval": timedelta(minutes=self.interval_minutes),
                "hour": timedelta(hours=1), "day": timedelta(days=1),
                "week": timedelta(days=7)}[self.by or "day"]

    @cached_property
    def bounds(self) -> str:
        """SQL: the periods' bounds (each start, then the last one's end) as instants."""
        zone = ZoneInfo(self.timezone)
        starts = [*self.periods, self.periods[-1] + self.step] if self.periods else []
        return "'{" + ",".join(p.replace(tzinfo=zone).isoformat() for p in starts) + \
            "}'::timestamptz[]"

    def bucket(self, column: str) -> str:
        """SQL: the number (from 1) of the period ``column`` (a timestamptz) falls in."""
        if self.by is None:
            return "NULL::int"
        return f"width_bucket({column}, {self.bounds})"

    def period(self, number: int | None) -> datetime | None:
        """The local start of period ``number`` (what ``bucket`` gave)."""
        return None if number is None else self.periods[number - 1]


@dataclass(frozen=True, slots=True)
class CallParams:
    """What a calls report needs from the configuration."""

    sl_seconds: Mapping[str, float]
    default_sl_seconds: float = 20.0
    short_abandon_seconds: float = d.SHORT_ABANDON_SECONDS


# --- calls per queue ----------------------------------------------------------------------


def _visit_sums(short: float) -> str:
    """The sums of definitions.VISIT_SQL over the visits ``c`` (with their ``sl``)."""
    return ",\n       ".join(
        f"sum({sql.format(short=repr(float(short)), sl='c.sl')}) AS {name}"
        for name, sql in d.VISIT_SQL.items() if name != "entered")


def _visits_sql(w: Window, short: float) -> str:
    """Counts of the visits that entered their queue in [$1, $2), per period and queue."""
    return f"""
WITH sl(queue, seconds) AS (SELECT * FROM unnest($3::text[], $4::float8[]))
SELECT {w.bucket(d.ENTERED_AT_SQL)} AS bucket, c.queue, count(*) AS entered,
       {_visit_sums(short)},
       max(c.wait_seconds) AS longest_wait
FROM (SELECT c.*, coalesce(sl.seconds, $5) AS sl
      FROM call_records c LEFT JOIN sl ON sl.queue = c.queue
      WHERE c.arrived_at >= $1::timestamptz - interval '1 day' AND c.arrived_at < $2
        AND {d.ENTERED_AT_SQL} >= $1 AND {d.ENTERED_AT_SQL} < $2
        AND c.queue IS NOT NULL AND ($6::text IS NULL OR c.queue = $6)) c
GROUP BY 1, 2
"""


def _arrivals_sql(w: Window) -> str:
    """Visits that came from another queue's overflow or an agent's transfer: what
    became of the call's previous visit."""
    return f"""
SELECT {w.bucket(d.ENTERED_AT_SQL)} AS bucket, c.queue,
       count(*) FILTER (WHERE p.outcome = 'overflow') AS overflow_in,
       count(*) FILTER (WHERE p.outcome = 'transferred') AS transfer_in
FROM call_records c
JOIN call_records p ON p.interaction_id = c.interaction_id AND p.segment = c.segment - 1
WHERE c.segment > 0 AND c.arrived_at >= $1::timestamptz - interval '1 day'
  AND c.arrived_at < $2 AND {d.ENTERED_AT_SQL} >= $1 AND {d.ENTERED_AT_SQL} < $2
  AND c.queue IS NOT NULL AND ($3::text IS NULL OR c.queue = $3)
GROUP BY 1, 2
"""


def _handling_sql(w: Window) -> str:
    """Talk, hold and wrap-up of the answered offers of those visits."""
    return f"""
SELECT {w.bucket(d.ENTERED_AT_SQL)} AS bucket, c.queue, count(*) AS talks,
       sum(extract(epoch FROM o.agent_left_at - o.answered_at)) AS talk_time,
       sum(o.hold_seconds) AS hold_time,
       count(*) FILTER (WHERE o.wrap_seconds > 0) AS wrap_ups,
       sum(o.wrap_seconds) AS wrap_time
FROM call_offers o JOIN call_records c ON c.id = o.call_record_id
WHERE o.answered_at IS NOT NULL AND o.agent_left_at IS NOT NULL
  AND o.offered_at >= $1 AND o.offered_at < $2::timestamptz + interval '1 day'
  AND c.arrived_at >= $1::timestamptz - interval '1 day' AND c.arrived_at < $2
  AND {d.ENTERED_AT_SQL} >= $1 AND {d.ENTERED_AT_SQL} < $2
  AND ($3::text IS NULL OR c.queue = $3)
GROUP BY 1, 2
"""


async def call_counts(conn: asyncpg.Connection, w: Window, params: CallParams,
                      queue: str | None = None) -> dict[Key, d.CallCounts]:
    """Counts of the queue visits that entered their queue in the window."""
    names = sorted(params.sl_seconds)
    visits = await conn.fetch(_visits_sql(w, params.short_abandon_seconds), w.since, w.until,
                              names, [float(params.sl_seconds[n]) for n in names],
                              float(params.default_sl_seconds), queue)
    arrivals = await conn.fetch(_arrivals_sql(w), w.since, w.until, queue)
    handling = await conn.fetch(_handling_sql(w), w.since, w.until, queue)
    return _merged(d.CallCounts, w, ((r["bucket"], r["queue"]) for r in visits),
                   visits, arrivals, handling)


def _merged(cls: Any, w: Window, keys: Any, *row_sets: Sequence[asyncpg.Record]
            ) -> dict[Key, Any]:
    """One ``cls`` per key from row sets that each give some of its fields (the first
    set names the keys; the others only add fields to them)."""
    values: dict[tuple[int | None, str], dict[str, Any]] = {key: {} for key in keys}
    for rows in row_sets:
        for r in rows:
            fields = dict(r)
            key = (fields.pop("bucket"), fields.pop("queue"))
            if key in values:
                values[key].update(fields)
    return {(w.period(n), name): _counts(cls, v) for (n, name), v in values.items()}


# --- agents ---------------------------------------------------------------------------------

#: An agent's offers, and the talk, hold and wrap-up of those it answered.
_OFFERS = """
SELECT {bucket} AS bucket, o.agent_id,
       count(*) AS offered, count(o.answered_at) AS answered,
       count(*) FILTER (WHERE o.outcome = ANY($4::text[])) AS missed,
       count(*) FILTER (WHERE o.answered_at IS NOT NULL AND o.agent_left_at IS NOT NULL)
           AS talks,
       coalesce(sum(extract(epoch FROM o.agent_left_at - o.answered_at))
                FILTER (WHERE o.agent_left_at IS NOT NULL), 0) AS talk_time,
       coalesce(sum(o.hold_seconds) FILTER (WHERE o.agent_left_at IS NOT NULL), 0)
           AS hold_time,
       count(*) FILTER (WHERE o.agent_left_at IS NOT NULL AND o.wrap_seconds > 0)
           AS wrap_ups,
       coalesce(sum(o.wrap_seconds) FILTER (WHERE o.agent_left_at IS NOT NULL), 0)
           AS wrap_time
FROM call_offers o
WHERE o.offered_at >= $1 AND o.offered_at < $2 AND ($3::text[] IS NULL OR o.agent_id = ANY($3))
GROUP BY 1, 2
"""

#: The states of the window, each clipped to it: those that began in it, and those
#: that began before and lasted into it. Open states end at $4 (now).
_SPANS = """
WITH spans AS (
    SELECT agent_id, state, coalesce(reason, '') AS reason, greatest(at, $1) AS s,
           least(coalesce(ended_at, $4), $2) AS e
    FROM agent_state_history
    WHERE at >= $1 AND at < $2 AND ($3::text[] IS NULL OR agent_id = ANY($3))
    UNION ALL
    SELECT agent_id, state, coalesce(reason, ''), $1,
           least(coalesce(ended_at, $4), $2)
    FROM agent_state_history
    WHERE at < $1 AND (ended_at > $1 OR ended_at IS NULL)
      AND ($3::text[] IS NULL OR agent_id = ANY($3))
)
"""


def _pieces_sql(w: Window) -> str:
    """The window's states as pieces (period, agent, state, reason, seconds): a state
    within one period is one piece; only those that cross a boundary are cut, one
    piece per period."""
    if w.by is None:
        return _SPANS + """, pieces AS (
    SELECT NULL::int AS bucket, agent_id, state, reason, extract(epoch FROM e - s) AS seconds
    FROM spans WHERE e > s
)"""
    first, last = w.bucket("s"), w.bucket("e - interval '1 microsecond'")
    return _SPANS + f""", placed AS (
    SELECT agent_id, state, reason, s, e, {first} AS first, {last} AS last
    FROM spans WHERE e > s
), b AS (SELECT {w.bounds} AS bounds
), pieces AS (
    SELECT first AS bucket, agent_id, state, reason, extract(epoch FROM e - s) AS seconds
    FROM placed WHERE first = last
    UNION ALL
    SELECT g, agent_id, state, reason,
           extract(epoch FROM least(e, b.bounds[g + 1]) - greatest(s, b.bounds[g]))
    FROM placed CROSS JOIN b CROSS JOIN LATERAL generate_series(first, last) AS g
    WHERE first <> last
)"""


def _states_sql(w: Window, *, pivot: bool) -> str:
    """Seconds per (period, agent, state, reason); with ``pivot``, per (period, agent)
    the busy, staffed, paused and logged-in seconds instead."""
    if not pivot:
        return _pieces_sql(w) + """
SELECT bucket, agent_id, state, reason, sum(seconds) AS seconds
FROM pieces GROUP BY 1, 2, 3, 4
"""
    busy = ", ".join(f"'{s}'" for s in d.BUSY_STATES)
    staffed = ", ".join(f"'{s}'" for s in d.STAFFED_STATES)
    return _pieces_sql(w) + f"""
SELECT bucket, agent_id,
       coalesce(sum(seconds) FILTER (WHERE state IN ({busy})), 0) AS busy_time,
       coalesce(sum(seconds) FILTER (WHERE state IN ({staffed})), 0) AS staffed_time,
       coalesce(sum(seconds) FILTER (WHERE state = 'NOT_READY'), 0) AS paused_time,
       coalesce(sum(seconds) FILTER (WHERE state <> 'LOGGED_OUT'), 0) AS logged_in_time
FROM pieces GROUP BY 1, 2
"""


@dataclass(frozen=True, slots=True)
class AgentRows:
    """An agent report's counts and its time per state and reason."""

    counts: dict[Key, d.AgentCounts]
    #: (period, agent, state, reason) -> seconds; reason '' when it has none
    states: dict[tuple[datetime | None, str, str, str], float]


async def agent_counts(conn: asyncpg.Connection, w: Window, agents: Sequence[str] | None,
                       now: datetime, *, states: bool = False) -> AgentRows:
    """Each agent's counts; with ``states``, its time per state and reason instead."""
    agent_list = None if agents is None else list(agents)
    times = await conn.fetch(_states_sql(w, pivot=not states), w.since, w.until, agent_list,
                             now)
    if states:
        return AgentRows({}, {(w.period(r["bucket"]), r["agent_id"], r["state"], r["reason"]):
                              float(r["seconds"]) for r in times})
    offers = await conn.fetch(_OFFERS.format(bucket=w.bucket("o.offered_at")), w.since,
                              w.until, agent_list, list(d.MISSED_OUTCOMES))
    values: dict[Key, dict[str, Any]] = {}
    for rows in (offers, times):
        for r in rows:
            fields = dict(r)
            key = (w.period(fields.pop("bucket")), fields.pop("agent_id"))
            values.setdefault(key, {}).update(fields)
    return AgentRows({key: _counts(d.AgentCounts, v) for key, v in values.items()}, {})


# --- cases ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseParams:
    group: str = "unit"
    unit: str | None = None
    fcr_days: int = 7


def _case_key(group: str) -> str:
    if group not in CASE_GROUPS:
        raise ValueError(f"case group {group!r}; use one of {', '.join(CASE_GROUPS)}")
    return f"coalesce(c.{group}, '')"


async def case_counts(conn: asyncpg.Connection, w: Window,
                      params: CaseParams) -> dict[Key, d.CaseCounts]:
    """Cases opened, closed (and their time to close) and FCR in the window; the
    backlog is counted apart (``case_backlog``)."""
    key = _case_key(params.group)
    unit = "($3::text IS NULL OR c.unit = $3)"
    opened = await conn.fetch(
        f"SELECT {w.bucket('c.opened_at')} AS bucket, {key} AS key, count(*) AS opened "
        f"FROM cases c WHERE c.opened_at >= $1 AND c.opened_at < $2 AND {unit} "
        "GROUP BY 1, 2", w.since, w.until, params.unit)
    closed = await conn.fetch(
        f"SELECT {w.bucket('c.closed_at')} AS bucket, {key} AS key, count(*) AS closed, "
        "sum(extract(epoch FROM c.closed_at - c.opened_at)) AS close_time "
        f"FROM cases c WHERE c.status = 'closed' AND c.closed_at >= $1 AND c.closed_at < $2 "
        f"AND {unit} GROUP BY 1, 2", w.since, w.until, params.unit)
    fcr = await conn.fetch(
        f"SELECT {w.bucket('f.closed_at')} AS bucket, {key} AS key, count(*) AS fcr_cases, "
        "count(*) FILTER (WHERE f.resolved) AS fcr_resolved "
        "FROM cti_fcr_cases($1, $2, $4) f JOIN cases c ON c.id = f.case_id "
        f"WHERE {unit} GROUP BY 1, 2", w.since, w.until, params.unit, params.fcr_days)
    out: dict[Key, d.CaseCounts] = {}
    for rows in (opened, closed, fcr):
        for r in rows:
            k = (w.period(r["bucket"]), r["key"])
            out[k] = out.get(k, d.CaseCounts()) + _counts(d.CaseCounts, r)
    return out


async def case_backlog(conn: asyncpg.Connection, at: datetime,
                       params: CaseParams) -> dict[str, int]:
    """Cases opened before ``at`` and not closed by then, per group."""
    rows = await conn.fetch(
        f"SELECT {_case_key(params.group)} AS key, count(*) AS n FROM cases c "
        "WHERE c.opened_at < $1 AND (c.closed_at IS NULL OR c.closed_at >= $1) "
        "AND ($2::text IS NULL OR c.unit = $2) GROUP BY 1", at, params.unit)
    return {r["key"]: r["n"] for r in rows}


# --- surveys --------------------------------------------------------------------------------


async def survey_counts(conn: asyncpg.Connection, w: Window, group: str,
                        queue: str | None, agents: Sequence[str] | None
                        ) -> dict[Key, d.SurveyCounts]:
    if group not in SURVEY_GROUPS:
        raise ValueError(f"survey group {group!r}; use one of {', '.join(SURVEY_GROUPS)}")
    column = "s.queue" if group == "queue" else "s.agent_id"
    sums = ", ".join(f"sum({sql}) AS {name}" for name, sql in d.SURVEY_SQL.items())
    rows = await conn.fetch(
        f"SELECT {w.bucket('s.at')} AS bucket, coalesce({column}, '') AS key, {sums} "
        "FROM survey_answers s WHERE s.at >= $1 AND s.at < $2 "
        "AND ($3::text IS NULL OR s.queue = $3) "
        "AND ($4::text[] IS NULL OR s.agent_id = ANY($4)) GROUP BY 1, 2",
        w.since, w.until, queue, None if agents is None else list(agents))
    return {(w.period(r["bucket"]), r["key"]): _counts(d.SurveyCounts, r) for r in rows}


def _counts(cls: Any, row: Mapping[str, Any]) -> Any:
    """The dataclass ``cls`` from the row's columns of the same names."""
    kinds = _KINDS.get(cls)
    if kinds is None:
        kinds = _KINDS[cls] = {f.name: int if f.type == "int" else float
                               for f in cls.__dataclass_fields__.values()}
    return cls(**{name: kinds[name](value) for name, value in row.items()
                  if value is not None and name in kinds})


_KINDS: dict[type, dict[str, type]] = {}
