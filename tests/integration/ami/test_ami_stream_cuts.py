"""Every captured stream, sent over a socket cut at random points, gives the same
events as parsing it whole (UTF-8 characters cut in two included)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from ami_fake_server import FakeAmi

from cti.ami.client import AmiClient, Delivery
from cti.ami.codec import AmiParser

TRACES = Path(__file__).resolve().parents[3].parent / "shared" / "asterisk-traces"
BANNER = b"Asterisk Call Manager/9.0.0\r\n"
END = {"Event": "UserEvent", "UserEvent": "EndOfCapture"}


def cut_points(data: bytes, rng: random.Random) -> list[int]:
    """Random cuts plus one inside every multi-byte UTF-8 character."""
    cuts = {i for i in range(1, len(data)) if 0x80 <= data[i] <= 0xBF}
    at = 0
    while at < len(data):
        at += rng.randint(1, 400)
        cuts.add(at)
    return sorted(c for c in cuts if 0 < c < len(data))


def whole_events(body: bytes) -> list[dict[str, str]]:
    parser = AmiParser()
    parser.banner = ""
    return [m for m in parser.feed(body) if isinstance(m, dict) and "Event" in m]


@pytest.mark.parametrize("trace", sorted(TRACES.glob("*.ami.txt")), ids=lambda p: p.stem)
async def test_stream_cut_at_random_points_gives_the_same_events(trace: Path) -> None:
    body = trace.read_bytes().removeprefix(BANNER)
    rng = random.Random(trace.name)
    server = FakeAmi()

    async def stream(conn: Any, msg: dict[str, str]) -> None:
        conn.send({"Response": "Success", "ActionID": msg["ActionID"],
                   "Message": "Authentication accepted"})
        start = 0
        for cut in [*cut_points(body, rng), len(body)]:
            conn.raw(body[start:cut])
            start = cut
            await conn.writer.drain()
        conn.send(END)

    tasks: set[asyncio.Task[None]] = set()
    server.handlers["Login"] = lambda conn, msg: tasks.add(
        asyncio.create_task(stream(conn, msg)))
    await server.start()
    got: list[dict[str, str]] = []
    done = asyncio.Event()

    def sink(item: Delivery) -> None:
        if isinstance(item, dict):
            if item.get("UserEvent") == "EndOfCapture":
                done.set()
            else:
                got.append(item)

    client = AmiClient("pbx1", "127.0.0.1", server.port, "cti", "s3cret", sink=sink,
                       ping_interval=0)
    try:
        async with asyncio.timeout(10):
            await client.start()
            await done.wait()
    finally:
        await client.stop()
        await server.stop()
    assert got == whole_events(body)
    assert len(got) > 0 or trace.name.startswith("16-bad-login")
