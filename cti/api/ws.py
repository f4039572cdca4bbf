"""``GET /api/v1/ws``: one desktop's socket (protocol in docs/api.md).

The first message must be ``auth`` (token, optional resume) within 10 s; then
the hub queues what the user may see and this reader answers what the desktop
sends. A bad frame gets an ``error`` and the socket stays open; 20 bad frames
within 10 s close it (4000). Commands run in their own tasks (at most 16 at a
time per socket) so a slow one never stops the reading; at most
``api.commands_per_second`` are accepted (a burst of twice that), the rest
answered ``rate-limited``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from typing import Any

import structlog
from aiohttp import WSMsgType, web
from pydantic import ValidationError

from cti.api.auth import TokenRevoked
from cti.api.commands import describe
from cti.api.context import ApiContext
from cti.api.desktop import (
    CLOSE_BAD_TOKEN,
    CLOSE_EXPIRED,
    CLOSE_FORBIDDEN,
    CLOSE_NO_TOKEN,
    CLOSE_PROTOCOL,
    Desktop,
    frame,
)
from cti.api.policy import Forbidden, Principal
from cti.api.routes import CONTEXT, MAX_DEPTH, too_deep
from cti.api.schemas import AuthMessage, CommandMessage
from cti.api.throttle import TokenBucket
from cti.api.tokens import BadToken, NoToken, TokenExpired
from cti.errors import CtiError
from cti.events import iso

log = structlog.get_logger(__name__)

AUTH_TIMEOUT = 10.0
MAX_FRAME = 64 * 1024          #: larger: an error, the socket stays
MAX_PROTOCOL_FRAME = 1 << 20   #: larger: aiohttp closes with 1009
BAD_FRAMES, BAD_WINDOW = 20, 10.0
MAX_IN_FLIGHT = 16
HEARTBEAT = 30.0


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ctx = request.app[CONTEXT]
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_PROTOCOL_FRAME,
                               compress=False)
    await ws.prepare(request)
    address = request.remote or "unknown"
    try:
        principal, expires_at, resume = await _authenticate(ws, ctx)
    except _Refused as refused:
        log.info("socket refused", address=address, code=refused.code, why=refused.reason)
        await ws.close(code=refused.code, message=refused.reason[:120].encode())
        return ws
    except (ConnectionError, asyncio.CancelledError):
        return ws
    api = ctx.config.service.api
    desktop = Desktop(ws, principal, address=address, expires_at=expires_at,
                      queue_limit=api.queue_limit, transport=request.transport)
    hub = ctx.hub
    hub.attach(desktop)
    try:
        welcome = {"type": "welcome", "user": principal.public(),
                   "session": None if principal.session_id is None
                   else principal.session_id.hex,
                   "expires_at": None if expires_at is None else iso(expires_at),
                   "epoch": ctx.epoch(),
                   "limits": {"max_frame": MAX_FRAME,
                              "commands_per_second": api.commands_per_second}}
        desktop.start(hub.first_frames(desktop, welcome, resume),
                      lambda reason: hub.snapshot(desktop.principal, reason))
    except Exception:
        hub.detach(desktop)
        log.exception("socket start failed", user=principal.id)
        await ws.close(code=1011, message=b"server error")
        return ws
    log.info("desktop connected", user=principal.id, address=address,
             resumed=resume is not None)
    reader = _Reader(ctx, desktop)
    try:
        async for msg in ws:
            if not await reader.handle(msg):
                break
    finally:
        hub.detach(desktop)
        await reader.stop()
        await desktop.stop()
        log.info("desktop disconnected", user=principal.id, address=address,
                 code=ws.close_code)
    return ws


async def _authenticate(ws: web.WebSocketResponse, ctx: ApiContext
                        ) -> tuple[Principal, float | None, tuple[str, int] | None]:
    try:
        msg = await ws.receive(timeout=AUTH_TIMEOUT)
    except TimeoutError:
        raise _Refused(CLOSE_NO_TOKEN, f"no token: send {{\"type\": \"auth\", \"token\": ...}} "
                                       f"within {AUTH_TIMEOUT:g} s") from None
    if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
        raise ConnectionError("closed before auth")
    if msg.type is not WSMsgType.TEXT or len(msg.data) > MAX_FRAME:
        raise _Refused(CLOSE_NO_TOKEN, "no token: the first message must be auth (JSON text)")
    try:
        doc = json.loads(msg.data)
    except (ValueError, RecursionError):
        raise _Refused(CLOSE_NO_TOKEN, "no token: the first message is not JSON") from None
    if not isinstance(doc, dict) or doc.get("type") != "auth" or not doc.get("token"):
        raise _Refused(CLOSE_NO_TOKEN, "no token: the first message must be "
                                       "{\"type\": \"auth\", \"token\": ...}")
    try:
        auth = AuthMessage.model_validate(doc)
    except ValidationError as exc:
        raise _Refused(CLOSE_BAD_TOKEN, f"bad auth message: {describe(exc)}") from None
    try:
        principal, expires_at = await _who(ctx, auth.token)
    except NoToken as exc:
        raise _Refused(CLOSE_NO_TOKEN, str(exc)) from None
    except TokenExpired as exc:
        raise _Refused(CLOSE_EXPIRED, str(exc)) from None
    except BadToken as exc:
        raise _Refused(CLOSE_BAD_TOKEN, str(exc)) from None
    except (TokenRevoked, Forbidden) as exc:
        raise _Refused(CLOSE_FORBIDDEN, f"forbidden: {exc}") from None
    resume = None if auth.resume is None else (auth.resume.epoch, auth.resume.seq)
    return principal, expires_at, resume


async def _who(ctx: ApiContext, token: str) -> tuple[Principal, float | None]:
    """The principal and when its token expires (None: API and operator keys)."""
    if token.startswith("cti1."):
        claims = ctx.auth.verify(token)
        return await ctx.auth.principal_of(claims), claims.expires_at
    return await ctx.auth.authenticate(token), None


class _Reader:
    def __init__(self, ctx: ApiContext, desktop: Desktop) -> None:
        self.ctx = ctx
        self.desktop = desktop
        self.bad: deque[float] = deque()
        rate = ctx.config.service.api.commands_per_second
        self.bucket = TokenBucket(rate, 2 * rate, time.monotonic())
        self.tasks: set[asyncio.Task[None]] = set()
        self.handlers = {"command": self._command, "renew": self._renew,
                         "snapshot": self._snapshot, "ping": self._ping,
                         "logout": self._logout, "auth": self._again}

    async def handle(self, msg: Any) -> bool:
        """One frame; False when the socket must end."""
        if msg.type is WSMsgType.TEXT:
            return await self._text(msg.data)
        if msg.type is WSMsgType.BINARY:
            return await self._bad("binary", "binary frames are not accepted: send JSON text")
        return msg.type not in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                                WSMsgType.ERROR)

    async def _text(self, data: str) -> bool:
        if len(data) > MAX_FRAME:
            return await self._bad("too-big", f"frame of {len(data)} characters; at most "
                                              f"{MAX_FRAME}")
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as exc:
            return await self._bad("bad-json", f"not valid JSON: {exc}")
        except RecursionError:
            return await self._bad("bad-json", f"nests deeper than {MAX_DEPTH} levels")
        if too_deep(doc, MAX_DEPTH):
            return await self._bad("bad-json", f"nests deeper than {MAX_DEPTH} levels")
        if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
            return await self._bad("bad-message", "a message is a JSON object with a 'type'")
        handler = self.handlers.get(doc["type"])
        if handler is None:
            return await self._bad("unknown-type", f"unknown message type {doc['type'][:40]!r};"
                                   " send command, renew, snapshot, ping or logout")
        return await handler(doc)

    async def _bad(self, code: str, message: str, ref: str | None = None) -> bool:
        now = time.monotonic()
        self.bad.append(now)
        while self.bad and self.bad[0] < now - BAD_WINDOW:
            self.bad.popleft()
        if len(self.bad) >= BAD_FRAMES:
            await self.desktop.close(CLOSE_PROTOCOL, f"protocol error: {BAD_FRAMES} bad "
                                                     f"frames within {BAD_WINDOW:g} s")
            return False
        error: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref is not None:
            error["id"] = ref
        self.desktop.send(frame(error), droppable=False)
        return True

    # --- message types ------------------------------------------------------------------

    async def _command(self, doc: dict[str, Any]) -> bool:
        try:
            msg = CommandMessage.model_validate(doc)
        except ValidationError as exc:
            ref = doc.get("id") if isinstance(doc.get("id"), str) else None
            return await self._bad("invalid-field", describe(exc), ref)
        if not self.bucket.take(time.monotonic()):
            self._reply(msg.id, {"ok": False, "error": {
                "code": "rate-limited", "message": "too many commands; at most "
                f"{self.bucket.rate:g} a second"}})
            return True
        if len(self.tasks) >= MAX_IN_FLIGHT:
            self._reply(msg.id, {"ok": False, "error": {
                "code": "busy", "message": f"{MAX_IN_FLIGHT} commands already running; "
                                           "wait for their replies"}})
            return True
        task = asyncio.create_task(self._run(msg), name=f"command-{msg.name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return True

    async def _run(self, msg: CommandMessage) -> None:
        answer = await self.ctx.dispatcher.run(
            self.desktop.principal, msg.name, msg.args, client_id=msg.id, via="ws",
            address=self.desktop.address)
        self._reply(msg.id, answer)

    def _reply(self, ref: str, answer: dict[str, Any]) -> None:
        self.desktop.send(frame({"type": "reply", "id": ref, **answer}), droppable=False)

    async def _renew(self, doc: dict[str, Any]) -> bool:
        try:
            issued = await self.ctx.auth.renew(self.desktop.principal)
        except CtiError as exc:
            return await self._bad(exc.code, str(exc))
        self.desktop.expires_at = issued.expires_at
        self.desktop.expiring_told = False
        self.desktop.send(frame({"type": "token", "token": issued.token,
                                 "expires_at": iso(issued.expires_at)}), droppable=False)
        return True

    async def _snapshot(self, doc: dict[str, Any]) -> bool:
        self.desktop.send(self.ctx.hub.snapshot(self.desktop.principal, "requested"),
                          droppable=False)
        return True

    async def _ping(self, doc: dict[str, Any]) -> bool:
        self.desktop.send(frame({"type": "pong", "at": iso(time.time())}), droppable=False)
        return True

    async def _logout(self, doc: dict[str, Any]) -> bool:
        await self.ctx.auth.logout(self.desktop.principal)
        await self.desktop.close(1000, "logged out")
        return False

    async def _again(self, doc: dict[str, Any]) -> bool:
        return await self._bad("already-authenticated", "this socket is signed in already; "
                                                        "send renew for a new token")

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
