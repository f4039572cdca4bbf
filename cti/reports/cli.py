"""``cti report``: calls, agents, agent states, cases and surveys over a period.

Reads the records straight from the database of the configuration (the
service need not run). Only the standard library is imported until a report
runs, so ``cti --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from cti.cli_args import add_config
from cti.errors import BadRequest

KINDS = ("queues", "agents", "states", "cases", "surveys")
HELP = "calls, agents, states, cases and surveys over a period (table, JSON, CSV, plot)"


def add_commands(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report", help=HELP,
        description="A report over whole local days (hours.yaml time zone): queues (calls "
                    "offered, answered, abandoned, service level, ASA, AHT, transfers, "
                    "overflow, callbacks), agents (answered, handle time, occupancy, missed "
                    "offers), states (time per state and pause reason), cases (opened, "
                    "closed, backlog, time to close, FCR) or surveys (CSAT, NPS, CES). "
                    "docs/reports.md defines every figure.")
    report.add_argument("kind", nargs="?", default="queues", choices=KINDS,
                        help="which report (default: queues)")
    report.add_argument("--from", dest="first", type=day_arg, default=None, metavar="DAY",
                        help="first day: YYYY-MM-DD, today or yesterday (default: today)")
    report.add_argument("--to", dest="last", type=day_arg, default=None, metavar="DAY",
                        help="last day, included (default: the --from day)")
    report.add_argument("--queue", help="only this queue (queues, surveys)")
    report.add_argument("--agent", help="only this agent (agents, states, surveys)")
    report.add_argument("--unit", help="only this unit: its cases, or its members")
    report.add_argument("--by", choices=("interval", "hour", "day", "week"),
                        help="cut the period (interval: reports.interval_minutes)")
    report.add_argument("--group", help="cases: unit, topic, reason, sub_reason or "
                                        "call_type; surveys: queue or agent")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON")
    output.add_argument("--csv", action="store_true", help="print CSV")
    report.add_argument("--output", type=Path, metavar="FILE",
                        help="write the report to FILE instead of printing it")
    report.add_argument("--plot", type=Path, metavar="FILE",
                        help="queues with --by: draw offered vs answered and service level "
                             "per period to FILE (.png or .svg; needs the wfm extra)")
    add_config(report)
    report.set_defaults(func=_report)


def day_arg(text: str) -> date:
    """A day as the command line gives it."""
    today = date.today()
    named = {"today": today, "yesterday": today - timedelta(days=1)}
    if text in named:
        return named[text]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day; use YYYY-MM-DD, today or yesterday") from None


def _report(args: argparse.Namespace) -> int:
    import asyncio

    from cti.reports.plot import check_plot

    if args.plot is not None:
        check_plot(args.plot, args.kind, args.by)
    from cti.config import load_config
    from cti.reports.formats import to_csv, to_json, to_table
    from cti.reports.run import ReportSpec, check

    config = load_config(args.config)
    today = datetime.now(config.hours.zone).date()
    first = args.first or today
    spec = check(ReportSpec(args.kind, first, args.last or first, by=args.by, queue=args.queue,
                            agent=args.agent, unit=args.unit, group=args.group), config)
    report = asyncio.run(_read(config, spec))
    if args.json:
        text = json.dumps(to_json(report), indent=2)
    elif args.csv:
        text = to_csv(report).rstrip("\n")
    else:
        text = to_table(report)
    if args.output is not None:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text + "\n")
        except OSError as exc:
            raise BadRequest(f"cannot write --output {args.output}: {exc.strerror}") from None
        print(f"wrote {args.output}")
    else:
        print(text)
    if args.plot is not None:
        from cti.reports.plot import plot_report

        plot_report(args.plot, report)
        print(f"drew {args.plot}")
    return 0


async def _read(config, spec):  # type: ignore[no-untyped-def]
    from cti.reports.run import run_report
    from cti.reports.source import open_pool

    progress = _Progress() if sys.stderr.isatty() else None
    async with open_pool(config) as (pool, where):
        from cti.store.db import translate_errors

        with translate_errors(where):
            report = await run_report(pool, spec, config, now=datetime.now(config.hours.zone),
                                      progress=progress)
    if progress is not None:
        progress.done()
    return report


class _Progress:
    """``reading month 3 of 12`` on the terminal, overwritten in place."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total > 1:
            print(f"\rreading month {done} of {total}", end="", file=sys.stderr, flush=True)
            self.shown = True

    def done(self) -> None:
        if self.shown:
            print("\r" + " " * 30 + "\r", end="", file=sys.stderr, flush=True)
