"""Workforce management over REST: what ``cti forecast`` and ``cti staffing`` print, and
today's forecast against what has happened so far (the wallboard's plot).

    GET /api/v1/forecast?queue=&days=&interval=&method=&channel=&start=&weeks=
    GET /api/v1/staffing?queue=&days=&... &target=&level=&max_occupancy=&shrinkage=&model=
    GET /api/v1/forecast/today?queue=&interval=&method=&channel=

Supervisors for their queues, admins for all, API keys with ``queues:read``. Fits
run in a worker process and are kept per queue and day (cti/api/forecasts.py).
Without the ``wfm`` extra the routes answer 501 ``wfm-not-installed`` with the
install line; with too little history 404 ``no-history``.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from cti.api.forecasts import describe_fit
from cti.api.policy import Forbidden, Role
from cti.api.routes import Call, Routes
from cti.api.schemas import ForecastOut, IntradayOut, StaffingOut
from cti.errors import BadRequest
from cti.events import iso
from cti.wfm.errors import UnknownQueue
from cti.wfm.intraday import elapsed_intervals, reforecast_day
from cti.wfm.params import CHANNELS, INTERVALS, METHOD_NAMES, MODELS

ROUTES = Routes("wfm")
METHODS = ("auto", *METHOD_NAMES)
_COMMON = (("queue", "the queue (required)"),
           ("interval", "minutes per interval: 15, 30 or 60 (30)"),
           ("method", f"{', '.join(METHODS)} (auto: picked by a backtest on WAPE)"),
           ("channel", "voice, chat or email (voice)"))
_RANGE = (("days", "days to forecast, 1-28 (forecast 7, staffing 1)"),
          ("start", "first day, YYYY-MM-DD (today in the centre's time zone)"),
          ("weeks", "weeks of history to read, 2-52 (16)"))
_STAFF = (("target", "answer within, seconds (the queue's service level)"),
          ("level", "service level target, percent (the queue's)"),
          ("max_occupancy", "percent (100)"), ("shrinkage", "percent, 0-99 (0)"),
          ("model", "erlang-a or erlang-c (Erlang A when callers were seen hanging up)"),
          ("patience", "callers' mean patience, seconds (from the history)"),
          ("max_abandon", "Erlang A: keep abandonment at or below this percent"))


@ROUTES.get("/forecast", "Contacts and handle time per interval for the next days "
            "(as cti forecast)", response=ForecastOut, query=_COMMON + _RANGE)
async def forecast(call: Call) -> dict[str, Any]:
    asked = _asked(call, "GET /api/v1/forecast", days=7)
    fit, kept = await _fit(call, asked)
    rows = fit.result.rows[: asked["days"] * fit.result.slots_per_day]
    return {**_head(call, asked), **describe_fit(fit, kept), "intervals": rows}


@ROUTES.get("/staffing", "Agents needed per interval (Erlang A or C) for the forecast "
            "(as cti staffing)", response=StaffingOut, query=_COMMON + _RANGE + _STAFF)
async def staffing(call: Call) -> dict[str, Any]:
    asked = _asked(call, "GET /api/v1/staffing", days=1)
    rules = _staffing_rules(call, asked["queue"])
    fit, kept = await _fit(call, asked)
    try:
        plan = await call.ctx.forecasts.staff(fit, asked["days"], **rules)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return {**_head(call, asked), **describe_fit(fit, kept), **plan}


@ROUTES.get("/forecast/today", "Today's forecast against the contacts so far, and the "
            "rest of the day re-forecast (the wallboard's plot)", response=IntradayOut,
            query=_COMMON)
async def today(call: Call) -> dict[str, Any]:
    asked = _asked(call, "GET /api/v1/forecast/today", days=1, dated=False)
    config, store = call.ctx.config, call.ctx.store
    zone = config.hours.zone
    now = datetime.now(zone)
    day = now.date()
    asked["start"] = day
    fit, kept = await _fit(call, asked)
    planned = fit.result
    slots = planned.slots_per_day
    minutes = asked["interval"]
    midnight = datetime.combine(day, datetime.min.time(), zone)
    elapsed = elapsed_intervals(now, midnight, minutes, slots)
    counts = await call.ctx.forecasts.actual(config, store, asked["queue"], day,
                                             channel=asked["channel"],
                                             interval_minutes=minutes)
    update = reforecast_day(planned.offered[0], counts[:elapsed], interval_minutes=minutes)
    return {**_head(call, asked), **describe_fit(fit, kept), **update.to_dict(),
            "now": iso(time.time()), "date": day.isoformat(),
            "labels": planned.labels(),
            "current": counts[elapsed] if elapsed < slots else None}


# --- helpers ------------------------------------------------------------------------


def _asked(call: Call, what: str, *, days: int, dated: bool = True) -> dict[str, Any]:
    """The common query, checked: who may see the queue, then the values."""
    p, ctx = call.principal, call.ctx
    policy = ctx.policy()
    policy.check_role(p, "see forecasts", (Role.SUPERVISOR, Role.ADMIN), "queues:read")
    q = call.query
    queue = q.get("queue")
    if not queue:
        raise BadRequest("queue is required: ?queue=NAME")
    if queue not in ctx.config.queues:
        raise UnknownQueue(queue, ctx.config.queues)
    if not policy.sees_queue(p, queue):
        raise Forbidden(f"{p.describe()} may not see queue {queue}: not one of its queues")
    asked: dict[str, Any] = {
        "queue": queue,
        "interval": _choice(q, "interval", INTERVALS, 30),
        "method": _choice(q, "method", METHODS, "auto"),
        "channel": _choice(q, "channel", CHANNELS, "voice"),
        "days": call.int_query("days", days, 1, 28) if dated else 1,
        "weeks": call.int_query("weeks", 16, 2, 52) if dated else 16,
        "start": _start(q.get("start"), ctx.config.hours.zone) if dated else None,
    }
    ctx.forecasts.check_installed(what)
    return asked


def _choice(q: Any, name: str, allowed: tuple[Any, ...], default: Any) -> Any:
    raw = q.get(name)
    if raw is None:
        return default
    for value in allowed:
        if str(value) == raw:
            return value
    raise BadRequest(f"{name} {raw!r}: use one of {', '.join(map(str, allowed))}")


def _start(raw: str | None, zone: Any) -> date:
    today = datetime.now(zone).date()
    if raw is None:
        return today
    try:
        start = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"start {raw!r} is not a date like 2026-12-01") from None
    if abs((start - today).days) > 366:
        raise BadRequest(f"start {raw} must be within a year of today ({today})")
    return start


def _float(call: Call, name: str, low: float, high: float) -> float | None:
    raw = call.query.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _staffing_rules(call: Call, queue: str) -> dict[str, Any]:
    """jobs.staff's rules; targets default to the queue's service level (queues.yaml)."""
    level = _float(call, "level", 1, 99.9)
    occupancy = _float(call, "max_occupancy", 1, 100)
    shrinkage = _float(call, "shrinkage", 0, 99)
    abandon = _float(call, "max_abandon", 0.1, 99.9)
    model = _choice(call.query, "model", MODELS, None)
    target = _float(call, "target", 1, 3600)
    sl = call.ctx.config.queues[queue].service_level
    return {"target_seconds": sl.target_seconds if target is None else target,
            "target_level": sl.percent / 100 if level is None else level / 100,
            "max_occupancy": 1.0 if occupancy is None else occupancy / 100,
            "shrinkage": 0.0 if shrinkage is None else shrinkage / 100,
            "model": None if model is None else model.replace("-", "_"),
            "patience": _float(call, "patience", 1, 3600),
            "max_abandon": None if abandon is None else abandon / 100}


async def _fit(call: Call, asked: dict[str, Any]) -> Any:
    return await call.ctx.forecasts.fit(
        call.ctx.config, call.ctx.store, asked["queue"], start=asked["start"],
        days=asked["days"], channel=asked["channel"], interval_minutes=asked["interval"],
        method=asked["method"], weeks=asked["weeks"])


def _head(call: Call, asked: dict[str, Any]) -> dict[str, Any]:
    return {"queue": asked["queue"], "channel": asked["channel"],
            "start": asked["start"].isoformat(), "days": asked["days"],
            "interval_minutes": asked["interval"], "timezone": call.ctx.config.hours.timezone}
