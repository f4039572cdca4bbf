"""``cti run``, ``cti demo``, ``cti db migrate`` and the commands that talk to a running
service over its HTTP API: ``cti status``, ``cti agent ...``, ``cti reload``."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from cti.service_client import request, service_url
from cti.table import render_table

DEFAULT_CONFIG = Path("config")


def add_commands(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the service (AMI, FastAGI, ACD, HTTP API)")
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config directory")
    run.set_defaults(func=_run)

    demo = sub.add_parser("demo", help="the service with embedded PostgreSQL and a simulated PBX")
    demo.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    demo.add_argument("--agents", type=int, default=10)
    demo.add_argument("--calls-per-minute", type=float, default=20.0)
    demo.add_argument("--duration", type=float, default=None, help="stop after N seconds")
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = db_sub.add_parser("migrate", help="apply pending SQL migrations")
    migrate.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    migrate.set_defaults(func=_db_migrate)

    url_help = "the service's HTTP address (default: from config/cti.yaml)"
    status = sub.add_parser("status", help="show the running service's status")
    status.add_argument("--url", help=url_help)
    status.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    status.set_defaults(func=_status)

    reload = sub.add_parser("reload", help="re-read config files in the running service")
    reload.add_argument("--url", help=url_help)
    reload.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    reload.set_defaults(func=_reload)

    calls = sub.add_parser("calls", help="list the live calls of the running service")
    calls.add_argument("--url", help=url_help)
    calls.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    calls.set_defaults(func=_calls)

    explain = sub.add_parser("explain", help="why each agent is or is not offered a call")
    explain.add_argument("interaction_id", help="a waiting call (see `cti calls`)")
    explain.add_argument("--all", action="store_true", help="also agents of other queues")
    explain.add_argument("--url", help=url_help)
    explain.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    explain.set_defaults(func=_explain)

    agent = sub.add_parser("agent", help="log agents in and out, make them ready or pause them")
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    for action, text in (
        ("login", "log the agent in (NOT_READY until ready)"),
        ("logout", "log the agent out"),
        ("ready", "make the agent READY for calls (also ends wrap-up)"),
        ("pause", "make the agent NOT_READY with a reason"),
    ):
        p = agent_sub.add_parser(action, help=text)
        p.add_argument("agent_id")
        p.add_argument("--url", help=url_help)
        p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
        if action == "pause":
            p.add_argument("--reason", default="break")
        p.set_defaults(func=_agent, action=action)
    hashpw = agent_sub.add_parser("hash-password", help="print a password_hash for agents.yaml")
    hashpw.set_defaults(func=_hash_password)


# --- commands that start things --------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from cti.app import run_service

    return asyncio.run(run_service(args.config))


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from cti.demo import run_demo

    return asyncio.run(
        run_demo(args.config, agents=args.agents, calls_per_minute=args.calls_per_minute,
                 duration=args.duration)
    )


def _db_migrate(args: argparse.Namespace) -> int:
    import asyncio

    from cti.app import migrate_database

    applied = asyncio.run(migrate_database(args.config))
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline()
    print(hash_password(password.rstrip("\n")))
    return 0


def hash_password(password: str, iterations: int = 200_000) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


# --- commands that talk to a running service -----------------------------------------


def _status(args: argparse.Namespace) -> int:
    status = (_call(args, "GET", "/api/v1/status"))
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(format_status(status))
    return 0


def _reload(args: argparse.Namespace) -> int:
    result = (_call(args, "POST", "/api/v1/reload"))
    print(f"reloaded: {result.get('queues', 0)} queues, {result.get('agents', 0)} agents")
    return 0


def _agent(args: argparse.Namespace) -> int:
    body = {"reason": args.reason} if args.action == "pause" else {}
    result = (_call(args, "POST", f"/api/v1/agents/{args.agent_id}/{args.action}", body))
    reason = f" ({result['reason']})" if result.get("reason") else ""
    print(f"{result['agent_id']}: {result['state']}{reason}")
    return 0


def _calls(args: argparse.Namespace) -> int:
    calls = (_call(args, "GET", "/api/v1/calls"))
    if not calls:
        print("no live calls")
        return 0
    print(render_table(
        ["interaction", "phase", "queue", "agent", "caller", "waited", "age"],
        [[c["interaction_id"], c["phase"], c["queue"] or "-", c["agent_id"] or "-",
          c["caller_number"], "-" if c["waited"] is None else f"{c['waited']:.0f}s",
          f"{c['age']:.0f}s"] for c in calls]))
    return 0


def _explain(args: argparse.Namespace) -> int:
    report = (_call(args, "GET", f"/api/v1/calls/{args.interaction_id}/explain"))
    needs = ", ".join(f"{k}>={v}" for k, v in report["requirements"].items()) or "no skills"
    print(f"{report['interaction_id']}: {report['state']} in {report['queue']} "
          f"(needs {needs}), priority {report['priority']}, position "
          f"{report['position'] or '-'}, waited {report['waited']:.0f}s")
    rows = [[a["agent_id"], "yes" if a["eligible"] else "no", a["rank"] or "-",
             "; ".join(r["detail"] for r in a["reasons"])]
            for a in report["agents"]
            if args.all or not any(r["code"] == "not-member" for r in a["reasons"])]
    print(render_table(["agent", "eligible", "rank", "why"], rows))
    return 0


def _call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    """Ask the running service (cti/service_client.py: light, for a fast command line)."""
    return request(service_url(args.url, args.config), method, path, body)


def format_status(status: dict[str, Any]) -> str:
    """The status JSON as tables people can read."""
    today = (status.get("centre") or {}).get("today") or {}
    level = today.get("service_level")
    lines = [
        f"uptime {status['uptime_seconds']:.0f}s   database {status['database']}   "
        f"waiting {status['calls']['waiting']}   talking {status['calls']['talking']}"
        + (f"   today: answered {today['answered']}, abandoned {today['abandoned']}, "
           f"SL {'-' if level is None else f'{level:.0f}%'}" if today else ""),
        "",
        render_table(
            ["AMI node", "link", "address"],
            [[n["name"], n["link"], n["address"]] for n in status["ami"]],
        ),
        "",
        render_table(
            ["queue", "waiting", "longest wait", "offered", "answered", "abandoned", "SL"],
            [
                [
                    q["name"], q["waiting"], f"{q['longest_wait']:.0f}s", q["offered"],
                    q["answered"], q["abandoned"],
                    "-" if q["service_level"] is None else f"{q['service_level']:.0f}%",
                ]
                for q in status["queues"]
            ],
        ),
        "",
        "agents: " + ", ".join(f"{k} {v}" for k, v in status["agents_by_state"].items() if v),
    ]
    agents = [a for a in status.get("agents", []) if a["state"] != "LOGGED_OUT"]
    if agents:
        lines += ["", render_table(
            ["agent", "state", "reason", "for", "answered"],
            [[a["agent_id"], a["state"], a["reason"] or "", f"{a['in_state_for']:.0f}s",
              a["answered"]] for a in agents])]
    return "\n".join(lines)
