"""The pacer: events in, dial decisions out, time passed in.

``handle(event, now)`` learns from outcomes and agent changes; ``tick(now)``
runs the deadlines (the connect rule, line safety timeouts) and then one
pacing step: how many lines to place now, and why. ``next_deadline()`` says
when to call ``tick`` again. Same events at the same times give the same
decisions.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..decisions import AgentStateChanged
from .agents import AgentBook, AgentRec
from .decisions import AbandonCall, Decision, Dial, LineTimedOut, Paced
from .errors import InvalidLineState, PacingError, UnknownLine, UnknownPacingEvent
from .estimators import Calibration, DialOutcome, Durations, OutcomeMix
from .events import (
    FAIL_CAUSES,
    CallConnected,
    CallFailed,
    CampaignPaused,
    CampaignResumed,
    CustomerHungUp,
    Event,
    HumanAnswered,
    InboundQueueChanged,
    MachineDetected,
)
from .explain import Explanation
from .forecast import forecast
from .ledger import AbandonLedger, WindowCounts, WindowOutcome
from .rules import AbandonRules, WindowKind
from .spec import CampaignSpec
from .states import LINE_HINTS, LINE_MOVES, LineState, PacingMode
from .step import Situation, decide

#: seconds after the ringing timeout before the pacer gives up on a line itself
TIMEOUT_MARGIN = 5.0
#: shapes (coefficient of variation) of the priors' lognormals
TALK_CV, WRAP_CV, DELAY_CV = 1.0, 0.5, 0.5

Out = list[Decision]


@dataclass(slots=True)
class Line:
    call_id: str
    state: LineState
    dialed_at: float
    agent_id: str | None = None
    answered_at: float = math.nan          # set when ANSWERED


class Pacer:
    """Paces one outbound campaign.

    Args:
        campaign: the CampaignSpec.
        now: the clock at construction: the campaign's start (US periods count
            from it) and the first pacing step.
        id_prefix: call ids are ``f"{id_prefix}-{n}"`` (default the campaign
            name); give each run of the service its own prefix so ids never repeat.
    """

    def __init__(self, campaign: CampaignSpec, *, now: float = 0.0,
                 id_prefix: str | None = None) -> None:
        self.spec = campaign
        pr = campaign.priors
        self._ledger = AbandonLedger(campaign.rules, started_at=now)
        self._recent: AbandonLedger | None = None
        if campaign.smoothing_window is not None:
            rules = campaign.rules
            self._recent = AbandonLedger(AbandonRules(
                "recent", campaign.target, campaign.smoothing_window, WindowKind.ROLLING,
                rules.connect_within, rules.amd_false_positive_rate), started_at=now)
        self._mix = OutcomeMix(pr.answer_rate, pr.machine_rate, pr.weight, pr.window)
        self._answer_delay = Durations(pr.answer_delay, DELAY_CV, pr.weight, pr.window)
        self._other_delay = Durations(campaign.no_answer_timeout * 0.8, DELAY_CV, pr.weight,
                                      pr.window)
        self._talk = Durations(pr.talk_time, TALK_CV, pr.weight, pr.window)
        self._wrap = Durations(pr.wrap_time, WRAP_CV, pr.weight, pr.window)
        self._calibration = Calibration()
        self._agents = AgentBook()
        self._lines: dict[str, Line] = {}
        self._deadlines: list[tuple[float, int, str, LineState]] = []
        self._prefix = id_prefix or campaign.name
        self._seq = 0
        self._pushed = 0
        self._paused: str | None = None
        self._inbound_waiting = 0
        self._inbound_since: float | None = None
        self._next_pace = now
        self._handlers: dict[type, Callable[[Any, float, Out], None]] = {
            HumanAnswered: self._on_human,
            MachineDetected: self._on_machine,
            CallFailed: self._on_failed,
            CallConnected: self._on_connected,
            CustomerHungUp: self._on_hung_up,
            InboundQueueChanged: self._on_inbound,
            CampaignPaused: self._on_paused,
            CampaignResumed: self._on_resumed,
            AgentStateChanged: self._on_agent,
        }

    # ------------------------------------------------------------------ API

    def handle(self, event: Event, now: float) -> list[Decision]:
        """Apply one event; returns the decisions it causes (today always none:
        dials come from ``tick``).

        Raises:
            PacingError (a subclass naming the line and its state): the event
            does not fit; the pacer is unchanged.
        """
        handler = self._handlers.get(type(event))
        if handler is None:
            raise UnknownPacingEvent(event)
        out: Out = []
        handler(event, now, out)
        return out

    def tick(self, now: float) -> list[Decision]:
        """Run the deadlines due, then one pacing step (Dial x N, then Paced)."""
        out: Out = []
        self._run_deadlines(now, out)
        explanation, preview_agents, added = self._decide(now)
        self._calibration.expected(now, added)
        for i in range(explanation.lines):
            out.append(self._dial(now, preview_agents[i] if preview_agents else None))
        out.append(Paced(explanation))
        self._next_pace = now + self.spec.pace_interval
        return out

    def next_deadline(self) -> float | None:
        """When to call ``tick`` next: the next pacing step or an earlier deadline."""
        heap = self._deadlines
        while heap and not self._live_deadline(heap[0]):
            heapq.heappop(heap)
        return min(self._next_pace, heap[0][0]) if heap else self._next_pace

    def explain(self, now: float) -> Explanation:
        """What a pacing step would decide now, without dialing (read only)."""
        return self._decide(now)[0]

    def _record(self, outcome: WindowOutcome, at: float) -> None:
        self._ledger.record(outcome, at)
        if self._recent is not None:
            self._recent.record(outcome, at)

    def _abandoned(self, now: float) -> None:
        self._record(WindowOutcome.ABANDONED, now)
        self._calibration.abandoned(now)

    def window(self, now: float) -> WindowCounts:
        """The legal window as it stands at ``now``."""
        return self._ledger.counts(now)

    def restore_window(self, outcomes: Iterable[tuple[float, WindowOutcome | str]]) -> None:
        """After a restart: count past outcomes ``(at, "connected" | "abandoned" |
        "machine")`` of this campaign, read from the records, oldest first.

        Raises:
            PacingError: an unknown outcome name.
        """
        for at, outcome in sorted(outcomes, key=lambda item: item[0]):
            try:
                kind = WindowOutcome(outcome)
            except ValueError:
                raise PacingError(f"campaign {self.spec.name}: past outcome {outcome!r}; use "
                                  "connected, abandoned or machine") from None
            self._record(kind, at)

    def line_state(self, call_id: str) -> LineState | None:
        line = self._lines.get(call_id)
        return None if line is None else line.state

    def lines_in_flight(self) -> int:
        return len(self._lines)

    # ------------------------------------------------------------- events

    def _line(self, event: Any) -> Line:
        line = self._lines.get(event.call_id)
        if line is None:
            raise UnknownLine(self.spec.name, event.call_id)
        name = type(event).__name__
        if line.state not in LINE_MOVES[name]:
            raise InvalidLineState(line.call_id, name, line.state.value,
                                   LINE_HINTS.get((name, line.state), ""))
        return line

    def _on_human(self, e: HumanAnswered, now: float, out: Out) -> None:
        line = self._line(e)
        delay = now - line.dialed_at if e.delay is None else e.delay
        if delay < 0 or math.isnan(delay):
            raise PacingError(f"line {line.call_id}: HumanAnswered delay {e.delay} must be >= 0")
        self._mix.add(DialOutcome.LIVE)
        self._answer_delay.add(delay)
        line.state, line.answered_at = LineState.ANSWERED, now
        self._push(now + self.spec.rules.connect_within, line)

    def _on_machine(self, e: MachineDetected, now: float, out: Out) -> None:
        line = self._line(e)
        self._mix.add(DialOutcome.MACHINE)
        self._other_delay.add(now - line.dialed_at)
        self._record(WindowOutcome.MACHINE, now)
        self._forget(line)

    def _on_failed(self, e: CallFailed, now: float, out: Out) -> None:
        line = self._line(e)
        if e.cause not in FAIL_CAUSES:
            raise PacingError(f"line {e.call_id}: CallFailed cause {e.cause!r}; use one of "
                              f"{', '.join(sorted(FAIL_CAUSES))}")
        self._mix.add(DialOutcome.OTHER)
        self._other_delay.add(now - line.dialed_at)
        self._forget(line)

    def _on_connected(self, e: CallConnected, now: float, out: Out) -> None:
        line = self._line(e)
        late = now - line.answered_at > self.spec.rules.connect_within + 1e-9
        # Connected after the rule's seconds is abandoned in law, even if the tick was late.
        if late:
            self._abandoned(now)
        else:
            self._record(WindowOutcome.CONNECTED, now)
        self._forget(line)
        self._agents.connected(e.agent_id, e.call_id, now)

    def _on_hung_up(self, e: CustomerHungUp, now: float, out: Out) -> None:
        line = self._line(e)
        self._abandoned(now)
        self._forget(line)

    def _on_inbound(self, e: InboundQueueChanged, now: float, out: Out) -> None:
        if e.waiting < 0:
            raise PacingError(f"InboundQueueChanged waiting={e.waiting} must be >= 0")
        self._inbound_waiting = e.waiting
        self._inbound_since = e.oldest_since if e.waiting else None

    def _on_paused(self, e: CampaignPaused, now: float, out: Out) -> None:
        self._paused = e.reason or "paused"

    def _on_resumed(self, e: CampaignResumed, now: float, out: Out) -> None:
        self._paused = None

    def _on_agent(self, e: AgentStateChanged, now: float, out: Out) -> None:
        measured = self._agents.changed(e, self._lines.__contains__)
        if measured.talk is not None:
            self._talk.add(measured.talk)
        if measured.wrap is not None:
            self._wrap.add(measured.wrap)

    # ---------------------------------------------------------- lines

    def _dial(self, now: float, agent: AgentRec | None) -> Dial:
        self._seq += 1
        call_id = f"{self._prefix}-{self._seq}"
        line = Line(call_id, LineState.DIALING, now, agent.agent_id if agent else None)
        self._lines[call_id] = line
        wait = self.spec.no_answer_timeout + TIMEOUT_MARGIN
        if agent is not None:
            agent.line = call_id
            wait += self.spec.preview_time
        self._push(now + wait, line)
        return Dial(call_id, self.spec.name, self.spec.no_answer_timeout, self.spec.mode,
                    line.agent_id)

    def _forget(self, line: Line) -> None:
        del self._lines[line.call_id]
        if line.agent_id is not None:
            agent = self._agents.get(line.agent_id)
            if agent is not None and agent.line == line.call_id:
                agent.line = None

    def _push(self, at: float, line: Line) -> None:
        self._pushed += 1
        heapq.heappush(self._deadlines, (at, self._pushed, line.call_id, line.state))

    def _live_deadline(self, entry: tuple[float, int, str, LineState]) -> bool:
        line = self._lines.get(entry[2])
        return line is not None and line.state is entry[3]

    def _run_deadlines(self, now: float, out: Out) -> None:
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if not self._live_deadline(entry):
                continue
            line = self._lines[entry[2]]
            if line.state is LineState.ANSWERED:
                self._abandoned(now)
                self._forget(line)
                out.append(AbandonCall(line.call_id, self.spec.name, now - line.answered_at))
            else:
                self._mix.add(DialOutcome.OTHER)
                self._other_delay.add(now - line.dialed_at)
                self._forget(line)
                out.append(LineTimedOut(line.call_id, self.spec.name))

    # ------------------------------------------------------------ pacing

    def _decide(self, now: float) -> tuple[Explanation, list[AgentRec], float]:
        spec = self.spec
        floor = self._agents.view(now)
        wrap_mean = self._wrap.mean
        self._talk.set_open(list(floor.talking))
        self._wrap.set_open(list(floor.wrapping))
        back = [(self._talk, t, wrap_mean) for t in floor.talking] + [
            (self._wrap, w, 0.0) for w in floor.wrapping]
        logged, free, busy, away = floor.logged_in, floor.free, floor.busy, floor.away
        unbound = list(floor.unbound)
        inbound_wait = 0.0 if self._inbound_since is None else max(0.0, now - self._inbound_since)
        blending = spec.blending
        held = 0
        if blending is not None and self._inbound_waiting and inbound_wait >= blending.slow_after:
            held = self._inbound_waiting
        dialing = [now - ln.dialed_at for ln in self._lines.values()
                   if ln.state is LineState.DIALING]
        waiting = len(self._lines) - len(dialing)
        p_live = self._mix.share(DialOutcome.LIVE)
        p_machine = self._mix.share(DialOutcome.MACHINE)
        fc = forecast(free=max(0, free - held), waiting=waiting, busy=back, ringing=dialing,
                      p_live=p_live, p_samples=self._mix.weight,
                      answer_delay=self._answer_delay,
                      other_delay=self._other_delay, horizon=spec.no_answer_timeout,
                      grace=spec.rules.connect_within)
        window = self._ledger.counts(now)
        recent = None if self._recent is None else self._recent.counts(now)
        situation = Situation(
            spec=spec, logged_in=logged, free=max(0, free - held),
            unbound_free=max(0, len(unbound) - held), dialing=len(dialing),
            in_flight=len(self._lines), window=window, recent=recent, forecast=fc,
            fp_per_line=(spec.rules.amd_false_positive_rate or 0.0) * p_machine,
            calibration=self._calibration.factor(now),
            inbound_first=(blending is not None and self._inbound_waiting > 0
                           and inbound_wait >= blending.stop_after),
            paused=self._paused)
        step = decide(situation)
        explanation = Explanation(
            at=now, campaign=spec.name, mode=spec.mode, reason=step.reason, lines=step.lines,
            agents_logged_in=logged, agents_free=free, agents_busy=busy, agents_away=away,
            expected_free_soon=fc.free_soon, look_ahead=spec.no_answer_timeout,
            lines_dialing=len(dialing), answered_waiting=waiting,
            expected_live_in_flight=fc.expected_live(step.lines),
            answer_rate=p_live, machine_rate=p_machine, dial_samples=self._mix.samples,
            answer_delay=self._answer_delay.mean, talk_time=self._talk.mean,
            wrap_time=wrap_mean, talk_samples=self._talk.samples, rules=spec.rules.name,
            limit=spec.rules.limit, target_rate=spec.target, line_risk=spec.max_line_risk,
            pace_rate=step.pace_rate, negligible_risk=step.negligible,
            window_started_at=window.started_at, window_live=window.counted_live,
            window_abandoned=window.counted_abandoned, window_rate=window.rate,
            budget_left=window.budget_left,
            recent_rate=None if recent is None else recent.rate,
            recent_budget_left=None if recent is None else recent.budget_left,
            allowed_abandons=step.allowed,
            expected_abandons=step.expected, calibration=situation.calibration,
            next_line_risk=step.next_risk,
            projected_rate=step.projected,
            line_cap=step.cap, inbound_waiting=self._inbound_waiting,
            inbound_longest_wait=inbound_wait, paused=self._paused)
        preview = unbound if spec.mode is PacingMode.PREVIEW else []
        return explanation, preview, step.added
