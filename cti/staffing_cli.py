"""``cti erlang``: how many agents a forecast needs (Erlang C, from ``acd.erlang``)."""

from __future__ import annotations

import argparse
import math

from acd.erlang import agents_needed, staffing
from cti.errors import BadRequest
from cti.table import render_table


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "erlang", help="agents needed for a call volume and service-level target (Erlang C)",
        description="Erlang C staffing: the fewest agents that answer LEVEL % of calls "
                    "within TARGET seconds, and what one agent more or less would give.")
    p.add_argument("--calls", type=float, required=True, help="calls per interval")
    p.add_argument("--aht", type=float, required=True, help="average handle time, seconds")
    p.add_argument("--target", type=float, default=20.0, help="answer within, seconds")
    p.add_argument("--level", type=float, default=80.0, help="service level target, percent")
    p.add_argument("--interval", type=float, default=3600.0, help="interval, seconds")
    p.add_argument("--max-occupancy", type=float, default=100.0, help="percent")
    p.add_argument("--shrinkage", type=float, default=0.0,
                   help="percent of paid time not on the phones (breaks, training)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.level < 100:
        raise BadRequest(f"--level {args.level:g} must be a percent between 0 and 100, e.g. 80")
    if not 0 <= args.shrinkage < 100:
        raise BadRequest("--shrinkage is a percent from 0 to 99")
    try:
        best = agents_needed(args.calls, args.aht, args.target, args.level / 100,
                             args.interval, args.max_occupancy / 100)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    rows = []
    for n in range(max(1, best.agents - 2), best.agents + 4):
        if n <= best.traffic:
            continue
        s = staffing(n, args.calls, args.aht, args.target, args.interval)
        meets = "yes, fewest" if n == best.agents else ("yes" if n > best.agents else "no")
        rows.append([n, f"{s.service_level * 100:.1f}%", f"{s.asa:.1f}s",
                     f"{s.wait_probability * 100:.1f}%", f"{s.occupancy * 100:.1f}%", meets])
    scheduled = math.ceil(best.agents / (1 - args.shrinkage / 100))
    print(f"{args.calls:g} calls per {args.interval:g}s of {args.aht:g}s = "
          f"{best.traffic:.2f} Erlangs; target {args.level:g}% within {args.target:g}s")
    print(f"agents needed: {best.agents}"
          + (f" on the phones, {scheduled} scheduled with {args.shrinkage:g}% shrinkage"
             if args.shrinkage else ""))
    print()
    print(render_table(["agents", "service level", "ASA", "P(wait)", "occupancy",
                        "meets target"], rows))
    return 0
