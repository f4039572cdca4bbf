"""The ``cti`` command: the composition root for operators and sysadmins.

Each area adds its own sub-commands (``cti/<area>/cli.py: add_commands``);
this module holds the ones that concern the whole service, and the table of
every command: only the module of the command given is imported, so
``cti --help`` and the commands that ask the service start fast. Conventions every
command follows (``cti/cli_args.py``):

- ``--config DIR`` names the config directory (default ``$CTI_CONFIG``, else
  ``./config``), ``--flows DIR`` the IVR flows (default: ``ivr.flows_dir`` of
  cti.yaml), ``--url URL`` a running service (default: ``http`` of cti.yaml).
- Errors are one line on stderr, ``cti: ...``, naming config files with the
  directory given (``site/config/queues.yaml: ...``), never a traceback.
- Exit codes: 0 done; 1 something needed is unreachable (the service,
  PostgreSQL, Asterisk): trying again later may work; 2 the input is wrong
  (arguments, a config file, a refused command): fix it first; 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cti import __version__
from cti.cli_args import add_config, default_config_dir
from cti.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadRequest,
    CtiError,
    exit_code,
    locate,
)

if TYPE_CHECKING:
    from cti.config import AgentConfig, Config, QueueConfig

#: Every command: the module whose ``add_commands(sub)`` defines it, and its help
#: line, in the order of `cti --help`. Only the module of the command given is
#: imported (`cti --help` imports none): tests/unit/reports/test_cli_startup.py
#: checks this table against what the modules define.
COMMANDS: dict[str, tuple[str, str]] = {
    "config": ("cti.cli", "check configuration files, or write examples"),
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
    "user": ("cti.api.user_cli", "users of the desktop API (add, passwd, disable, list) and "
                                 "API keys"),
    "campaign": ("cti.campaigns.cli", "outbound campaigns: create, import a list, start, pause, "
                                      "stop, status"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the full definition of its command only, a help line
    for the others. Without ``argv``, every command's full definition."""
    parser = argparse.ArgumentParser(
        prog="cti",
        description="Contact centre engine for Asterisk: IVR, skills-based routing, CTI.",
        epilog="Exit codes: 0 done, 1 the service, PostgreSQL or Asterisk is unreachable, "
               "2 the input is wrong (arguments, config, refused command).")
    parser.add_argument("--version", action="version", version=f"cti {__version__}")
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
    check.add_argument("directory", nargs="?", type=Path, default=None,
                       help="the config directory (the same as --config DIR)")
    add_config(check)
    check.add_argument("--asterisk", type=Path, metavar="DIR",
                       help="also check an Asterisk configuration directory (/etc/asterisk): "
                            "the AMI account's rights, permit/deny and secret, and what the "
                            "dialplan lets callers send (docs/security.md)")
    check.set_defaults(func=_config_check)
    init = config_sub.add_parser(
        "init", help="write the commented example config files and IVR flows into DIR",
        description="Write the shipped examples, commented field by field: cti.yaml, "
                    "queues.yaml, agents.yaml, hours.yaml, catalogue.yaml, units.yaml into "
                    "DIR and the IVR flows into DIR/ivr_flows. Existing files are kept "
                    "unless --force.")
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument("--force", action="store_true", help="overwrite existing example files")
    init.set_defaults(func=_config_init)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CtiError as exc:
        exc = _explained(exc, args)
        print_error(exc, getattr(args, "config", None))
        return exit_code(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `cti calls | head`: the reader has what it wanted
        import contextlib
        import os

        with contextlib.suppress(OSError, ValueError):  # no flush error at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _explained(exc: CtiError, args: argparse.Namespace) -> CtiError:
    """A service that cannot be reached at the address of a config that does not
    validate: the config's errors say more. (The commands that ask the service read
    only the ``http`` of cti.yaml, to start fast; the whole config is checked here, on
    the way to an error.)"""
    from cti.errors import ServiceUnreachable

    config = getattr(args, "config", None)
    if not isinstance(exc, ServiceUnreachable) or getattr(args, "url", None) or config is None:
        return exc
    from cti.service_client import check_config

    try:
        check_config(config)
    except CtiError as bad:
        return bad
    return exc


def print_error(exc: CtiError, config: Path | None) -> None:
    """``cti: <message>`` on stderr, one line per line of the message, with the config
    directory before every config file it names (unless the running service sent it)."""
    from cti.errors import RemoteError
    from cti.table import printable

    for line in str(exc).splitlines() or [type(exc).__name__]:
        if config is not None and not isinstance(exc, RemoteError):
            line = locate(line, config)
        print(f"cti: {printable(line)}", file=sys.stderr)


def _config_check(args: argparse.Namespace) -> int:
    from cti.config import config_warnings, load_config
    from cti.table import render_table

    directory = args.directory or args.config
    if args.directory is not None and args.config != default_config_dir() \
            and args.config != args.directory:
        raise BadRequest(f"two config directories given ({args.directory} and --config "
                  f"{args.config}); give one")
    try:
        config = load_config(directory)
    except CtiError as exc:
        print(f"{directory}: configuration has errors:", file=sys.stderr)
        for line in str(exc).splitlines():
            print(f"  {locate(line, directory)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    service = config.service
    nodes = ", ".join(f"{n.name} ({n.host}:{n.port})" for n in service.ami)
    database = "embedded" if service.database.embedded else "PostgreSQL DSN (hidden)"
    skills = sorted(config.skills())
    print(f"{directory}: OK")
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
    for warning in config_warnings(config):
        print(f"warning: {locate(warning, directory)}")
    if args.asterisk is not None:
        return _asterisk_check(args.asterisk, config)
    return 0


def _config_init(args: argparse.Namespace) -> int:
    from cti.examples import init_config

    written = init_config(args.directory, force=args.force)
    flows = [p for p in written if p.parent.name == "ivr_flows"]
    print(f"wrote {len(written) - len(flows)} config files to {args.directory}/ and "
          f"{len(flows)} IVR flows to {args.directory / 'ivr_flows'}/")
    print(f"next: set ami: in {args.directory / 'cti.yaml'} and list your agents in "
          f"{args.directory / 'agents.yaml'}, export CTI_AMI_SECRET, then "
          f"`cti config check --config {args.directory}`")
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
_AGENT_COLUMNS = ["agent", "name", "endpoint", "skills"]


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
    return [a.id, a.name, a.endpoint, skills]


if __name__ == "__main__":
    sys.exit(main())
