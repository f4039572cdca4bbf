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
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cti.ami.codec import AmiParser, Malformed, parse_block
from cti.sim import Behaviour, SimPbx

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"
RECORDED_DIALPLAN = TRACES / "asterisk-config" / "extensions.conf"

RECONNECT = "<reconnect>"
#: chan_sip/RTP variables: the simulated phones have no SIP dialogue or media
SIP_ONLY_VARIABLES = {"SIPCALLID", "SIPURI", "SIPDOMAIN", "BRIDGEPVTCALLID", "RTPAUDIOQOS",
                      "RTPAUDIOQOSJITTER", "RTPAUDIOQOSLOSS", "RTPAUDIOQOSRTT",
                      "RTPAUDIOQOSMES"}
#: variables whose values are durations
TIME_VARIABLES = {"ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS",
                  "RINGTIME", "RINGTIME_MS", "PROGRESSTIME", "PROGRESSTIME_MS"}
#: events compared per channel, in order
COMPARED = {"Newchannel", "Newstate", "Newexten", "DialBegin", "DialState", "DialEnd",
            "BridgeEnter", "BridgeLeave", "Hangup", "MusicOnHoldStart", "MusicOnHoldStop",
            "UserEvent", "NewCallerid", "NewConnectedLine", "SoftHangupRequest",
            "HangupRequest", "AGIExecStart", "AGIExecEnd", "DTMFBegin", "DTMFEnd", "VarSet",
            "MixMonitorStart", "MixMonitorStop", "MixMonitorMute"}
#: events that pace the replay: an action waits until the simulator sent as many
#: of these as the recording had before it
SYNC = {"Newchannel", "Newstate", "Newexten", "DialBegin", "DialState", "DialEnd",
        "BridgeEnter", "BridgeLeave", "Hangup", "MusicOnHoldStart", "MusicOnHoldStop",
        "UserEvent", "MixMonitorStart", "MixMonitorStop", "ChanSpyStart", "ChanSpyStop",
        "AGIExecStart"}
#: Asterisk's monitor spool, where MIXMONITOR_FILENAME points in the recordings
ASTERISK_MONITOR = "/var/spool/asterisk/monitor"
#: events without a channel that are not compared: Asterisk repeats unchanged device
#: states; RTCPSent needs media
UNCOMPARED = {"DeviceStateChange", "RTCPSent"}
#: fields whose values are ids, times or counters
VOLATILE = {"Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid", "BridgeUniqueid",
            "Timestamp", "EventTV", "SessionID", "SessionTV", "RemoteAddress", "LocalAddress",
            "Uptime", "LastReload", "Duration", "Seconds", "TransfererUniqueid",
            "TransfererLinkedid", "TransfereeUniqueid", "TransfereeLinkedid",
            "BridgeNumChannels", "CommandId", "Output", "MixMonitorID"}


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
        times: list[float] = []
        for line in (TRACES / f"{stem}.ami.jsonl").read_text().splitlines():
            d = json.loads(line)
            raw = d["raw"]
            if d["dir"] == "note" and "reconnect" in raw:
                actions.append((d["t"], {"Action": RECONNECT}, 0))
            elif d["dir"] == "out":
                msg = parse_block(raw.strip("\r\n").encode())
                assert isinstance(msg, dict)
                seen = sum(1 for m in received if m.get("Event") in SYNC)
                actions.append((d["t"], msg, seen))
            elif d["dir"] == "in" and ":" in raw and not raw.startswith("Asterisk Call"):
                msg = parse_block(raw.rstrip("\r\n").encode())
                if isinstance(msg, dict):
                    received.append(msg)
                    times.append(d["t"])
        sessions: dict[int, list[dict[str, str]]] = {}
        agi = TRACES / f"{stem}.agi.jsonl"
        for line in agi.read_text().splitlines():
            d = json.loads(line)
            sessions.setdefault(d["session"], []).append(d)
        trace = cls(stem, actions, received, sessions)
        trace.times = times
        return trace

    def outside_calls(self) -> list[tuple[float, dict[str, str],
                                          tuple[float, dict[str, str]] | None]]:
        """Channels no action created: calls from SIP phones or trunks, with the time
        of their Newchannel and, for trunk calls, of their Hangup (the far end's BYE)."""
        dialled = {m.get("DestChannel") for m in self.received if m.get("Event") == "DialBegin"}
        out = []
        for t, msg in zip(self.times, self.received, strict=True):
            name = msg.get("Channel", "")
            if msg.get("Event") != "Newchannel" or name.startswith("Local/") or name in dialled:
                continue
            end = next(((t2, m) for t2, m in zip(self.times, self.received, strict=True)
                        if m.get("Event") == "Hangup" and m.get("Channel") == name), None)
            out.append((t, msg, end))
        return out

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


#: scenarios recorded with SIP phones that send audio (RTP) and answer after 0.5 s
WITH_MEDIA = ("23-", "25-")


def configure(pbx: SimPbx, stem: str) -> None:
    """Phones as in the recording setup: the SIP phones agent1101/agent1102 (sipp user
    agents, caller id "sipp") answer at once and send no audio, except in the later
    recordings (WITH_MEDIA); the carrier's customers of 24-outbound-amd."""
    with_media = stem.startswith(WITH_MEDIA)
    phone = Behaviour.answers(0.5, audio="human") if with_media else \
        Behaviour.answers(0.01, audio="silence")
    for peer in ("agent1101", "agent1102"):
        pbx.add_phone(f"SIP/{peer}", phone, context="agents-phones",
                      cid_num="sipp", cid_name="sipp")
    if not stem.startswith("24-"):
        return
    # the carrier (its device state is only known once used: not in DeviceStateList before)
    pbx.add_phone("SIP/trunk", Behaviour.answers(0.5), context="from-pstn")
    # no RTP at all; a 0.6 s "hello" after 0.4 s of silence; a greeting of words
    # (they talk until the agent hangs up)
    pbx.set_customer("5559876", Behaviour.silent(after=0.0, talk_seconds=math.inf))
    pbx.set_customer("5559877", Behaviour.human(after=0.5, talk_seconds=math.inf))
    pbx.set_customer("5559878", Behaviour.machine(after=0.5, talk_seconds=math.inf))


class _Connection:
    """One AMI client connection of the replay; messages go to a shared list."""

    def __init__(self, received: list[dict[str, str]]) -> None:
        self.received = received
        self.parser = AmiParser()

    async def open(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.reading = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while data := await self.reader.read(65536):
            for msg in self.parser.feed(data):
                if not isinstance(msg, Malformed):
                    self.received.append(msg)

    def send(self, action: dict[str, str]) -> None:
        self.writer.write("".join(f"{k}: {v}\r\n" for k, v in action.items()).encode()
                          + b"\r\n")


async def replay(stem: str, speed: float = 5.0) -> Replay:
    trace = Trace.load(stem)
    agi = ScriptedAgi(trace)
    await agi.start()
    spool = tempfile.TemporaryDirectory(prefix="cti-replay-monitor-")
    pbx = SimPbx(dialplan=RECORDED_DIALPLAN, agi_address=("127.0.0.1", agi.port),
                 secret="cti-secret", speed=speed, channel_seq=trace.channel_seq(),
                 restart_seconds=8.0, recordings_dir=spool.name)
    configure(pbx, stem)
    await pbx.start()
    result = Replay(trace, agi=agi)
    loop = asyncio.get_running_loop()
    try:
        conn = _Connection(result.received)
        await conn.open(pbx.ami_port)
        started = loop.time()
        for t, msg, end in trace.outside_calls():
            loop.call_later(t / speed, _outside_call, pbx, t, msg, end, speed)
        for t, action, seen in trace.actions:
            delay = started + t / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if action.get("Action") == RECONNECT:
                # the recorded client reconnected after the server closed the socket
                await conn.reading
                conn = _Connection(result.received)
                for _ in range(500):
                    with contextlib.suppress(OSError):
                        await conn.open(pbx.ami_port)
                        break
                    await asyncio.sleep(0.01)
                continue
            # wait until the simulator's stream reached the point the recording had
            for _ in range(50):
                if sum(1 for m in result.received if m.get("Event") in SYNC) >= seen:
                    break
                await asyncio.sleep(0.01)
            if not conn.reading.done():
                conn.send(_translate_ids(action, trace.received, result.received))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(conn.reading, 3)
        conn.writer.close()
    finally:
        await pbx.stop()
        await agi.stop()
        spool.cleanup()
    for msg in result.received:  # the simulator's spool stands for Asterisk's
        if msg.get("Variable") == "MIXMONITOR_FILENAME":
            msg["Value"] = msg["Value"].replace(spool.name, ASTERISK_MONITOR)
    return result


def _translate_ids(action: dict[str, str], recorded: list[dict[str, str]],
                   received: list[dict[str, str]]) -> dict[str, str]:
    """An action naming a MixMonitorID the recording returned names the one the
    simulator returned to the same action instead."""
    ids = {}
    for msg in recorded:
        if "MixMonitorID" in msg and "Response" in msg:
            mine = next((m.get("MixMonitorID") for m in received
                         if m.get("ActionID") == msg["ActionID"] and "Response" in m), None)
            if mine:
                ids[msg["MixMonitorID"]] = mine
    return {k: ids.get(v, v) for k, v in action.items()}


def _outside_call(pbx: SimPbx, t: float, msg: dict[str, str],
                  end: tuple[float, dict[str, str]] | None, speed: float) -> None:
    """At the recorded time: the phone dials its feature code, or the trunk call arrives
    (and its far end hangs up at the recorded time)."""
    endpoint = msg["Channel"].rsplit("-", 1)[0]
    if endpoint in pbx.phones:
        pbx.dial_feature(endpoint, msg["Exten"])
        return
    call = pbx.place_call(msg["CallerIDNum"], msg["CallerIDName"], msg["Exten"],
                          trunk=endpoint, context=msg["Context"])
    if end is not None:
        end_t, hangup = end
        asyncio.get_running_loop().call_later((end_t - t) / speed, pbx.hangup, call.name,
                                              int(hangup["Cause"]))


def _volatile(key: str) -> bool:
    return key in VOLATILE or key.endswith(("Uniqueid", "Linkedid"))


def others(messages: list[dict[str, str]]) -> dict[str, list[tuple]]:
    """Events without a Channel field (LocalBridge, BridgeCreate, ChanSpyStart, ...) by type."""
    out: dict[str, list[tuple]] = {}
    for msg in messages:
        event = msg.get("Event")
        if event in UNCOMPARED or "Channel" in msg or "ActionID" in msg or event is None:
            continue
        fields = tuple((k, "" if _volatile(k) else v) for k, v in msg.items())
        out.setdefault(event, []).append(fields)
    return out


def per_channel(messages: list[dict[str, str]]) -> dict[str, list[tuple[str, tuple]]]:
    out: dict[str, list[tuple[str, tuple]]] = {}
    #: MixMonitorIDs (pointers printed by Asterisk) are ids: VarSets of i(VAR) too
    monitor_ids = {m["MixMonitorID"] for m in messages if "MixMonitorID" in m}
    for msg in messages:
        event = msg.get("Event")
        if event not in COMPARED or "Channel" not in msg:
            continue
        variable = msg.get("Variable", "")
        if event == "VarSet" and variable in SIP_ONLY_VARIABLES:
            continue
        fields = tuple((k, "" if _volatile(k) or (k == "Value" and variable in TIME_VARIABLES)
                        or (k == "Value" and v in monitor_ids) else v)
                       for k, v in msg.items() if k != "Event")
        out.setdefault(msg["Channel"], []).append((event, fields))
    return out


def responses(messages: list[dict[str, str]]) -> dict[str, list[tuple]]:
    """Responses and list events by ActionID."""
    out: dict[str, list[tuple]] = {}
    for msg in messages:
        if "ActionID" not in msg:
            continue
        fields = tuple((k, "" if _volatile(k) else v) for k, v in msg.items())
        out.setdefault(msg["ActionID"], []).append(fields)
    return out
