"""The AMI server side: one session per connection, banner, login gate, event stream.

The actions themselves are in actions.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from cti.ami import privileges
from cti.ami.codec import AmiParser, Malformed, encode
from cti.sim import monitor_actions  # noqa: F401 (registers MixMonitor, StopMixMonitor, ...)
from cti.sim.accounts import Account
from cti.sim.actions import ACTIONS
from cti.sim.channel import Channel
from cti.sim.pbx import event_tv

if TYPE_CHECKING:
    from cti.sim.server import SimPbx

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
#: bytes of unread events after which a client is dropped
MAX_BACKLOG = 32 << 20
Msg = dict[str, str]


class AmiSession:
    """One manager connection."""

    def __init__(self, pbx: SimPbx, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.pbx, self.core = pbx, pbx.core
        self.reader, self.writer = reader, writer
        self.authenticated = False
        #: the logged-in user; its read classes filter events, its write classes actions
        self.account: Account | None = None
        #: classes of the events this session receives (read classes & the Events mask)
        self.events: frozenset[str] = frozenset()
        self.closing = False
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        self.remote_ip = str(peer[0])
        self.remote = f"IPV4/TCP/{peer[0]}/{peer[1]}"
        self.local = f"IPV4/TCP/{pbx.host}/{pbx.ami_port}"
        self.session_id = f"0x{id(self):x}"
        self.session_tv = event_tv()

    # -- output -------------------------------------------------------------

    def send(self, fields: dict[str, Any]) -> None:
        if not self.closing:
            self.writer.write(encode(fields))

    @property
    def write_classes(self) -> frozenset[str]:
        return self.account.write if self.account is not None else frozenset()

    def on_event(self, data: bytes, category: str) -> None:
        """Deliver an event whose Privilege class is ``category`` ("" for none), if the
        account reads that class and the Events mask lets it through."""
        if self.authenticated and not self.closing and \
                (not category or category in self.events):
            self.writer.write(data)
            if self.writer.transport.get_write_buffer_size() > MAX_BACKLOG:
                # Asterisk drops a client that does not read (writetimeout)
                self.closing = True
                self.writer.transport.abort()

    def respond(self, msg: Msg, response: str, **fields: Any) -> None:
        out: dict[str, Any] = {"Response": response}
        if "ActionID" in msg:
            out["ActionID"] = msg["ActionID"]
        out.update(fields)
        self.send(out)

    def error(self, msg: Msg, message: str) -> None:
        self.respond(msg, "Error", Message=message)

    def list_event(self, msg: Msg, event: str, fields: dict[str, Any]) -> None:
        out: dict[str, Any] = {"Event": event}
        if "ActionID" in msg:
            out["ActionID"] = msg["ActionID"]
        out.update(fields)
        self.send(out)

    # -- loop ---------------------------------------------------------------

    async def run(self) -> None:
        parser = AmiParser(banner="")
        self.writer.write(BANNER)
        self.core.listeners.append(self.on_event)
        try:
            while not self.closing:
                data = await self.reader.read(65536)
                if not data:
                    break
                for msg in parser.feed(data):
                    if isinstance(msg, Malformed):
                        self.send({"Response": "Error", "Message": "Missing action in request"})
                        continue
                    await self.handle(msg)
                    if self.closing:
                        break
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            await self.close()

    async def close(self) -> None:
        self.closing = True
        with contextlib.suppress(ValueError):
            self.core.listeners.remove(self.on_event)
        with contextlib.suppress(Exception):
            await self.writer.drain()
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()

    async def handle(self, msg: Msg) -> None:
        name = msg.get("Action", "")
        if not name:
            self.error(msg, "Missing action in request")
            return
        key = name.lower()
        if not self.authenticated and key not in ("login", "logoff", "challenge"):
            self._not_allowed(name)
            self.error(msg, privileges.PERMISSION_DENIED)  # main/manager.c process_message
            return
        if self.authenticated and not privileges.may_send(name, self.write_classes):
            self._not_allowed(name)
            self.error(msg, privileges.PERMISSION_DENIED)
            return
        handler = ACTIONS.get(key)
        if handler is None:
            self.error(msg, f"Invalid/unknown command: {name}. Use Action: ListCommands "
                            "to show available commands.")
            self.core.emit("RequestBadFormat", "security,all", {
                "EventTV": event_tv(), "Severity": "Error", "Service": "AMI", "EventVersion": 1,
                "SessionID": self.session_id, "LocalAddress": self.local,
                "RemoteAddress": self.remote, "RequestType": f"Action: {name}",
                "SessionTV": self.session_tv, "AccountID": self.username})
            return
        await handler(self, msg)

    @property
    def username(self) -> str:
        return self.account.username if self.account is not None else ""

    def _not_allowed(self, name: str) -> None:
        self.core.emit("RequestNotAllowed", "security,all", {
            "EventTV": event_tv(), "Severity": "Error", "Service": "AMI", "EventVersion": 1,
            "AccountID": self.username, "SessionID": self.session_id,
            "LocalAddress": self.local, "RemoteAddress": self.remote,
            "RequestType": f"Action: {name}", "SessionTV": self.session_tv})

    def channel(self, msg: Msg, key: str = "Channel") -> Channel | None:
        return self.core.find(msg.get(key, ""))

