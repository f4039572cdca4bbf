"""Webhooks: domain events POSTed to systems that keep no socket open.

Each subscription names event types (``*``: all). Its deliveries go out in
order, one at a time, signed (``X-CTI-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<body>">``). A failure (no 2xx, a timeout, no connection) is retried with
exponential backoff from 1 s to 5 min, for at most ``api.webhook_retry_for``
seconds; then the event is dropped and counted. Each subscription keeps at
most ``QUEUE_LIMIT`` events waiting (the oldest are dropped past that). The
failures, the last error and the last success are stored on the webhook row,
so ``GET /api/v1/webhooks`` and ``cti status`` show a failing one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import structlog

from cti.bus import EventBus, Subscription
from cti.errors import CtiError
from cti.events import DomainEvent
from cti.store import Store
from cti.store.webhooks import Webhook

log = structlog.get_logger(__name__)

QUEUE_LIMIT = 10_000
FIRST_RETRY = 1.0
MAX_RETRY = 300.0


def sign(secret: str, at: int, body: bytes) -> str:
    """The ``X-CTI-Signature`` header value."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


@dataclass
class _Target:
    hook: Webhook
    queue: deque[tuple[DomainEvent, float]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    failures: int = 0
    dropped: int = 0
    last_error: str | None = None
    unrecorded: int = 0          #: successes not yet counted on the row
    recorded_at: float = 0.0

    def wants(self, event: DomainEvent) -> bool:
        return "*" in self.hook.events or event.TYPE in self.hook.events


class WebhookSender:
    def __init__(self, store: Store, epoch: Callable[[], str], *, timeout: float = 5.0,
                 retry_for: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._epoch = epoch
        self.timeout = timeout
        self.retry_for = retry_for
        self._clock = clock
        self._targets: dict[str, _Target] = {}
        self._session: aiohttp.ClientSession | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None

    async def start(self, bus: EventBus) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers={"User-Agent": "asterisk-cti-webhooks"})
        try:
            hooks = await self._store.webhooks.active()
        except CtiError as exc:
            log.warning("webhooks not loaded: the database is not answering", error=str(exc))
            hooks = []
        for hook in hooks:
            self.add(hook)
        self._subscription = bus.subscribe(self._wanted, maxsize=100_000)
        self._consumer = asyncio.create_task(self._consume(bus), name="webhooks")

    async def stop(self) -> None:
        tasks = [t.task for t in self._targets.values() if t.task is not None]
        if self._consumer is not None:
            tasks.append(self._consumer)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()

    def add(self, hook: Webhook) -> None:
        target = _Target(hook)
        self._targets[hook.id] = target
        target.task = asyncio.create_task(self._deliver(target), name=f"webhook-{hook.id}")

    async def remove(self, webhook_id: str) -> None:
        target = self._targets.pop(webhook_id, None)
        if target is not None and target.task is not None:
            target.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await target.task

    def status(self, webhook_id: str) -> dict[str, Any]:
        """What is waiting for a webhook now (the row has the rest)."""
        target = self._targets.get(webhook_id)
        if target is None:
            return {"queued": 0}
        return {"queued": len(target.queue)}

    def failing(self) -> list[dict[str, Any]]:
        """The webhooks whose last delivery failed (for the status)."""
        return [{"id": t.hook.id, "url": t.hook.url, "failures": t.failures,
                 "last_error": t.last_error, "queued": len(t.queue)}
                for t in self._targets.values() if t.failures]

    # --- the work ------------------------------------------------------------------------

    def _wanted(self, event: DomainEvent) -> bool:
        return any(t.wants(event) for t in self._targets.values())

    async def _consume(self, bus: EventBus) -> None:
        assert self._subscription is not None
        try:
            async for event in self._subscription:
                now = self._clock()
                for target in self._targets.values():
                    if target.wants(event):
                        if len(target.queue) >= QUEUE_LIMIT:
                            target.queue.popleft()
                            target.dropped += 1
                        target.queue.append((event, now))
                        target.wake.set()
        finally:
            bus.unsubscribe(self._subscription)

    async def _deliver(self, target: _Target) -> None:
        delay = FIRST_RETRY
        while True:
            while not target.queue:
                target.wake.clear()
                await target.wake.wait()
            event, first_try = target.queue[0]
            error = await self._post(target.hook, event)
            if error is None:
                target.queue.popleft()
                recovered = target.failures > 0
                if recovered:
                    log.info("webhook delivers again", webhook=target.hook.id)
                target.failures, target.last_error, delay = 0, None, FIRST_RETRY
                target.unrecorded += 1
                now = self._clock()
                if recovered or not target.queue or now - target.recorded_at >= 1.0:
                    count, target.unrecorded, target.recorded_at = target.unrecorded, 0, now
                    await self._note(self._store.webhooks.delivered(target.hook.id, count))
                continue
            target.failures += 1
            target.last_error = error
            gave_up = self._clock() - first_try >= self.retry_for
            if gave_up:
                target.queue.popleft()
                target.dropped += 1
            if target.failures in (1, 10) or target.failures % 100 == 0:
                log.warning("webhook delivery failed", webhook=target.hook.id,
                            url=target.hook.url, error=error, failures=target.failures,
                            dropped_event=gave_up)
            await self._note(self._store.webhooks.failed(target.hook.id, error,
                                                          dropped=int(gave_up)))
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)

    async def _post(self, hook: Webhook, event: DomainEvent) -> str | None:
        """None on success, else what went wrong."""
        assert self._session is not None
        body = json.dumps(event.to_json(self._epoch()), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-CTI-Event": event.TYPE,
                   "X-CTI-Delivery": str(uuid.uuid4()),
                   "X-CTI-Signature": sign(hook.secret, int(time.time()), body)}
        try:
            async with self._session.post(hook.url, data=body, headers=headers,
                                          allow_redirects=False) as response:
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except aiohttp.ClientError as exc:
            return str(exc) or type(exc).__name__

    async def _note(self, write: Any) -> None:
        with contextlib.suppress(CtiError):
            await write
