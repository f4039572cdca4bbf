"""The HTTP listener: the aiohttp application on a socket (TLS from config), where a
client that has not sent a whole request head within ``http.head_timeout`` seconds
is disconnected (aiohttp has no such limit of its own: a slow-headers client
would hold a connection forever). Bodies have their own limit
(``http.body_timeout``, cti/api/routes)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler


class _TimedHandler(RequestHandler):
    """aiohttp's handler, closing a connection whose first request head is late."""

    __slots__ = ("_head_timeout", "_head_timer")

    def __init__(self, *args: Any, head_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timeout = head_timeout

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._head_timer = asyncio.get_running_loop().call_later(
            self._head_timeout, self._head_late, transport)

    def _head_late(self, transport: asyncio.BaseTransport) -> None:
        if self._request_count == 0:
            transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)


class Listener:
    def __init__(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     keepalive_timeout=75)
        self._server: asyncio.Server | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int, tls: ssl.SSLContext | None, *,
                    head_timeout: float = 10.0, sock: socket.socket | None = None) -> int:
        """Listen; the port bound (``port`` 0 picks one). ``sock``: a socket already
        bound to listen on instead (cti/ports.py)."""
        await self._runner.setup()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        kwargs: dict[str, Any] = dict(server._kwargs)  # what AppRunner gave its handlers

        def handler() -> RequestHandler:
            return _TimedHandler(server, loop=loop, head_timeout=head_timeout, **kwargs)

        if sock is not None:
            self._server = await loop.create_server(handler, sock=sock, ssl=tls, backlog=1024)
        else:
            self._server = await loop.create_server(handler, host, port, ssl=tls,
                                                    backlog=1024, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._runner.cleanup()
