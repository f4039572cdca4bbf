"""The routing loop: ACD decisions become AMI actions; AMI outcomes become ACD events.

Everything that changes a call or an agent goes through one inbox and one
consumer task, so the engine sees events in the order they happened:

- AMI tracker events (``cti.ami.events``), put there by the AMI link's callback,
- requests from the IVR (``Enqueue``, ``CallbackWanted``),
- commands from the API and the CLI (``AgentCommand``, with a future for the reply),
- ``TimerFired`` when the engine's next deadline comes.

The loop never waits for the network: AMI actions run as tasks
(``cti.actions``) whose failures come back through the inbox, and database
writes go to the write-behind ``Recorder``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from cti.ami import events as ami
from cti.log import call_context
from cti.routing.base import log
from cti.routing.decisions import Decisions
from cti.routing.devices import Devices
from cti.routing.items import (
    AgentCommand,
    CallbackWanted,
    Enqueue,
    InLoop,
    OfferNotDelivered,
    TimerFired,
)
from cti.routing.requests import Requests
from cti.routing.telephony import Telephony


class Router(Decisions, Requests, Telephony, Devices):
    """The one consumer of the inbox; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handlers = {
            Enqueue: self._on_enqueue,
            CallbackWanted: self._on_callback_wanted,
            OfferNotDelivered: self._on_offer_not_delivered,
            AgentCommand: self._on_agent_command,
            ami.InteractionTagged: self._on_tagged,
            ami.DialBegan: self._on_dial_began,
            ami.DialEnded: self._on_dial_ended,
            ami.DialResultReported: self._on_dial_result,
            ami.ChannelHungUp: self._on_hangup,
            ami.PartiesBridged: self._on_bridged,
            ami.BlindTransferred: self._on_blind_transfer,
            ami.AttendedTransferred: self._on_attended_transfer,
            ami.CallHeld: self._on_held,
            ami.CallResumed: self._on_resumed,
            ami.DeviceStateChanged: self._on_device_state,
            ami.ExtensionStateChanged: self._on_extension_state,
            ami.AgentFeatureUsed: self._on_feature,
            ami.OriginateResult: self._on_originate_result,
            ami.LinkUp: self._on_link_up,
            ami.LinkDown: self._on_link_down,
            ami.Resynced: self._on_resynced,
        }

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self.inbox.get()
            try:
                with call_context(self._interaction_of(item)):
                    self.process(item, loop.time())
            except Exception:
                log.exception("routing failed on an item; carrying on", item=type(item).__name__)
            self._rearm(loop)

    def process(self, item: Any, now: float) -> None:
        if isinstance(item, TimerFired):
            self.carry_out(self.engine.tick(now), now)
            return
        if isinstance(item, InLoop):
            self._run_in_loop(item, now)
            return
        handler = self._handlers.get(type(item))
        if handler is not None:
            handler(item, now)

    def _interaction_of(self, item: Any) -> str | None:
        """The interaction an inbox item concerns, for the log lines it causes."""
        iid = getattr(item, "interaction_id", None) or getattr(item, "interaction", None)
        if isinstance(iid, str):
            return iid
        for name in ("channel", "caller", "transferee"):
            snap = getattr(item, name, None)
            if isinstance(snap, ami.ChannelSnapshot):
                call = self.calls.by_uniqueid(snap.uniqueid)
                if call is not None:
                    return call.interaction_id
        return None

    def _run_in_loop(self, item: InLoop, now: float) -> None:
        try:
            result = item.fn(now)
        except Exception as exc:
            if not item.future.done():
                item.future.set_exception(exc)
            return
        if not item.future.done():
            item.future.set_result(result)

    def resume(self, now: float) -> None:
        """End of a restore: the engine routes again."""
        self.carry_out(self.engine.resume(now), now)

    def _rearm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer:
            self._timer.cancel()
        at = self.engine.next_deadline()
        self._timer = None if at is None else loop.call_at(at, self.submit, TimerFired())

    def stop_timer(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
