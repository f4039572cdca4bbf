"""Property tests: random event sequences, invariants checked after every pacing step.

Each example builds one campaign (a random mode, rule set, caps and fallback)
and drives its Pacer with a random mix of agent moves (as the ACD reports
them), line outcomes, connects, hang-ups, inbound queue changes, pauses and
clock steps from a fraction of a second to days; a few illegal events must
raise and change nothing. After every step:

- never more lines in flight than max_lines and max_lines_per_agent allow;
- no dial while no agent is logged in;
- no dial while the window's rate is at or over the limit (when_spent="stop")
  once it holds the live calls to absorb one abandon, the window recounted here
  from the outcomes, by the rule (US: the 30-day period holding now; UK: the
  24 hours ending now, false positives = rate x machines counted as live and
  abandoned); a younger window over the limit gets risk-free lines only;
- preview shows one contact per free agent without one; progressive (and any
  mode once the budget is spent) never has more lines than free agents;
- a person answered is connected or abandoned within the rule's 2 s;
- the explanation says how many lines were placed, and call ids never repeat.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd import AgentState, AgentStateChanged
from acd.pacing import (
    US,
    AbandonCall,
    CallConnected,
    CallFailed,
    CampaignPaused,
    CampaignResumed,
    CampaignSpec,
    CustomerHungUp,
    Dial,
    HumanAnswered,
    InboundQueueChanged,
    LineTimedOut,
    MachineDetected,
    Paced,
    Pacer,
    PacingError,
    uk_rules,
)
from acd.pacing.rules import DAY

AGENTS = [f"a{i}" for i in range(5)]
STEPS = [0.0, 0.3, 1.0, 1.0, 2.5, 7.0, 20.0, 600.0, 0.9 * DAY, 31 * DAY]

specs = st.builds(
    lambda mode, uk, max_lines, per_agent, when_spent, fp: CampaignSpec(
        "p", mode=mode, rules=uk_rules(fp) if uk else US, max_lines=max_lines,
        max_lines_per_agent=per_agent, when_spent=when_spent, reserve=0.0, cushion=1.0),
    st.sampled_from(["preview", "progressive", "predictive", "predictive"]),
    st.booleans(), st.sampled_from([None, None, None, 0, 3, 12]),
    st.sampled_from([0.5, 1.0, 5.0, 5.0]),
    st.sampled_from(["stop", "stop", "progressive"]), st.sampled_from([0.0, 0.2]))
ops = st.lists(st.tuples(st.integers(0, 13), st.integers(0, 40), st.integers(0, 40)),
               min_size=5, max_size=70)


class Harness:
    def __init__(self, spec: CampaignSpec) -> None:
        self.spec = spec
        self.p = Pacer(spec, now=0.0)
        self.now = 0.0
        self.state = dict.fromkeys(AGENTS, AgentState.LOGGED_OUT)
        self.call_of: dict[str, str] = {}              # agent -> campaign call it talks on
        self.dialing: list[str] = []
        self.answered: dict[str, float] = {}           # call -> answered at
        self.outcomes: list[tuple[float, str]] = []
        self.ids: set[str] = set()
        self.bound: dict[str, str] = {}                # preview: call -> agent

    # ------------------------------------------------------------ feeding

    def move(self, agent: str, new: AgentState, call_id: str | None = None) -> None:
        old = self.state[agent]
        self.state[agent] = new
        self.p.handle(AgentStateChanged(agent, old, new, None, self.now, call_id), self.now)

    def forget(self, call_id: str) -> None:
        self.bound.pop(call_id, None)

    def apply(self, kind: int, i: int, j: int) -> None:
        agent = AGENTS[i % len(AGENTS)]
        st_ = self.state[agent]

        def pick(items):
            return items[j % len(items)] if items else None

        if kind == 0 and st_ is AgentState.LOGGED_OUT:
            self.move(agent, AgentState.READY)
        elif kind == 1 and st_ in (AgentState.READY, AgentState.NOT_READY):
            self.move(agent, AgentState.LOGGED_OUT)
        elif kind == 2 and st_ is AgentState.READY:
            self.move(agent, AgentState.NOT_READY)
        elif kind == 3 and st_ is AgentState.NOT_READY:
            self.move(agent, AgentState.READY)
        elif kind == 4 and (call := pick(self.dialing)):
            self.dialing.remove(call)
            self.answered[call] = self.now
            self.p.handle(HumanAnswered(call), self.now)
        elif kind == 5 and (call := pick(self.dialing)):
            self.dialing.remove(call)
            self.forget(call)
            self.p.handle(MachineDetected(call), self.now)
            self.outcomes.append((self.now, "machine"))
        elif kind == 6 and (call := pick(self.dialing)):
            self.dialing.remove(call)
            self.forget(call)
            self.p.handle(CallFailed(call, ["no-answer", "busy", "congestion", "failed"][i % 4]),
                          self.now)
        elif kind == 7 and (call := pick(sorted(self.answered))):
            free = [a for a in AGENTS if self.state[a] is AgentState.READY]
            if free:
                a = self.bound.get(call) or free[i % len(free)]
                if self.state[a] is not AgentState.READY:
                    return
                late = self.now - self.answered.pop(call) > 2.0
                self.forget(call)
                self.p.handle(CallConnected(call, a), self.now)
                self.move(a, AgentState.ON_CALL, call)
                self.call_of[a] = call
                self.outcomes.append((self.now, "abandoned" if late else "connected"))
        elif kind == 8 and (call := pick(sorted(self.answered))):
            del self.answered[call]
            self.forget(call)
            self.p.handle(CustomerHungUp(call), self.now)
            self.outcomes.append((self.now, "abandoned"))
        elif kind == 9 and st_ is AgentState.ON_CALL:
            self.call_of.pop(agent, None)
            self.move(agent, AgentState.WRAP_UP if j % 3 else AgentState.READY)
        elif kind == 10 and st_ is AgentState.WRAP_UP:
            self.move(agent, AgentState.READY if j % 4 else AgentState.NOT_READY)
        elif kind == 11 and st_ is AgentState.READY:
            self.move(agent, AgentState.ON_CALL, f"inbound-{i}-{j}")   # blending
        elif kind == 12:
            waiting = j % 3
            self.p.handle(InboundQueueChanged(waiting, self.now - i if waiting else None),
                          self.now)
        elif kind == 13:
            self.p.handle(CampaignPaused("test") if j % 5 == 0 else CampaignResumed(), self.now)
        self.illegal(j)

    def illegal(self, j: int) -> None:
        """Now and then an event that must raise and change nothing."""
        if j % 9:
            return
        before = (self.p.lines_in_flight(), self.p.window(self.now))
        bad = CallConnected("never-dialed", AGENTS[0]) if j % 2 else CustomerHungUp(
            "never-dialed")
        with pytest.raises(PacingError):
            self.p.handle(bad, self.now)
        assert (self.p.lines_in_flight(), self.p.window(self.now)) == before

    # ------------------------------------------------------------ a step

    def step(self, dt: float) -> None:
        in_flight = self.p.lines_in_flight()
        due = self.p.next_deadline()
        assert due is not None
        self.now += dt
        out = self.p.tick(self.now)
        dials = [d for d in out if isinstance(d, Dial)]
        (paced,) = [d for d in out if isinstance(d, Paced)]
        e = paced.explanation
        for d in out:
            if isinstance(d, AbandonCall):
                assert d.waited >= self.spec.rules.connect_within - 1e-9  # float: now - answered_at
                del self.answered[d.call_id]
                self.forget(d.call_id)
                self.outcomes.append((self.now, "abandoned"))
            elif isinstance(d, LineTimedOut):
                self.dialing.remove(d.call_id)
                self.forget(d.call_id)
        in_flight = self.p.lines_in_flight() - len(dials)
        self.check(e, dials, in_flight)
        for d in dials:
            assert d.call_id not in self.ids
            self.ids.add(d.call_id)
            self.dialing.append(d.call_id)
            assert (d.agent_id is not None) == (self.spec.mode == "preview")
            if d.agent_id is not None:
                assert self.state[d.agent_id] is AgentState.READY
                assert d.agent_id not in self.bound.values()
                self.bound[d.call_id] = d.agent_id
        # nobody answered waits beyond the connect rule once the deadline ran
        assert all(self.now - at < self.spec.rules.connect_within
                   for at in self.answered.values())

    def check(self, e, dials: list[Dial], in_flight: int) -> None:
        spec = self.spec
        logged = [a for a in AGENTS if self.state[a] is not AgentState.LOGGED_OUT]
        free = [a for a in AGENTS if self.state[a] is AgentState.READY]
        assert e.lines == len(dials)
        assert e.agents_logged_in == len(logged)
        if not logged:
            assert dials == []
        cap = math.floor(spec.max_lines_per_agent * len(logged) + 1e-9)
        if spec.max_lines is not None:
            cap = min(cap, spec.max_lines)
        assert in_flight + len(dials) <= max(cap, in_flight)
        if dials:
            assert in_flight + len(dials) <= cap
        live, abandoned, machines = self.recount()
        fp = (spec.rules.amd_false_positive_rate or 0.0) * machines
        assert (e.window_live, e.window_abandoned) == (pytest.approx(live + fp),
                                                       pytest.approx(abandoned + fp))
        counted_live, counted_abandoned = live + fp, abandoned + fp
        spent = (counted_abandoned > 0 and spec.rules.limit * counted_live >= 1
                 and spec.rules.limit * counted_live - counted_abandoned <= 1e-12)
        if spent and spec.when_spent == "stop":
            assert dials == []
        young_over = counted_abandoned > 0 and not spent and (
            spec.rules.limit * counted_live - counted_abandoned <= 1e-12)
        if young_over and spec.mode == "predictive":
            assert not dials or in_flight + len(dials) <= len(free)
        if spec.mode == "preview":
            unbound = [a for a in free if a not in self.bound.values()]
            assert len(dials) <= len(unbound)            # one contact per agent without one
        elif spec.mode == "progressive" or spent:
            assert not dials or in_flight + len(dials) <= len(free)

    def recount(self) -> tuple[int, int, int]:
        if self.spec.rules.name == "UK":
            inside = [k for at, k in self.outcomes if at > self.now - DAY]
        else:
            period = self.now // (30 * DAY)
            inside = [k for at, k in self.outcomes if at // (30 * DAY) == period]
        live = sum(k in ("connected", "abandoned") for k in inside)
        return live, inside.count("abandoned"), inside.count("machine")


past_outcomes = st.builds(
    lambda connected, abandoned, machines: [(0.0, "connected")] * connected
    + [(1.0, "abandoned")] * abandoned + [(2.0, "machine")] * machines,
    st.integers(0, 400), st.integers(0, 8), st.integers(0, 60))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs, st.sets(st.sampled_from(AGENTS)), past_outcomes, ops,
       st.lists(st.sampled_from(STEPS), min_size=70, max_size=70))
def test_pacer_invariants_hold_after_every_step(spec, logged_in, past, operations, steps):
    h = Harness(spec)
    # a history before the run, as restored after a restart: some windows start spent
    h.p.restore_window(past)
    h.outcomes.extend(past)
    for agent in sorted(logged_in):
        h.move(agent, AgentState.READY)
    for (kind, i, j), dt in zip(operations, steps, strict=False):
        h.apply(kind, i, j)
        h.step(dt)
