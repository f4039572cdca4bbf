"""The ``cti`` command: the composition root for operators and sysadmins.

Each area adds its own sub-commands (``cti/<area>/cli.py: add_commands``);
this module holds the ones that concern the whole service. Errors the
service raises on purpose (``CtiError``) are printed as one clear message and
exit non-zero, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from cti.errors import CtiError

if TYPE_CHECKING:
    from cti.config import AgentConfig, Config, QueueConfig

DEFAULT_CONFIG = Path("config")

#: Every command: the module whose ``add_commands(sub)`` defines it, and its help
#: line, in the order of `cti --help`. Only the module of the command given is
#: imported (`cti --help` imports none): tests/unit/reports/test_cli_startup.py
#: checks this table against what the modules define.
COMMANDS: dict[str, tuple[str, str]] = {
    "config": ("cti.cli", "check configuration files"),
    "run": ("cti.service_cli", "run the service (AMI, FastAGI, ACD, HTTP API)"),
    "demo": ("cti.service_cli", "the service with embedded PostgreSQL and a simulated PBX"),
    "db": ("cti.service_cli", "database maintenance"),
    "status": ("cti.service_cli", "show the running service's status"),
    "reload": ("cti.service_cli", "re-read config files in the running service"),
    "calls": ("cti.service_cli", "list the live calls of the running service"),
    "explain": ("cti.service_cli", "why each agent is or is not offered a call"),
    "agent": ("cti.service_cli", "log agents in and out, make them ready or pause them"),
    "watch": ("cti.reports.live_cli", "live queues and agents, refreshed in place"),
    "queues": ("cti.reports.live_cli", "the queues now: waiting, longest wait, agents, "
                                       "today's figures"),
    "queue": ("cti.reports.live_cli", "one queue now: each waiting call"),
    "agents": ("cti.reports.live_cli", "the agents now: state, for how long, today's figures"),
    "report": ("cti.reports.cli", "calls, agents, states, cases and surveys over a period "
                                  "(table, JSON, CSV, plot)"),
    "doctor": ("cti.doctor.cli", "check a live setup end to end and say what to fix"),
    "ivr": ("cti.agi.cli", "IVR flows: check them, simulate a call"),
    "ami": ("cti.ami.cli", "Asterisk Manager tools: record and replay AMI streams"),
    "sim": ("cti.sim.cli", "run the PBX simulator (AMI + FastAGI + callers)"),
    "erlang": ("cti.staffing_cli",
               "agents needed for a call volume and service-level target (Erlang C)"),
    "case": ("cti.cases.cli", "cases: show, list, add a note, close"),
    "customer": ("cti.cases.cli", "customers: show, find, add"),
    "forecast": ("cti.wfm.cli", "forecast contacts per interval from the recorded history"),
    "staffing": ("cti.wfm.cli", "agents needed per interval (Erlang A or C) for the forecast"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the full definition of its command only, a help line
    for the others. Without ``argv``, every command's full definition."""
    parser = argparse.ArgumentParser(
        prog="cti",
        description="Contact centre engine for Asterisk: IVR, skills-based routing, CTI.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = _command_of(argv) if argv is not None else None
    modules = ({m for m, _ in COMMANDS.values()} if argv is None
               else {COMMANDS[wanted][0]} if wanted in COMMANDS else set())
    for name, (module, help_) in COMMANDS.items():
        if name in sub.choices:
            continue
        if module not in modules:
            sub.add_parser(name, help=help_, add_help=False)
        elif module == __name__:
            _add_config_command(sub)
        else:
            importlib.import_module(module).add_commands(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _add_config_command(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help=COMMANDS["config"][1])
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", help="validate a config directory and summarise it")
    check.add_argument("directory", nargs="?", type=Path, default=DEFAULT_CONFIG)
    check.add_argument("--asterisk", type=Path, metavar="DIR",
                       help="also check an Asterisk configuration directory (/etc/asterisk): "
                            "the AMI account's rights, permit/deny and secret, and what the "
                            "dialplan lets callers send (docs/security.md)")
    check.set_defaults(func=_config_check)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CtiError as exc:
        print(f"cti: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `cti report | head`: the reader left; nothing to say
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    import os

    with suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _config_check(args: argparse.Namespace) -> int:
    from cti.config import load_config
    from cti.table import render_table

    try:
        config = load_config(args.directory)
    except CtiError as exc:
        print(f"{args.directory}: configuration has errors:", file=sys.stderr)
        for line in str(exc).splitlines():
            print(f"  {line}", file=sys.stderr)
        return 2
    service = config.service
    nodes = ", ".join(f"{n.name} ({n.host}:{n.port})" for n in service.ami)
    database = "embedded" if service.database.embedded else "PostgreSQL DSN (hidden)"
    skills = sorted(config.skills())
    print(f"{args.directory}: OK")
    print(f"AMI nodes: {nodes}")
    print(f"FastAGI: {service.agi.host}:{service.agi.port}")
    print(f"HTTP: {service.http.host}:{service.http.port}")
    print(f"Database: {database}  Logs: {service.log.format}, {service.log.level}")
    print()
    print(render_table(_QUEUE_COLUMNS, [_queue_row(q) for q in config.queues.values()]))
    print()
    print(render_table(_AGENT_COLUMNS, [_agent_row(a) for a in config.agents.values()]))
    print()
    print(f"{len(config.queues)} queues, {len(config.agents)} agents, {len(skills)} skills: "
          + ", ".join(skills))
    if args.asterisk is not None:
        return _asterisk_check(args.asterisk, config)
    return 0


def _asterisk_check(directory: Path, config: Config) -> int:
    from cti.asterisk_check import check_asterisk_dir

    print()
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return 2
    names = config.service.dialplan
    findings = check_asterisk_dir(directory, usernames={n.username for n in config.service.ami},
                                  inbound="cti-inbound", outbound=names.outbound_context,
                                  hold=names.hold_context)
    for finding in findings:
        print(finding, file=sys.stderr if finding.severity == "error" else sys.stdout)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    print(f"{directory}: " + ("OK" if not findings else
                              f"{errors} error(s), {warnings} warning(s)"))
    return 2 if errors else 0


_QUEUE_COLUMNS = ["queue", "skills", "strategy", "ring", "wrap-up", "max wait", "exit", "SL"]
_AGENT_COLUMNS = ["agent", "name", "endpoint", "role", "skills"]


def _queue_row(q: QueueConfig) -> list[str]:
    exit_ = q.on_max_wait
    return [
        q.name,
        ", ".join(f"{k}>={v}" for k, v in q.skills.items()) or "-",
        q.strategy.value,
        f"{q.ring_timeout:g}s",
        f"{q.wrapup:g}s",
        f"{q.max_wait:g}s" if q.max_wait else "-",
        f"{exit_.action} {exit_.target}" if exit_.target else exit_.action,
        f"{q.service_level.percent:g}%/{q.service_level.target_seconds:g}s",
    ]


def _agent_row(a: AgentConfig) -> list[str]:
    skills = ", ".join(f"{k}:{v}" for k, v in a.skills.items())
    return [a.id, a.name, a.endpoint, a.role, skills]


if __name__ == "__main__":
    sys.exit(main())
