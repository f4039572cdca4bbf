"""A minimal AMI client for the simulator's tests: send actions, wait for messages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from cti.ami.codec import AmiParser, Malformed
from cti.sim import SimPbx


class Ami:
    """One manager connection; ``messages`` keeps everything received, in order."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[dict[str, str]] = []
        self.new = asyncio.Event()
        self.parser = AmiParser()

    async def connect(self, secret: str = "s3cret") -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.task = asyncio.ensure_future(self._read())
        await self.send(Action="Login", Username="cti", Secret=secret)

    async def _read(self) -> None:
        while data := await self.reader.read(65536):
            for msg in self.parser.feed(data):
                if not isinstance(msg, Malformed):
                    self.messages.append(msg)
            self.new.set()

    async def send(self, **fields: str) -> None:
        self.writer.write("".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n")
        await self.writer.drain()

    async def wait_for(self, _from: int = 0, **match: str) -> dict[str, str]:
        """The first message from index ``_from`` on whose fields match."""
        seen = _from
        while True:
            for msg in self.messages[seen:]:
                if all(msg.get(k) == v for k, v in match.items()):
                    return msg
            seen = len(self.messages)
            if self.task.done():
                raise AssertionError(f"connection closed before {match}")
            self.new.clear()
            await self.new.wait()


@contextlib.asynccontextmanager
async def running(pbx: SimPbx, secret: str = "s3cret") -> AsyncIterator[Ami]:
    """Start ``pbx`` and log in an Ami client; stop both afterwards."""
    await pbx.start()
    ami = Ami(pbx.ami_port)
    try:
        await ami.connect(secret)
        yield ami
    finally:
        if hasattr(ami, "writer"):
            ami.writer.close()
        await pbx.stop()
