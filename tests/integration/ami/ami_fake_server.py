"""A scriptable fake Asterisk Manager on 127.0.0.1 for the AMI client tests.

It speaks the real wire format (banner, CRLF, blank line after each
message) with the replies Asterisk 20 gives (see shared/asterisk-traces),
and lets a test misbehave on purpose: stop answering, drop the connection,
send garbage.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from cti.ami.codec import AmiParser, Malformed, encode

Handler = Callable[["Conn", dict[str, str]], Any]


class Conn:
    """One client connection seen by the fake server."""

    def __init__(self, server: FakeAmi, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.server, self.reader, self.writer = server, reader, writer

    def send(self, fields: dict[str, Any]) -> None:
        self.writer.write(encode(fields))

    def raw(self, data: bytes) -> None:
        self.writer.write(data)

    def close(self) -> None:
        self.writer.transport.abort()


class FakeAmi:
    def __init__(self, *, username: str = "cti", secret: str = "s3cret") -> None:
        self.username, self.secret = username, secret
        self.port = 0
        self.conns: list[Conn] = []
        self.actions: list[dict[str, str]] = []
        self.logins = 0
        self.silent = False  # stop answering anything (TCP stays open)
        self.channels: list[dict[str, str]] = []  # what CoreShowChannels lists
        self.handlers: dict[str, Handler] = {}
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for conn in self.conns:
            conn.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def conn(self) -> Conn:
        return self.conns[-1]

    async def wait(self, predicate: Callable[[], bool]) -> None:
        """Wait until predicate() holds (re-checked on every action received)."""
        async with self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def drop(self) -> None:
        """Close the current connection abruptly."""
        self.conn.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Conn(self, reader, writer)
        self.conns.append(conn)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        parser = AmiParser()
        parser.banner = ""  # clients send no banner
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                for msg in parser.feed(data):
                    if isinstance(msg, Malformed):
                        continue
                    self.actions.append(msg)
                    if not self.silent:
                        self._reply(conn, msg)
                    await writer.drain()
                    await self._notify()
        with contextlib.suppress(Exception):
            writer.close()
        await self._notify()

    def _reply(self, conn: Conn, msg: dict[str, str]) -> None:
        action = msg.get("Action", "")
        aid = msg.get("ActionID", "")
        if action in self.handlers:
            self.handlers[action](conn, msg)
        elif action == "Login":
            if msg.get("Username") == self.username and msg.get("Secret") == self.secret:
                self.logins += 1
                conn.send({"Response": "Success", "ActionID": aid,
                           "Message": "Authentication accepted"})
                conn.send({"Event": "FullyBooted", "Privilege": "system,all",
                           "Uptime": 10, "LastReload": 10, "Status": "Fully Booted"})
            else:
                conn.send({"Response": "Error", "ActionID": aid,
                           "Message": "Authentication failed"})
                conn.writer.close()
        elif action == "Ping":
            conn.send({"Response": "Success", "ActionID": aid, "Ping": "Pong",
                       "Timestamp": "1795441791.000000"})
        elif action == "Logoff":
            conn.send({"Response": "Goodbye", "ActionID": aid,
                       "Message": "Thanks for all the fish."})
            conn.writer.close()
        elif action == "Originate":
            conn.send({"Response": "Success", "ActionID": aid,
                       "Message": "Originate successfully queued"})
        elif action in ("CoreShowChannels", "DeviceStateList", "ExtensionStateList"):
            items = self.channels if action == "CoreShowChannels" else []
            item_event = {"CoreShowChannels": "CoreShowChannel",
                          "DeviceStateList": "DeviceStateChange",
                          "ExtensionStateList": "ExtensionStatus"}[action]
            conn.send({"Response": "Success", "ActionID": aid, "EventList": "start",
                       "Message": "Channels will follow"})
            for item in items:
                conn.send({"Event": item_event, "ActionID": aid, **item})
            conn.send({"Event": f"{action}Complete", "ActionID": aid, "EventList": "Complete",
                       "ListItems": len(items)})
        else:
            conn.send({"Response": "Error", "ActionID": aid,
                       "Message": f"Invalid/unknown command: {action}."})


def channel_event(event: str, name: str, uniqueid: str, linkedid: str,
                  **extra: Any) -> dict[str, Any]:
    """An AMI channel event with the standard headers."""
    return {"Event": event, "Privilege": "call,all", "Channel": name, "ChannelState": 6,
            "ChannelStateDesc": "Up", "CallerIDNum": "5551234", "CallerIDName": "Juan Perez",
            "ConnectedLineNum": "<unknown>", "ConnectedLineName": "<unknown>",
            "Language": "en", "AccountCode": "", "Context": "cti-hold", "Exten": "s",
            "Priority": 1, "Uniqueid": uniqueid, "Linkedid": linkedid, **extra}
