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
from pathlib import Path
from typing import TYPE_CHECKING

from cti.errors import CtiError

if TYPE_CHECKING:
    from cti.config import AgentConfig, Config, QueueConfig

DEFAULT_CONFIG = Path("config")

# Areas that contribute sub-commands (cti ami ..., cti sim, cti ivr ...).
# Modules whose add_commands(sub) adds their sub-commands, in the order of `cti --help`.
_AREAS = ("cti.service_cli", "cti.agi.cli", "cti.ami.cli", "cti.sim.cli", "cti.staffing_cli",
          "cti.cases.cli", "cti.wfm.cli", "cti.api.user_cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cti",
        description="Contact centre engine for Asterisk: IVR, skills-based routing, CTI.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    config = sub.add_parser("config", help="check configuration files")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", help="validate a config directory and summarise it")
    check.add_argument("directory", nargs="?", type=Path, default=DEFAULT_CONFIG)
    check.add_argument("--asterisk", type=Path, metavar="DIR",
                       help="also check an Asterisk configuration directory (/etc/asterisk): "
                            "the AMI account's rights, permit/deny and secret, and what the "
                            "dialplan lets callers send (docs/security.md)")
    check.set_defaults(func=_config_check)

    for name in _AREAS:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CtiError as exc:
        print(f"cti: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


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
