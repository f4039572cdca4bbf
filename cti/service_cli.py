"""``cti run``, ``cti demo``, ``cti db migrate`` and the commands that talk to a running
service over its HTTP API: ``cti status``, ``cti agent ...``, ``cti reload``."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from cti.errors import CtiError
from cti.table import render_table

DEFAULT_CONFIG = Path("config")


class ServiceUnreachable(CtiError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"cannot reach the service at {url} ({reason}); is `cti run` (or `make demo`) "
            "running, and is --url right?"
        )


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


# --- commands that start things --------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from cti.app import run_service

    return asyncio.run(run_service(args.config))


def _demo(args: argparse.Namespace) -> int:
    from cti.demo import run_demo

    return asyncio.run(
        run_demo(args.config, agents=args.agents, calls_per_minute=args.calls_per_minute,
                 duration=args.duration)
    )


def _db_migrate(args: argparse.Namespace) -> int:
    from cti.app import migrate_database

    applied = asyncio.run(migrate_database(args.config))
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


# --- commands that talk to a running service -----------------------------------------


def _status(args: argparse.Namespace) -> int:
    status = asyncio.run(_call(args, "GET", "/api/v1/status"))
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(format_status(status))
    return 0


def _reload(args: argparse.Namespace) -> int:
    result = asyncio.run(_call(args, "POST", "/api/v1/reload"))
    print(f"reloaded: {result.get('queues', 0)} queues, {result.get('agents', 0)} agents")
    return 0


def _agent(args: argparse.Namespace) -> int:
    body = {"reason": args.reason} if args.action == "pause" else {}
    result = asyncio.run(_call(args, "POST", f"/api/v1/agents/{args.agent_id}/{args.action}", body))
    reason = f" ({result['reason']})" if result.get("reason") else ""
    print(f"{result['agent_id']}: {result['state']}{reason}")
    return 0


def _calls(args: argparse.Namespace) -> int:
    calls = asyncio.run(_call(args, "GET", "/api/v1/calls"))
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
    report = asyncio.run(_call(args, "GET", f"/api/v1/calls/{args.interaction_id}/explain"))
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


def _service_url(args: argparse.Namespace) -> str:
    if args.url:
        return args.url.rstrip("/")
    from cti.config import load_config

    http = load_config(args.config).service.http
    return f"http://{http.host}:{http.port}"


async def _call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    import aiohttp

    from cti.api.cli_key import cli_key

    url = _service_url(args)
    key = cli_key(args.config)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        timeout = aiohttp.ClientTimeout(total=10)
        async with (aiohttp.ClientSession(timeout=timeout) as session,
                    session.request(method, url + path, json=body, headers=headers) as response):
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ServiceUnreachable(url, str(exc) or type(exc).__name__) from None
    if response.status == 401:
        raise CtiError(f"{payload.get('message', 'not signed in')} (the cti command reads the "
                       "running service's operator key from auth.operator_key_file, so run it "
                       "as the service's user with the same --config, or set CTI_API_KEY)")
    if response.status >= 400:
        raise CtiError(payload.get("message", f"HTTP {response.status}"))
    return payload


def format_status(status: dict[str, Any]) -> str:
    """The status JSON as tables people can read."""
    lines = [
        f"uptime {status['uptime_seconds']:.0f}s   database {status['database']}   "
        f"waiting {status['calls']['waiting']}   talking {status['calls']['talking']}",
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
