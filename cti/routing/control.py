"""Call control inside the routing step: what every command handler shares.

Commands (``cti.routing.items.CallCommand``) come from the facade
(``cti/control.py``) with a future for the reply. ``command`` turns a handler
``fn(step, cmd) -> dict`` into a router handler that answers the future and makes
the command idempotent: the same ``client_id`` from the same user gets the first
answer back and changes nothing. Handlers check everything first and act after,
so a refused command leaves no trace.

``ControlState`` (``router.control``) keeps what the commands started and the
routing step must follow: consult legs, supervisors' spy legs, recordings,
direct rings, scheduled callbacks, closed queues and the centre's mode.
``after_step`` runs at the end of every step (direct rings that failed, state of
calls that ended); ``on_timer`` starts the callbacks that came due.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from acd.errors import AcdError
from cti import events as ev
from cti.calls import IllegalMove, LiveCall
from cti.config import AgentConfig, QueueConfig
from cti.errors import CommandRefused, CtiError, NoSuchAgent, NoSuchCall
from cti.numbers import NumberRefused, PhoneNumber
from cti.routing.errors import BadNumber, CallNotInPhase, ClientIdReused, NoSuchQueue
from cti.routing.items import CallCommand

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.routing")
C = TypeVar("C", bound=CallCommand)
#: Answers kept for retries with the same client id (the oldest are forgotten first).
REPLIES_KEPT = 10_000
CENTRE_MODES = ("normal", "night", "emergency")


# --- what the commands started ---------------------------------------------------------


@dataclass
class ConsultLeg:
    """Attended transfer under way: the caller is held, the agent's leg rings ``target``."""

    target: str            #: agent id or E.164 number
    kind: str              #: agent or number
    agent_leg: str         #: the agent leg's Uniqueid (it dials the target)
    by: str
    target_uniqueid: str | None = None
    answered: bool = False


@dataclass
class SpyLeg:
    """A supervisor's ChanSpy leg on an agent's call."""

    supervisor_id: str
    interaction_id: str
    agent_id: str | None
    mode: str
    action_id: str
    node: str
    by: str
    uniqueid: str | None = None
    channel: str | None = None
    started: bool = False
    stopping: bool = False   #: hung up (or to be, once Asterisk says its channel)


@dataclass
class Recording:
    channel: str
    mixmonitor_id: str | None
    paused_at: float | None = None
    paused_by: str | None = None


@dataclass
class DirectRing:
    """A call rung on one agent through the ACD; ``fallback`` says what a failed ring
    does: a queue name (the call waits there again) or ``end`` (it ends)."""

    agent_id: str
    fallback: str
    kind: str


@dataclass
class ScheduledCallback:
    callback_id: str
    number: str
    due_at: float          #: wall clock
    queue: str
    agent_id: str | None
    note: str | None
    origin: str | None     #: the interaction it was agreed in
    by: str


@dataclass
class ControlState:
    replies: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], dict[str, Any]]] = \
        field(default_factory=OrderedDict)
    parked: dict[str, str] = field(default_factory=dict)   #: held by a command: iid -> by
    consults: dict[str, ConsultLeg] = field(default_factory=dict)
    spy_legs: dict[str, SpyLeg] = field(default_factory=dict)  #: by Originate action id
    spies: dict[str, str] = field(default_factory=dict)       #: supervisor -> its leg now
    recordings: dict[str, Recording] = field(default_factory=dict)
    direct: dict[str, DirectRing] = field(default_factory=dict)
    callbacks: dict[str, ScheduledCallback] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    mode: str = "normal"
    mode_message: str | None = None
    #: agent -> (interaction, queue) of the call it answered last (for the wrap-up)
    last_calls: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    _due: list[tuple[float, str]] = field(default_factory=list)  #: heap of (due_at, id)

    def add_callback(self, callback: ScheduledCallback) -> None:
        self.callbacks[callback.callback_id] = callback
        heapq.heappush(self._due, (callback.due_at, callback.callback_id))

    def take_due(self, now_wall: float) -> list[ScheduledCallback]:
        """The pending callbacks due at ``now_wall``, earliest first, taken out."""
        out = []
        while self._due and self._due[0][0] <= now_wall:
            _at, callback_id = heapq.heappop(self._due)
            callback = self.callbacks.pop(callback_id, None)
            if callback is not None:
                out.append(callback)
        return out

    def next_due(self) -> float | None:
        """Wall time the next scheduled callback is due, if any (O(1) but for the
        cancelled ones it drops on the way)."""
        while self._due and self._due[0][1] not in self.callbacks:
            heapq.heappop(self._due)
        return self._due[0][0] if self._due else None

    def view(self) -> dict[str, Any]:
        return {"mode": self.mode, "message": self.mode_message,
                "closed_queues": sorted(self.closed)}


# --- the command runner ---------------------------------------------------------------


def command(fn: Callable[[Step, C], dict[str, Any]]) -> Callable[[Step, C], None]:
    """The router handler of a command: run ``fn`` once per client id, answer ``reply``.

    A CtiError is the answer (the API maps its status and code); an ACD refusal
    becomes CommandRefused. Only answers that succeeded are kept for retries: a
    refused command changed nothing and may be tried again with the same id.
    """

    def handle(step: Step, cmd: C) -> None:
        state = step.router.control
        key = (cmd.by, cmd.client_id) if cmd.client_id else None
        if key is not None and key in state.replies:
            asked, answer = state.replies[key]
            if asked == cmd.fingerprint():
                step.reply(cmd.reply, dict(answer, repeated=True))
            else:
                step.reply(cmd.reply, error=ClientIdReused(key[1], asked[0], type(cmd).__name__))
            return
        try:
            result = fn(step, cmd)
            step.drain()
        except CtiError as exc:
            step.reply(cmd.reply, error=exc)
            return
        except AcdError as exc:
            step.reply(cmd.reply, error=CommandRefused(str(exc)))
            return
        if key is not None:
            state.replies[key] = (cmd.fingerprint(), result)
            while len(state.replies) > REPLIES_KEPT:
                state.replies.popitem(last=False)
        step.reply(cmd.reply, result)

    handle.__name__ = handle.__qualname__ = f"command_{fn.__name__}"
    handle.__doc__ = fn.__doc__
    return handle


def chain(*handlers: Callable[[Step, Any], None]) -> Callable[[Step, Any], None]:
    """One router handler running several in order (an AMI event two concerns follow)."""

    def run(step: Step, item: Any) -> None:
        for handler in handlers:
            handler(step, item)

    return run


# --- lookups that refuse with the error the API maps -----------------------------------


def live_call(step: Step, interaction_id: str) -> LiveCall:
    call = step.router.calls.get(interaction_id)
    if call is None:
        raise NoSuchCall(interaction_id)
    return call


def need(step: Step, call: LiveCall, trigger: str, needs: str) -> None:
    """Check the call's phase through the phase table (``cti.calls.MOVES``)."""
    try:
        step.router.calls.move(call, trigger)
    except IllegalMove:
        raise CallNotInPhase(call.interaction_id, needs, call.phase.value) from None


def agent_config(step: Step, agent_id: str) -> AgentConfig:
    agent = step.router.config.agents.get(agent_id)
    if agent is None:
        raise NoSuchAgent(agent_id)
    return agent


def queue_config(step: Step, name: str) -> QueueConfig:
    queue = step.router.config.queues.get(name)
    if queue is None:
        raise NoSuchQueue(name, list(step.router.config.queues))
    return queue


def known_channel(step: Step, node: str, uniqueid: str | None) -> str | None:
    """The name of a live channel the tracker follows (AMI actions take names)."""
    find = step.router.find_channel
    snap = find(node, uniqueid) if find is not None and uniqueid else None
    return None if snap is None else snap.name


def channel_name(step: Step, node: str, uniqueid: str | None, what: str) -> str:
    """Like ``known_channel``, refusing the command when the channel is gone."""
    name = known_channel(step, node, uniqueid)
    if name is None:
        raise CommandRefused(f"{what} is not known to the service (no live channel); "
                             "the call may have ended")
    return name


def agent_leg(step: Step, call: LiveCall) -> str:
    return channel_name(step, call.node, call.agent_uniqueid,
                        f"the agent's leg of call {call.interaction_id}")


def check_number(step: Step, text: str) -> PhoneNumber:
    try:
        return step.router.dialling.policy.check(text)
    except NumberRefused as exc:
        raise BadNumber(str(exc), exc.reason) from None


def end_hold(step: Step, call: LiveCall, how: str, by: str | None) -> None:
    """The hold (if any) ends: its time lands in the offer's hold_seconds."""
    if call.held_at is None:
        return
    held_for = round(step.now.wall - call.held_at, 3)
    call.held_at = None
    step.emit(ev.CallResumed, call, attempt=call.offers, by=by, held_for=held_for, how=how)


def release_agent(step: Step, call: LiveCall) -> None:
    """The agent's part of a talking call is over (it is transferred): talk time stops;
    the ACD event that frees the agent is the caller's business."""
    talked = None if call.answered_at is None else round(step.now.wall - call.answered_at, 3)
    step.emit(ev.AgentLeftCall, call, attempt=call.offers, segment=call.segment, talked=talked)
    step.router.calls.move(call, "agent_left")
    step.router.calls.set_agent_leg(call, None)
    call.answered_at = None


def parked(step: Step, call: LiveCall) -> bool:
    """True while a hold or a consult keeps the caller in the held context and the
    agent's leg out of the call."""
    return call.interaction_id in step.router.control.parked
