"""Replay a recorded Asterisk trace against the simulator and compare what comes back.

The AMI side sends the recorded ``"dir": "out"`` actions at their recorded
times (divided by the speed factor); a scripted FastAGI server plays the
recorded IVR commands. Comparison is per channel: the sequence of compared
events for each channel name, with ids, times and counters left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from cti.ami.codec import AmiParser, Malformed, parse_block
from cti.sim import Behaviour, SimPbx

TRACES = Path("/work/shared/asterisk-traces")
RECORDED_DIALPLAN = TRACES / "asterisk-config" / "extensions.conf"

#: events compared per channel, in order
COMPARED = {"Newchannel", "Newstate", "Newexten", "DialBegin", "DialState", "DialEnd",
            "BridgeEnter", "BridgeLeave", "Hangup", "MusicOnHoldStart", "MusicOnHoldStop",
            "UserEvent", "BlindTransfer"}
#: fields whose values are ids, times or counters
VOLATILE = {"Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid", "BridgeUniqueid",
            "Timestamp", "EventTV", "SessionID", "SessionTV", "RemoteAddress", "LocalAddress",
            "Uptime", "LastReload", "Duration", "Seconds", "TransfererUniqueid",
            "TransfererLinkedid", "TransfereeUniqueid", "TransfereeLinkedid",
            "BridgeNumChannels", "CommandId", "Output", "Privilege"}


@dataclass
class Trace:
    name: str
    #: (time, action, how many compared events were recorded before it)
    actions: list[tuple[float, dict[str, str], int]]
    received: list[dict[str, str]]
    agi_sessions: dict[int, list[dict[str, str]]]

    @classmethod
    def load(cls, stem: str) -> Trace:
        actions: list[tuple[float, dict[str, str], int]] = []
        received: list[dict[str, str]] = []
        for line in (TRACES / f"{stem}.ami.jsonl").read_text().splitlines():
            d = json.loads(line)
            raw = d["raw"]
            if d["dir"] == "out":
                msg = parse_block(raw.strip("\r\n").encode())
                assert isinstance(msg, dict)
                seen = sum(1 for m in received if m.get("Event") in COMPARED)
                actions.append((d["t"], msg, seen))
            elif d["dir"] == "in" and ":" in raw and not raw.startswith("Asterisk Call"):
                msg = parse_block(raw.rstrip("\r\n").encode())
                if isinstance(msg, dict):
                    received.append(msg)
        sessions: dict[int, list[dict[str, str]]] = {}
        agi = TRACES / f"{stem}.agi.jsonl"
        for line in agi.read_text().splitlines():
            d = json.loads(line)
            sessions.setdefault(d["session"], []).append(d)
        return cls(stem, actions, received, sessions)

    def channel_seq(self) -> dict[str, int]:
        """The first channel number of each technology in the recording."""
        seqs: dict[str, int] = {}
        for msg in self.received:
            if msg.get("Event") == "Newchannel":
                m = re.match(r"^(\w+)/.*-([0-9a-f]{8})(;\d)?$", msg["Channel"])
                if m and m.group(1) not in seqs:
                    seqs[m.group(1)] = int(m.group(2), 16)
        return seqs


class ScriptedAgi:
    """A FastAGI server that sends the recorded commands of each session."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.unused = dict(trace.agi_sessions)
        self.received: dict[int, list[str]] = {}
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    def _pick(self, env: dict[str, str]) -> int:
        for number, lines in self.unused.items():
            recorded = {ln["line"].split(": ", 1)[0]: ln["line"].split(": ", 1)[-1]
                        for ln in lines if ln["dir"] == "in" and ln["line"].startswith("agi_")}
            if recorded.get("agi_channel") == env.get("agi_channel") and \
                    recorded.get("agi_network_script") == env.get("agi_network_script"):
                return number
        return next(iter(self.unused))

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got: list[str] = []
        env: dict[str, str] = {}
        while True:
            line = (await reader.readline()).decode().rstrip("\n")
            got.append(line)
            if not line:
                break
            key, _, value = line.partition(": ")
            env[key] = value
        number = self._pick(env)
        script = self.unused.pop(number)
        self.received[number] = got
        for entry in script:
            if entry["dir"] == "note" and entry["line"] == "close":
                break
            if entry["dir"] != "out":
                continue
            writer.write((entry["line"] + "\n").encode())
            await writer.drain()
            while True:
                raw = await reader.readline()
                if not raw:
                    writer.close()
                    return
                text = raw.decode().rstrip("\n")
                got.append(text)
                if text != "HANGUP" and not text.startswith("520-") and \
                        re.match(r"^\d{3} ", text):
                    break
                if text != "HANGUP" and not text.startswith("520-") and not text[:3].isdigit():
                    continue
        writer.close()


@dataclass
class Replay:
    trace: Trace
    received: list[dict[str, str]] = field(default_factory=list)
    agi: ScriptedAgi | None = None


def configure(pbx: SimPbx) -> None:
    """Phones as in the recording setup: SIP phones agent1101/agent1102 answer at once."""
    for peer, name in (("agent1101", "Agent 1101"), ("agent1102", "Supervisor")):
        pbx.add_phone(f"SIP/{peer}", Behaviour.answers(0.01), context="agents-phones",
                      cid_num=peer[-4:], cid_name=name)


async def replay(stem: str, speed: float = 5.0) -> Replay:
    trace = Trace.load(stem)
    agi = ScriptedAgi(trace)
    await agi.start()
    pbx = SimPbx(dialplan=RECORDED_DIALPLAN, agi_address=("127.0.0.1", agi.port),
                 secret="cti-secret", speed=speed, channel_seq=trace.channel_seq())
    configure(pbx)
    await pbx.start()
    result = Replay(trace, agi=agi)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", pbx.ami_port)
        parser = AmiParser()
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def read_all() -> None:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for msg in parser.feed(data):
                    if not isinstance(msg, Malformed):
                        result.received.append(msg)

        reading = asyncio.ensure_future(read_all())
        for t, action, seen in trace.actions:
            delay = started + t / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            # wait until the simulator's stream reached the point the recording had
            for _ in range(50):
                if sum(1 for m in result.received if m.get("Event") in COMPARED) >= seen:
                    break
                await asyncio.sleep(0.01)
            if reading.done():
                break
            writer.write("".join(f"{k}: {v}\r\n" for k, v in action.items()).encode() + b"\r\n")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reading, 3)
        writer.close()
    finally:
        await pbx.stop()
        await agi.stop()
    return result


def per_channel(messages: list[dict[str, str]]) -> dict[str, list[tuple[str, tuple]]]:
    out: dict[str, list[tuple[str, tuple]]] = {}
    for msg in messages:
        event = msg.get("Event")
        if event not in COMPARED or "Channel" not in msg:
            continue
        fields = tuple((k, "" if k in VOLATILE else v) for k, v in msg.items() if k != "Event")
        out.setdefault(msg["Channel"], []).append((event, fields))
    return out


def responses(messages: list[dict[str, str]]) -> dict[str, list[tuple]]:
    """Responses and list events by ActionID."""
    out: dict[str, list[tuple]] = {}
    for msg in messages:
        if "ActionID" not in msg:
            continue
        fields = tuple((k, "" if k in VOLATILE else v) for k, v in msg.items())
        out.setdefault(msg["ActionID"], []).append(fields)
    return out
