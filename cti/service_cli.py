"""``cti run``, ``cti demo``, ``cti db migrate`` and the commands that talk to a running
service over its HTTP API: ``cti status``, ``cti agent ...``, ``cti reload``, ``cti calls``,
``cti explain``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cti.cli_args import add_config, add_flows, add_service_options
from cti.errors import BadRequest, NoSuchCall, NotTheService, ServiceUnreachable
from cti.service_client import call, expect, expect_list, fetch, service_url
from cti.table import printable, render_table

__all__ = ["ServiceUnreachable", "format_status", "resolve_call"]

#: A whole interaction id (a UUID) is this long; anything shorter is a prefix.
_ID_LENGTH = 36


def add_commands(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the service (AMI, FastAGI, ACD, HTTP API)")
    add_config(run)
    add_flows(run)
    run.set_defaults(func=_run)

    demo = sub.add_parser("demo", help="the service with embedded PostgreSQL and a simulated PBX")
    add_config(demo)
    add_flows(demo)
    demo.add_argument("--agents", type=int, default=10)
    demo.add_argument("--calls-per-minute", type=float, default=20.0)
    demo.add_argument("--duration", type=float, default=None, help="stop after N seconds")
    demo.set_defaults(func=_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = db_sub.add_parser("migrate", help="apply pending SQL migrations")
    add_config(migrate)
    migrate.set_defaults(func=_db_migrate)

    status = sub.add_parser("status", help="show the running service's status")
    add_service_options(status)
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    status.set_defaults(func=_status)

    reload = sub.add_parser("reload", help="re-read config files in the running service")
    add_service_options(reload)
    reload.set_defaults(func=_reload)

    calls = sub.add_parser("calls", help="list the live calls of the running service")
    add_service_options(calls)
    calls.set_defaults(func=_calls)

    explain = sub.add_parser("explain", help="why each agent is or is not offered a call")
    explain.add_argument("interaction_id",
                         help="a waiting call: its id or the first characters of it "
                              "(see `cti calls`)")
    explain.add_argument("--all", action="store_true", help="also agents of other queues")
    add_service_options(explain)
    explain.set_defaults(func=_explain)

    agent = sub.add_parser("agent", help="log agents in and out, make them ready or pause them")
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    for action, text in (
        ("login", "log the agent in (NOT_READY, reason login, until ready; "
                  "routing.login_state in cti.yaml may make it READY)"),
        ("logout", "log the agent out (after its call and wrap-up, if it has one)"),
        ("ready", "make the agent READY for calls (also ends wrap-up)"),
        ("pause", "make the agent NOT_READY with a reason (after its call, if it has one)"),
    ):
        p = agent_sub.add_parser(action, help=text)
        p.add_argument("agent_id")
        if action in ("login", "pause"):
            p.add_argument("--reason", help="a pause reason of agents.yaml (pause_reasons); "
                           + ("default: login" if action == "login"
                              else "default: the first one listed"))
        add_service_options(p)
        p.set_defaults(func=_agent, action=action)


# --- commands that start things --------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from cti.app import run_service

    return asyncio.run(run_service(args.config, flows=args.flows))


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from cti.demo import run_demo

    return asyncio.run(
        run_demo(args.config, agents=args.agents, calls_per_minute=args.calls_per_minute,
                 duration=args.duration, flows=args.flows))


def _db_migrate(args: argparse.Namespace) -> int:
    import asyncio

    from cti.app import migrate_database

    applied = asyncio.run(migrate_database(args.config))
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


# --- commands that talk to a running service -----------------------------------------


def _status(args: argparse.Namespace) -> int:
    url = service_url(args)
    status = fetch(url, "GET", "/api/v1/status")
    expect(status, ("uptime_seconds", "database", "calls", "ami", "queues", "agents_by_state"),
           url, "GET /api/v1/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    try:
        print(format_status(status))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotTheService(url, f"its status is not in the shape this cti knows ({exc!r}); "
                                 "is it another version?") from None
    return 0


def _reload(args: argparse.Namespace) -> int:
    result = call(args, "POST", "/api/v1/reload")
    print(f"reloaded: {result.get('queues', 0)} queues, {result.get('agents', 0)} agents, "
          f"{result.get('flows', 0)} flows")
    return 0


def _agent(args: argparse.Namespace) -> int:
    reason = getattr(args, "reason", None)
    if reason is not None and not reason.strip():
        raise BadRequest("--reason is empty; give a pause reason of agents.yaml, or leave "
                         "--reason out for the default")
    body = {"reason": reason} if reason is not None else {}
    url = service_url(args)
    result = fetch(url, "POST", f"/api/v1/agents/{args.agent_id}/{args.action}", body)
    expect(result, ("agent_id", "state"), url, f"POST /api/v1/agents/.../{args.action}")
    print(describe_agent(result))
    return 0


def describe_agent(result: dict[str, Any]) -> str:
    """The reply to an agent command in words: its state now, and the change waiting
    for its call or wrap-up to end."""
    agent = printable(result["agent_id"])
    now = _state_text(result["state"], result.get("reason"))
    pending = result.get("pending")
    if pending:
        then = _state_text(pending, result.get("pending_reason"))
        return f"{agent}: {now} now; {then} once {_busy_with(result['state'])} ends"
    if result.get("changed") is False:
        return f"{agent}: already {now}"
    return f"{agent}: {now}"


def _state_text(state: str, reason: str | None) -> str:
    return f"{printable(state)} ({printable(reason)})" if reason else printable(state)


def _busy_with(state: str) -> str:
    return {"RESERVED": "the call ringing on it", "ON_CALL": "its call (and wrap-up)",
            "WRAP_UP": "its wrap-up"}.get(state, "what it is doing")


def _calls(args: argparse.Namespace) -> int:
    url = service_url(args)
    calls = expect_list(fetch(url, "GET", "/api/v1/calls"),
                        ("interaction_id", "phase"), url, "GET /api/v1/calls")
    if not calls:
        print("no live calls")
        return 0
    print(render_table(
        ["interaction", "phase", "queue", "agent", "caller", "waited", "age"],
        [[c["interaction_id"], c["phase"], c.get("queue") or "-", c.get("agent_id") or "-",
          _caller(c), "-" if c.get("waited") is None else f"{c['waited']:.0f}s",
          f"{c.get('age') or 0:.0f}s"] for c in calls]))
    return 0


def _caller(call: dict[str, Any]) -> str:
    number = call.get("caller_number") or "-"
    name = call.get("caller_name")
    return f"{number} {name}" if name else number


def _explain(args: argparse.Namespace) -> int:
    url = service_url(args)
    interaction_id = resolve_call(url, args.interaction_id)
    report = expect(fetch(url, "GET", f"/api/v1/calls/{interaction_id}/explain"),
                    ("interaction_id", "queue", "state", "agents"), url, "explain")
    needs = ", ".join(f"{k}>={v}" for k, v in report["requirements"].items()) or "no skills"
    print(printable(f"{report['interaction_id']}: {report['state']} in {report['queue']} "
                    f"(needs {needs}), priority {report['priority']}, position "
                    f"{report['position'] or '-'}, waited {report['waited']:.0f}s"
                    + (f" (since {report['arrived']})" if report.get("arrived") else "")))
    rows = [[a["agent_id"], "yes" if a["eligible"] else "no", a["rank"] or "-",
             "; ".join(r["detail"] for r in a["reasons"])]
            for a in report["agents"]
            if args.all or not any(r["code"] == "not-member" for r in a["reasons"])]
    print(render_table(["agent", "eligible", "rank", "why"], rows))
    return 0


def resolve_call(url: str, given: str) -> str:
    """The live call's whole id from its first characters (``cti calls`` lists them)."""
    given = given.strip()
    if len(given) >= _ID_LENGTH:
        return given
    if not given:
        raise BadRequest("give an interaction id, or its first characters (`cti calls`)")
    calls = expect_list(fetch(url, "GET", "/api/v1/calls"), ("interaction_id",), url,
                        "GET /api/v1/calls")
    found = sorted({c["interaction_id"] for c in calls
                    if str(c["interaction_id"]).startswith(given)})
    if not found:
        raise NoSuchCall(given)
    if len(found) > 1:
        shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise BadRequest(f"{len(found)} live calls start with {given!r} ({shown}); "
                         "give more characters")
    return found[0]


def format_status(status: dict[str, Any]) -> str:
    """The status JSON as tables people can read."""
    today = (status.get("centre") or {}).get("today") or {}
    level = today.get("service_level")
    database = status["database"]
    if backlog := status.get("pending_writes"):
        worker = (status.get("catch_up_worker") or {}).get("running")
        database += f" (backlog {backlog:,} events{', catch-up worker storing' if worker else ''})"
    lines = [
        f"uptime {status['uptime_seconds']:.0f}s   database {database}   "
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
        "agents: " + printable(", ".join(f"{k} {v}" for k, v in
                                         status["agents_by_state"].items() if v)),
    ]
    agents = [a for a in status.get("agents", []) if a["state"] != "LOGGED_OUT"]
    if agents:
        lines += ["", render_table(
            ["agent", "state", "reason", "for", "answered", "next"],
            [[a["agent_id"], a["state"], a["reason"] or "", f"{a['in_state_for']:.0f}s",
              a["answered"], _next(a)] for a in agents])]
    return "\n".join(lines)


def _next(agent: dict[str, Any]) -> str:
    """What an agent in a call goes to when it ends, if not READY (a pending pause or
    logout)."""
    pending = agent.get("pending")
    return f"{pending} after this call" if pending and pending != "READY" else ""

