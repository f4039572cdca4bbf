"""Sending the routing step's AMI requests without blocking the routing loop.

``run`` returns at once. A pipelined request (an offer's Setvar, Setvar,
Redirect) with nothing of its interaction still under way is written to the
AMI socket right away, within the routing step, so a busy loop cannot delay
an offer; a task then awaits the answers. Otherwise the requests of one
interaction run one after the other, those of different interactions in
parallel. A failure is logged and, where routing must react (an offer that
never reached the caller), reported back to the loop as an inbox item.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import structlog

from cti.routing.effects import AmiRequest

log = structlog.get_logger(__name__)


class AmiSender(Protocol):
    async def send(self, action: Mapping[str, Any]) -> Any: ...

    def send_now(self, action: Mapping[str, Any]) -> Awaitable[Any]:
        """Write now; the result awaits the response."""
        ...


#: routing latencies kept for the status's percentiles (the histogram has them all)
LATENCY_KEPT = 20_000


class Actions:
    def __init__(self, links: Mapping[str, AmiSender], report: Callable[[Any], None]) -> None:
        self._links = links
        self._report = report
        self._chains: dict[str, asyncio.Task[None]] = {}
        #: seconds from "queued with an agent free" to the actions handed to AMI,
        #: for the last LATENCY_KEPT routings (the status's percentiles)
        self.routing_latency: deque[float] = deque(maxlen=LATENCY_KEPT)

    def run(self, request: AmiRequest) -> None:
        link = self._links.get(request.node)
        previous = self._chains.get(request.interaction_id)
        written: list[Awaitable[Any]] | None = None
        early_error: str | None = None
        if link is not None and request.pipelined and (previous is None or previous.done()):
            try:
                written = [link.send_now(cmd.message()) for cmd in request.actions]
            except Exception as exc:  # the link is down: report it from the task below
                early_error = str(exc) or type(exc).__name__
            if request.queued_at is not None:
                self.routing_latency.append(asyncio.get_running_loop().time()
                                            - request.queued_at)

        async def step() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            if link is None:
                error = f"no AMI link for node {request.node!r}"
            elif early_error is not None:
                error = early_error
            else:
                try:
                    if written is not None:
                        await asyncio.gather(*written)
                    else:
                        await self._send(link, request)
                    return
                except Exception as exc:  # AmiError, timeouts, a dropped link
                    error = str(exc) or type(exc).__name__
            log.warning("AMI action failed", interaction_id=request.interaction_id,
                        error=error)
            if request.on_error is not None:
                self._report(dataclasses.replace(request.on_error, error=error))

        task = asyncio.create_task(step(), name=f"ami-{request.interaction_id}")
        self._chains[request.interaction_id] = task
        task.add_done_callback(lambda t: self._forget(request.interaction_id, t))

    async def _send(self, link: AmiSender, request: AmiRequest) -> None:
        messages = [command.message() for command in request.actions]
        if request.pipelined:
            # Asterisk runs the actions of one AMI session in order: no need to wait
            # for each answer before sending the next.
            sent = asyncio.gather(*(link.send(m) for m in messages))
            if request.queued_at is not None:
                self.routing_latency.append(asyncio.get_running_loop().time()
                                            - request.queued_at)
            await sent
            return
        for message in messages:
            await link.send(message)

    def _forget(self, interaction_id: str, task: asyncio.Task[None]) -> None:
        if self._chains.get(interaction_id) is task:
            del self._chains[interaction_id]

    async def wait_idle(self) -> None:
        """Wait for every action under way (used when draining)."""
        while self._chains:
            await asyncio.wait(list(self._chains.values()))
