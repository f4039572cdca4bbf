"""``cti ami record FILE`` and ``cti ami replay FILE``.

Errors are one line on stderr. Exit codes: 0 done, 2 the input is wrong
(file, options, secret, config), 1 Asterisk could not be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

from cti.ami.client import AmiClient
from cti.ami.errors import AmiError, AmiLoginFailed
from cti.ami.events import to_dict
from cti.ami.replay import ReplayError, load, replay
from cti.cli_args import add_config
from cti.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE, CtiError

#: exit codes (as every cti command: cti/errors.py)
BAD_INPUT, UNREACHABLE = EXIT_BAD_INPUT, EXIT_UNREACHABLE


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ami = sub.add_parser("ami", help="Asterisk Manager tools: record and replay AMI streams")
    cmds = ami.add_subparsers(dest="ami_command", required=True, metavar="COMMAND")

    rec = cmds.add_parser(
        "record", help="capture the raw AMI stream of a live Asterisk into FILE",
        description="Log in to Asterisk's AMI and write every byte it sends to FILE "
        "(raw AMI wire text, replayable with `cti ami replay`). Stops on Ctrl-C or after "
        "--duration seconds. The secret comes from --secret or $CTI_AMI_SECRET.")
    rec.add_argument("file", type=Path, help="where to write the capture")
    add_config(rec)  # its cti.yaml gives the defaults below
    rec.add_argument("--node", default=None, help="AMI node of cti.yaml (default: the first)")
    rec.add_argument("--host", default=None, help="AMI host (default: cti.yaml, 127.0.0.1)")
    rec.add_argument("--port", type=int, default=None, help="AMI port (default: cti.yaml, 5038)")
    rec.add_argument("--user", default=None, help="AMI username (default: cti.yaml, cti)")
    rec.add_argument("--secret", default=None,
                     help="AMI secret (default: $CTI_AMI_SECRET, then cti.yaml)")
    rec.add_argument("--duration", type=float, default=None,
                     help="stop after this many seconds (default: until Ctrl-C)")
    rec.set_defaults(func=_record)

    rep = cmds.add_parser(
        "replay", help="run a captured stream through the call tracker, print its events",
        description="Feed FILE (raw AMI wire text as written by `cti ami record`, a JSON "
        "array of events, or a *.ami.jsonl trace) through the call tracker without Asterisk "
        "and print the tracker's events as JSON lines, each with the index of the source "
        "message that caused it.")
    rep.add_argument("file", type=Path, help="the capture to replay")
    rep.add_argument("--node", default="replay", help="node name put on the events")
    rep.set_defaults(func=_replay)


class _BadInput(Exception):
    """Something in the command line or the config is wrong (exit code 2)."""


def _fail(message: str, code: int = BAD_INPUT) -> int:
    print(f"cti ami: {message}", file=sys.stderr)
    return code


def _replay(args: argparse.Namespace) -> int:
    try:
        items = load(args.file)
    except ReplayError as exc:
        return _fail(str(exc))
    out = sys.stdout
    try:
        for index, event in replay(items, node=args.node):
            out.write(json.dumps({"index": index, **to_dict(event)}, ensure_ascii=False))
            out.write("\n")
        out.flush()
    except BrokenPipeError:  # `cti ami replay x | head`
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return 0


def _node_defaults(args: argparse.Namespace) -> None:
    """Fill --host/--port/--user/--secret left out from the config's AMI node, if any."""
    node = None
    if (args.config / "cti.yaml").is_file():
        from cti.config import load_config

        try:
            nodes = load_config(args.config).service.ami
        except CtiError:
            raise _BadInput(f"{args.config}/cti.yaml has errors; see `cti config check "
                            f"{args.config}`, or pass --host/--port/--user") from None
        node = next((n for n in nodes if args.node in (None, n.name)), None)
        if node is None:
            names = ", ".join(n.name for n in nodes)
            raise _BadInput(f"no AMI node {args.node!r} in {args.config}/cti.yaml "
                            f"(it has: {names})")
    args.host = args.host or (node.host if node else "127.0.0.1")
    args.port = args.port or (node.port if node else 5038)
    args.user = args.user or (node.username if node else "cti")
    if args.secret is None:
        args.secret = os.environ.get("CTI_AMI_SECRET") or (
            node.secret.get_secret_value() if node else None)


def _record(args: argparse.Namespace) -> int:
    if args.duration is not None and not args.duration > 0:
        return _fail(f"--duration must be a positive number of seconds, not {args.duration:g}")
    try:
        _node_defaults(args)
    except _BadInput as exc:
        return _fail(str(exc))
    secret = args.secret
    if not secret:
        return _fail("no AMI secret: pass --secret, set CTI_AMI_SECRET or give --config")
    try:
        handle = args.file.open("wb")
    except OSError as exc:
        return _fail(f"cannot write {args.file}: {exc.strerror}")
    with handle:
        try:
            written = asyncio.run(_record_async(args, secret, handle))
        except AmiError as exc:
            handle.close()
            with contextlib.suppress(OSError):
                if args.file.stat().st_size == 0:
                    args.file.unlink()  # nothing was captured: leave no empty file behind
            return _fail(str(exc), BAD_INPUT if isinstance(exc, AmiLoginFailed)
                         else UNREACHABLE)
    print(f"cti ami: wrote {written} bytes to {args.file}", file=sys.stderr)
    return 0


async def _record_async(args: argparse.Namespace, secret: str, handle: object) -> int:
    written = 0

    def tap(data: bytes) -> None:
        nonlocal written
        handle.write(data)  # type: ignore[attr-defined]
        handle.flush()  # type: ignore[attr-defined]
        written += len(data)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    client = AmiClient("record", args.host, args.port, args.user, secret, on_bytes=tap)
    await client.start()
    print(f"cti ami: recording {args.user}@{args.host}:{args.port} to {args.file}"
          + ("" if args.duration else "; Ctrl-C to stop"), file=sys.stderr)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.duration):
                await stop.wait()
    finally:
        await client.stop()
    return written
