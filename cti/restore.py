"""Crash recovery: put the ACD back as it was, from PostgreSQL, then check it
against what Asterisk really has.

After a restart (even a SIGKILL) the store still holds every waiting caller's
queue entry (with the original arrival time), every agent's current state and
the interactions being talked. ``restore`` loads them into the engine without
any offer; once every AMI node has resynced, ``reconcile`` closes the calls
Asterisk no longer has and brings back to hold a caller that was ringing an
agent when the service died. Then ``Engine.resume`` routes again, in the
original order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from acd import events as e
from acd.errors import AcdError
from acd.states import AgentState
from cti import events as ev
from cti.ami.commands import Redirect
from cti.ami.events import ChannelSnapshot
from cti.calls import LiveCall, Phase
from cti.config import Config
from cti.routing import Step
from cti.routing.decisions import close_call
from cti.store import Store
from cti.store.models import AgentState as StoredAgentState
from cti.store.models import Interaction, QueueEntry

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Snapshot:
    agents: list[StoredAgentState]
    entries: list[QueueEntry]
    cases: dict[str, Interaction]  # agent_id -> the interaction it talks or wraps up
    open_calls: list[Interaction]  # every voice interaction not closed yet


async def load_snapshot(store: Store) -> Snapshot:
    agents = await store.agent_states.current()
    entries = await store.queue_entries.entries()
    cases: dict[str, Interaction] = {}
    for agent in agents:
        if agent.state in ("ON_CALL", "WRAP_UP") and agent.interaction_id is not None:
            interaction = await store.interactions.get(agent.interaction_id)
            if interaction is not None:
                cases[agent.agent_id] = interaction
    return Snapshot(agents, entries, cases, await store.interactions.open_calls())


@dataclass(frozen=True)
class Restored:
    calls: list[LiveCall]
    #: agents whose stored state could not stand (agent, stored state, restored state)
    corrections: list[tuple[str, str, str]]


def restore(router: Any, snapshot: Snapshot, now: float) -> Restored:
    """Load the snapshot into the engine and the call registry."""
    engine, config = router.engine, router.config
    wall = time.time()

    def loop_time(epoch: float) -> float:
        return now - max(0.0, wall - epoch)

    restored: list[LiveCall] = []
    corrections: list[tuple[str, str, str]] = []
    for agent in snapshot.agents:
        if agent.agent_id not in config.agents:
            continue
        state = AgentState(agent.state)
        since = loop_time(agent.since.timestamp())
        case = snapshot.cases.get(agent.agent_id)
        if state is AgentState.RESERVED:
            state = AgentState.READY  # a ringing offer does not survive; its call waits again
        if state is AgentState.ON_CALL and case is None:
            state = AgentState.READY
        wrap_until = None
        if state is AgentState.WRAP_UP:
            wrap_until = since + _wrapup(config, case.queue if case else None)
        try:
            engine.restore_agent(agent.agent_id, state, now, reason=agent.reason,
                                 since=since, wrap_until=wrap_until)
        except AcdError as exc:
            log.warning("agent not restored", agent_id=agent.agent_id, error=str(exc))
            continue
        if state.value != agent.state:
            corrections.append((agent.agent_id, agent.state, state.value))
        if case is not None and state is AgentState.ON_CALL:
            call = _talking_call(router, agent.agent_id, case, loop_time)
            if call is not None:
                restored.append(call)
    for entry in snapshot.entries:
        iid = str(entry.interaction_id)
        if router.calls.get(iid) is not None or entry.queue not in config.queues:
            continue
        call = LiveCall(
            interaction_id=iid, node=entry.node or "", channel=entry.channel or "",
            uniqueid=entry.uniqueid or str(entry.attributes.get("uniqueid", "")),
            caller_number=entry.caller_number or "", caller_name=entry.caller_name or "",
            queue=entry.queue, segment=entry.segment,
            priority=entry.priority, skills=dict(entry.requirements),
            phase=Phase.CALLBACK if entry.is_callback else Phase.WAITING,
            callback_number=entry.callback_number, queued_at=entry.arrived_at.timestamp(),
            segment_at=entry.arrived_at.timestamp(), created_at=entry.arrived_at.timestamp(),
            requeue_cause="restore")
        try:
            engine.restore_call(iid, entry.queue, now,
                                arrived_at=loop_time(entry.arrived_at.timestamp()),
                                priority=entry.priority, extra_skills=dict(entry.requirements),
                                callback=entry.is_callback)
        except AcdError as exc:
            log.warning("waiting call not restored", interaction_id=iid, error=str(exc))
            continue
        router.calls.add(call)
        restored.append(call)
    log.info("restored from the store", agents=len(snapshot.agents), calls=len(restored))
    return Restored(restored, corrections)


def _talking_call(router: Any, agent_id: str, interaction: Interaction,
                  loop_time: Callable[[float], float]) -> LiveCall | None:
    iid = str(interaction.id)
    queue = interaction.queue
    if queue is None or queue not in router.config.queues:
        return None
    queued = (interaction.queued_at or interaction.created_at).timestamp()
    answered = (interaction.answered_at or interaction.created_at).timestamp()
    call = LiveCall(interaction_id=iid, node=interaction.node or "", channel="",
                    uniqueid=interaction.uniqueid or "", caller_number=interaction.caller_number
                    or "", caller_name=interaction.caller_name or "",
                    dnid=interaction.dialled_number or "", phase=Phase.TALKING, queue=queue,
                    priority=interaction.priority, queued_at=queued, segment_at=queued,
                    created_at=interaction.created_at.timestamp(), agent_id=agent_id,
                    answered_at=answered, offers=1)
    try:
        router.engine.restore_call(iid, queue, loop_time(time.time()), arrived_at=loop_time(queued),
                                   priority=interaction.priority, agent_id=agent_id,
                                   answered_at=loop_time(answered))
    except AcdError as exc:
        log.warning("talking call not restored", interaction_id=iid, error=str(exc))
        return None
    router.calls.add(call)
    return call


def _wrapup(config: Config, queue: str | None) -> float:
    spec = config.queues.get(queue or "")
    return spec.wrapup if spec else 0.0


def settle(step: Step, snapshot: Snapshot, restored: Restored) -> int:
    """The facts of the restore: agents whose stored state could not stand, and the open
    voice interactions that were not restored (in the IVR when the service died, or
    whose closing was lost with it), closed as ``lost``. Returns how many were closed."""
    router = step.router
    for agent_id, stored, state in restored.corrections:
        step.emit(ev.AgentStateChanged, agent_id=agent_id, state=state, previous=stored,
                  reason="restored")
    closed = 0
    for case in snapshot.open_calls:
        iid = str(case.id)
        if router.calls.get(iid) is None:
            orphan = LiveCall(interaction_id=iid, node=case.node or "", channel="",
                              uniqueid=case.uniqueid or "", caller_number=case.caller_number
                              or "", queue=case.queue, agent_id=case.agent_id,
                              created_at=case.created_at.timestamp(),
                              queued_at=_epoch(case.queued_at),
                              answered_at=_epoch(case.answered_at))
            router.calls.add(orphan)
            close_call(step, orphan, "lost")
            closed += 1
    if closed:
        log.info("closed interactions left open by the previous run", count=closed)
    return closed


def _epoch(at: datetime | None) -> float | None:
    return None if at is None else at.timestamp()


def reconcile(step: Step, calls: list[LiveCall],
              find: Callable[[str, str], ChannelSnapshot | None]) -> None:
    """Check restored calls against the channels Asterisk has after the resync."""
    router = step.router
    connect = router.config.service.dialplan.connect_context
    hold = router.config.service.dialplan.hold_context
    for call in calls:
        if call.phase is Phase.CALLBACK:
            continue
        channel = find(call.node, call.uniqueid) if call.uniqueid else None
        if channel is None:
            log.info("call gone while the service was down", interaction_id=call.interaction_id)
            if call.phase is Phase.TALKING:
                step.feed(e.CallEnded(call.interaction_id))
                close_call(step, call, "answered")
            else:
                step.feed(e.CallAbandoned(call.interaction_id))
                close_call(step, call, "lost")
            continue
        router.calls.set_caller_channel(call, channel.name, call.uniqueid)
        if channel.context == router.config.service.dialplan.fallback_context:
            # Sent to the fallback while the service was down: out of our hands.
            step.feed(e.CallRemoved(call.interaction_id, "fallback"))
            close_call(step, call, "fallback")
            continue
        if call.phase is Phase.WAITING and channel.context == connect:
            # It was ringing an agent when the service died: back to hold, offered again.
            step.ami(call, Redirect(call.channel, hold))
