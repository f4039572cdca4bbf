"""The FastAGI server: asyncio streams, one task a connection, dispatch by path.

A client that sends half a header block or goes silent is dropped after
``header_timeout`` seconds; nothing one connection does blocks another
(panoramisk's server froze the loop on a half header). Only Asterisk may
connect: with ``allowed_peers`` a connection from any other address is
closed before a byte is read (anyone reaching the port could otherwise
queue phantom calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

from cti.agi.errors import AgiError, AgiHangup
from cti.agi.protocol import AgiEnvironment, parse_env_line
from cti.agi.session import DEFAULT_REPLY_TIMEOUT, AgiSession

log = logging.getLogger(__name__)

Handler = Callable[[AgiSession], Awaitable[None]]

#: More agi_ lines than this is not Asterisk.
MAX_HEADER_LINES = 100
#: A refused address is logged at most once in this many seconds.
REFUSED_LOG_EVERY = 60.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AgiServer:
    """Serves FastAGI on ``host:port`` (port 0 picks a free one; read ``port``).

    Args:
        routes: request path (``ivr``, ``hold``) -> async handler(session).
        header_timeout: seconds a client has to send the whole agi_ block.
        reply_timeout: default seconds to wait for a command's reply.
        backlog: connections waiting to be accepted (bursts of calls).
        allowed_peers: addresses, networks (``10.0.0.0/24``) or host names (resolved
            at ``start()``) that may connect; None lets anyone in (tests only: the
            service passes ``ServiceConfig.agi_allowed_peers()``).
    """

    def __init__(
        self,
        routes: Mapping[str, Handler],
        *,
        host: str = "127.0.0.1",
        port: int = 4573,
        header_timeout: float = 5.0,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        backlog: int = 1024,
        allowed_peers: Iterable[str] | None = None,
    ) -> None:
        self.routes = {path.strip("/"): handler for path, handler in routes.items()}
        self.host, self.port = host, port
        self.header_timeout = header_timeout
        self.reply_timeout = reply_timeout
        #: Pending connections the kernel keeps; asyncio's 100 made a burst of
        #: 200 callers wait 1 s for SYN retransmits (measured, bench/agi_bench.py).
        self.backlog = backlog
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.allowed_peers = None if allowed_peers is None else list(allowed_peers)
        self._networks: list[Network] | None = None
        self._refused_logged: dict[str, float] = {}
        #: Counters for logs and benchmarks.
        self.stats = {"sessions": 0, "completed": 0, "hangups": 0, "dropped": 0, "errors": 0,
                      "refused": 0}

    @property
    def active_sessions(self) -> int:
        return len(self._tasks)

    async def start(self, sock: socket.socket | None = None) -> None:
        """Listen; returns once the socket is bound (``port`` is then the real one).
        ``sock``: a socket already bound (cti/ports.py) to listen on instead."""
        if self.allowed_peers is not None:
            self._networks = await _resolve(self.allowed_peers)
        if sock is not None:
            self._server = await asyncio.start_server(self._on_connect, sock=sock,
                                                      backlog=self.backlog)
        else:
            self._server = await asyncio.start_server(self._on_connect, self.host, self.port,
                                                      backlog=self.backlog)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("FastAGI listening on %s:%s, routes %s", self.host, self.port,
                 sorted(self.routes))

    async def stop(self, grace: float = 0.0) -> None:
        """Stop listening; give running sessions ``grace`` seconds, then cancel them.

        Callers in a flow then fall through the dialplan (CTI_ACTION unset);
        callers waiting in cti-hold are not in a session and lose nothing.
        """
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if grace > 0 and self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> AgiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _on_connect(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            # stop() cancelled the session. End the task normally: on Python 3.11
            # asyncio's start_server callback calls task.exception() on it and would
            # log a cancelled task as an "unhandled exception".
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def peer_allowed(self, address: str) -> bool:
        """True when ``address`` (an IP) may use this server."""
        if self._networks is None:
            return True
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self._networks)

    def _refuse(self, address: str) -> None:
        self.stats["refused"] += 1
        now = time.monotonic()
        if now - self._refused_logged.get(address, -REFUSED_LOG_EVERY) >= REFUSED_LOG_EVERY:
            self._refused_logged[address] = now
            log.warning("FastAGI connection from %s refused: not an Asterisk of this service "
                        "(agi.allow in cti.yaml; default: the AMI nodes' hosts and 127.0.0.1)",
                        address)
        if len(self._refused_logged) > 10_000:
            self._refused_logged.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self.peer_allowed(address):
            self._refuse(address)
            return
        try:
            async with asyncio.timeout(self.header_timeout):
                env = await _read_env(reader)
        except TimeoutError:
            self.stats["dropped"] += 1
            log.warning("FastAGI client %s sent no complete agi_ header block within %g s; "
                        "dropped", peer, self.header_timeout)
            return
        except ValueError as exc:
            self.stats["dropped"] += 1
            log.warning("FastAGI client %s dropped: %s", peer, exc)
            return
        self.stats["sessions"] += 1
        request = env.request
        handler = self.routes.get(request.path)
        if handler is None:
            self.stats["errors"] += 1
            log.error("channel %s asked for unknown FastAGI path %r (known: %s); "
                      "check the AGI() URL in the dialplan", env.channel, request.path,
                      ", ".join(sorted(self.routes)))
            return
        session = AgiSession(reader, writer, env, reply_timeout=self.reply_timeout)
        try:
            await handler(session)
            self.stats["completed"] += 1
        except AgiHangup as exc:
            self.stats["hangups"] += 1
            log.info("%s", exc)
        except AgiError as exc:
            self.stats["errors"] += 1
            log.warning("FastAGI session %s ended: %s", env.channel, exc)
        except Exception:
            self.stats["errors"] += 1
            log.exception("FastAGI handler for %s (%s) failed", env.channel, request.path)


async def _read_env(reader: asyncio.StreamReader) -> AgiEnvironment:
    """Read agi_ lines up to the blank line. ValueError on EOF or garbage."""
    values: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        try:
            raw = await reader.readline()
        except (ConnectionError, asyncio.LimitOverrunError) as exc:
            raise ValueError(f"connection broke in the agi_ headers: {exc}") from None
        if not raw.endswith(b"\n"):
            raise ValueError(f"connection closed after {len(values)} agi_ headers, "
                             "before the blank line")
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line == "":
            if not values:
                raise ValueError("empty agi_ header block")
            return AgiEnvironment(values)
        name, value = parse_env_line(line)
        values[name] = value
    raise ValueError(f"more than {MAX_HEADER_LINES} agi_ header lines")


async def _resolve(entries: Iterable[str]) -> list[Network]:
    """Addresses and networks as they are; host names through DNS (every address)."""
    loop = asyncio.get_running_loop()
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        try:
            infos = await loop.getaddrinfo(entry, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            log.warning("FastAGI: cannot resolve allowed host %r (%s); it is left out",
                        entry, exc)
            continue
        for info in infos:
            networks.append(ipaddress.ip_network(str(info[4][0]).split("%", 1)[0]))
    return networks
