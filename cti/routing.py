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
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from acd import decisions as d
from acd import events as e
from acd.errors import AcdError
from acd.states import AgentState, DeviceState
from cti.actions import Actions
from cti.ami import events as ami
from cti.bus import DomainEvent, EventBus
from cti.calls import CallRegistry, LiveCall, Phase
from cti.config import Config
from cti.errors import CommandRefused, NoSuchAgent
from cti.log import call_context
from cti.records import Records

log = structlog.get_logger(__name__)

#: DialStatus of a failed ring -> the ACD's reason.
_FAIL_REASONS = {
    "NOANSWER": "no-answer",
    "BUSY": "busy",
    "CONGESTION": "unavailable",
    "CHANUNAVAIL": "unavailable",
    "INVALIDARGS": "unavailable",
    "DONTCALL": "rejected",
    "TORTURE": "rejected",
}
#: Asterisk device states -> what the ACD needs to know.
_DEVICE_STATES = {
    "NOT_INUSE": DeviceState.AVAILABLE,
    "UNKNOWN": DeviceState.AVAILABLE,
    "INUSE": DeviceState.IN_USE,
    "BUSY": DeviceState.IN_USE,
    "RINGING": DeviceState.IN_USE,
    "RINGINUSE": DeviceState.IN_USE,
    "ONHOLD": DeviceState.IN_USE,
    "UNAVAILABLE": DeviceState.UNAVAILABLE,
    "INVALID": DeviceState.UNAVAILABLE,
}
#: ExtensionStatus numbers -> device states (0 idle, 1 in use, 2 busy, 4 unavailable,
#: 8 ringing, 9 in use and ringing, 16 on hold, -1 hint removed).
_HINT_STATES = {0: "NOT_INUSE", 1: "INUSE", 2: "BUSY", 4: "UNAVAILABLE", 8: "RINGING",
                9: "RINGINUSE", 16: "ONHOLD", 17: "INUSE", -1: "UNAVAILABLE"}
#: OriginateResponse Reason -> the ACD's reason (4 = answered is success).
_ORIGINATE_REASONS = {5: "busy", 3: "no-answer", 8: "unavailable", 1: "no-answer"}


@dataclass(frozen=True, slots=True)
class Enqueue:
    interaction_id: str
    queue: str
    skills: dict[str, int]
    priority: int
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallbackWanted:
    interaction_id: str
    number: str


@dataclass(frozen=True, slots=True)
class OfferNotDelivered:
    """The Redirect or Originate for an offer failed (channel gone, link down)."""

    interaction_id: str
    agent_id: str
    error: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    pass


@dataclass(frozen=True, slots=True)
class InLoop:
    """Run ``fn(now)`` inside the loop, in order with everything else; result to ``future``."""

    fn: Any
    future: asyncio.Future[Any]


@dataclass(eq=False)
class AgentCommand:
    agent_id: str
    action: str  # login, logout, ready, pause
    reason: str | None = None
    reply: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Router:
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

    # --- the loop ---------------------------------------------------------------------

    def submit(self, item: Any) -> None:
        """Hand an item to the loop; safe from any callback, never blocks or raises."""
        self.inbox.put_nowait(item)

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

    def feed(self, event: e.Event, now: float) -> None:
        """Give the engine one event; a refused event is logged, never fatal."""
        try:
            decisions = self.engine.handle(event, now)
        except AcdError as exc:
            log.warning("ACD refused event", acd_event=type(event).__name__, error=str(exc))
            return
        self.carry_out(decisions, now)

    # --- decisions --------------------------------------------------------------------

    def carry_out(self, decisions: list[Any], now: float) -> None:
        for decision in decisions:
            if isinstance(decision, d.Offer):
                self._offer(decision, now)
            elif isinstance(decision, d.AgentStateChanged):
                self._agent_state_changed(decision)
            elif isinstance(decision, d.CallQueued):
                self._call_queued(decision)
            elif isinstance(decision, d.QueueExit):
                self._queue_exit(decision)
            elif isinstance(decision, d.Escalated):
                self.records.event(decision.call_id, "escalated", "acd",
                                   {"queue": decision.queue, "step": decision.step})
            elif isinstance(decision, d.OfferTimedOut):
                self.records.event(decision.call_id, "no-answer", decision.agent_id,
                                   {"reason": "ring timeout passed without a dial result"})

    def _offer(self, offer: d.Offer, now: float) -> None:
        call = self.calls.get(offer.call_id)
        agent = self.config.agents.get(offer.agent_id)
        if call is None or agent is None:
            log.error("offer for an unknown call or agent", call_id=offer.call_id,
                      agent_id=offer.agent_id)
            return
        if self.draining:
            self.feed(e.OfferFailed(offer.call_id, offer.agent_id, "rejected"), now)
            return
        call.agent_id = offer.agent_id
        call.offers += 1
        call.phase = Phase.RINGING
        # Routing latency counts only calls that found an agent free on arrival.
        queued_at = self._enqueued_at.pop(call.interaction_id, None)
        if offer.callback:
            self.actions.originate_callback(call, agent, offer.ring_timeout)
        else:
            self.actions.redirect_to_agent(call, agent, offer.ring_timeout, queued_at)
        self.records.event(call.interaction_id, "offered", "acd",
                           {"agent_id": offer.agent_id, "attempt": offer.attempt,
                            "callback": offer.callback})
        self._publish("call.offered", {**call.screen_pop(), "agent_id": offer.agent_id,
                                       "ring_timeout": offer.ring_timeout})

    def _agent_state_changed(self, change: d.AgentStateChanged) -> None:
        self.records.agent_state(change.agent_id, change.new.value, change.reason,
                                 change.call_id)
        self._publish("agent.state", {"agent_id": change.agent_id, "state": change.new.value,
                                      "old": change.old.value, "reason": change.reason,
                                      "interaction_id": change.call_id})

    def _call_queued(self, queued: d.CallQueued) -> None:
        call = self.calls.get(queued.call_id)
        if call is None:
            return
        moved = call.queue != queued.queue
        call.queue = queued.queue
        call.phase = Phase.CALLBACK if call.callback_number else Phase.WAITING
        self.records.queue_entry(call)
        if moved:
            self.records.update_interaction(call.interaction_id, queue=queued.queue)
        self._publish("call.queued", {"interaction_id": call.interaction_id,
                                      "queue": queued.queue, "position": queued.position})

    def _queue_exit(self, exit_: d.QueueExit) -> None:
        call = self.calls.get(exit_.call_id)
        self.records.event(exit_.call_id, "queue-exit", "acd",
                           {"queue": exit_.queue, "action": exit_.action,
                            "target": exit_.target, "reason": exit_.reason})
        if call is None:
            return
        if exit_.action == "overflow":
            return  # the engine moved it; a CallQueued follows
        if exit_.action == "callback":
            call.callback_number = call.callback_number or call.caller_number
            call.phase = Phase.CALLBACK
            self.records.queue_entry(call)
            self.actions.send_caller_away(call, self.config.service.dialplan.hold_context,
                                          "callback")
            return
        outcome = "voicemail" if exit_.action == "voicemail" else "timeout"
        if exit_.action == "voicemail":
            self.actions.send_to_voicemail(call, exit_.target or "")
        else:
            self.actions.hang_up(call)
        self.close_call(call, outcome)

    # --- IVR requests -----------------------------------------------------------------

    def _on_enqueue(self, req: Enqueue, now: float) -> None:
        call = self.calls.get(req.interaction_id)
        if call is None:
            log.warning("enqueue for an unknown interaction", interaction_id=req.interaction_id)
            return
        queue = self.config.queues.get(req.queue)
        call.queue = req.queue
        call.skills = dict(req.skills)
        call.priority = req.priority + (queue.priority if queue else 0)
        call.queued_at = time.time()
        callback = call.callback_number is not None
        call.phase = Phase.CALLBACK if callback else Phase.WAITING
        self._enqueued_at[call.interaction_id] = now
        self.records.update_interaction(call.interaction_id, queue=req.queue,
                                        priority=call.priority, queued_at=call.queued_at)
        self.records.event(call.interaction_id, "queued", "ivr",
                           {"queue": req.queue, "priority": call.priority,
                            "skills": call.skills})
        self.feed(e.CallArrived(call.interaction_id, req.queue, priority=call.priority,
                                extra_skills=call.skills, callback=callback,
                                attributes={k: str(v) for k, v in req.attributes.items()}),
                  now)
        self._enqueued_at.pop(call.interaction_id, None)  # offered at once, or not at all

    def _on_callback_wanted(self, req: CallbackWanted, now: float) -> None:
        """From the hold step (the call waits) or the IVR (it is queued next, as a callback)."""
        call = self.calls.get(req.interaction_id)
        if call is None or call.phase not in (Phase.IVR, Phase.WAITING):
            return
        call.callback_number = req.number
        self.records.event(call.interaction_id, "callback-requested", "caller",
                           {"number": req.number})
        if call.phase is Phase.WAITING:
            call.phase = Phase.CALLBACK
            self.feed(e.CallbackRequested(call.interaction_id), now)
            self.records.queue_entry(call)

    def _on_offer_not_delivered(self, failure: OfferNotDelivered, now: float) -> None:
        call = self.calls.get(failure.interaction_id)
        if call is None or call.phase is not Phase.RINGING:
            return
        log.warning("offer not delivered", interaction_id=failure.interaction_id,
                    agent_id=failure.agent_id, error=failure.error)
        call.phase = Phase.CALLBACK if call.callback_number else Phase.WAITING
        self.feed(e.OfferFailed(call.interaction_id, failure.agent_id, "unavailable"), now)

    # --- agent commands (API, CLI, phone feature codes) --------------------------------

    def _on_agent_command(self, cmd: AgentCommand, now: float) -> None:
        try:
            result = self.agent_command(cmd.agent_id, cmd.action, cmd.reason, now)
        except Exception as exc:
            if not cmd.reply.done():
                cmd.reply.set_exception(exc)
            return
        if not cmd.reply.done():
            cmd.reply.set_result(result)

    def agent_command(self, agent_id: str, action: str, reason: str | None,
                      now: float) -> dict[str, Any]:
        if agent_id not in self.config.agents:
            raise NoSuchAgent(agent_id)
        event: e.Event
        if action == "login":
            event = e.AgentLoggedIn(agent_id, ready=False, reason=reason or "login")
        elif action == "logout":
            event = e.AgentLoggedOut(agent_id)
        elif action == "ready":
            event = self._ready_event(agent_id)
        else:
            event = e.AgentNotReady(agent_id, reason or "break")
        try:
            decisions = self.engine.handle(event, now)
        except AcdError as exc:
            raise CommandRefused(f"agent {agent_id}: {action} refused: {exc}") from None
        self.carry_out(decisions, now)
        snap = self.engine.agent(agent_id)
        return {"agent_id": agent_id, "state": snap.state.value, "reason": snap.reason}

    def _ready_event(self, agent_id: str) -> e.Event:
        snap = self.engine.agent(agent_id)
        if snap.state is AgentState.WRAP_UP:
            return e.WrapUpDone(agent_id)
        if snap.presence is AgentState.LOGGED_OUT:
            return e.AgentLoggedIn(agent_id, ready=True)
        return e.AgentReady(agent_id)

    def _on_feature(self, used: ami.AgentFeatureUsed, now: float) -> None:
        agent = self.config.agent_by_endpoint(used.endpoint)
        if agent is None:
            log.warning("feature code from a phone no agent uses", endpoint=used.endpoint,
                        feature=used.feature)
            return
        action = {"login": "ready", "logout": "logout", "ready": "ready",
                  "pause": "pause"}.get(used.feature)
        if action is None:
            return
        try:
            self.agent_command(agent.id, action, "phone" if action == "pause" else None, now)
        except Exception as exc:
            log.warning("feature code refused", agent_id=agent.id, feature=used.feature,
                        error=str(exc))

    # --- AMI outcomes -------------------------------------------------------------------

    def _caller_call(self, channel: ami.ChannelSnapshot | None) -> LiveCall | None:
        if channel is None:
            return None
        call = self.calls.by_uniqueid(channel.uniqueid)
        if call is None and channel.interaction:
            call = self.calls.get(channel.interaction)
        return call

    def _on_tagged(self, tagged: ami.InteractionTagged, now: float) -> None:
        call = self.calls.get(tagged.interaction)
        if call is not None:
            call.node = tagged.node
            call.channel = tagged.channel.name

    def _on_dial_began(self, began: ami.DialBegan, now: float) -> None:
        call = self._caller_call(began.caller)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        self.calls.set_agent_leg(call, began.target.uniqueid)
        self._publish("call.ringing", {"interaction_id": call.interaction_id,
                                       "agent_id": call.agent_id,
                                       "agent_channel": began.target.name})

    def _on_dial_ended(self, ended: ami.DialEnded, now: float) -> None:
        call = self._caller_call(ended.caller)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        if ended.dial_status == "ANSWER":
            self.calls.set_agent_leg(call, ended.target.uniqueid)
            self._answered(call, now)
        # failures arrive as DialResultReported (CHANUNAVAIL has no DialEnd at all)

    def _answered(self, call: LiveCall, now: float) -> None:
        assert call.agent_id is not None
        call.phase = Phase.TALKING
        call.answered_at = time.time()
        self.feed(e.OfferAnswered(call.interaction_id, call.agent_id), now)
        self.records.answered(call)
        self._publish("call.answered", {"interaction_id": call.interaction_id,
                                        "agent_id": call.agent_id})

    def _on_dial_result(self, result: ami.DialResultReported, now: float) -> None:
        call = self.calls.get(result.interaction)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        reason = _FAIL_REASONS.get(result.dial_status)
        if reason is None:
            return  # ANSWER (after the talk), CANCEL (the caller left: a hang-up follows)
        agent_id = call.agent_id
        call.phase = Phase.WAITING
        self.calls.set_agent_leg(call, None)
        self.records.event(call.interaction_id, "no-answer", agent_id,
                           {"dial_status": result.dial_status, "endpoint": result.endpoint})
        self._publish("call.offer_failed", {"interaction_id": call.interaction_id,
                                            "agent_id": agent_id, "reason": reason})
        self.feed(e.OfferFailed(call.interaction_id, agent_id, reason), now)

    def _on_originate_result(self, result: ami.OriginateResult, now: float) -> None:
        call = next((c for c in self.calls if c.originate_action == result.action_id), None)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        call.originate_action = None
        if result.success:
            self.calls.set_agent_leg(call, result.uniqueid or None)
            self._answered(call, now)
            return
        agent_id = call.agent_id
        call.phase = Phase.CALLBACK
        reason = _ORIGINATE_REASONS.get(result.reason, "unavailable")
        self.records.event(call.interaction_id, "no-answer", agent_id,
                           {"originate_reason": result.reason})
        self.feed(e.OfferFailed(call.interaction_id, agent_id, reason), now)

    def _on_hangup(self, hungup: ami.ChannelHungUp, now: float) -> None:
        call = self.calls.by_uniqueid(hungup.channel.uniqueid)
        if call is None:
            return
        lost = hungup.lost
        if hungup.channel.uniqueid == call.agent_uniqueid:
            # The agent's leg ended (agent hung up, blind transfer, re-queue by redirect).
            self.calls.set_agent_leg(call, None)
            if call.phase is Phase.TALKING:
                self._agent_leg_done(call, now)
                if call.callback_number is not None:  # the agent's leg was the whole call
                    self.close_call(call, "lost" if lost else "callback", cause=hungup.cause)
            return
        if call.callback_number is not None:
            return  # the caller left after choosing a callback; the place is kept
        if call.phase in (Phase.WAITING, Phase.RINGING):
            self.feed(e.CallAbandoned(call.interaction_id), now)
            self.close_call(call, "lost" if lost else "abandoned", cause=hungup.cause)
        elif call.phase in (Phase.TALKING, Phase.AFTER_AGENT):
            self._agent_leg_done(call, now)
            outcome = "transferred" if call.transferred else "answered"
            self.close_call(call, "lost" if lost else outcome, cause=hungup.cause)
        elif call.phase is Phase.IVR:
            self.close_call(call, "lost" if lost else call.ivr_outcome, cause=hungup.cause)
        else:
            self.close_call(call, "lost" if lost else "completed", cause=hungup.cause)

    def _agent_leg_done(self, call: LiveCall, now: float) -> None:
        """The agent's part is over: the ACD puts the agent in wrap-up."""
        if call.phase is not Phase.TALKING:
            return
        self.feed(e.CallEnded(call.interaction_id), now)
        self.records.talk_ended(call)
        call.phase = Phase.AFTER_AGENT
        self._publish("call.agent_left", {"interaction_id": call.interaction_id,
                                          "agent_id": call.agent_id})

    def close_call(self, call: LiveCall, outcome: str, cause: int | None = None) -> None:
        self.records.finished(call, outcome, cause)
        self.calls.remove(call)
        self._publish("call.ended", {"interaction_id": call.interaction_id,
                                     "outcome": outcome, "agent_id": call.agent_id})

    def _on_bridged(self, bridged: ami.PartiesBridged, now: float) -> None:
        call = next(filter(None, (self.calls.by_uniqueid(p.uniqueid)
                                  for p in bridged.parties)), None)
        self._publish("call.bridged", {
            "interaction_id": call.interaction_id if call else None,
            "node": bridged.node, "bridge_id": bridged.bridge_id,
            "parties": [{"channel": p.name, "number": p.caller_num, "name": p.caller_name}
                        for p in bridged.parties],
        })

    def _on_blind_transfer(self, xfer: ami.BlindTransferred, now: float) -> None:
        call = self._caller_call(xfer.transferee) or self._caller_call(xfer.transferer)
        if call is None:
            return
        call.transferred = True
        self.records.event(call.interaction_id, "transferred", call.agent_id or "agent",
                           {"to": f"{xfer.extension}@{xfer.context}", "kind": "blind",
                            "result": xfer.result})
        self._publish("call.transferred", {"interaction_id": call.interaction_id,
                                           "to": xfer.extension, "kind": "blind"})

    def _on_attended_transfer(self, xfer: ami.AttendedTransferred, now: float) -> None:
        call = self._caller_call(xfer.transferee) or self._caller_call(xfer.transferer)
        if call is None:
            return
        call.transferred = True
        target = xfer.target.name if xfer.target else None
        self.records.event(call.interaction_id, "transferred", call.agent_id or "agent",
                           {"to": target, "kind": "attended", "result": xfer.result})

    def _on_held(self, held: ami.CallHeld, now: float) -> None:
        call = self._caller_call(held.channel)
        if call is not None:
            self._publish("call.held", {"interaction_id": call.interaction_id})

    def _on_resumed(self, resumed: ami.CallResumed, now: float) -> None:
        call = self._caller_call(resumed.channel)
        if call is not None:
            self._publish("call.resumed", {"interaction_id": call.interaction_id})

    def _on_device_state(self, change: ami.DeviceStateChanged, now: float) -> None:
        agent = self.config.agent_by_endpoint(change.device)
        if agent is None:
            return
        self._devices[change.device] = change.state
        self.feed(e.DeviceStateChanged(agent.id, _device(change.state)), now)

    def _on_extension_state(self, change: ami.ExtensionStateChanged, now: float) -> None:
        """A hint's state (ExtensionStatus) for a hint naming an agent's endpoint."""
        agent = self.config.agent_by_endpoint(change.hint)
        if agent is None:
            return
        state = _HINT_STATES.get(change.status, "UNAVAILABLE")
        self._devices[agent.endpoint] = state
        self.feed(e.DeviceStateChanged(agent.id, _device(state)), now)

    def _on_link_up(self, up: ami.LinkUp, now: float) -> None:
        self._links_up.add(up.node)
        self._publish("ami.link", {"node": up.node, "up": True, "reconnect": up.reconnect})

    def _on_link_down(self, down: ami.LinkDown, now: float) -> None:
        self._links_up.discard(down.node)
        self._publish("ami.link", {"node": down.node, "up": False, "reason": down.reason})
        if not self._links_up:
            # No PBX to ring anyone through: keep calls in place, offer nothing.
            for agent_id in self.config.agents:
                self.feed(e.DeviceStateChanged(agent_id, DeviceState.UNAVAILABLE), now)

    def _on_resynced(self, resynced: ami.Resynced, now: float) -> None:
        self._links_up.add(resynced.node)
        for agent in self.config.agents.values():
            state = self._devices.get(agent.endpoint, "NOT_INUSE")
            self.feed(e.DeviceStateChanged(agent.id, _device(state)), now)
        self._publish("ami.resynced", {"node": resynced.node,
                                       "ended_calls": len(resynced.ended_calls),
                                       "appeared_calls": len(resynced.appeared_calls)})

    # --- publishing ---------------------------------------------------------------------

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        self.bus.publish(DomainEvent(kind, data, time.time()))


def _device(state: str) -> DeviceState:
    return _DEVICE_STATES.get(state, DeviceState.AVAILABLE)


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
