"""``cti ivr check`` and ``cti ivr simulate``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cti.agi.errors import FlowValidationError
from cti.agi.loader import LoadedFlow, load_flows
from cti.agi.memory_host import MemoryHost
from cti.config import Config, load_config


def add_commands(sub: argparse._SubParsersAction) -> None:
    ivr = sub.add_parser("ivr", help="IVR flows: check them, simulate a call")
    ivr_sub = ivr.add_subparsers(dest="ivr_command", metavar="ACTION", required=True)

    check = ivr_sub.add_parser("check", help="validate every flow in the flows directory")
    _common(check)
    check.set_defaults(func=_check)

    sim = ivr_sub.add_parser("simulate", help="run one call through a flow, without Asterisk")
    sim.add_argument("flow", help="flow name (file name without .yaml), e.g. main")
    sim.add_argument("--caller", default="5551234", help="caller number (default 5551234)")
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
    parser.add_argument("--config", type=Path, default=Path("config"),
                        help="config directory, for queue and skill names (default: config)")
    parser.add_argument("--flows", type=Path, default=Path("ivr_flows"),
                        help="flows directory (default: ivr_flows)")


def _load(args: argparse.Namespace) -> tuple[Config, dict[str, LoadedFlow]] | None:
    config = load_config(args.config)
    try:
        flows = load_flows(args.flows, queues=set(config.queues), skills=config.skills(),
                           catalogue=config.catalogue)
    except FlowValidationError as exc:
        for line in exc.errors:
            print(f"cti ivr: {args.flows}/{line}", file=sys.stderr)
        print(f"cti ivr: {len(exc.errors)} problem(s) in {args.flows}", file=sys.stderr)
        return None
    return config, flows


def _check(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 1
    _, flows = loaded
    for name, lf in sorted(flows.items()):
        print(f"{lf.path}: {name}: {len(lf.flow.steps)} steps, start {lf.flow.start}")
    print(f"{len(flows)} flows OK")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 1
    config, flows = loaded
    if args.flow not in flows:
        print(f"cti ivr simulate: no flow named {args.flow!r} in {args.flows}; flows: "
              f"{', '.join(sorted(flows))}", file=sys.stderr)
        return 1
    tz = ZoneInfo(config.hours.timezone)
    try:
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    except ValueError:
        print(f"cti ivr simulate: --at {args.at!r} is not an ISO time like 2026-12-25T10:00",
              file=sys.stderr)
        return 1
    at = at.replace(tzinfo=tz) if at.tzinfo is None else at
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
                             caller=args.caller, name=args.name, dnid=args.dnid,
                             digits=digits, at=at, tz=tz, hangup_after=args.hangup_after)
    finally:
        if store is not None:
            await store.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
    for line in describe(sim, commands=args.commands):
        print(line)
    return 0 if sim.result is not None else 1
