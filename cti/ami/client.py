"""AmiClient: one connection to one Asterisk node that survives.

What it guarantees (each point fixes a measured trap of panoramisk's Manager,
see docs/ami.md):

- ``start()`` returns once logged in, or raises ``AmiConnectError`` /
  ``AmiLoginFailed`` naming node, host, port and user (never the secret);
  nothing keeps retrying in the background after a failed first start.
- Every action has a timeout; an action in flight when the link drops fails
  with ``AmiLinkLost`` and is never re-sent (an Originate cannot dial twice).
- Originate always carries ``Async``.
- Bytes are decoded per message, not per read (UTF-8 split across reads).
- A watchdog pings; no Pong within ``ping_timeout`` declares the link dead.
- Lost links reconnect with capped exponential backoff and jitter until
  ``stop()``; a stop during the wait really stops.
- Received messages and link changes go, in order, to one plain ``sink``
  callback (``LinkUp``/``LinkDown`` events or message dicts). A sink that
  raises is logged; the stream goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from cti.ami.actions import AmiActions
from cti.ami.backoff import Backoff
from cti.ami.codec import AmiParser, Malformed, Message, encode
from cti.ami.errors import (
    AmiActionFailed,
    AmiActionTimeout,
    AmiConnectError,
    AmiError,
    AmiLinkLost,
    AmiLoginFailed,
    AmiNotConnected,
)
from cti.ami.events import LinkDown, LinkUp

log = logging.getLogger(__name__)

Delivery = Message | LinkUp | LinkDown
Sink = Callable[[Delivery], None]


@dataclass
class ListResponse:
    """The answer to a list action (CoreShowChannels, DeviceStateList, ...)."""

    response: Message
    items: list[Message] = field(default_factory=list)
    complete: Message | None = None


@dataclass
class _Pending:
    action: str
    future: asyncio.Future[Message | ListResponse]
    listing: ListResponse | None = None


class _Protocol(asyncio.Protocol):
    """Bytes in, messages out to the client. One per TCP connection."""

    def __init__(self, client: AmiClient) -> None:
        self.client = client
        self.parser = AmiParser(max_message_bytes=client.max_message_bytes)
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        #: wall clock: when Asterisk last sent anything, and when the link went down
        self.last_heard_at = time.time()
        self.down_at: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.last_heard_at = time.time()
        client = self.client
        if client.on_bytes is not None:
            client.on_bytes(data)
        for msg in self.parser.feed(data):
            if isinstance(msg, Malformed):
                log.warning("AMI node %s: dropped a malformed message (%s): %r",
                            client.node, msg.reason, msg.raw[:80])
            else:
                client._on_message(self, msg)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed_now(f"connection lost: {exc}" if exc else "closed by Asterisk")

    def closed_now(self, reason: str, down_at: float | None = None) -> None:
        """Mark the link closed (once): why, and since when (default: now)."""
        if not self.closed.done():
            self.down_at = time.time() if down_at is None else down_at
            self.closed.set_result(reason)


class AmiClient(AmiActions):
    """One Asterisk node's AMI link; see the module docstring."""

    def __init__(
        self,
        node: str,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        sink: Sink | None = None,
        connect_timeout: float = 5.0,
        login_timeout: float = 5.0,
        action_timeout: float = 5.0,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        backoff: Backoff | None = None,
        events: str = "on",
        max_message_bytes: int = 1 << 20,
        on_bytes: Callable[[bytes], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.node, self.host, self.port, self.username = node, host, port, username
        #: TLS to a remote Asterisk (manager.conf tlsenable): verified against its CA
        self.ssl_context = ssl_context
        self._secret = secret
        self.sink = sink
        self.connect_timeout, self.login_timeout = connect_timeout, login_timeout
        self.action_timeout = action_timeout
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self.backoff = backoff or Backoff()
        self.events = events
        self.max_message_bytes = max_message_bytes
        self.on_bytes = on_bytes
        self.connected = False
        self.connections = 0  # successful logins so far
        self._proto: _Protocol | None = None
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._supervisor: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return f"<AmiClient {self.node} {self.username}@{self.host}:{self.port}>"

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and log in; raises AmiConnectError / AmiLoginFailed on failure."""
        self._stopping = False
        await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"ami-{self.node}")

    async def stop(self) -> None:
        """Log off, close, and stop reconnecting. Pending actions fail with AmiLinkLost."""
        self._stopping = True
        if self.connected:
            with contextlib.suppress(AmiError):
                await self.send({"Action": "Logoff"}, timeout=1.0)
        for task in (self._supervisor, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._supervisor = self._watchdog = None
        self._drop("client stopped")

    # --- actions ----------------------------------------------------------------------

    async def send(self, action: Mapping[str, object], *,
                   timeout: float | None = None) -> Message:
        """Send one action and return its Response; raises a typed AmiError.

        ``Response: Error`` raises AmiActionFailed with Asterisk's Message. For
        list actions use ``send_list``.
        """
        result = await self._request(action, timeout)
        if isinstance(result, ListResponse):
            return result.response
        return result

    async def send_list(self, action: Mapping[str, object], *,
                        timeout: float | None = None) -> ListResponse:
        """Send a list action (``EventList: start`` ... ``...Complete``) and collect it."""
        result = await self._request(action, timeout)
        if isinstance(result, ListResponse):
            return result
        return ListResponse(result)

    def send_now(self, action: Mapping[str, object], *,
                 timeout: float | None = None) -> Awaitable[Message]:
        """Write the action at once (no wait for the event loop to schedule a task) and
        return what awaits its Response. Raises AmiNotConnected at once if the link is
        down. The routing loop uses it so an offer reaches Asterisk within its step."""
        name, action_id, future = self._start(action)
        return self._response(name, action_id, future, timeout)

    async def _response(self, name: str, action_id: str,
                        future: asyncio.Future[Message | ListResponse],
                        timeout: float | None) -> Message:
        result = await self._finish(name, action_id, future, timeout)
        return result.response if isinstance(result, ListResponse) else result

    async def _request(self, action: Mapping[str, object],
                       timeout: float | None) -> Message | ListResponse:
        return await self._finish(*self._start(action), timeout)

    def _start(self, action: Mapping[str, object]) -> tuple[
            str, str, asyncio.Future[Message | ListResponse]]:
        """Check the link, register the action and write it; returns what to await."""
        fields = dict(action)
        name = str(fields.get("Action", ""))
        if not name:
            raise ValueError(f"AMI action without 'Action': {sorted(fields)}")
        if name.lower() == "originate" and not any(k.lower() == "async" for k in fields):
            fields["Async"] = "true"  # without it the answer waits for the call (and
            # panoramisk's parser raised KeyError and dropped the link)
        proto = self._proto
        if proto is None or proto.transport is None or proto.closed.done() or (
                not self.connected and name != "Login"):
            raise AmiNotConnected(self.node, name)
        action_id = str(fields.setdefault("ActionID", f"{self.node}-{next(self._ids)}"))
        future: asyncio.Future[Message | ListResponse] = (
            asyncio.get_running_loop().create_future())
        self._pending[action_id] = _Pending(name, future)
        try:
            proto.transport.write(encode(fields))
        except BaseException:
            self._pending.pop(action_id, None)
            raise
        return name, action_id, future

    async def _finish(self, name: str, action_id: str,
                      future: asyncio.Future[Message | ListResponse],
                      timeout: float | None) -> Message | ListResponse:
        timeout = self.action_timeout if timeout is None else timeout
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that races with the answer (or with AmiLinkLost), and the caller's
            # task then never stops.
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise AmiActionTimeout(self.node, name, action_id, timeout) from None
        finally:
            self._pending.pop(action_id, None)

    # --- incoming ---------------------------------------------------------------------

    def _on_message(self, proto: _Protocol, msg: Message) -> None:
        action_id = msg.get("ActionID")
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is not None and not pending.future.done() and self._answer(pending, msg):
            return
        if "Event" in msg:
            self._deliver(msg)
        elif action_id is not None:
            log.debug("AMI node %s: answer to an unknown action %s ignored", self.node, action_id)

    def _answer(self, pending: _Pending, msg: Message) -> bool:
        """Give a message to the action waiting for it; False if it is not its answer."""
        if "Response" in msg and pending.listing is None:
            if msg["Response"] == "Error":
                pending.future.set_exception(AmiActionFailed(
                    self.node, pending.action, msg.get("ActionID", ""), msg.get("Message", "")))
            elif msg.get("EventList") == "start" or msg.get("Message", "").endswith(
                    "will follow"):
                pending.listing = ListResponse(msg)
            else:
                pending.future.set_result(msg)
            return True
        if pending.listing is not None and "Event" in msg:
            if msg.get("EventList") == "Complete" or msg["Event"].endswith("Complete"):
                pending.listing.complete = msg
                pending.future.set_result(pending.listing)
            else:
                pending.listing.items.append(msg)
            return True
        return False

    def _deliver(self, item: Delivery) -> None:
        if self.sink is None:
            return
        try:
            self.sink(item)
        except Exception:
            log.exception("AMI node %s: the event sink raised; event skipped, stream goes on",
                          self.node)

    # --- connection -------------------------------------------------------------------

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        where = (self.node, self.host, self.port, self.username)
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(self), self.host, self.port, ssl=self.ssl_context,
                    server_hostname=self.host if self.ssl_context else None),
                self.connect_timeout)
        except TimeoutError:
            raise AmiConnectError(*where, f"no answer within {self.connect_timeout:g} s") from None
        except ssl.SSLError as exc:
            raise AmiConnectError(*where, f"TLS failed ({exc.reason or exc}); check ca_file "
                                  "and that Asterisk's certificate names this host") from exc
        except OSError as exc:
            raise AmiConnectError(*where, exc.strerror or str(exc)) from exc
        self._proto = proto
        login = asyncio.ensure_future(self._request(
            {"Action": "Login", "Username": self.username, "Secret": self._secret,
             "Events": self.events}, self.login_timeout))
        await asyncio.wait({login, proto.closed}, return_when=asyncio.FIRST_COMPLETED)
        try:
            if not login.done():
                login.cancel()
                self._drop("closed during login")
                raise AmiConnectError(*where, "Asterisk closed the connection during login")
            login.result()
        except AmiActionFailed as exc:
            self._drop("login failed")
            raise AmiLoginFailed(*where, exc.message or "refused") from None
        except AmiActionTimeout:
            self._drop("login timed out")
            raise AmiConnectError(
                *where, f"no answer to Login within {self.login_timeout:g} s") from None
        except AmiError:
            self._drop("login failed")
            raise
        self.connected = True
        self.connections += 1
        log.info("AMI node %s: logged in to %s:%s as %s", self.node, self.host, self.port,
                 self.username)
        self._deliver(LinkUp(self.node, reconnect=self.connections > 1))
        if self.ping_interval > 0:
            self._watchdog = asyncio.create_task(self._watch(proto), name=f"ami-ping-{self.node}")

    def _drop(self, reason: str) -> None:
        """Close the transport and fail every pending action."""
        proto, self._proto = self._proto, None
        was_connected, self.connected = self.connected, False
        down_at = None
        if proto is not None and proto.transport is not None:
            proto.transport.abort()
            proto.closed_now(reason)
            down_at = proto.down_at
        for action_id, pending in list(self._pending.items()):
            if not pending.future.done():
                pending.future.set_exception(AmiLinkLost(self.node, pending.action, action_id))
        self._pending.clear()
        if was_connected:
            self._deliver(LinkDown(self.node, reason, down_at or time.time()))

    async def _supervise(self) -> None:
        """Wait for the link to drop, then reconnect with backoff until stop()."""
        while not self._stopping:
            proto = self._proto
            reason = await proto.closed if proto is not None else "not connected"
            if self._stopping:
                return  # stop() closes and reports
            if self._watchdog is not None:
                self._watchdog.cancel()
                self._watchdog = None
            log.warning("AMI node %s: link to %s:%s down (%s); reconnecting",
                        self.node, self.host, self.port, reason)
            self._drop(reason)
            while not self._stopping:
                delay = self.backoff.next()
                await asyncio.sleep(delay)
                try:
                    await self._connect()
                except AmiError as exc:
                    log.warning("%s; next attempt after backoff", exc)
                    continue
                except Exception:
                    log.exception("AMI node %s: reconnect failed unexpectedly; retrying",
                                  self.node)
                    continue
                self.backoff.reset()
                break

    async def _watch(self, proto: _Protocol) -> None:
        """Ping every ping_interval; no answer in ping_timeout means the link is dead."""
        while self._proto is proto and not proto.closed.done():
            await asyncio.sleep(self.ping_interval)
            try:
                await self.send({"Action": "Ping"}, timeout=self.ping_timeout)
            except AmiActionTimeout:
                log.warning("AMI node %s: no answer to Ping within %g s; declaring the link "
                            "to %s:%s dead", self.node, self.ping_timeout, self.host, self.port)
                # dead since it was last heard, not since the Ping timed out
                proto.closed_now("watchdog: no answer to Ping", proto.last_heard_at)
                if proto.transport is not None:
                    proto.transport.abort()
                return
            except AmiError:
                return
