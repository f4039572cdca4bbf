"""The API side of the service, assembled: sign-in, the hub on the bus, the audit
log, uploads, webhooks and the HTTP listener (``cti/app.py`` starts it last and
stops it first)."""

from __future__ import annotations

import socket
import ssl

from cti.api.audit import AuditLog
from cti.api.auth import Authenticator
from cti.api.board import Board
from cti.api.commands import Dispatcher
from cti.api.context import ApiContext, ServicePort
from cti.api.http import build_app
from cti.api.hub import Hub
from cti.api.listener import Listener
from cti.api.uploads import Uploads
from cti.api.webhooks import WebhookSender
from cti.bus import EventBus


class ApiServer:
    def __init__(self, service: ServicePort, bus: EventBus, dsn: str | None) -> None:
        assert service.store is not None
        self._service = service
        self._bus = bus
        self._dsn = dsn
        store, config = service.store, service.config
        self.auth = Authenticator(store, config)
        board = Board(lambda: service.router, service.calls, lambda: service.config,
                      centre=lambda: service.control.centre() if service.control is not None
                      else {"mode": "normal", "message": None, "closed_queues": []})
        hub = Hub(config=lambda: service.config, policy=lambda: self.ctx.policy(), board=board,
                  epoch=self._epoch, revalidate=self.auth.still_valid,
                  pause_disconnected=lambda agent_id: service.agent_command(
                      agent_id, "pause", "disconnected", system=True))
        board.desktops_of = hub.desktops_of
        settings = config.service.api
        webhooks = WebhookSender(store, self._epoch, timeout=settings.webhook_timeout,
                                 retry_for=settings.webhook_retry_for)
        self.ctx = ApiContext(service, self.auth, hub, AuditLog(store), Uploads(), webhooks)
        self.ctx.dispatcher = Dispatcher(self.ctx)
        self._listener: Listener | None = None
        self.port: int | None = None

    def _epoch(self) -> str:
        return self.ctx.epoch()

    async def start(self, host: str, port: int, tls: ssl.SSLContext | None = None, *,
                    sock: socket.socket | None = None) -> int:
        """Everything but the listener first, then listen (on ``sock`` if the service
        bound it already); the port bound."""
        ctx = self.ctx
        await self.auth.start(self._dsn)
        self.auth.on_change(ctx.hub.revoked)
        stream = self._service.stream
        ctx.hub.start(self._bus, 0 if stream is None else stream.last_seq)
        ctx.audit.start()
        await ctx.webhooks.start(self._bus)
        self._listener = Listener(build_app(ctx))
        self.port = await self._listener.start(
            host, port, tls, head_timeout=self._service.config.service.http.head_timeout,
            sock=sock)
        return self.port

    async def stop(self) -> None:
        ctx = self.ctx
        await ctx.hub.stop()
        if self._listener is not None:
            await self._listener.stop()
        await ctx.webhooks.stop()
        await ctx.forecasts.stop()
        await ctx.audit.stop()
        await self.auth.stop()
