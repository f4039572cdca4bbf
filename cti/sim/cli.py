"""``cti sim``: run the PBX simulator standalone (AMI server + callers + agent phones)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from cti.sim.errors import SimError
from cti.sim.phones import Behaviour
from cti.sim.server import DEFAULT_DIALPLAN, SimPbx
from cti.sim.traffic import Traffic, TrafficProfile


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sim", help="run the PBX simulator (AMI + FastAGI + callers)")
    p.add_argument("--ami", type=_address, default=("127.0.0.1", 5038),
                   help="address of the AMI server (default 127.0.0.1:5038)")
    p.add_argument("--agi", type=_address, default=None,
                   help="the service's FastAGI address (default: the dialplan's CTI_AGI)")
    p.add_argument("--dialplan", type=Path, default=DEFAULT_DIALPLAN,
                   help="extensions.conf to run (default dialplan/extensions_cti.conf)")
    p.add_argument("--username", default="cti")
    p.add_argument("--secret", default="change-me")
    p.add_argument("--agents", type=int, default=20,
                   help="agent phones PJSIP/1001... answering after --answer-after s")
    p.add_argument("--answer-after", type=float, default=2.0)
    p.add_argument("--calls-per-minute", type=float, default=30.0)
    p.add_argument("--patience", type=float, default=90.0, help="mean caller patience (s)")
    p.add_argument("--talk", type=float, nargs=2, default=(30.0, 120.0), metavar=("MIN", "MAX"))
    p.add_argument("--digits", default="1,2,3", help="menu digits callers choose from")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 0
    except SimError as exc:
        print(f"cti sim: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cti sim: cannot listen on {args.ami[0]}:{args.ami[1]}: {exc.strerror}",
              file=sys.stderr)
        return 1
    return 0


async def _run(args: argparse.Namespace) -> None:
    pbx = SimPbx(args.ami[0], args.ami[1], dialplan=args.dialplan, agi_address=args.agi,
                 username=args.username, secret=args.secret, speed=args.speed)
    for n in range(args.agents):
        pbx.add_phone(f"PJSIP/{1001 + n}", Behaviour.answers(args.answer_after))
    # the trunk of outbound calls (click-to-dial, callbacks): customers answer after 2 s
    pbx.add_phone("PJSIP/trunk", Behaviour.answers(2.0), context="cti-inbound")
    await pbx.start()
    profile = TrafficProfile(calls_per_minute=args.calls_per_minute, mean_patience=args.patience,
                             talk_seconds=tuple(args.talk),
                             digits=tuple(d for d in args.digits.split(",") if d))
    traffic = Traffic(pbx, profile, seed=args.seed)
    print(f"cti sim: AMI on {pbx.host}:{pbx.ami_port}, {args.agents} agent phones "
          f"PJSIP/1001..., {args.calls_per_minute:g} calls/min", flush=True)
    traffic.start()
    try:
        while True:
            await asyncio.sleep(10)
            c = traffic.counters
            print(f"placed={c['placed']} connected={c.get('calls_connected', 0)} "
                  f"abandoned={c.get('calls_abandoned', 0)} ended={c.get('calls_ended', 0)} "
                  f"channels={c['active_channels']} "
                  f"agi_failed={c.get('agi_connect_failed', 0)}", flush=True)
    finally:
        await traffic.stop()
        with contextlib.suppress(Exception):
            await pbx.stop()
