"""One desktop's socket, server side: a bounded queue of frames and the task that
writes them. Nothing here waits for the desktop: ``send`` appends, or, when nothing
is queued or being written and the socket's buffer is small, hands the frame to
the transport at once (the same bytes for every desktop: server frames are not
masked), which spares a task switch per desktop in a fan-out.

When the queue is full the frames that can be lost (events, statistics) are
dropped and replaced by one resync mark; when the writer reaches it the desktop
gets ``{"type": "resync", "reason": "too-slow"}`` and a snapshot built at that
moment, then what was queued after the mark. Replies and notices are never
dropped. A desktop that reads nothing for ``send_timeout`` seconds is closed
with 4005.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from typing import Any

import structlog
from aiohttp import web

from cti.api.policy import Principal

log = structlog.get_logger(__name__)

CLOSE_PROTOCOL, CLOSE_NO_TOKEN, CLOSE_BAD_TOKEN = 4000, 4001, 4002
CLOSE_EXPIRED, CLOSE_FORBIDDEN, CLOSE_TOO_SLOW = 4003, 4004, 4005

_RESYNC = object()
_RESYNC_FRAME = json.dumps({"type": "resync", "reason": "too-slow"})
#: Bytes waiting in a socket's buffer above which frames go through the queue.
DIRECT_LIMIT = 64 * 1024


def frame(message: dict[str, Any]) -> str:
    """A message as the JSON text desktops receive."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked WebSocket text frame (RFC 6455 section 5.2) of ``payload``."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


class Desktop:
    def __init__(self, ws: web.WebSocketResponse, principal: Principal, *, address: str,
                 expires_at: float | None, queue_limit: int, send_timeout: float = 30.0,
                 transport: asyncio.BaseTransport | None = None) -> None:
        self.ws = ws
        self._transport = transport
        self._busy = True   #: the writer has something in hand (or has not started)
        self.principal = principal
        self.address = address
        self.expires_at = expires_at
        self.expiring_told = False
        self.queue_limit = queue_limit
        self.send_timeout = send_timeout
        self.dropped = 0        #: frames lost to a full queue
        self.resyncs = 0
        self.closed = False
        self._queue: deque[tuple[Any, bool]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._snapshot: Callable[[str], str] | None = None

    def __repr__(self) -> str:
        return f"<Desktop {self.principal.id} {self.address}>"

    @property
    def pending(self) -> int:
        return len(self._queue)

    # --- the hub's side ------------------------------------------------------------------

    def send(self, text: str, *, droppable: bool = True, data: bytes | None = None) -> None:
        """Queue ``text`` (or write ``data``, its frame, at once); never blocks.
        ``droppable`` frames may be lost to a resync."""
        if self.closed:
            return
        transport = self._transport
        if not self._busy and not self._queue and isinstance(transport, asyncio.WriteTransport) \
                and not transport.is_closing() and not self.ws.closed \
                and transport.get_write_buffer_size() < DIRECT_LIMIT:
            transport.write(data if data is not None else text_frame(text.encode()))
            return
        if droppable and len(self._queue) >= self.queue_limit:
            self._overflow()
        self._queue.append((text, droppable))
        self._wake.set()

    def _overflow(self) -> None:
        kept = [item for item in self._queue if not item[1] or item[0] is _RESYNC]
        self.dropped += len(self._queue) - len(kept)
        self._queue = deque(kept)
        if not any(item[0] is _RESYNC for item in kept):
            self._queue.append((_RESYNC, False))
            self.resyncs += 1
            log.info("desktop too slow; it will resync", user=self.principal.id,
                     address=self.address)

    # --- writing ------------------------------------------------------------------------

    def start(self, first: list[str], snapshot: Callable[[str], str]) -> None:
        """Send ``first`` (welcome, snapshot or replay) before anything queued so far,
        then keep writing. ``snapshot(reason)`` builds a fresh snapshot frame."""
        self._snapshot = snapshot
        for text in reversed(first):
            self._queue.appendleft((text, False))
        self._wake.set()
        self._task = asyncio.create_task(self._write(), name=f"desktop-{self.principal.id}")

    async def _write(self) -> None:
        try:
            while True:
                while not self._queue:
                    self._busy = False
                    self._wake.clear()
                    await self._wake.wait()
                self._busy = True
                text, _ = self._queue.popleft()
                if text is _RESYNC:
                    await self._send(_RESYNC_FRAME)
                    assert self._snapshot is not None
                    text = self._snapshot("too-slow")
                await self._send(text)
        except TimeoutError:
            log.warning("desktop stopped reading; closing it", user=self.principal.id,
                        address=self.address)
            await self.close(CLOSE_TOO_SLOW, "too slow: not reading")
        except (ConnectionError, RuntimeError):
            self.closed = True  # the socket went away; the reader ends the connection

    async def _send(self, text: str) -> None:
        async with asyncio.timeout(self.send_timeout):
            await self.ws.send_str(text)

    async def close(self, code: int, reason: str) -> None:
        """Close the socket with ``code`` (idempotent)."""
        if self.closed and self.ws.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=reason[:120].encode()), 5)

    async def stop(self) -> None:
        self.closed = True
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
