"""``cti watch``, ``cti queues``, ``cti queue show NAME`` and ``cti agents``: the running
service's floor, now and today, from its HTTP API (cti/api/reports.py).

Light on purpose (the standard library and cti/service_client.py): each command
answers in well under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from cti.cli_args import add_service_options
from cti.errors import BadRequest
from cti.reports.text import duration
from cti.service_client import call
from cti.table import render_table

#: ANSI: cursor home, clear to the end of the screen.
_HOME, _CLEAR = "\x1b[H", "\x1b[J"


def add_commands(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser("watch", help="live queues and agents, refreshed in place",
                           description="The centre, its queues, the logged-in agents and "
                                       "the alerts, refreshed in place until Ctrl-C.")
    watch.add_argument("--every", type=float, default=2.0, metavar="SECONDS",
                       help="refresh period (default 2)")
    watch.add_argument("--once", action="store_true", help="print once and exit")
    _common(watch, json_flag=False)
    watch.set_defaults(func=_watch)

    queues = sub.add_parser("queues", help="the queues now: waiting, longest wait, agents, "
                                           "today's figures")
    _common(queues)
    queues.set_defaults(func=_queues)

    queue = sub.add_parser("queue", help="one queue now: each waiting call")
    queue_sub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    show = queue_sub.add_parser("show", help="each call waiting: position, wait, priority, "
                                             "estimated wait")
    show.add_argument("name", help="a queue of queues.yaml")
    _common(show)
    show.set_defaults(func=_queue_show)

    agents = sub.add_parser("agents", help="the agents now: state, for how long, today's "
                                           "figures")
    agents.add_argument("--all", action="store_true", help="also the agents logged out")
    _common(agents)
    agents.set_defaults(func=_agents)


def _common(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    add_service_options(p)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print the raw JSON")


def _get(args: argparse.Namespace, path: str) -> Any:
    return call(args, "GET", path)


# --- commands ----------------------------------------------------------------------------


def _queues(args: argparse.Namespace) -> int:
    queues = _get(args, "/api/v1/live/queues")
    print(json.dumps(queues, indent=2) if args.json else queues_table(queues))
    return 0


def _queue_show(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    queue = _get(args, f"/api/v1/live/queues/{quote(args.name, safe='')}")
    if args.json:
        print(json.dumps(queue, indent=2))
        return 0
    print(queue_header(queue))
    calls = queue["calls"]
    if not calls:
        print("nobody waiting")
        return 0
    print()
    print(render_table(
        ["pos", "interaction", "caller", "waited", "priority", "est. wait", ""],
        [[c["position"] or "-", c["interaction_id"], c["caller_number"] or "-",
          duration(c["waited"]), c["priority"],
          "-" if c["estimated_wait"] is None else duration(c["estimated_wait"]),
          "callback" if c["callback"] else ""] for c in calls]))
    return 0


def _agents(args: argparse.Namespace) -> int:
    agents = _get(args, "/api/v1/live/agents")
    if not args.all:
        agents = [a for a in agents if a["state"] != "LOGGED_OUT"]
    if args.json:
        print(json.dumps(agents, indent=2))
    elif not agents:
        print("no agent logged in (--all lists every agent)")
    else:
        print(agents_table(agents))
    return 0


def _watch(args: argparse.Namespace) -> int:
    if args.every < 0.2:
        raise BadRequest(f"--every {args.every:g}: give seconds between refreshes, at least "
                         "0.2 (five times a second)")
    tty = sys.stdout.isatty() and not args.once
    try:
        while True:
            screen = watch_screen(_get(args, "/api/v1/live"))
            if tty:
                sys.stdout.write(_HOME + screen.replace("\n", "\x1b[K\n") + _CLEAR)
                sys.stdout.flush()
            else:
                print(screen)
            if args.once:
                return 0
            time.sleep(args.every)
    except KeyboardInterrupt:
        return 0


# --- text ----------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else duration(value)


def queues_table(queues: list[dict[str, Any]]) -> str:
    rows = []
    for q in queues:
        t, a = q["today"], q["agents"]
        rows.append([q["name"], q["waiting"], _secs(q["longest_wait"]), a["ready"],
                     a["on_call"] + a["reserved"], a["wrap_up"], a["not_ready"], t["offered"],
                     t["answered"], t["abandoned"], _pct(t["service_level"]),
                     f"{q['sl_target']:g}%/{q['sl_seconds']:g}s", _secs(t["asa"]),
                     _secs(t["aht"])])
    return render_table(["queue", "waiting", "longest", "ready", "busy", "wrap", "paused",
                         "offered", "answered", "abandoned", "SL", "target", "ASA", "AHT"],
                        rows)


def queue_header(q: dict[str, Any]) -> str:
    t, a = q["today"], q["agents"]
    return (f"{q['name']}: {q['waiting']} waiting, {q['ringing']} ringing, longest "
            f"{_secs(q['longest_wait'])}; agents ready {a['ready']}, on call {a['on_call']}, "
            f"wrap-up {a['wrap_up']}, paused {a['not_ready']}\n"
            f"today: offered {t['offered']}, answered {t['answered']}, abandoned "
            f"{t['abandoned']}, SL {_pct(t['service_level'])} (target {q['sl_target']:g}% in "
            f"{q['sl_seconds']:g}s), ASA {_secs(t['asa'])}, AHT {_secs(t['aht'])}")


def agents_table(agents: list[dict[str, Any]]) -> str:
    return render_table(
        ["agent", "name", "state", "reason", "for", "answered", "missed", "talk", "occupancy"],
        [[a["agent_id"], a["name"], a["state"], a["reason"] or "", duration(a["for"]),
          a["answered"], a["missed"], duration(a["talk_time"]), _pct(a["occupancy"])]
         for a in agents])


def watch_screen(doc: dict[str, Any]) -> str:
    c, t = doc["centre"], doc["centre"]["today"]
    at = doc["at"][11:19]
    lines = [f"{at} ({doc['timezone']})   waiting {c['waiting']}   longest "
             f"{_secs(c['longest_wait'])}   today: offered {t['offered']}, answered "
             f"{t['answered']}, abandoned {t['abandoned']}, SL {_pct(t['service_level'])}, "
             f"ASA {_secs(t['asa'])}, AHT {_secs(t['aht'])}", "", queues_table(doc["queues"])]
    agents = [a for a in doc["agents"] if a["state"] != "LOGGED_OUT"]
    lines += ["", agents_table(agents) if agents else "no agent logged in"]
    if doc["alerts"]:
        lines += [""] + [f"ALERT {a['detail']}" for a in doc["alerts"]]
    return "\n".join(lines)
