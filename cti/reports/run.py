"""Run a report: check what is asked, read the counts month by month, build the rows.

``ReportSpec`` is what ``cti report`` and ``GET /api/v1/reports/{kind}`` ask;
``check`` refuses a bad one with one clear line; ``run_report`` reads the
counts of each local month of the range (two at a time, on two connections),
adds them up, and turns them into figures with cti/reports/definitions.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg

from cti.errors import BadRequest
from cti.reports import definitions as d
from cti.reports import queries as q
from cti.reports.model import Column, Report

if TYPE_CHECKING:
    from cti.config import Config

KINDS = ("queues", "agents", "states", "cases", "surveys")
#: The longest range a report reads, days.
MAX_DAYS = 3 * 366

Progress = Callable[[int, int], None]
#: Each report reads in a read-only transaction with room to hash a month of rows
#: in memory and no JIT compile (it costs more than it saves on these queries).
#: One worker each: a report reads two months at a time already (2 cores here).
_READING = ("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; "
            "SET LOCAL max_parallel_workers_per_gather = 0")
C = TypeVar("C", bound=d.Counts)


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """A report asked for: ``kind``, the local days [first_day, last_day] (both
    included), how to cut them (``by``) and what to keep."""

    kind: str
    first_day: date
    last_day: date
    by: str | None = None
    queue: str | None = None
    agent: str | None = None
    unit: str | None = None
    group: str | None = None


_FILTERS = {"queues": ("queue",), "agents": ("agent", "unit"), "states": ("agent", "unit"),
            "cases": ("unit",), "surveys": ("queue", "agent", "unit")}
_GROUPS = {"cases": q.CASE_GROUPS, "surveys": q.SURVEY_GROUPS}


def check(spec: ReportSpec, config: Config) -> ReportSpec:
    """The spec with its defaults, or BadRequest saying what is wrong and how to fix it."""
    if spec.kind not in KINDS:
        raise BadRequest(f"unknown report {spec.kind!r}; use one of {', '.join(KINDS)}")
    if spec.last_day < spec.first_day:
        raise BadRequest(f"--to {spec.last_day} is before --from {spec.first_day}")
    days = (spec.last_day - spec.first_day).days + 1
    if days > MAX_DAYS:
        raise BadRequest(f"{days} days asked; a report covers at most {MAX_DAYS} days")
    if spec.by is not None and spec.by not in q.BY:
        raise BadRequest(f"--by {spec.by!r}; use one of {', '.join(q.BY)}")
    for name in ("queue", "agent", "unit"):
        if getattr(spec, name) is not None and name not in _FILTERS[spec.kind]:
            raise BadRequest(f"--{name} does not apply to the {spec.kind} report "
                             f"(it takes {', '.join('--' + f for f in _FILTERS[spec.kind])})")
    if spec.queue is not None and spec.queue not in config.queues:
        raise BadRequest(f"no queue named {spec.queue!r} in queues.yaml; known: "
                         + ", ".join(sorted(config.queues)))
    if spec.agent is not None and spec.agent not in config.agents:
        raise BadRequest(f"no agent {spec.agent!r} in agents.yaml")
    if spec.unit is not None and spec.unit not in config.units:
        known = ", ".join(sorted(config.units)) or "none"
        raise BadRequest(f"no unit named {spec.unit!r} in units.yaml; known: {known}")
    groups = _GROUPS.get(spec.kind)
    if spec.group is not None and groups is None:
        raise BadRequest(f"--group does not apply to the {spec.kind} report")
    if groups is not None:
        group = spec.group or groups[0]
        if group not in groups:
            raise BadRequest(f"--group {group!r}; use one of {', '.join(groups)}")
        spec = replace(spec, group=group)
    return spec


def period_of(spec: ReportSpec, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    since = datetime.combine(spec.first_day, time(0), zone)
    until = datetime.combine(spec.last_day + timedelta(days=1), time(0), zone)
    return since, until


def months(since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """[since, until) cut at local month starts (the chunks a report reads)."""
    out: list[tuple[datetime, datetime]] = []
    start = since
    while start < until:
        local = start.astimezone(since.tzinfo)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        nxt = datetime(year, month, 1, tzinfo=since.tzinfo)
        out.append((start, min(nxt, until)))
        start = nxt
    return out


async def run_report(pool: asyncpg.Pool, spec: ReportSpec, config: Config, *, now: datetime,
                     progress: Progress | None = None, parallel: int = 2) -> Report:
    """Read and build the report ``spec`` (checked with ``check`` first).

    Raises:
        BadRequest: see ``check``.
        StoreError: the database failed (the caller translates asyncpg errors).
    """
    spec = check(spec, config)
    timezone = config.hours.timezone
    since, until = period_of(spec, timezone)
    minutes = config.service.reports.interval_minutes
    chunks = months(since, until)
    windows = [q.Window(s, u, timezone, spec.by, minutes) for s, u in chunks]
    read = _READERS[spec.kind]
    done = 0
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(window: q.Window) -> Any:
        nonlocal done
        async with gate, pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(_READING)
            result = await read(conn, window, spec, config, now)
        done += 1
        if progress is not None:
            progress(done, len(windows))
        return result

    parts = await asyncio.gather(*(one(w) for w in windows))
    whole = q.Window(since, until, timezone, spec.by, minutes)
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        return await _BUILDERS[spec.kind](conn, whole, spec, config, parts)


# --- readers: the counts of one chunk ------------------------------------------------------


def _agents_of(spec: ReportSpec, config: Config) -> list[str] | None:
    if spec.agent is not None:
        return [spec.agent]
    if spec.unit is not None:
        return list(config.units[spec.unit].members)
    return None


def call_params(config: Config) -> q.CallParams:
    return q.CallParams(
        sl_seconds={n: c.service_level.target_seconds for n, c in config.queues.items()},
        short_abandon_seconds=config.service.reports.short_abandon_seconds)


async def _read_queues(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                       config: Config, now: datetime) -> Any:
    return await q.call_counts(conn, w, call_params(config), spec.queue)


async def _read_agents(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                       config: Config, now: datetime) -> Any:
    return await q.agent_counts(conn, w, _agents_of(spec, config), now,
                                states=spec.kind == "states")


async def _read_cases(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                      config: Config, now: datetime) -> Any:
    return await q.case_counts(conn, w, _case_params(spec, config))


async def _read_surveys(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                        config: Config, now: datetime) -> Any:
    return await q.survey_counts(conn, w, spec.group or "queue", spec.queue,
                                 _agents_of(spec, config))


def _case_params(spec: ReportSpec, config: Config) -> q.CaseParams:
    return q.CaseParams(group=spec.group or "unit", unit=spec.unit,
                        fcr_days=config.service.cases.fcr_days)


_READERS = {"queues": _read_queues, "agents": _read_agents, "states": _read_agents,
            "cases": _read_cases, "surveys": _read_surveys}


# --- builders: rows from the added-up counts -----------------------------------------------


def _add(parts: Iterable[Mapping[Any, C]]) -> dict[Any, C]:
    out: dict[Any, C] = {}
    for part in parts:
        for key, counts in part.items():
            out[key] = counts if key not in out else out[key] + counts
    return out


def _period_text(value: datetime | None, by: str | None) -> str | None:
    if value is None:
        return None
    return value.date().isoformat() if by in ("day", "week") else value.isoformat(
        timespec="minutes")


def _table_rows(counts: Mapping[q.Key, C], w: q.Window, key_name: str,
                figures: Callable[[C], dict[str, Any]], extra: Callable[[str], dict] | None = None
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any] | None]:
    """(rows per period and key, figures per period over every key, the total)."""
    rows = []
    for (period, key) in sorted(counts, key=lambda k: (k[0] or datetime.min, k[1])):
        row: dict[str, Any] = {}
        if w.by is not None:
            row["period"] = _period_text(period, w.by)
        row[key_name] = key
        row.update(extra(key) if extra else {})
        row.update(figures(counts[(period, key)]))
        rows.append(row)
    cls = type(next(iter(counts.values()))) if counts else None
    total = None if cls is None else figures(cls.total(counts.values()))
    periods = []
    if cls is not None and w.by is not None:
        grouped: dict[datetime | None, list[C]] = {}
        for (period, _), c in counts.items():
            grouped.setdefault(period, []).append(c)
        for start in w.periods:
            periods.append({"period": _period_text(start, w.by),
                            **figures(cls.total(grouped.get(start, ())))})
    return rows, periods, total


def _key_columns(w: q.Window, *names: tuple[str, str]) -> tuple[Column, ...]:
    period = (Column("period", "period"),) if w.by is not None else ()
    return period + tuple(Column(k, label) for k, label in names)


def _figure_columns(figures: Mapping[str, d.Figure]) -> tuple[Column, ...]:
    return tuple(Column(f.key, f.label, f.unit) for f in figures.values())


def _title(what: str, w: q.Window, spec: ReportSpec) -> str:
    days = (f"{spec.first_day}" if spec.first_day == spec.last_day
            else f"{spec.first_day} to {spec.last_day}")
    cut = f", by {w.by}" if w.by else ""
    if w.by == "interval":
        cut = f", by {w.interval_minutes}-minute interval"
    filters = "".join(f", {name} {getattr(spec, name)}" for name in ("queue", "agent", "unit")
                      if getattr(spec, name))
    return f"{what}, {days} ({w.timezone}){cut}{filters}"


async def _build_queues(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                        config: Config, parts: list[Any]) -> Report:
    counts: dict[q.Key, d.CallCounts] = _add(parts)

    def target(queue: str) -> dict[str, Any]:
        sl = config.queues[queue].service_level if queue in config.queues else None
        return {"sl_target": None if sl is None
                else f"{sl.percent:g}% in {sl.target_seconds:g}s"}

    rows, periods, total = _table_rows(counts, w, "queue", d.call_figures, target)
    short = config.service.reports.short_abandon_seconds
    return Report(
        kind="queues", title=_title("Calls per queue", w, spec), since=w.since, until=w.until,
        timezone=w.timezone, by=w.by,
        keys=_key_columns(w, ("queue", "queue"), ("sl_target", "target")),
        figures=_figure_columns(d.QUEUE_FIGURES),
        table=("offered", "answered", "abandoned", "short_abandoned", "service_level", "asa",
               "aht", "longest_wait", "transferred", "overflow_in", "overflow_out",
               "callbacks", "callbacks_reached"),
        rows=rows, periods=periods, total=total,
        notes=(f"short abandons: callers who hung up within {short:g}s, left out of offered "
               "calls and of the service level",
               "SL = answered within the queue's target / (answered + abandoned + exited)"))


async def _build_agents(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                        config: Config, parts: list[Any]) -> Report:
    counts: dict[q.Key, d.AgentCounts] = _add(p.counts for p in parts)

    def name(agent_id: str) -> dict[str, Any]:
        agent = config.agents.get(agent_id)
        return {"name": agent.name if agent else ""}

    rows, periods, total = _table_rows(counts, w, "agent", d.agent_figures, name)
    return Report(
        kind="agents", title=_title("Agents", w, spec), since=w.since, until=w.until,
        timezone=w.timezone, by=w.by, keys=_key_columns(w, ("agent", "agent"), ("name", "name")),
        figures=_figure_columns(d.AGENT_FIGURES),
        table=("offered", "answered", "missed", "aht", "handle_time", "occupancy",
               "staffed_time", "paused_time", "logged_in_time"),
        rows=rows, periods=periods, total=total,
        notes=("occupancy = (ON_CALL + WRAP_UP) / (READY + RESERVED + ON_CALL + WRAP_UP) time",))


async def _build_states(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                        config: Config, parts: list[Any]) -> Report:
    seconds: dict[tuple[Any, ...], float] = {}
    logged_in: dict[tuple[Any, str], float] = {}
    for part in parts:
        for key, value in part.states.items():
            seconds[key] = seconds.get(key, 0.0) + value
    for (period, agent, state, _), value in seconds.items():
        if state != "LOGGED_OUT":
            logged_in[(period, agent)] = logged_in.get((period, agent), 0.0) + value
    rows = []
    for key in sorted(seconds, key=lambda k: (k[0] or datetime.min, k[1], k[2], k[3])):
        period, agent, state, reason = key
        row: dict[str, Any] = {"period": _period_text(period, w.by)} if w.by else {}
        whole = logged_in.get((period, agent), 0.0)
        row.update({"agent": agent, "state": state, "reason": reason or None,
                    "seconds": seconds[key],
                    "share": None if state == "LOGGED_OUT" or not whole
                    else 100.0 * seconds[key] / whole})
        rows.append(row)
    return Report(
        kind="states", title=_title("Time per agent state and pause reason", w, spec),
        since=w.since, until=w.until, timezone=w.timezone, by=w.by,
        keys=_key_columns(w, ("agent", "agent"), ("state", "state"), ("reason", "reason")),
        figures=(Column("seconds", "time", "seconds"),
                 Column("share", "of logged in", "percent")),
        table=("seconds", "share"), rows=rows)


async def _build_cases(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                       config: Config, parts: list[Any]) -> Report:
    params = _case_params(spec, config)
    counts: dict[q.Key, d.CaseCounts] = _add(parts)
    start = await q.case_backlog(conn, w.since, params)
    # The backlog at each period's end: the one at the start, plus opened, minus closed.
    running = dict(start)
    keys = sorted({k for _, k in counts} | set(start))
    periods = sorted({p for p, _ in counts}, key=lambda p: p or datetime.min)
    for period in periods:
        for key in keys:
            c = counts.get((period, key))
            if c is None:
                continue
            running[key] = running.get(key, 0) + c.opened - c.closed
            counts[(period, key)] = replace(c, backlog=running[key])
    if w.by is None:
        for key in keys:
            if (None, key) not in counts and start.get(key):
                counts[(None, key)] = d.CaseCounts(backlog=start[key])
    group = spec.group or "unit"
    rows, series, total = _table_rows(counts, w, group, d.case_figures)
    if total is not None:
        total["backlog"] = sum(running.values())
    return Report(
        kind="cases", title=_title(f"Cases per {group.replace('_', '-')}", w, spec),
        since=w.since, until=w.until, timezone=w.timezone, by=w.by,
        keys=_key_columns(w, (group, group.replace("_", "-"))),
        figures=_figure_columns(d.CASE_FIGURES),
        table=tuple(d.CASE_FIGURES), rows=rows, periods=series, total=total,
        notes=(f"FCR: a closed case with one contact and no repeat contact on its topic "
               f"within {params.fcr_days} days",))


async def _build_surveys(conn: asyncpg.Connection, w: q.Window, spec: ReportSpec,
                         config: Config, parts: list[Any]) -> Report:
    counts: dict[q.Key, d.SurveyCounts] = _add(parts)
    group = spec.group or "queue"
    rows, periods, total = _table_rows(counts, w, group, d.survey_figures)
    return Report(
        kind="surveys", title=_title(f"Surveys per {group}", w, spec), since=w.since,
        until=w.until, timezone=w.timezone, by=w.by, keys=_key_columns(w, (group, group)),
        figures=_figure_columns(d.SURVEY_FIGURES), table=tuple(d.SURVEY_FIGURES),
        rows=rows, periods=periods, total=total,
        notes=("CSAT: % of 4-5 answers (1-5); NPS: % 9-10 minus % 0-6 (0-10); "
               "CES: average, 1 very hard to 7 very easy",))


_BUILDERS = {"queues": _build_queues, "agents": _build_agents, "states": _build_states,
             "cases": _build_cases, "surveys": _build_surveys}
