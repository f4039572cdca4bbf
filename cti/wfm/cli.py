"""``cti forecast`` and ``cti staffing``: contacts and agents per interval from the history.

Only the standard library is imported here: ``cti --help`` works without the
``wfm`` extra, and the commands say in one line how to install it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cti.cli_args import add_config
from cti.errors import BadRequest
from cti.table import render_table
from cti.wfm.errors import require_extra
from cti.wfm.params import (
    CHANNELS,
    INTERVALS,
    ForecastAsk,
    StaffingAsk,
    check_forecast,
    check_staffing,
)

if TYPE_CHECKING:
    from cti.config import Config
    from cti.wfm.plan import ForecastResult
    from cti.wfm.staffing import StaffingPlan

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_commands(sub: argparse._SubParsersAction) -> None:
    forecast = sub.add_parser(
        "forecast", help="forecast contacts per interval from the recorded history",
        description="Forecast a queue's contacts per interval for the next days. The method "
                    "is picked per queue by a rolling-origin backtest on WAPE unless --method "
                    "names one.")
    _common(forecast)
    forecast.set_defaults(func=_forecast, days=7)

    staffing = sub.add_parser(
        "staffing", help="agents needed per interval (Erlang A or C) for the forecast",
        description="Forecast a queue, then the agents needed per interval to meet its "
                    "service level (queues.yaml, or --target/--level) with Erlang A (callers "
                    "who hang up, patience measured from the history) or Erlang C.")
    _common(staffing)
    staffing.add_argument("--target", type=float, help="answer within, seconds "
                          "(default: the queue's service_level.target_seconds)")
    staffing.add_argument("--level", type=float, help="service level target, percent "
                          "(default: the queue's service_level.percent)")
    staffing.add_argument("--max-occupancy", type=float, default=100.0, help="percent")
    staffing.add_argument("--shrinkage", type=float, default=0.0,
                          help="percent of paid time off the phones (breaks, training)")
    staffing.add_argument("--model", choices=("erlang-a", "erlang-c"),
                          help="default: Erlang A when callers were seen hanging up")
    staffing.add_argument("--patience", type=float,
                          help="callers' mean patience, seconds (default: from the history)")
    staffing.add_argument("--max-abandon", type=float,
                          help="Erlang A: also keep abandonment at or below this percent")
    staffing.set_defaults(func=_staffing, days=1)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; use YYYY-MM-DD") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--queue", required=True)
    p.add_argument("--channel", default="voice", choices=CHANNELS)
    p.add_argument("--days", type=int, help="days to forecast (forecast: 7, staffing: 1)")
    p.add_argument("--interval", type=int, default=30, choices=INTERVALS, help="minutes")
    p.add_argument("--start", type=_day,
                   help="first day to forecast, YYYY-MM-DD (default: today, local time)")
    p.add_argument("--weeks", type=int, default=16, help="weeks of history to read")
    p.add_argument("--method", default="auto",
                   help="auto, seasonal_naive, historical_average, daily_profile, "
                        "holt_winters or mstl")
    p.add_argument("--holiday-as", default="closed", metavar="PATTERN",
                   help="holidays of hours.yaml: closed, or like a weekday (mon ... sun)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write every interval to FILE")
    p.add_argument("--plot", type=Path, metavar="FILE", help="draw FILE (.png or .svg)")
    add_config(p)


# --- the commands -------------------------------------------------------------------


def _forecast(args: argparse.Namespace) -> int:
    config, result = _run_forecast(args, "cti forecast")
    print(_describe(result, config))
    print()
    print(_day_summary(result))
    print()
    print(_matrix(result.forecast.dates(), result.forecast.offered, result.forecast.slot_label,
                  lambda v: f"{v:.1f}", "contacts"))
    if args.csv:
        _write_csv(args.csv, result.forecast.rows())
    if args.plot:
        _plot(args.plot, result, None)
    return 0


def _staffing(args: argparse.Namespace) -> int:
    from cti.wfm.plan import make_staffing

    ask = _staffing_ask(args)
    check_staffing(ask)
    config, result = _run_forecast(args, "cti staffing")
    try:
        plan = make_staffing(
            result.forecast, config.queues[args.queue], target_seconds=ask.target,
            target_level=None if ask.level is None else ask.level / 100,
            max_occupancy=ask.max_occupancy / 100, shrinkage=ask.shrinkage / 100,
            model=None if ask.model is None else ask.model.replace("-", "_"),  # type: ignore[arg-type]
            patience=ask.patience,
            max_abandon=None if ask.max_abandon is None else ask.max_abandon / 100)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    print(_describe(result, config))
    print(_describe_staffing(plan))
    print()
    if plan.forecast.days == 1:
        print(_staff_detail(plan))
    else:
        print(_staff_days(plan))
        print()
        print(_matrix(plan.forecast.dates(), plan.scheduled(), plan.forecast.slot_label,
                      lambda v: f"{v:.0f}", "scheduled agents"))
    if args.csv:
        _write_csv(args.csv, plan.rows())
    if args.plot:
        _plot(args.plot, result, plan)
    return 0


def _staffing_ask(args: argparse.Namespace) -> StaffingAsk:
    return StaffingAsk(target=args.target, level=args.level, max_occupancy=args.max_occupancy,
                       shrinkage=args.shrinkage, model=args.model, patience=args.patience,
                       max_abandon=args.max_abandon)


def _run_forecast(args: argparse.Namespace, command: str) -> tuple[Config, ForecastResult]:
    require_extra(command)
    from cti.config import load_config
    from cti.wfm.plan import load_history, make_forecast

    ask = ForecastAsk(days=args.days, weeks=args.weeks, interval=args.interval,
                      channel=args.channel, method=args.method, holiday_as=args.holiday_as)
    check_forecast(ask)
    if args.plot is not None and args.plot.suffix.lower() not in (".png", ".svg"):
        raise BadRequest(f"--plot {args.plot}: use a .png or .svg file name")
    config = load_config(args.config)
    start = args.start or datetime.now(config.hours.zone).date()
    series = asyncio.run(load_history(config, args.queue, start=start, weeks=ask.weeks,
                                      channel=ask.channel, interval_minutes=ask.interval))
    try:
        result = make_forecast(series, start, ask.days, method=ask.method,
                               holiday_pattern=ask.holiday_as)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return config, result


# --- text -----------------------------------------------------------------------------


def _describe(result: ForecastResult, config: Config) -> str:
    f, h = result.forecast, result.history
    lines = [f"queue {f.queue} ({f.channel}), {f.interval_minutes}-minute intervals, "
             f"{config.hours.timezone}; history {h.first_day} to {h.dates()[-1]} "
             f"({h.days} days, {int(h.offered.sum())} contacts)"]
    if result.backtest is None:
        lines.append(f"method: {f.method}")
    else:
        b = result.backtest
        lines.append(f"method: {f.method}, the lowest WAPE in a backtest of "
                     f"{len(b.origins)} origins x {b.horizon_days} days:")
        lines.append(render_table(
            ["method", "WAPE", "seconds"],
            [[s.method, "n/a" if math.isnan(s.wape) else f"{100 * s.wape:.1f}%",
              f"{s.seconds:.1f}"] for s in b.scores]))
    patience = "n/a (nobody hung up)" if f.patience is None else f"{f.patience:.0f}s"
    answered = h.answered.sum()
    aht = h.handle_seconds.sum() / answered if answered else 0.0
    lines.append(f"average handle time {aht:.0f}s; callers' patience {patience}")
    return "\n".join(lines)


def _day_summary(result: ForecastResult) -> str:
    f = result.forecast
    rows = []
    for d, day in enumerate(f.dates()):
        peak = int(f.offered[d].argmax())
        total = f.offered[d].sum()
        rows.append([day.isoformat(), _DAY_NAMES[day.weekday()], f"{total:.0f}",
                     f"{f.slot_label(peak)} ({f.offered[d, peak]:.1f})" if total else "-",
                     f.holidays.get(day, "") and f"holiday: {f.holidays[day]}"])
    return render_table(["date", "day", "contacts", "peak interval", ""], rows)


def _describe_staffing(plan: StaffingPlan) -> str:
    model = "Erlang A" if plan.model == "erlang_a" else "Erlang C"
    extra = f", patience {plan.patience:.0f}s" if plan.model == "erlang_a" else ""
    if plan.max_abandon is not None:
        extra += f", abandon at most {100 * plan.max_abandon:g}%"
    return (f"staffing: {model}, {100 * plan.target_level:g}% answered within "
            f"{plan.target_seconds:g}s, occupancy at most {100 * plan.max_occupancy:g}%, "
            f"shrinkage {100 * plan.shrinkage:g}%{extra}")


def _staff_detail(plan: StaffingPlan) -> str:
    rows = [[i.interval, f"{i.calls:.1f}", f"{i.aht:.0f}s", i.agents, i.scheduled,
             f"{100 * i.service_level:.1f}%", f"{i.asa:.1f}s",
             "-" if i.abandon_rate is None else f"{100 * i.abandon_rate:.1f}%",
             f"{100 * i.occupancy:.0f}%"]
            for i in plan.intervals if i.calls > 0]
    day = plan.forecast.start
    if not rows:
        return f"{day} {_DAY_NAMES[day.weekday()]}: no contacts expected, no agents needed"
    return (f"{day} {_DAY_NAMES[day.weekday()]}\n"
            + render_table(["interval", "contacts", "AHT", "agents", "scheduled",
                            "service level", "ASA", "abandon", "occupancy"], rows))


def _staff_days(plan: StaffingPlan) -> str:
    hours = plan.forecast.interval_minutes / 60
    agents, scheduled = plan.agents(), plan.scheduled()
    rows = []
    for d, day in enumerate(plan.forecast.dates()):
        rows.append([day.isoformat(), _DAY_NAMES[day.weekday()],
                     f"{plan.forecast.offered[d].sum():.0f}", int(agents[d].max()),
                     f"{agents[d].sum() * hours:.1f}", f"{scheduled[d].sum() * hours:.1f}"])
    return render_table(["date", "day", "contacts", "peak agents", "agent hours",
                         "scheduled hours"], rows)


def _matrix(dates: list[date], values: Any, label: Any, fmt: Any, what: str) -> str:
    """Intervals down, days across, a week per block; closed intervals left out."""
    blocks = []
    for first in range(0, len(dates), 7):
        week = range(first, min(first + 7, len(dates)))
        slots = [s for s in range(values.shape[1]) if any(values[d, s] > 0 for d in week)]
        headers = [what] + [f"{_DAY_NAMES[dates[d].weekday()]} {dates[d].day:02d}" for d in week]
        rows = [[label(s)] + [fmt(values[d, s]) for d in week] for s in slots]
        rows.append(["total"] + [fmt(values[d].sum()) for d in week])
        blocks.append(render_table(headers, rows))
    return "\n\n".join(blocks)


# --- files ----------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise BadRequest(f"cannot write --csv {path}: {exc.strerror}") from None
    print(f"\nwrote {len(rows)} intervals to {path}")


def _plot(path: Path, result: ForecastResult, plan: StaffingPlan | None) -> None:
    from cti.wfm.plot import plot_plan

    try:
        plot_plan(path, result.forecast, history=result.history, staff=plan)
    except OSError as exc:
        raise BadRequest(f"cannot write --plot {path}: {exc.strerror}") from None
    print(f"drew {path}")

