"""``cti sim``: run the PBX simulator standalone (AMI server + callers + agent phones).

The AMI secret never goes on the command line (``ps`` shows it): it comes from
the environment variable CTI_SIM_SECRET, from ``--secret-file``, or from an
account file (``--accounts``, manager.conf style).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

from cti.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE
from cti.sim.customers import OutboundProfile
from cti.sim.errors import SimError
from cti.sim.phones import Behaviour
from cti.sim.server import DEFAULT_DIALPLAN, SimPbx
from cti.sim.traffic import Traffic, TrafficProfile

SECRET_ENV = "CTI_SIM_SECRET"
DEFAULT_SECRET = "change-me"  # a placeholder `cti run` refuses: give both sides a real one


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
    p.add_argument("--username", default="cti", help="the AMI user (default cti)")
    p.add_argument("--secret-file", type=Path, default=None,
                   help=f"file holding the AMI secret (default: ${SECRET_ENV}, else "
                        f"{DEFAULT_SECRET!r})")
    p.add_argument("--secret", dest="secret_on_command_line", default=None,
                   help=argparse.SUPPRESS)
    p.add_argument("--accounts", type=Path, default=None,
                   help="manager.conf-style file of AMI users (secret, read, write, "
                        "permit, deny), e.g. dialplan/manager_cti.conf")
    p.add_argument("--agents", type=int, default=20,
                   help="agent phones PJSIP/1001... answering after --answer-after s")
    p.add_argument("--answer-after", type=float, default=2.0)
    p.add_argument("--calls-per-minute", type=float, default=30.0)
    p.add_argument("--patience", type=float, default=90.0, help="mean caller patience (s)")
    p.add_argument("--talk", type=float, nargs=2, default=(30.0, 120.0), metavar=("MIN", "MAX"))
    p.add_argument("--digits", default="1,2,3", help="menu digits callers choose from")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--outbound", type=_outbound, default=None, metavar="SETTINGS",
                   help="customers outbound calls reach, e.g. answer=0.7,busy=0.05,"
                        "machine=0.2,silence=0,delay=3:12,talk=60 (talk: median seconds)")
    p.set_defaults(func=run)


_OUTBOUND_KEYS = {"answer": "answer_rate", "busy": "busy_rate", "machine": "machine_rate",
                  "silence": "silence_rate", "talk": "talk_median", "sigma": "talk_sigma"}


def _outbound(text: str) -> OutboundProfile:
    """``answer=0.7,machine=0.2,delay=3:12,talk=60`` -> OutboundProfile."""
    values: dict[str, object] = {}
    for item in (i for i in text.split(",") if i.strip()):
        key, sep, value = item.partition("=")
        key = key.strip()
        try:
            if key == "delay":
                low, _, high = value.partition(":")
                values["answer_delay"] = (float(low), float(high or low))
            elif key in _OUTBOUND_KEYS and sep:
                values[_OUTBOUND_KEYS[key]] = float(value)
            else:
                raise argparse.ArgumentTypeError(
                    f"unknown outbound setting {item.strip()!r}; use "
                    f"{', '.join([*_OUTBOUND_KEYS, 'delay'])} as key=value")
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item.strip()!r}: not a number") from None
    try:
        return OutboundProfile(**values)  # type: ignore[arg-type]
    except SimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def read_secret(args: argparse.Namespace) -> str:
    """The AMI secret: --secret-file, else $CTI_SIM_SECRET, else the default."""
    if args.secret_on_command_line is not None:
        raise SimError(f"--secret puts the secret where ps shows it; set {SECRET_ENV} "
                       "or use --secret-file FILE")
    if args.secret_file is not None:
        try:
            secret = args.secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SimError(f"cannot read --secret-file {args.secret_file}: "
                           f"{exc.strerror}") from None
        if not secret:
            raise SimError(f"--secret-file {args.secret_file} is empty")
        return secret
    return os.environ.get(SECRET_ENV) or DEFAULT_SECRET


def run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 0
    except SimError as exc:
        print(f"cti sim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # the port is taken: free it, or wait for what holds it
        print(f"cti sim: cannot listen on {args.ami[0]}:{args.ami[1]}: {exc.strerror}",
              file=sys.stderr)
        return EXIT_UNREACHABLE
    return 0


async def _run(args: argparse.Namespace) -> None:
    pbx = SimPbx(args.ami[0], args.ami[1], dialplan=args.dialplan, agi_address=args.agi,
                 username=args.username, secret=read_secret(args), speed=args.speed)
    if args.accounts is not None:
        pbx.load_accounts(args.accounts)
    if args.outbound is not None:
        pbx.set_outbound_profile(args.outbound, seed=args.seed)
    for n in range(args.agents):
        pbx.add_phone(f"PJSIP/{1001 + n}", Behaviour.answers(args.answer_after))
    # the trunk of outbound calls (click-to-dial, callbacks): customers answer after 2 s
    # (or as --outbound says) and hang up after a talk time drawn from it
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
