"""Everything the clock drives: ring safety timeouts, wrap-up ends, escalation
steps, maximum waits; and the queue exits (maximum wait, full queue).

One deadline per purpose and record, armed in a TimerHeap; a record keeps the
token of its live deadline, so moving or cancelling one is free.
"""

from __future__ import annotations

from bisect import insort
from typing import Any

from .decisions import Decision, Escalated, OfferTimedOut, QueueExit
from .floor import Floor, Out
from .model import AgentRec, CallRec, merge_levels
from .specs import ExitAction, QueueSpec, StepAction
from .states import AgentState, CallState
from .timers import Entry


class Deadlines(Floor):
    """tick / next_deadline and what they drive; Engine builds on it."""

    def tick(self, now: float) -> list[Decision]:
        """Run every deadline due at ``now``: offer safety timeouts, wrap-up
        ends, escalation steps, maximum waits."""
        out: Out = []
        timers = self._timers
        while (entry := timers.pop_due(now, self._is_live)) is not None:
            self._fire(entry, now, out)
        self._dispatch(now, out)
        return out

    on_timer = tick

    def next_deadline(self) -> float | None:
        """When ``tick`` has something to do next (None: nothing armed)."""
        return self._timers.next_at(self._is_live)

    # ---------------------------------------------------- queue admission

    def _admit(self, c: CallRec, queue: str, now: float, out: Out, seen: set[str]) -> None:
        """Enter ``queue`` (already c.queue) or take its exit when full."""
        spec = self._queues[queue]
        counters = self._tally.counts(queue)
        counters.offered += 1
        full = (spec.max_length is not None and not self._restoring
                and self.queue_length(queue) >= spec.max_length)
        if not full:
            self._calls[c.call_id] = c
            self._enqueue(c, now, out)
            self._arm_call_timer(c)
            return
        counters.exited += 1
        self._take_exit(c, spec, "full", now, out, seen | {queue})

    def _take_exit(self, c: CallRec, spec: QueueSpec, reason: str, now: float, out: Out,
                   seen: set[str]) -> None:
        action, target = spec.exit_action, spec.exit_target
        if action is ExitAction.OVERFLOW and (target in seen or target in self._draining
                                              or target not in self._queues):
            action, target = ExitAction.NONE, None      # overflow loop: nowhere left to go
        out.append(QueueExit(c.call_id, spec.name, action.value, target, reason))
        if action is ExitAction.CALLBACK:
            c.callback = True
            self._calls[c.call_id] = c
            self._enqueue(c, now, out)                  # the caller of _take_exit unqueued it
            self._arm_call_timer(c)
        elif action is ExitAction.OVERFLOW and target is not None:
            tspec = self._queues[target]
            self._calls.pop(c.call_id, None)
            c.queue, c.queues = target, [target]
            c.reqs = {target: merge_levels(tspec.skills, c.extra)}
            c.entered_at, c.step_index, c.timer_due = now, 0, None
            self._admit(c, target, now, out, seen)
        else:
            self._calls.pop(c.call_id, None)

    # ------------------------------------------------- offers and wrap-up

    def _fail_offer(self, c: CallRec, a: AgentRec, reason: str, now: float, out: Out) -> None:
        policy = self._queues[c.queue].no_answer
        self._tally.queues[c.queue].ringing -= 1      # (marked changed by _enqueue)
        a.offer = None
        a.failed += 1
        if policy.not_ready and a.presence is AgentState.READY:
            a.presence, a.reason = AgentState.NOT_READY, reason
        if policy.reoffer_delay > 0:
            until = now + policy.reoffer_delay
            c.excluded[a.agent_id] = until
            self._timers.push(until, "exclude", c.call_id)
        c.agent = c.offer_queue = None
        self._enqueue(c, now, out)
        if c.timer_due is not None and c.timer_due <= now:
            c.timer_due = None                          # fired while ringing: re-arm now
        self._arm_call_timer(c)
        self._touch(a, now, out)

    def _release(self, a: AgentRec, c: CallRec, now: float, out: Out) -> None:
        """The agent's part in a talking call is over: count it, start wrap-up."""
        del a.active[c.call_id]
        a.load[c.channel] -= 1
        talk = now - c.answered_at
        a.talk_time += talk
        self._tally.talked(c.queue, now, talk)
        wrap = self._queues[c.queue].wrapup_time
        if wrap != 0:
            until = None if wrap is None else now + wrap
            if not a.wrapping:
                a.wrapping, a.wrap_started_at, a.wrap_queue = True, now, c.queue
                a.wrap_until = until
            elif until is None or a.wrap_until is None:
                a.wrap_until = None
            else:
                a.wrap_until = max(a.wrap_until, until)
            a.wrap_timer = (0 if a.wrap_until is None
                            else self._timers.push(a.wrap_until, "wrap", a.agent_id))
        self._touch(a, now, out)

    def _end_wrap(self, a: AgentRec, now: float, disposition: str | None, out: Out) -> None:
        a.wrapping, a.wrap_until, a.wrap_timer = False, None, 0
        self._tally.wrapped(a.wrap_queue or "", now, now - a.wrap_started_at)
        a.disposition = disposition
        self._touch(a, now, out)

    # ------------------------------------------------------------ timers

    def _is_live(self, entry: Entry) -> bool:
        _, seq, kind, ident = entry
        if kind == "offer":
            c = self._calls.get(ident)
            return c is not None and c.state is CallState.OFFERED and c.offer_timer == seq
        if kind == "wrap":
            a = self._agents.get(ident)
            return a is not None and a.wrapping and a.wrap_timer == seq
        if kind == "call":
            c = self._calls.get(ident)
            return c is not None and c.timer_seq == seq and c.timer_due is not None
        c = self._calls.get(ident)                    # "exclude", whatever the call's state
        return c is not None and entry[0] in c.excluded.values()

    def _fire(self, entry: Entry, now: float, out: Out) -> None:
        _, _, kind, ident = entry
        if kind == "offer":
            c = self._calls[ident]
            a = self._agents[c.agent or ""]
            out.append(OfferTimedOut(c.call_id, a.agent_id))
            self._fail_offer(c, a, "no-answer", now, out)
        elif kind == "wrap":
            self._end_wrap(self._agents[ident], now, None, out)
        elif kind == "call":
            c = self._calls[ident]
            if c.state is CallState.WAITING:
                c.timer_due = None
                self._call_deadline(c, now, out)
        else:
            c = self._calls[ident]
            c.excluded = {k: v for k, v in c.excluded.items() if v > now}
            self._dirty_calls[c.call_id] = None

    def _arm_call_timer(self, c: CallRec) -> None:
        """Arm the next escalation step or the max-wait of a call (one deadline a call)."""
        spec = self._queues[c.queue]
        due = None
        if c.step_index < len(spec.escalation):
            due = c.entered_at + spec.escalation[c.step_index].after
        if spec.max_wait is not None and not c.callback:
            limit = c.entered_at + spec.max_wait
            due = limit if due is None else min(due, limit)
        if due == c.timer_due:
            return
        c.timer_due = due
        c.timer_seq = 0 if due is None else self._timers.push(due, "call", c.call_id)

    def _call_deadline(self, c: CallRec, now: float, out: Out) -> None:
        spec = self._queues[c.queue]
        steps = spec.escalation
        while c.step_index < len(steps) and c.entered_at + steps[c.step_index].after <= now:
            self._escalate(c, spec, steps[c.step_index], now, out)
            c.step_index += 1
        if (spec.max_wait is not None and not c.callback
                and c.entered_at + spec.max_wait <= now):
            self._unqueue(c)
            self._tally.counts(spec.name).exited += 1
            self._take_exit(c, spec, "max-wait", now, out, {spec.name})
            return
        self._arm_call_timer(c)

    def _escalate(self, c: CallRec, spec: QueueSpec, step: Any, now: float, out: Out) -> None:
        reqs = c.reqs[c.queue]
        if step.action is StepAction.LOWER:
            if step.skill in reqs and reqs[step.skill] > step.level:
                reqs[step.skill] = step.level
        elif step.action is StepAction.DROP:
            reqs.pop(step.skill, None)
        elif step.action is StepAction.PRIORITY:
            for q in c.queues:                      # a new key, same place in the statistics
                self._wl(q, c.channel).remove(c.key)
            c.set_priority(c.priority + step.priority)
            for q in c.queues:
                self._wl(q, c.channel).add(c.key)
        elif (step.queue not in c.queues and step.queue in self._queues
              and step.queue not in self._draining):
            target = self._queues[step.queue]
            c.queues.append(target.name)
            c.reqs[target.name] = merge_levels(target.skills, c.extra)
            self._wl(target.name, c.channel).add(c.key)
            insort(self._tally.queues[target.name].entered, (c.entered_at, c.call_id))
            self._tally.changed_queues.add(target.name)
        out.append(Escalated(c.call_id, spec.name, step.describe(), now))
        self._dirty_calls[c.call_id] = None
