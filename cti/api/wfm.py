"""HTTP routes of workforce management: ``cti forecast`` and ``cti staffing`` over REST,
and today's forecast against what has happened so far (the wallboard's panel).

    GET /api/v1/wfm/forecast   ?queue=billing&days=7&interval=30&channel=voice&start=
                               &weeks=16&method=auto&holiday_as=closed&format=json|csv|png|svg
    GET /api/v1/wfm/staffing   the same (days=1), and &target=&level=&max_occupancy=
                               &shrinkage=&model=erlang-a|erlang-c&patience=&max_abandon=
    GET /api/v1/wfm/intraday   ?queue=&interval=30&channel=voice&method=auto: today's
                               forecast, the actual intervals so far, the rest re-forecast;
                               without queue, every queue with enough history

Supervisors, admins and API keys with ``queues:read`` (cti/api/http.py). Values are
checked as the command line checks them (cti/wfm/params.py). The history is read
through the service's own pool; the numerical work runs in a worker thread, one
request at a time, so the routing loop keeps its event loop. ``method=auto`` runs
the rolling-origin backtest once per queue, channel and interval and keeps the
method it chose for ``METHOD_KEPT`` seconds; today's forecast for the intraday
view is made once a day.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cti.errors import BadRequest, CtiError
from cti.wfm.errors import NoHistory, UnknownQueue, require_extra
from cti.wfm.params import ForecastAsk, StaffingAsk, check_forecast, check_staffing, field_name

if TYPE_CHECKING:
    from cti.config import Config
    from cti.store import Store
    from cti.wfm.plan import ForecastResult

#: Seconds a method chosen by the backtest is kept for a queue (a week).
METHOD_KEPT = 7 * 86400
FORMATS = ("json", "csv", "png", "svg")
_CONTENT = {"png": "image/png", "svg": "image/svg+xml"}


class NotStarted(CtiError):
    status, code = 503, "service-unavailable"

    def __init__(self) -> None:
        super().__init__("the service's database is not open yet; try again in a moment")


@dataclass
class WfmState:
    """What the routes remember between requests."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    clock: Callable[[], float] = time.time          # wall clock, for "today"
    methods: dict[tuple[str, str, int], tuple[str, float]] = field(default_factory=dict)
    today: dict[tuple[str, str, int, str, date], ForecastResult] = field(default_factory=dict)


SERVICE = web.AppKey("wfm-service", object)
STATE = web.AppKey("wfm-state", WfmState)


def add_routes(app: web.Application, service: Any) -> None:
    app[SERVICE] = service
    app[STATE] = WfmState()
    app.router.add_get("/api/v1/wfm/forecast", get_forecast)
    app.router.add_get("/api/v1/wfm/staffing", get_staffing)
    app.router.add_get("/api/v1/wfm/intraday", get_intraday)


async def get_forecast(request: web.Request) -> web.StreamResponse:
    """Contacts and handle time per interval for the next days (cti forecast)."""
    config, store, fmt = _open(request)
    queue, ask, start = _forecast_ask(request, config, days=7)
    result = await _forecast(request, config, store, queue, ask, start)
    if fmt in _CONTENT:
        return await _plot(request, fmt, result, None)
    rows = result.forecast.rows()
    if fmt == "csv":
        return _csv(rows)
    return web.json_response({**_describe(result, config), "intervals": rows})


async def get_staffing(request: web.Request) -> web.StreamResponse:
    """Agents needed per interval, Erlang A or C, for the forecast (cti staffing)."""
    from cti.wfm.plan import make_staffing

    config, store, fmt = _open(request)
    queue, ask, start = _forecast_ask(request, config, days=1)
    q = request.query
    staff = StaffingAsk(
        target=_number(q, "target"), level=_number(q, "level"),
        max_occupancy=_number(q, "max_occupancy", 100.0), shrinkage=_number(q, "shrinkage", 0.0),
        model=q.get("model") or None, patience=_number(q, "patience"),
        max_abandon=_number(q, "max_abandon"))
    check_staffing(staff, field_name)
    result = await _forecast(request, config, store, queue, ask, start)
    try:
        plan = make_staffing(
            result.forecast, config.queues[queue], target_seconds=staff.target,
            target_level=None if staff.level is None else staff.level / 100,
            max_occupancy=staff.max_occupancy / 100, shrinkage=staff.shrinkage / 100,
            model=None if staff.model is None else staff.model.replace("-", "_"),  # type: ignore[arg-type]
            patience=staff.patience,
            max_abandon=None if staff.max_abandon is None else staff.max_abandon / 100)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if fmt in _CONTENT:
        return await _plot(request, fmt, result, plan)
    rows = plan.rows()
    if fmt == "csv":
        return _csv(rows)
    return web.json_response({
        **_describe(result, config),
        "staffing": {"model": plan.model.replace("_", "-"), "target_seconds": plan.target_seconds,
                     "level": round(100 * plan.target_level, 2),
                     "max_occupancy": round(100 * plan.max_occupancy, 2),
                     "shrinkage": round(100 * plan.shrinkage, 2),
                     "max_abandon": None if plan.max_abandon is None
                     else round(100 * plan.max_abandon, 2),
                     "patience": plan.patience},
        "intervals": rows})


async def get_intraday(request: web.Request) -> web.Response:
    """Today's forecast per interval against the actual so far, and the rest re-forecast."""
    from cti.wfm.intraday import elapsed_intervals, reforecast_day
    from cti.wfm.plan import load_days

    config, store, _ = _open(request, formats=("json",))
    q = request.query
    ask = ForecastAsk(days=1, weeks=_integer(q, "weeks", 16), interval=_integer(q, "interval", 30),
                      channel=q.get("channel", "voice"), method=q.get("method", "auto"))
    check_forecast(ask, field_name)
    named = q.get("queue")
    if named and named not in config.queues:
        raise UnknownQueue(named, config.queues)
    now = datetime.fromtimestamp(request.app[STATE].clock(), config.hours.zone)
    today = now.date()
    day_start = datetime.combine(today, datetime.min.time(), config.hours.zone)
    out, skipped = [], {}
    for queue in [named] if named else sorted(config.queues):
        try:
            result = await _forecast(request, config, store, queue, ask, today, keep_today=True)
        except NoHistory as exc:
            if named:
                raise
            skipped[queue] = str(exc)
            continue
        f = result.forecast
        actual = await load_days(config, queue, today, today + timedelta(days=1),
                                 channel=ask.channel, interval_minutes=ask.interval, store=store)
        elapsed = elapsed_intervals(now, day_start, ask.interval, f.slots_per_day)
        update = reforecast_day([float(x) for x in f.offered[0]],
                                [float(x) for x in actual.offered[0][:elapsed]],
                                interval_minutes=ask.interval)
        out.append({"queue": queue, "channel": ask.channel, "method": f.method,
                    "intervals": [f.slot_label(s) for s in range(f.slots_per_day)],
                    **update.to_dict()})
    return web.json_response({"day": today.isoformat(), "timezone": config.hours.timezone,
                              "at": now.isoformat(timespec="seconds"), "queues": out,
                              "skipped": skipped})


# --- the work --------------------------------------------------------------------------


async def _forecast(request: web.Request, config: Config, store: Store, queue: str,
                    ask: ForecastAsk, start: date, *, keep_today: bool = False
                    ) -> ForecastResult:
    from cti.wfm.plan import load_history, make_forecast

    state = request.app[STATE]
    key = (queue, ask.channel, ask.interval)
    if keep_today and (cached := state.today.get((*key, ask.method, start))) is not None:
        return cached
    series = await load_history(config, queue, start=start, weeks=ask.weeks,
                                channel=ask.channel, interval_minutes=ask.interval, store=store)
    method = ask.method
    kept = state.methods.get(key)
    if method == "auto" and kept is not None and time.monotonic() - kept[1] < METHOD_KEPT:
        method = kept[0]
    async with state.lock:
        try:
            result = await asyncio.to_thread(make_forecast, series, start, ask.days,
                                             method=method, holiday_pattern=ask.holiday_as)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    if ask.method == "auto" and result.backtest is not None:
        state.methods[key] = (result.forecast.method, time.monotonic())
    if keep_today:
        state.today = {k: v for k, v in state.today.items() if k[-1] == start}
        state.today[(*key, ask.method, start)] = result
    return result


async def _plot(request: web.Request, fmt: str, result: ForecastResult,
                plan: Any) -> web.Response:
    from cti.wfm.plot import plot_plan

    def draw() -> bytes:
        with tempfile.TemporaryDirectory(prefix="cti-wfm-") as tmp:
            path = Path(tmp) / f"plot.{fmt}"
            plot_plan(path, result.forecast, history=result.history, staff=plan)
            return path.read_bytes()

    async with request.app[STATE].lock:
        body = await asyncio.to_thread(draw)
    return web.Response(body=body, content_type=_CONTENT[fmt])


# --- the request -----------------------------------------------------------------------


def _open(request: web.Request, formats: tuple[str, ...] = FORMATS
          ) -> tuple[Config, Store, str]:
    service = request.app[SERVICE]
    fmt = request.query.get("format", "json")
    if fmt not in formats:
        raise BadRequest(f"format {fmt!r}; use {' or '.join(formats)}")
    require_extra("the forecast", plot=fmt in _CONTENT)
    store = getattr(service, "store", None)
    if store is None:
        raise NotStarted()
    return service.config, store, fmt


def _forecast_ask(request: web.Request, config: Config, *, days: int
                  ) -> tuple[str, ForecastAsk, date]:
    q = request.query
    queue = q.get("queue", "")
    if not queue:
        raise BadRequest("queue is required, e.g. ?queue=billing")
    ask = ForecastAsk(days=_integer(q, "days", days), weeks=_integer(q, "weeks", 16),
                      interval=_integer(q, "interval", 30), channel=q.get("channel", "voice"),
                      method=q.get("method", "auto"), holiday_as=q.get("holiday_as", "closed"))
    check_forecast(ask, field_name)
    if queue not in config.queues:
        raise UnknownQueue(queue, config.queues)
    text = q.get("start")
    if not text:
        return queue, ask, datetime.now(config.hours.zone).date()
    try:
        return queue, ask, date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"start={text!r} is not a day; use YYYY-MM-DD") from None


def _integer(query: Any, name: str, default: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a whole number") from None


def _number(query: Any, name: str, default: float | None = None) -> Any:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"{name}={text!r} is not a number")
    return value


def _describe(result: ForecastResult, config: Config) -> dict[str, Any]:
    f, h = result.forecast, result.history
    answered = float(h.answered.sum())
    return {
        "queue": f.queue, "channel": f.channel, "interval_minutes": f.interval_minutes,
        "timezone": config.hours.timezone, "start": f.start.isoformat(), "days": f.days,
        "method": f.method,
        "backtest": None if result.backtest is None else result.backtest.to_dict(),
        "history": {"first_day": h.first_day.isoformat(), "last_day": h.dates()[-1].isoformat(),
                    "days": h.days, "contacts": int(h.offered.sum())},
        "aht": round(float(h.handle_seconds.sum()) / answered, 1) if answered else None,
        "patience": None if f.patience is None else round(f.patience, 1),
        "holidays": {d.isoformat(): p for d, p in f.holidays.items()},
    }


def _csv(rows: list[dict[str, Any]]) -> web.Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    writer.writerows(rows)
    return web.Response(text=out.getvalue(), content_type="text/csv")
