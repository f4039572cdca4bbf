"""``cti ivr check`` and ``cti ivr simulate``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cti.agi.errors import FlowValidationError
from cti.agi.loader import LoadedFlow
from cti.agi.memory_host import MemoryHost
from cti.agi.wiring import load_config_flows
from cti.cli_args import add_config, add_flows
from cti.config import Config, load_config
from cti.errors import EXIT_BAD_INPUT, ConfigError, locate


def add_commands(sub: argparse._SubParsersAction) -> None:
    ivr = sub.add_parser("ivr", help="IVR flows: check them, simulate a call")
    ivr_sub = ivr.add_subparsers(dest="ivr_command", metavar="ACTION", required=True)

    check = ivr_sub.add_parser("check", help="validate every flow in the flows directory")
    _common(check)
    check.add_argument("--sounds", type=Path, metavar="DIR",
                       help="an Asterisk sounds directory (/var/lib/asterisk/sounds/en): "
                            "list the prompts missing from it")
    check.set_defaults(func=_check)

    sim = ivr_sub.add_parser("simulate", help="run one call through a flow, without Asterisk")
    sim.add_argument("flow", help="flow name (file name without .yaml), e.g. main")
    sim.add_argument("--caller", default="+34612345678",
                     help="caller number (default +34612345678)")
    sim.add_argument("--name", default="", help="caller name")
    sim.add_argument("--dnid", default="900", help="number dialled (default 900)")
    sim.add_argument("--digits", default="",
                     help="what the caller types at each prompt, comma separated; an "
                          "empty entry is a timeout: 1,,4321")
    sim.add_argument("--at", help="the time of the call, ISO 8601 (default: now), e.g. "
                                  "2026-12-25T10:00 (in the hours.yaml time zone)")
    sim.add_argument("--hangup-after", type=int, metavar="N",
                     help="the caller hangs up after N AGI commands")
    sim.add_argument("--store", action="store_true",
                     help="look customers up in the database of cti.yaml (read only)")
    sim.add_argument("--commands", action="store_true", help="print the AGI commands too")
    _common(sim)
    sim.set_defaults(func=_simulate)


def _common(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    add_flows(parser)


def _load(args: argparse.Namespace) -> tuple[Config, dict[str, LoadedFlow]] | None:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(f"cti ivr: {locate(line, args.config)}", file=sys.stderr)
        return None
    if args.flows is None:
        args.flows = config.path(config.service.ivr.flows_dir)
    try:
        flows = load_config_flows(config, args.flows)
    except FlowValidationError as exc:
        for line in exc.errors:
            print(f"cti ivr: {_where(line, args.flows, args.config)}", file=sys.stderr)
        print(f"cti ivr: {len(exc.errors)} problem(s) in {args.flows}", file=sys.stderr)
        return None
    return config, flows


def _where(line: str, flows: Path, config: Path) -> str:
    """A loader line with the directory of the file it names (flows or config)."""
    name = line.split(":", 1)[0]
    if name == "cti.yaml":
        return locate(line, config)
    if name.endswith((".yaml", ".yml")) and "/" not in name:
        return f"{flows}/{line}"
    return line


def _check(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return EXIT_BAD_INPUT
    _, flows = loaded
    for name, lf in sorted(flows.items()):
        print(f"{lf.path}: {name}: {len(lf.flow.steps)} steps, start {lf.flow.start}")
    print(f"{len(flows)} flows OK")
    if args.sounds is None:
        return 0
    return _check_sounds(args.sounds, flows)


def _check_sounds(directory: Path, flows: dict[str, LoadedFlow]) -> int:
    from cti.agi.sounds import find_missing, prompts_played

    if not directory.is_dir():
        print(f"cti ivr: --sounds {directory}: not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    played = prompts_played({n: lf.flow for n, lf in flows.items()})
    missing = find_missing(played, directory)
    for prompt in missing:
        print(f"missing: {prompt.name}  ({', '.join(prompt.where)})")
    variable = [p for p in played if p.variable]
    for prompt in variable:
        print(f"not checked: {prompt.name}  (chosen by a variable; {', '.join(prompt.where)})")
    checked = len(played) - len(variable)
    print(f"{directory}: {checked - len(missing)} of {checked} prompts found"
          + (f", {len(missing)} missing" if missing else ""))
    return EXIT_BAD_INPUT if missing else 0


def _simulate(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return EXIT_BAD_INPUT
    config, flows = loaded
    if args.flow not in flows:
        print(f"cti ivr simulate: no flow named {args.flow!r} in {args.flows}; flows: "
              f"{', '.join(sorted(flows))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    tz = ZoneInfo(config.hours.timezone)
    try:
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(tz)
    except ValueError:
        print(f"cti ivr simulate: --at {args.at!r} is not an ISO time like 2026-12-25T10:00",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    # the centre's local time: a time without a zone is in it, one with a zone is shown in it
    at = at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
    digits = args.digits.split(",") if args.digits else []
    return asyncio.run(_run(args, config, flows, at, tz, digits))


async def _run(args: argparse.Namespace, config: Config, flows: dict[str, LoadedFlow],
               at: datetime, tz: ZoneInfo, digits: list[str]) -> int:
    from cti.agi.simulate import describe, simulate

    store = None
    embedded = None
    host: MemoryHost
    if args.store:
        from cti.agi.store_host import StoreLookupHost
        from cti.store import Store
        from cti.store.embedded import EmbeddedPostgres

        db = config.service.database
        if db.embedded:
            embedded = EmbeddedPostgres(config.path(db.data_dir))
            dsn = await asyncio.to_thread(embedded.start)
        else:
            dsn = db.url.get_secret_value()
        store = await Store.open(dsn)
        host = StoreLookupHost(hours=config.hours, store=store)
    else:
        host = MemoryHost(hours=config.hours)
    try:
        state = "open" if host.is_open(at) else "closed"
        print(f"flow {args.flow}, caller {args.caller}, {at:%Y-%m-%d %H:%M %Z} ({state}), "
              f"digits {digits}")
        sim = await simulate({n: lf.flow for n, lf in flows.items()}, args.flow, host,
                             dialling=config.service.dialling(),
                             caller=args.caller, name=args.name, dnid=args.dnid,
                             digits=digits, at=at, tz=tz, hangup_after=args.hangup_after)
    finally:
        if store is not None:
            await store.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
    for line in describe(sim, commands=args.commands):
        print(line)
    return 0 if sim.result is not None else EXIT_BAD_INPUT
