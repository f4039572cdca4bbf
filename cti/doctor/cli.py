"""``cti doctor``: check a live setup end to end and print what to fix.

Configuration, database, the running service, then each Asterisk node through
the service's AMI account (rights, events, dialplan contexts, hints, the
FastAGI address the dialplan uses) and, with --sounds, the prompts. Exit 0
when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cti.cli_args import add_service_options

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser("doctor", help="check a live setup end to end and say what to fix",
                            description=__doc__.split("\n\n")[1].replace("\n", " "))
    add_service_options(doctor)
    doctor.add_argument("--sounds", type=Path, metavar="DIR",
                        help="an Asterisk sounds directory to find every prompt in")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(func=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    import asyncio

    from cti.config import load_config
    from cti.doctor import checks
    from cti.service_client import service_url

    config = load_config(args.config)  # a bad config stops here, one line per problem
    findings = [checks.Finding("ok", "configuration",
                               f"{args.config}: {len(config.queues)} queues, "
                               f"{len(config.agents)} agents, {len(config.service.ami)} "
                               "AMI node(s)")]

    async def live() -> list[checks.Finding]:
        return [*await checks.database(config), *await checks.asterisk(config)]

    findings += asyncio.run(live())
    findings += checks.service(service_url(args))
    findings += checks.prompts(config, args.sounds)
    failed = sum(f.status == "fail" for f in findings)
    warned = sum(f.status == "warn" for f in findings)
    if args.json:
        print(json.dumps([{"status": f.status, "check": f.check, "message": f.message}
                          for f in findings], indent=2))
    else:
        for f in findings:
            out = sys.stdout if f.status in ("ok", "skip") else sys.stderr
            print(f"{_MARK[f.status]}  {f.check}: {f.message}", file=out)
        print(f"{failed} problem(s), {warned} warning(s)" if failed or warned
              else "everything checked is fine")
    return 1 if failed else 0
