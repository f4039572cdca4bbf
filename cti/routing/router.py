"""The routing step and the loop around it.

``Router.process(item, now)`` is the step: pure like the engine, it takes one
inbox item and the time (read once) and returns the effects: domain events,
AMI requests, replies to commands. Inbox items are:

- AMI tracker events (``cti.ami.events``), put there by the AMI link's callback,
- what the IVR learns and asks (``InteractionStarted``, ``Enqueue``, ...),
- commands from the API and the CLI (``AgentCommand``, with a future for the reply),
- ``TimerFired`` when the engine's next deadline comes, ``InLoop`` work.

``RoutingLoop`` is the shell: one consumer of the inbox, so the engine sees
events in the order they happened; it publishes the step's domain events on
the stream (recorder, bus, log), hands AMI requests to ``Actions`` (which
never block the loop) and answers commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import structlog

from cti.ami import events as ami
from cti.calls import CallRegistry
from cti.campaigns.dialer import Dialer
from cti.config import AgentConfig, Config
from cti.events import DomainEvent
from cti.log import call_context
from cti.numbers import Dialling
from cti.routing import (
    agent_control,
    campaign_calls,
    campaigns,
    centre,
    consults,
    desk,
    devices,
    holds,
    lines,
    outbound,
    previews,
    requests,
    supervision,
    telephony,
    transfers,
    upkeep,
)
from cti.routing import items as cc
from cti.routing.control import ControlState, chain
from cti.routing.effects import AmiRequest, Effect, Reply
from cti.routing.items import (
    AgentCommand,
    CallbackWanted,
    Classified,
    Enqueue,
    HistoryFetched,
    InLoop,
    InteractionStarted,
    IvrStepDone,
    OfferNotDelivered,
    SurveyAnswer,
    TimerFired,
)
from cti.routing.step import Now, Step
from cti.stream import EventStream

log = structlog.get_logger("cti.routing")

ChannelFinder = Callable[[str, str], ami.ChannelSnapshot | None]

_HANDLERS: dict[type, Callable[[Step, Any], None]] = {
    InteractionStarted: requests.on_interaction_started,
    IvrStepDone: requests.on_ivr_step,
    Classified: requests.on_classified,
    Enqueue: centre.on_enqueue,  # requests.on_enqueue unless the queue is closed
    CallbackWanted: requests.on_callback_wanted,
    HistoryFetched: requests.on_history_fetched,
    SurveyAnswer: requests.on_survey,
    OfferNotDelivered: requests.on_offer_not_delivered,
    AgentCommand: requests.on_agent_command,
    desk.EndpointChosen: desk.on_endpoint_chosen,
    ami.InteractionTagged: telephony.on_tagged,
    ami.DialBegan: chain(telephony.on_dial_began, consults.on_dial_began),
    ami.DialEnded: chain(telephony.on_dial_ended, consults.on_dial_ended,
                         previews.on_dial_ended),
    ami.DialResultReported: telephony.on_dial_result,
    ami.ChannelHungUp: chain(campaign_calls.before_hangup, holds.before_hangup, telephony.on_hangup,
                             consults.on_hangup, supervision.on_hangup),
    ami.BlindTransferred: telephony.on_blind_transfer,
    ami.AttendedTransferred: telephony.on_attended_transfer,
    ami.CallHeld: telephony.on_held,
    ami.CallResumed: telephony.on_resumed,
    ami.OriginateResult: chain(telephony.on_originate_result, supervision.on_originate_result,
                               campaign_calls.on_originate_result),
    ami.AgentFeatureUsed: requests.on_feature,
    ami.DeviceStateChanged: chain(devices.on_device_state, lines.on_device_state),
    ami.ExtensionStateChanged: chain(devices.on_extension_state, lines.on_extension_state),
    ami.LinkUp: devices.on_link_up,
    ami.LinkDown: devices.on_link_down,
    ami.Resynced: chain(devices.on_resynced, lines.on_resynced),
    # call control (cti/control.py is the facade; docs/control.md)
    ami.UserEventReceived: chain(telephony.on_user_event, consults.on_user_event,
                                 campaign_calls.on_user_event),
    ami.SpyStarted: supervision.on_spy_started,
    ami.SpyStopped: supervision.on_spy_stopped,
    ami.RecordingStarted: holds.on_recording_started,
    ami.RecordingStopped: holds.on_recording_stopped,
    cc.HangUp: holds.hang_up,
    cc.Hold: holds.hold,
    cc.Resume: holds.resume,
    cc.PauseRecording: holds.pause_recording,
    cc.ResumeRecording: holds.resume_recording,
    cc.TransferToQueue: transfers.to_queue,
    cc.TransferToAgent: transfers.to_agent,
    cc.TransferToNumber: transfers.to_number,
    cc.Escalate: transfers.escalate,
    cc.TakeOver: transfers.take_over,
    cc.Consult: consults.consult,
    cc.CompleteTransfer: consults.complete,
    cc.CancelConsult: consults.cancel,
    cc.Dial: outbound.dial,
    cc.ScheduleCallback: outbound.schedule,
    cc.CancelCallback: outbound.cancel,
    cc.Spy: supervision.spy,
    cc.StopSpying: supervision.stop,
    cc.SetAgentState: agent_control.set_state,
    cc.WrapUp: agent_control.wrap_up,
    cc.CloseQueue: centre.close_queue,
    cc.OpenQueue: centre.open_queue,
    cc.SetCentreMode: centre.set_mode,
    # outbound campaigns (cti/campaigns/service.py is the facade; docs/outbound.md)
    ami.AmdDecided: campaign_calls.on_amd,
    ami.PartiesBridged: lines.on_bridged,
    cc.CampaignCallNotSent: campaign_calls.on_not_sent,
    cc.PreviewDecision: previews.decide,
}


class Router:
    """The routing state (engine, live calls, phones) and the step over it."""

    def __init__(self, config: Config, engine: Any, calls: CallRegistry,
                 stream: EventStream, *, find_channel: ChannelFinder | None = None) -> None:
        self.config = config
        self.engine = engine
        self.calls = calls
        self.stream = stream
        self.find_channel = find_channel
        self.draining = False
        self.devices: dict[str, str] = {}        #: endpoint -> last AMI device state
        self.links_up: set[str] = set()
        self.warned_unknown_devices = False
        self.enqueued_at: dict[str, float] = {}  #: routing latency: loop time queued
        self.agent_calls: dict[str, str] = {}    #: agent -> the interaction it answered last
        self.endpoints: dict[str, str] = {}      #: agent -> the desk it chose (desk.py)
        self.control = ControlState()            #: what call control commands started
        self.dialer = Dialer()                   #: outbound campaigns (cti/campaigns)
        self._dialling: tuple[Config, Dialling] | None = None

    @property
    def dialling(self) -> Dialling:
        """Which outside numbers may be dialled, and the trunk's format (from config)."""
        if self._dialling is None or self._dialling[0] is not self.config:
            self._dialling = (self.config, self.config.service.dialling())
        return self._dialling[1]

    def endpoint_of(self, agent_id: str) -> str:
        """The phone to ring for ``agent_id``: the desk it chose, else its own endpoint."""
        return self.endpoints.get(agent_id) or self.config.agents[agent_id].endpoint

    def agent_at(self, endpoint: str) -> AgentConfig | None:
        """The agent whose phone ``endpoint`` is now (hot desks included)."""
        for agent_id, chosen in self.endpoints.items():
            if chosen == endpoint:
                return self.config.agents.get(agent_id)
        agent = self.config.agent_by_endpoint(endpoint)
        return None if agent is None or agent.id in self.endpoints else agent

    def process(self, item: Any, now: Now) -> list[Effect]:
        """One inbox item in, its effects out (in the order they happened)."""
        step = Step(self, now)
        if isinstance(item, TimerFired):
            step.carry_out(self.engine.tick(now.mono))
            upkeep.on_timer(step)
            campaigns.on_timer(step)
        elif isinstance(item, InLoop):
            _run_in_loop(step, item)
        else:
            handler = _HANDLERS.get(type(item))
            if handler is not None:
                handler(step, item)
        step.drain()
        upkeep.after_step(step)
        campaign_calls.after_step(step)
        return step.effects

    def next_deadline(self, now: Now) -> float | None:
        """Loop time of the next timer: the engine's, a scheduled callback's, or a
        campaign's (pacing step, connect deadline, preview timeout)."""
        at = self.engine.next_deadline()
        paced = self.dialer.next_deadline(self.config.service.outbound.max_lines)
        if paced is not None:
            at = paced if at is None else min(at, paced)
        due = self.control.next_due()
        if due is not None:
            mono = now.mono + max(0.0, due - now.wall)
            at = mono if at is None else min(at, mono)
        return at

    def channel_exists(self, node: str, uniqueid: str) -> bool:
        if self.find_channel is None or not uniqueid:
            return True
        return self.find_channel(node, uniqueid) is not None

    def interaction_of(self, item: Any) -> str | None:
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


def _run_in_loop(step: Step, item: InLoop) -> None:
    try:
        result = item.fn(step)
    except Exception as exc:
        step.reply(item.future, error=exc)
        return
    step.drain()
    step.reply(item.future, result)


class RoutingLoop:
    """The one consumer of the inbox: steps, then publishes and sends what they decided."""

    def __init__(self, router: Router, actions: Any) -> None:
        self.router = router
        self.actions = actions
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._timer: asyncio.TimerHandle | None = None

    def submit(self, item: Any) -> None:
        """Hand an item to the loop; safe from any callback, never blocks or raises."""
        self.inbox.put_nowait(item)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self.inbox.get()
            self.step(item, loop)

    def step(self, item: Any, loop: asyncio.AbstractEventLoop) -> None:
        try:
            with call_context(self.router.interaction_of(item)):
                effects = self.router.process(item, Now(loop.time(), time.time()))
        except Exception as exc:
            log.exception("routing failed on an item; carrying on", item=type(item).__name__)
            reply = getattr(item, "reply", None) or getattr(item, "future", None)
            if isinstance(reply, asyncio.Future) and not reply.done():
                reply.set_exception(exc)
            effects = []
        self.dispatch(effects)
        self._rearm(loop)

    def dispatch(self, effects: list[Effect]) -> None:
        """Events to the stream (in one batch), AMI requests to Actions, then replies."""
        events = [e for e in effects if isinstance(e, DomainEvent)]
        self.router.stream.publish(events)
        for effect in effects:
            if isinstance(effect, AmiRequest):
                self.actions.run(effect)
        for effect in effects:
            if isinstance(effect, Reply) and not effect.future.done():
                if effect.error is not None:
                    effect.future.set_exception(effect.error)
                else:
                    effect.future.set_result(effect.result)

    def _rearm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer:
            self._timer.cancel()
        at = self.router.next_deadline(Now(loop.time(), time.time()))
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
