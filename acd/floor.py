"""The engine's state, its indexes and the matching rules.

The rules, in one place:

- A call waits in the waiting lists of its queues (its own queue, plus queues
  added by an overflow escalation step), one list per (queue, channel), ordered
  by priority, original arrival, call_id.
- An agent is *routable* on a channel when its presence is READY, no offer
  rings on it, it is not in wrap-up, its load on the channel is below capacity
  and, for voice, its phone is AVAILABLE. Routable agents sit in one index per
  (queue, channel), so matching never scans the whole floor.
- Work conserving: after every event and tick the engine re-matches whatever
  changed (dirty agents first: each takes the best call it can serve; then
  dirty calls in routing order: each takes the best agent by its queue's
  strategy). So no call waits while a routable agent could take it.
- One offer at a time: an agent holds at most one ringing offer (of any
  channel); a call rings on one agent at a time.
- A failed offer puts the call back in its place (its key is its original
  arrival) and skips that agent for that call during ``reoffer_delay``.
- Held (a restore in progress, or ``hold_offers``): nothing is offered; what
  would have been matched stays dirty until the hold ends.

Every change a statistic depends on also goes through a hook of ``tally``
(``_touch`` for agents, ``_enqueue`` / ``_unqueue`` / ``_offer`` for calls).
"""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping

from .decisions import AgentStateChanged, CallQueued, Decision, Offer
from .errors import ConfigInvalid, InvalidEvent, UnknownAgent, UnknownCall
from .model import AgentRec, CallRec, merge_levels
from .routable import RoutableIndex
from .specs import CHANNELS, AgentSpec, QueueSpec, Strategy, _freeze_levels, check_config
from .states import AgentState, CallState
from .strategies import choose, rank_key
from .tally import Tally
from .timers import TimerHeap
from .waiting import WaitingList

Out = list[Decision]


class Floor:
    """State and matching; Engine adds events, deadlines and the read side on top."""

    def __init__(self, queues: Iterable[QueueSpec], agents: Iterable[AgentSpec], seed: int,
                 offer_margin: float, stats_window: float, now: float) -> None:
        self._margin = offer_margin
        self._rng = random.Random(seed)
        self._tally = Tally(stats_window, now)
        self._timers = TimerHeap()
        self._queues: dict[str, QueueSpec] = {}
        self._draining: set[str] = set()
        self._agents: dict[str, AgentRec] = {}
        self._calls: dict[str, CallRec] = {}
        self._waiting: dict[tuple[str, str], WaitingList] = {}
        self._members: dict[str, dict[str, int]] = {}        # queue -> agent_id -> position
        self._routable: dict[tuple[str, str], RoutableIndex] = {}
        self._rr_last: dict[str, int] = {}
        self._dirty_agents: dict[str, None] = {}
        self._dirty_calls: dict[str, None] = {}
        self._restoring = False                              # restore_* until resume
        self._held_since: float | None = None                # hold_offers until release
        self._held = False                                   # either: no offers
        qs, ags = check_config(queues, agents)
        self._queues = qs
        for spec in ags.values():
            self._agents[spec.agent_id] = AgentRec(spec, now)
        self._rebuild_indexes()

    # ------------------------------------------------------------ lookups

    def _agent(self, agent_id: str) -> AgentRec:
        a = self._agents.get(agent_id)
        if a is None:
            raise UnknownAgent(agent_id)
        return a

    def _call(self, call_id: str) -> CallRec:
        c = self._calls.get(call_id)
        if c is None:
            raise UnknownCall(call_id)
        return c

    def _requirements(self, call_id: str, spec: QueueSpec, skills: Mapping[str, int] | None,
                      extra: Mapping[str, int]) -> dict[str, int]:
        try:
            base = spec.skills if skills is None else _freeze_levels(call_id, "skills", skills)
            extra = _freeze_levels(call_id, "extra_skills", extra)
        except ConfigInvalid as exc:
            raise InvalidEvent(f"call {exc}") from None
        return merge_levels(base, extra)

    def _wl(self, queue: str, channel: str) -> WaitingList:
        wl = self._waiting.get((queue, channel))
        if wl is None:
            wl = self._waiting[(queue, channel)] = WaitingList()
        return wl

    def queue_length(self, queue: str) -> int:
        """Calls waiting (not ringing) in ``queue``, all channels, visitors included."""
        waiting = self._waiting
        return sum(len(wl) for ch in CHANNELS if (wl := waiting.get((queue, ch))) is not None)

    def _enqueue(self, c: CallRec, now: float, out: Out) -> None:
        c.state = CallState.WAITING
        position = 0
        tally = self._tally
        tallies, entry = tally.queues, (c.entered_at, c.call_id)
        for q in c.queues:
            pos = self._wl(q, c.channel).add(c.key)
            insort(tallies[q].entered, entry)
            if q == c.queue:
                position = pos
        tally.waiting_calls += 1
        tally.changed_queues.update(c.queues)
        out.append(CallQueued(c.call_id, c.queue, position))
        self._dirty_calls[c.call_id] = None

    def _unqueue(self, c: CallRec) -> None:
        tally = self._tally
        tallies, entry = tally.queues, (c.entered_at, c.call_id)
        for q in c.queues:
            wl = self._waiting.get((q, c.channel))
            if wl is not None:
                wl.remove(c.key)
            entered = tallies[q].entered
            i = bisect_left(entered, entry)
            if i < len(entered) and entered[i] == entry:
                del entered[i]
        tally.waiting_calls -= 1
        tally.changed_queues.update(c.queues)

    # ------------------------------------------------------- agent index

    def _touch(self, a: AgentRec, now: float, out: Out) -> None:
        """Recompute the agent's derived state and routable channels after a change."""
        state, reason, call_id = a.derive()
        rekeyed = False
        tally = self._tally
        if state is not a.state or reason != a.state_reason:
            old = a.state
            start = a.state_since if a.state_since > tally.since else tally.since
            a.state_time[old] = a.state_time.get(old, 0.0) + (now - start)
            out.append(AgentStateChanged(a.agent_id, old, state, reason, now, call_id))
            if state is AgentState.READY:
                a.idle_since = now
                rekeyed = True
            if state is not old and not a.noted:      # folded into its queues on read
                a.noted = True
                tally.noted.append(a)
            a.state, a.state_reason, a.state_call, a.state_since = state, reason, call_id, now
        if not a.touched:                             # (flags, not a set: no hashing here)
            a.touched = True
            tally.touched.append(a)
        old = a.routable
        new = a.compute_routable()
        if new != old or rekeyed:
            routable = self._routable
            for ch in old:
                if ch not in new:
                    for q in a.queues:
                        routable[(q, ch)].discard(a.agent_id)
                elif rekeyed:  # still free, idle from now: its place in the order moves
                    for q in a.queues:
                        routable[(q, ch)].rekey(a)
            gained = False
            for ch in new:
                if ch not in old:
                    gained = True
                    for q in a.queues:
                        self._index(q, ch).add(a)
            a.routable = new
            if gained:
                self._dirty_agents[a.agent_id] = None
        if a.retiring and state is AgentState.LOGGED_OUT:
            self._forget_agent(a)

    def _forget_agent(self, a: AgentRec) -> None:
        self._tally.left(a)
        for q in a.queues:
            members = self._members.get(q)
            if members is not None:
                members.pop(a.agent_id, None)
            for ch in a.routable:
                idx = self._routable.get((q, ch))
                if idx is not None:
                    idx.discard(a.agent_id)
        del self._agents[a.agent_id]
        self._dirty_agents.pop(a.agent_id, None)

    def _rebuild_indexes(self) -> None:
        """Membership and routable indexes from scratch (construction, reconfigure)."""
        floors = {name: spec.floor_skills() for name, spec in self._queues.items()}
        by_key: dict[str, list[str]] = {}
        anyone: list[str] = []
        for name, floor in floors.items():
            if name in self._draining:
                continue
            if floor:
                by_key.setdefault(min(floor), []).append(name)
            else:
                anyone.append(name)
        order = {name: i for i, name in enumerate(self._queues)}
        old_members = self._members
        self._members = {name: {} for name in self._queues}
        self._routable = {}
        for a in self._agents.values():
            if a.spec.queues:                  # (a retiring agent's may name a dropped queue)
                queues = [q for q in a.spec.queues if q in self._members]
            else:
                candidates = list(anyone)
                for skill in a.skills:
                    candidates.extend(by_key.get(skill, ()))
                queues = sorted({q for q in candidates if a.meets(floors[q])},
                                key=order.__getitem__)
            for q in self._draining:
                if a.agent_id in old_members.get(q, {}):
                    queues.append(q)
            a.queues = tuple(queues)
            for q in queues:
                members = self._members[q]
                members[a.agent_id] = len(members)
            a.routable = a.compute_routable()
            for ch in a.routable:
                for q in a.queues:
                    self._index(q, ch).add(a)
        self._tally.rebuild(self._agents.values(), self._sl_seconds())

    def _index(self, queue: str, channel: str) -> RoutableIndex:
        idx = self._routable.get((queue, channel))
        if idx is None:
            spec = self._queues[queue]
            if spec.strategy is Strategy.LONGEST_IDLE:
                idx = RoutableIndex(_longest_idle)
            elif spec.strategy is Strategy.MOST_SKILLED:
                skills = tuple(spec.skills)
                idx = RoutableIndex(lambda a: (-sum(a.skills.get(s, 0) for s in skills),
                                               a.idle_since, a.agent_id), frozenset(skills))
            else:
                idx = RoutableIndex()
            self._routable[(queue, channel)] = idx
        return idx

    def _sl_seconds(self) -> dict[str, float]:
        return {name: spec.sl_seconds for name, spec in self._queues.items()}

    # ---------------------------------------------------------- matching

    def _dispatch(self, now: float, out: Out) -> None:
        if self._held:
            return
        agents, self._dirty_agents = self._dirty_agents, {}
        calls, self._dirty_calls = self._dirty_calls, {}
        for agent_id in agents:
            a = self._agents.get(agent_id)
            if a is not None and a.routable:
                c, via = self._best_call(a, now)
                if c is not None:
                    self._offer(c, a, via, now, out)
        pending = [c for call_id in calls
                   if (c := self._calls.get(call_id)) is not None and c.state is CallState.WAITING]
        pending.sort(key=lambda c: c.key)
        for c in pending:
            if c.state is CallState.WAITING:
                a, via = self._best_agent(c, now)
                if a is not None:
                    self._offer(c, a, via, now, out)

    def _best_call(self, a: AgentRec, now: float) -> tuple[CallRec | None, str]:
        """The first call in routing order, over the agent's queues and free channels,
        that the agent is skilled for and not skipped for."""
        best: CallRec | None = None
        best_via = ""
        calls, waiting, agent_id = self._calls, self._waiting, a.agent_id
        for ch in a.routable:
            for q in a.queues:
                wl = waiting.get((q, ch))
                if not wl:
                    continue
                for key in wl:
                    if best is not None and key >= best.key:
                        break
                    c = calls[key[2]]
                    if c.excluded and c.excluded.get(agent_id, now) > now:
                        continue
                    if a.meets(c.reqs[q]):
                        best, best_via = c, q
                        break
        return best, best_via

    def _candidates(self, c: CallRec, q: str, now: float) -> list[AgentRec]:
        idx = self._routable.get((q, c.channel))
        if not idx:
            return []
        reqs, agents, excluded = c.reqs[q], self._agents, c.excluded
        if idx.ordered_for(reqs.keys()):  # the strategy's choice: the first one eligible
            for agent_id in idx.in_order():
                a = agents[agent_id]
                if a.meets(reqs) and not (excluded and excluded.get(agent_id, now) > now):
                    return [a]
            return []
        out = []
        for agent_id in idx:
            a = agents[agent_id]
            if a.meets(reqs) and not (excluded and excluded.get(agent_id, now) > now):
                out.append(a)
        return out

    def _rank(self, c: CallRec, q: str) -> Callable[[AgentRec], tuple]:
        spec = self._queues[q]
        return rank_key(spec.strategy, q, c.reqs[q], self._members.get(q, {}),
                        self._rr_last.get(q, -1))

    def _best_agent(self, c: CallRec, now: float) -> tuple[AgentRec | None, str]:
        """By the strategy of the first of the call's queues with an eligible agent
        (its own queue first, then overflow queues in the order they were added)."""
        for q in c.queues:
            cands = self._candidates(c, q, now)
            if cands:
                return choose(self._queues[q].strategy, cands, self._rank(c, q), self._rng), q
        return None, ""

    def _offer(self, c: CallRec, a: AgentRec, via: str, now: float, out: Out) -> None:
        self._unqueue(c)
        spec = self._queues[c.queue]
        c.state, c.agent, c.offer_queue, c.offered_at = CallState.OFFERED, a.agent_id, via, now
        c.attempts += 1
        c.offer_deadline = now + spec.ring_timeout + self._margin
        c.offer_timer = self._timers.push(c.offer_deadline, "offer", c.call_id)
        self._tally.queues[c.queue].ringing += 1      # (marked changed by _unqueue)
        a.offer = c.call_id
        a.offered += 1
        if self._queues[via].strategy is Strategy.ROUND_ROBIN:
            self._rr_last[via] = self._members[via].get(a.agent_id, -1)
        out.append(Offer(c.call_id, a.agent_id, spec.ring_timeout, c.channel, c.queue,
                         c.callback, c.attempts, c.attributes))
        self._touch(a, now, out)


def _longest_idle(a: AgentRec) -> tuple:
    """The order of a longest-idle queue (as strategies.rank_key ranks it)."""
    return (a.idle_since, a.agent_id)


def check_channel(call_id: str, channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidEvent(f"call {call_id}: channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel
