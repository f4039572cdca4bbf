"""Replay the Asterisk side of every recorded FastAGI session against our server.

The scripted client plays Asterisk: it sends the recorded ``in`` lines (the
agi_ environment, then each reply) and checks that the server sends exactly
the recorded ``out`` commands, then closes. Server-side, scripts written with
the typed session API issue the commands the recording IVR issued; what the
typed API returned is asserted per trace.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest

from cti.agi.errors import AgiAppNotFound, AgiHangup, AgiUnknownCommand, AgiUsageError
from cti.agi.server import AgiServer
from cti.agi.session import AgiSession, DigitsInput, Playback

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"
AGI_TRACES = [p for p in sorted(TRACES.glob("*.agi.jsonl")) if p.stat().st_size > 0]


def _uniqueid(sessions: dict[int, list[dict[str, Any]]], script: str) -> str:
    """The agi_uniqueid Asterisk sent in the first session running ``script``."""
    for entries in sessions.values():
        env = dict(e["line"].split(": ", 1) for e in entries
                   if e["dir"] == "in" and e["line"].startswith("agi_"))
        if env.get("agi_network_script", "").startswith(script):
            return env["agi_uniqueid"]
    raise AssertionError(f"no {script} session in the trace")


def load_sessions(path: Path) -> dict[int, list[dict[str, Any]]]:
    sessions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        sessions[entry["session"]].append(entry)
    return dict(sessions)


async def play_asterisk(port: int, entries: list[dict[str, Any]]) -> list[str]:
    """Act as Asterisk for one recorded session; return the commands received."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received: list[str] = []
    try:
        for entry in entries:
            if entry["dir"] == "in":
                writer.write(entry["line"].encode() + b"\n")
            elif entry["dir"] == "out":
                await writer.drain()
                raw = await reader.readline()
                assert raw.endswith(b"\n"), f"server closed; expected {entry['line']!r}"
                got = raw.decode().rstrip("\n")
                received.append(got)
                assert got == entry["line"]
            elif entry["line"] == "close":
                await writer.drain()
                assert await reader.read() == b"", "server sent more than recorded"
    finally:
        writer.close()
    return received


class Outcome:
    """What each typed call returned or raised, by name."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def __call__(self, name: str, call: Awaitable[Any]) -> None:
        try:
            self.values[name] = await call
        except Exception as exc:
            self.values[name] = exc


async def demo_ivr(s: AgiSession, out: Outcome) -> None:
    """The commands the recording IVR sent (it went on after a hang-up)."""
    await out("answer", s.answer())
    await out("welcome", s.stream_file("cti-welcome"))
    await out("menu", s.get_data("cti-menu", 4000, 1))
    await out("number", s.get_variable("CALLERID(num)"))
    await out("full", s.get_full_variable("${CALLERID(name)} ${CHANNEL(uniqueid)}"))
    await out("digits", s.say_digits("123"))
    await out("say", s.say_number(42))
    await out("set1", s.set_variable("CTI_INTERACTION", "int-0001"))
    await out("set2", s.set_variable("CTI_ACTION", "queue"))
    await out("verbose", s.verbose("queued by cti", 1))


async def demo_hold(s: AgiSession, out: Outcome) -> None:
    await out("position", s.stream_file("cti-position"))
    await out("offer", s.get_data("cti-callback-offer", 1500, 1))


async def errors_ivr(s: AgiSession, out: Outcome) -> None:
    """19-agi-errors: error answers of a real Asterisk."""
    await out("answer", s.answer())
    await out("unknown", s.checked("FOO BAR"))
    await out("usage", s.checked("STREAM FILE"))
    await out("missing", s.stream_file("no-such-prompt"))
    await out("noapp", s.exec("NoSuchApplication", "x"))
    await out("playback", s.exec("Playback", "cti-welcome"))
    await out("data", s.get_data("cti-menu", 3000, 4))
    await out("set", s.set_variable("CTI_ACCOUNT", "ñ 1234"))
    await out("unset", s.get_variable("NO_SUCH_VARIABLE"))
    await out("status", s.channel_status())
    await out("hangup", s.hangup())
    await out("after", s.get_variable("CTI_ACCOUNT"))


@pytest.mark.parametrize("trace", AGI_TRACES, ids=lambda p: p.stem)
async def test_agi_server_replays_trace(trace: Path) -> None:
    sessions = load_sessions(trace)
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    ivr_script = errors_ivr if trace.stem.startswith("19-") else demo_ivr

    def route(script):
        async def handler(session: AgiSession) -> None:
            out = Outcome()
            outcomes[session.env.get("callerid") + "/" + session.request.path].append(out)
            await script(session, out)
        return handler

    server = AgiServer({"ivr": route(ivr_script), "hold": route(demo_hold)}, port=0)
    async with asyncio.timeout(10), server:
        results = await asyncio.gather(*(play_asterisk(server.port, s)
                                         for s in sessions.values()))
    assert all(results)
    assert server.stats["sessions"] == len(sessions)
    assert server.stats["errors"] == 0

    name = trace.stem
    if name.startswith("19-"):
        (o,) = outcomes["5552222/ivr"]
        v = o.values
        assert isinstance(v["unknown"], AgiUnknownCommand)
        assert isinstance(v["usage"], AgiUsageError)
        assert v["usage"].usage.startswith("Invalid command syntax.  Proper usage follows:")
        assert "<value>FAILED</value>" in v["usage"].usage
        assert v["usage"].usage.endswith("End of proper usage.")
        assert v["missing"] == Playback(None, 0, failed=True)
        assert isinstance(v["noapp"], AgiAppNotFound)
        assert v["playback"] == 0
        assert v["data"] == DigitsInput("4321")
        assert v["unset"] is None
        assert v["status"] == 6
        assert v["hangup"] is None
        assert isinstance(v["after"], AgiHangup)
        assert v["after"].reply.data == "ñ 1234"
        return
    ivr = [o for key, outs in outcomes.items() if key.endswith("/ivr") for o in outs]
    assert ivr
    for o in ivr:
        assert o.values["answer"] is None
        assert o.values["welcome"] == Playback(None, 8000)
    if name.startswith("06-"):
        v = ivr[0].values
        assert v["menu"] == DigitsInput("", failed=True)
        assert isinstance(v["number"], AgiHangup) and v["number"].reply.data == "5550001"
        assert isinstance(v["digits"], AgiHangup) and v["digits"].reply.code == 511
        assert isinstance(v["set1"], AgiHangup)
    elif name.startswith("15-"):
        v = ivr[0].values
        assert v["menu"] == DigitsInput("", timed_out=True)
        assert v["number"] == "sipp"
        assert outcomes["sipp/hold"][0].values["offer"] == DigitsInput("", failed=True)
    elif name.startswith("17-"):
        assert outcomes["5551234/ivr"][0].values["menu"] == DigitsInput("1")
        assert outcomes["5557777/ivr"][0].values["menu"] == DigitsInput("2")
        assert outcomes["5557777/ivr"][0].values["full"] == "Ana Ruiz 1795442240.268"
    else:
        v = ivr[0].values
        assert v["menu"] == DigitsInput("1")
        assert v["number"] == "5551234"
        assert v["full"] == f"Juan Perez {_uniqueid(sessions, 'ivr')}"
        assert v["digits"] == Playback(None, None)
        assert v["set2"] is None and v["verbose"] is None
    if name.startswith("07-"):
        hold = outcomes["5551234/hold"][0].values
        assert hold["position"] == Playback(None, 1760, failed=True)
        assert isinstance(hold["offer"], AgiHangup) and hold["offer"].reply.code == 511
    if name.startswith(("03-", "04-")):
        hold = outcomes["5551234/hold"][0].values
        assert hold["offer"] == DigitsInput("", timed_out=True)
