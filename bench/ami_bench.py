"""AMI throughput: a 100,000-event capture over a loopback TCP socket.

    python bench/ami_bench.py [--events 100000] [--runs 3]

Builds the capture from the Asterisk 20 recordings in
shared/asterisk-traces (Uniqueids renumbered per copy so every copy is a new
set of calls), serves it from a local AMI server on 127.0.0.1, and measures,
from the first byte sent to the last event handled:

- ours: AmiFeed = AmiClient (read, UTF-8-safe parse, dispatch) + inbox queue +
  CallTracker, typed events delivered to a consumer callback;
- ours, parse only: AmiClient with a sink that just counts;
- panoramisk: its AMIProtocol parsing the same bytes, dispatching to a
  callback that counts (no tracker).

Targets (issue 5): ours >= 30,000 events/s, ours / panoramisk >= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cti.ami.client import AmiClient
from cti.ami.codec import AmiParser, encode
from cti.ami.events import CallEvent, UserEventReceived
from cti.ami.feed import AmiFeed, NodeConfig

TRACES = Path(__file__).resolve().parent.parent.parent / "shared" / "asterisk-traces"  # ../shared
BANNER = b"Asterisk Call Manager/9.0.0\r\n"
END = encode({"Event": "UserEvent", "Privilege": "user,all", "UserEvent": "BenchEnd"})
SEEN: dict[str, int] = {}  # events each parser delivered in its last run (sanity check)
_UID = re.compile(rb"\b17954(\d{5})\.(\d+)")


def build_capture(min_events: int) -> tuple[bytes, int]:
    """Concatenate the traces (banner and restart excluded) until min_events events."""
    if not TRACES.is_dir():
        raise SystemExit(f"no traces at {TRACES}: put shared/ beside the project, as CI has it")
    bodies = [p.read_bytes().removeprefix(BANNER) for p in sorted(TRACES.glob("*.ami.txt"))
              if not p.name.startswith(("16-", "21-"))]
    parser = AmiParser()
    parser.banner = ""
    per_round = sum(1 for body in bodies for m in parser.feed(body)
                    if isinstance(m, dict) and "Event" in m)
    chunks: list[bytes] = []
    events = 0
    copy = 0
    while events < min_events:
        for body in bodies:
            prefix = b"%05d" % copy
            chunks.append(_UID.sub(lambda m, p=prefix: p + m[1] + b"." + m[2], body))
        events += per_round
        copy += 1
    return b"".join(chunks), events


async def serve(capture: bytes, started: asyncio.Future[float]) -> asyncio.Server:
    """An AMI server: banner, login, empty resync lists, then the capture in one go."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await converse(reader, writer)

    async def converse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        parser = AmiParser()
        parser.banner = ""
        while data := await reader.read(65536):
            for msg in parser.feed(data):
                if not isinstance(msg, dict):
                    continue
                action, aid = msg.get("Action"), msg.get("ActionID", "")
                if action == "Login":
                    writer.write(encode({"Response": "Success", "ActionID": aid,
                                         "Message": "Authentication accepted"}))
                    if not started.done() and "Bench" in msg.get("Username", ""):
                        await stream(writer)
                elif action in ("CoreShowChannels", "DeviceStateList", "ExtensionStateList"):
                    writer.write(encode({"Response": "Success", "ActionID": aid,
                                         "EventList": "start"}))
                    writer.write(encode({"Event": f"{action}Complete",
                                                   "ActionID": aid, "EventList": "Complete",
                                                   "ListItems": 0}))
                    if action == "ExtensionStateList" and not started.done():
                        await stream(writer)
                elif action == "Logoff":
                    writer.write(encode({"Response": "Goodbye", "ActionID": aid}))
                    writer.close()
                    return
                else:
                    writer.write(encode({"Response": "Success", "ActionID": aid}))
            await writer.drain()

    async def stream(writer: asyncio.StreamWriter) -> None:
        await writer.drain()
        started.set_result(time.perf_counter())
        view = memoryview(capture + END)
        for at in range(0, len(view), 1 << 16):
            writer.write(view[at : at + (1 << 16)])
            await writer.drain()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def run_ours(capture: bytes, with_tracker: bool) -> float:
    loop = asyncio.get_running_loop()
    started: asyncio.Future[float] = loop.create_future()
    finished: asyncio.Future[float] = loop.create_future()
    server = await serve(capture, started)
    port = server.sockets[0].getsockname()[1]

    def on_event(event: CallEvent) -> None:
        if isinstance(event, UserEventReceived) and event.name == "BenchEnd":
            finished.set_result(time.perf_counter())

    def on_message(msg: object) -> None:
        SEEN["ours"] = SEEN.get("ours", 0) + 1
        if isinstance(msg, dict) and msg.get("UserEvent") == "BenchEnd":
            finished.set_result(time.perf_counter())

    stopper: Callable[[], object]
    if with_tracker:
        feed = AmiFeed(NodeConfig("bench", "127.0.0.1", port, "cti", "x"), on_event,
                       ping_interval=0)
        await feed.start()
        stopper = feed.stop
    else:
        client = AmiClient("bench", "127.0.0.1", port, "Bench", "x", sink=on_message,
                           ping_interval=0)
        await client.start()
        stopper = client.stop
    t1 = await finished
    t0 = await started
    await stopper()  # type: ignore[misc]
    server.close()
    return t1 - t0


async def run_panoramisk(capture: bytes) -> float:
    from panoramisk.ami_protocol import AMIProtocol

    loop = asyncio.get_running_loop()
    started: asyncio.Future[float] = loop.create_future()
    finished: asyncio.Future[float] = loop.create_future()
    server = await serve(capture, started)
    port = server.sockets[0].getsockname()[1]

    class Factory:
        save_stream = None
        count = 0

        def connection_lost(self, exc: object) -> None:
            pass

        def dispatch(self, message: object) -> None:
            self.count += 1
            if message.get("UserEvent") == "BenchEnd":  # type: ignore[attr-defined]
                finished.set_result(time.perf_counter())

    factory = Factory()

    def make() -> AMIProtocol:
        proto = AMIProtocol()
        return proto

    transport, proto = await loop.create_connection(make, "127.0.0.1", port)
    proto.factory = factory
    proto.encoding = "utf8"
    transport.write(b"Action: Login\r\nActionID: p-1\r\nUsername: Bench\r\nSecret: x\r\n\r\n")
    t1 = await finished
    t0 = await started
    transport.close()
    server.close()
    SEEN["panoramisk"] = factory.count
    return t1 - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    capture, events = build_capture(args.events)
    print(f"capture: {events} events, {len(capture) / 1e6:.1f} MB "
          f"(from {TRACES}), {args.runs} runs, median")

    def rate(fn: Callable[[], float]) -> float:
        times = [fn() for _ in range(args.runs)]
        return events / statistics.median(times)

    ours = rate(lambda: asyncio.run(run_ours(capture, with_tracker=True)))
    parse = rate(lambda: (SEEN.update(ours=0), asyncio.run(run_ours(capture, False)))[1])
    pano = rate(lambda: asyncio.run(run_panoramisk(capture)))
    ratio = ours / pano
    print(f"events delivered (incl. the end marker and FullyBooted-style extras): "
          f"ours {SEEN.get('ours')}, panoramisk {SEEN.get('panoramisk')}")
    print(f"{'ours: socket + parse + tracker':<40}{ours:>12,.0f} events/s")
    print(f"{'ours: socket + parse only':<40}{parse:>12,.0f} events/s")
    print(f"{'panoramisk: socket + parse only':<40}{pano:>12,.0f} events/s")
    print(f"{'ratio ours(tracker) / panoramisk':<40}{ratio:>12.2f}   (target >= 0.5)")
    ok = ours >= 30_000 and ratio >= 0.5
    print("targets met" if ok else "TARGETS NOT MET (>= 30,000 events/s and ratio >= 0.5)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
