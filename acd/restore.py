"""Live reconfiguration, crash recovery, and holding offers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .deadlines import Deadlines
from .decisions import Decision
from .errors import DuplicateCall, InvalidEvent, InvalidTransition, UnknownQueue
from .floor import Out, check_channel
from .model import AgentRec, CallRec
from .specs import AgentSpec, QueueSpec, check_config
from .states import AgentState, CallState, DeviceState


class Restoring(Deadlines):
    """reconfigure, restore_* and resume, hold_offers and release_offers;
    Engine builds on it."""

    def reconfigure(self, queues: Iterable[QueueSpec], agents: Iterable[AgentSpec],
                    now: float) -> list[Decision]:
        """Swap the configuration live, keeping calls, offers and agent states.

        - A removed queue *drains*: no new calls (CallArrived raises
          UnknownQueue), its waiting calls keep their place and are served by
          its former members; it is dropped by a later reconfigure once empty.
        - A removed agent that is idle is logged out and forgotten; one that is
          ringing, on a call or in wrap-up finishes first, then is forgotten.
        - Waiting calls keep the requirements they were given; new escalation
          steps of their queue apply from their next step on.

        Raises:
            ConfigInvalid: the new configuration is inconsistent; nothing changed.
        """
        qs, ags = check_config(queues, agents)
        used = {q for c in self._calls.values() for q in c.queues}
        used |= {c.queue for c in self._calls.values()}
        used |= {a.wrap_queue for a in self._agents.values() if a.wrapping and a.wrap_queue}
        out: Out = []
        self._draining = {name for name in self._queues if name not in qs and name in used}
        merged = dict(qs)
        for name in self._draining:
            merged[name] = self._queues[name]
        self._queues = merged
        for key in [k for k in self._waiting if k[0] not in merged]:
            del self._waiting[key]
        for spec in ags.values():
            a = self._agents.get(spec.agent_id)
            if a is None:
                self._agents[spec.agent_id] = AgentRec(spec, now)
            else:
                a.spec, a.skills, a.capacity, a.retiring = spec, spec.skills, spec.capacity, False
        self._rebuild_indexes()
        for a in list(self._agents.values()):
            if a.agent_id not in ags:
                a.retiring = True
                a.presence, a.reason = AgentState.LOGGED_OUT, None
                self._touch(a, now, out)
        for a in self._agents.values():
            self._dirty_agents[a.agent_id] = None
        for c in self._calls.values():
            if c.state is CallState.WAITING:
                self._dirty_calls[c.call_id] = None
                self._arm_call_timer(c)
        self._dispatch(now, out)
        return out

    def restore_agent(self, agent_id: str, state: AgentState, now: float, *,
                      reason: str | None = None, device: DeviceState = DeviceState.AVAILABLE,
                      wrap_until: float | None = None, wrap_queue: str | None = None,
                      since: float | None = None) -> None:
        """Put an agent back as it was before a restart. No decision, no offer
        until ``resume``.

        ``state``: LOGGED_OUT, READY, NOT_READY (with ``reason``), WRAP_UP
        (``wrap_until``: None = until the disposition; ``wrap_queue`` for the
        statistics) or ON_CALL (presence READY; attach its calls with
        ``restore_call(..., agent_id=...)``). RESERVED cannot be restored: a
        ringing offer does not survive a restart; restore the agent READY and
        the call waiting.
        """
        a = self._agent(agent_id)
        try:
            state, device = AgentState(state), DeviceState(device)
        except ValueError as exc:
            raise InvalidEvent(f"agent {agent_id}: restore_agent {exc}") from None
        if state is AgentState.RESERVED:
            raise InvalidTransition(agent_id, "restore_agent", "RESERVED (restore it READY and "
                                    "its call waiting: a ringing offer does not survive)")
        self._restoring = self._held = True
        sink: Out = []
        a.presence = state if state in (AgentState.LOGGED_OUT, AgentState.NOT_READY) \
            else AgentState.READY
        a.reason = reason if state is AgentState.NOT_READY else None
        a.device = device
        a.logged_in_at = None if state is AgentState.LOGGED_OUT else (since or now)
        if state is AgentState.WRAP_UP:
            a.wrapping, a.wrap_until, a.wrap_started_at = True, wrap_until, since or now
            a.wrap_queue = wrap_queue
            a.wrap_timer = 0 if wrap_until is None else self._timers.push(
                wrap_until, "wrap", agent_id)
        self._touch(a, now, sink)
        a.state_since = since if since is not None else now
        self._tally.note(a)

    def restore_call(self, call_id: str, queue: str, now: float, *, arrived_at: float,
                     priority: int = 0, channel: str = "voice",
                     skills: Mapping[str, int] | None = None,
                     extra_skills: Mapping[str, int] | None = None,
                     attributes: Mapping[str, str] | None = None, callback: bool = False,
                     entered_at: float | None = None, agent_id: str | None = None,
                     answered_at: float | None = None) -> None:
        """Put a call back after a restart: waiting (keeps its original arrival,
        hence its place) or, with ``agent_id``, talking with that agent. No
        decision, no offer until ``resume``.

        Pass the requirements and ``priority`` the call entered the queue with
        and ``entered_at`` (default ``arrived_at``): escalation steps already
        due are applied again at ``resume`` (and reported as Escalated).
        """
        if call_id in self._calls:
            raise DuplicateCall(call_id, self._calls[call_id].state.value)
        spec = self._queues.get(queue)
        if spec is None:
            raise UnknownQueue(queue)
        a = self._agent(agent_id) if agent_id is not None else None
        channel = check_channel(call_id, channel)
        extra = dict(extra_skills or {})
        reqs = self._requirements(call_id, spec, skills, extra)
        c = CallRec(call_id, queue, int(priority), channel, reqs, extra, arrived_at,
                    arrived_at if entered_at is None else entered_at,
                    MappingProxyType(dict(attributes or {})), callback)
        self._restoring = self._held = True
        sink: Out = []
        self._calls[call_id] = c
        if a is None:
            self._enqueue(c, now, sink)
            self._arm_call_timer(c)
            return
        c.state, c.agent, c.offer_queue = CallState.TALKING, a.agent_id, queue
        c.answered_at = now if answered_at is None else answered_at
        a.active[call_id] = channel
        a.load[channel] = a.load.get(channel, 0) + 1
        self._touch(a, now, sink)

    def resume(self, now: float) -> list[Decision]:
        """End a restore: run overdue deadlines, then match everything (unless
        ``hold_offers`` holds them: then at ``release_offers``)."""
        self._restoring = False
        self._held = self._held_since is not None
        for a in self._agents.values():
            self._dirty_agents[a.agent_id] = None
        for c in self._calls.values():
            if c.state is CallState.WAITING:
                self._dirty_calls[c.call_id] = None
        return self.tick(now)

    # ------------------------------------------------------ holding offers

    def hold_offers(self, now: float) -> None:
        """Stop offering calls, touching nothing else (a graceful shutdown).

        Agents keep their state; calls keep arriving, waiting in their place,
        escalating and taking their queue's exits; offers already ringing
        finish as usual (a failed one goes back to its place). Keep calling
        ``tick``. Holding twice is harmless; the first ``now`` is kept.
        """
        if self._held_since is None:
            self._held_since = now
        self._held = True

    def release_offers(self, now: float) -> list[Decision]:
        """End ``hold_offers``: the waiting calls, in routing order (priority,
        original arrival, call_id), each take the best free agent by their
        queue's strategy, as if they arrived now in that order. Returns those
        offers. Without a hold it does nothing; during a restore the offers
        wait for ``resume``."""
        if self._held_since is None:
            return []
        self._held_since = None
        self._held = self._restoring
        out: Out = []
        if self._held:
            return out
        self._dirty_agents.clear()        # every free agent is a candidate of the calls below
        for c in self._calls.values():
            if c.state is CallState.WAITING:
                self._dirty_calls[c.call_id] = None
        self._dispatch(now, out)
        return out

    @property
    def held_since(self) -> float | None:
        """When ``hold_offers`` stopped the offers; None while offering."""
        return self._held_since
