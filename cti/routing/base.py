"""The routing loop's shared state and the few helpers every part of it uses."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import structlog

from acd import events as e
from acd.errors import AcdError
from cti.ami import events as ami
from cti.bus import DomainEvent, EventBus
from cti.calls import CallRegistry, LiveCall

if TYPE_CHECKING:  # cti.actions reports back through cti.routing.items
    from cti.actions import Actions
    from cti.config import Config
    from cti.records import Records

log = structlog.get_logger("cti.routing")


class RouterBase:
    """State shared by the parts of the router (decisions, requests, telephony,
    devices); ``Router`` puts them together."""

    def __init__(
        self,
        config: Config,
        engine: Any,
        calls: CallRegistry,
        records: Records,
        bus: EventBus,
        actions: Actions,
    ) -> None:
        self.config = config
        self.engine = engine
        self.calls = calls
        self.records = records
        self.bus = bus
        self.actions = actions
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.draining = False
        self._timer: asyncio.TimerHandle | None = None
        self._devices: dict[str, str] = {}       # endpoint -> last AMI device state
        self._links_up: set[str] = set()
        self._enqueued_at: dict[str, float] = {}

    def submit(self, item: Any) -> None:
        """Hand an item to the loop; safe from any callback, never blocks or raises."""
        self.inbox.put_nowait(item)

    def feed(self, event: e.Event, now: float) -> None:
        """Give the engine one event; a refused event is logged, never fatal."""
        try:
            decisions = self.engine.handle(event, now)
        except AcdError as exc:
            log.warning("ACD refused event", acd_event=type(event).__name__, error=str(exc))
            return
        self.carry_out(decisions, now)

    def close_call(self, call: LiveCall, outcome: str, cause: int | None = None) -> None:
        self.records.finished(call, outcome, cause)
        self.calls.remove(call)
        self._publish("call.ended", {"interaction_id": call.interaction_id,
                                     "outcome": outcome, "agent_id": call.agent_id})

    def _caller_call(self, channel: ami.ChannelSnapshot | None) -> LiveCall | None:
        if channel is None:
            return None
        call = self.calls.by_uniqueid(channel.uniqueid)
        if call is None and channel.interaction:
            call = self.calls.get(channel.interaction)
        return call

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        self.bus.publish(DomainEvent(kind, data, time.time()))

    def carry_out(self, decisions: list[Any], now: float) -> None:
        raise NotImplementedError  # cti.routing.decisions
