"""Predictive pacing against a progressive baseline over one simulated day.

The pacer (acd.pacing.Pacer) and the ACD engine (acd.Engine, one outbound
queue, N agents with auto-answer) run in simulated time: a discrete-event loop
on a heap, no asyncio, no wall clock. Each Dial is a simulated customer:
a person answers with probability ``--answer-rate`` after a delay drawn
uniformly in ``--delay`` (the end of the greeting), else the line rings out
after ``--timeout`` seconds. An answered person enters the ACD's outbound
queue; the ACD offers them to a free agent, who answers at once; the talk
lasts a lognormal time (``--handle-mean``, log-sd ``--handle-sigma``), then
the agent wraps up for ``--wrapup`` seconds. If no agent is connected within
the connect rule's 2 s, the pacer's AbandonCall takes the call out of the ACD.

Both modes run on the same seed (the same draws for the n-th dial), with the
pacer's default priors (not the simulation's true figures): it learns the
answer rate, the answer delay and the handle times online. The pacer sees
only what the service would see; nothing of the future.

Prints, per seed and mode: calls placed, live answers, abandons and the
abandon rate over the day, agent occupancy (talk + wrap-up over logged-in
time), talk time per agent hour, and the worst abandon rate of any rolling
hour ending after the first 100 live answers.

    .venv/bin/python bench/dialer_bench.py [--seeds 1 2 3] [--agents 50] [--hours 8]
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from acd import (
    AgentLoggedIn,
    AgentSpec,
    AgentState,
    AgentStateChanged,
    CallArrived,
    CallEnded,
    CallRemoved,
    Engine,
    Offer,
    OfferAnswered,
    QueueSpec,
)
from acd.pacing import (
    AbandonCall,
    CallConnected,
    CallFailed,
    CampaignPaused,
    CampaignSpec,
    Dial,
    HumanAnswered,
    LineTimedOut,
    MachineDetected,
    Paced,
    Pacer,
    PacingMode,
    rule_set,
)

QUEUE = "outbound"
BUSY_STATES = (AgentState.ON_CALL, AgentState.WRAP_UP, AgentState.RESERVED)


@dataclass
class Scenario:
    agents: int = 50
    hours: float = 8.0
    answer_rate: float = 0.20
    machine_rate: float = 0.0
    delay: tuple[float, float] = (5.0, 25.0)
    timeout: float = 25.0
    handle_mean: float = 180.0
    handle_sigma: float = 0.6
    wrapup: float = 15.0
    rules: str = "US"
    amd_fp: float | None = None
    target: float | None = None
    line_risk: float | None = None


@dataclass
class Result:
    mode: str
    placed: int = 0
    live: int = 0
    abandoned: int = 0
    machines: int = 0
    occupancy: float = 0.0
    talk_per_hour: float = 0.0
    worst_hour: float | None = None
    live_times: list[float] = field(default_factory=list)
    abandon_times: list[float] = field(default_factory=list)
    last_explanation: str = ""
    window_rate: float | None = None
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.abandoned / self.live if self.live else 0.0


class Customers:
    """The n-th dial's fate, drawn from its own generator: both modes meet the same list."""

    def __init__(self, seed: int, sc: Scenario) -> None:
        self.seed, self.sc = seed, sc

    def fate(self, n: int) -> tuple[str, float, float]:
        """(outcome, seconds after the dial, talk seconds if live)."""
        rng = random.Random(self.seed * 1_000_003 + n)
        sc = self.sc
        u = rng.random()
        mu = math.log(sc.handle_mean) - sc.handle_sigma ** 2 / 2
        talk = rng.lognormvariate(mu, sc.handle_sigma)
        if u < sc.answer_rate:
            return "live", rng.uniform(*sc.delay), talk
        if u < sc.answer_rate + sc.machine_rate:
            return "machine", rng.uniform(*sc.delay) + 3.0, 0.0
        return "no-answer", sc.timeout, 0.0


class Day:
    """One simulated day of one mode."""

    def __init__(self, mode: PacingMode, seed: int, sc: Scenario) -> None:
        self.sc = sc
        self.end = sc.hours * 3600.0
        rules = rule_set(sc.rules, sc.amd_fp)
        self.pacer = Pacer(CampaignSpec("bench", mode=mode, rules=rules,
                                        target_rate=sc.target, line_risk=sc.line_risk,
                                        no_answer_timeout=sc.timeout), now=0.0)
        self.acd = Engine([QueueSpec(QUEUE, wrapup_time=sc.wrapup, ring_timeout=15)],
                          [AgentSpec(f"a{i:03d}") for i in range(sc.agents)], now=0.0)
        self.customers = Customers(seed, sc)
        self.heap: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.dials = 0
        self.talk: dict[str, float] = {}             # call_id -> talk seconds
        self.res = Result(mode.value)
        self.agent_state: dict[str, tuple[AgentState, float]] = {}
        self.time_in: dict[AgentState, float] = dict.fromkeys(AgentState, 0.0)
        self.timed_pacer = self.timed_acd = -1.0

    # ------------------------------------------------------------ scheduling

    def at(self, t: float, kind: str, data: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, data))

    def rearm(self, now: float) -> None:
        t = self.pacer.next_deadline()
        if t is not None and t != self.timed_pacer:
            self.timed_pacer = t
            self.at(max(t, now), "pacer-tick")
        t = self.acd.next_deadline()
        if t is not None and t != self.timed_acd:
            self.timed_acd = t
            self.at(max(t, now), "acd-tick")

    # --------------------------------------------------------------- engines

    def acd_do(self, call: Callable[[], list], now: float) -> None:
        work = list(call())
        while work:
            d = work.pop(0)
            if isinstance(d, AgentStateChanged):
                self.account(d)
                self.pacer.handle(d, now)
            elif isinstance(d, Offer):                  # auto-answer
                work.extend(self.acd.handle(OfferAnswered(d.call_id, d.agent_id), now))
                self.pacer.handle(CallConnected(d.call_id, d.agent_id), now)
                self.res.live_times.append(now)
                self.at(now + self.talk.pop(d.call_id), "talk-end", d.call_id)

    def pacer_do(self, decisions: list, now: float) -> None:
        for d in decisions:
            if isinstance(d, Dial):
                self.dials += 1
                self.res.placed += 1
                outcome, after, talk = self.customers.fate(self.dials)
                self.at(now + after, outcome, (d.call_id, talk))
            elif isinstance(d, AbandonCall):
                self.res.abandoned += 1
                self.res.abandon_times.append(now)
                self.res.live_times.append(now)
                self.acd_do(lambda d=d: self.acd.handle(CallRemoved(d.call_id, "abandoned"),
                                                       now), now)
            elif isinstance(d, LineTimedOut):
                raise AssertionError(f"line {d.call_id} timed out: an outcome was lost")
            elif isinstance(d, Paced):
                self.res.last_explanation = d.explanation.describe()
                self.res.window_rate = d.explanation.window_rate

    def account(self, d: AgentStateChanged) -> None:
        old = self.agent_state.get(d.agent_id)
        if old is not None:
            state, since = old
            self.time_in[state] += max(0.0, min(d.at, self.end) - since)
        self.agent_state[d.agent_id] = (d.new, d.at)

    # ------------------------------------------------------------------- run

    def run(self) -> Result:
        started = time.perf_counter()
        for i in range(self.sc.agents):
            self.acd_do(lambda i=i: self.acd.handle(AgentLoggedIn(f"a{i:03d}", ready=True), 0.0),
                        0.0)
        self.at(self.end, "end")
        self.rearm(0.0)
        while self.heap:
            now, _, kind, data = heapq.heappop(self.heap)
            if kind == "end":
                self.pacer.handle(CampaignPaused("end of day"), now)
                break
            if kind == "pacer-tick":
                due = self.pacer.next_deadline()
                if due is None or now < due:
                    continue
                self.timed_pacer = -1.0
                self.pacer_do(self.pacer.tick(now), now)
            elif kind == "acd-tick":
                due = self.acd.next_deadline()
                if due is None or now < due:
                    continue
                self.timed_acd = -1.0
                self.acd_do(lambda now=now: self.acd.tick(now), now)
            elif kind == "live":
                call_id, talk = data
                self.pacer.handle(HumanAnswered(call_id), now)
                self.talk[call_id] = talk
                self.acd_do(lambda c=call_id, t=now: self.acd.handle(CallArrived(c, QUEUE), t), now)
            elif kind == "machine":
                self.res.machines += 1
                self.pacer.handle(MachineDetected(data[0]), now)
            elif kind == "no-answer":
                self.pacer.handle(CallFailed(data[0], "no-answer"), now)
            elif kind == "talk-end":
                self.acd_do(lambda c=data, t=now: self.acd.handle(CallEnded(c), t), now)
            self.rearm(now)
        self.finish()
        self.res.seconds = time.perf_counter() - started
        return self.res

    def finish(self) -> None:
        for state, since in self.agent_state.values():
            self.time_in[state] += max(0.0, self.end - since)
        logged = sum(v for s, v in self.time_in.items() if s is not AgentState.LOGGED_OUT)
        busy = sum(self.time_in[s] for s in BUSY_STATES)
        res = self.res
        res.occupancy = busy / logged if logged else 0.0
        res.talk_per_hour = self.time_in[AgentState.ON_CALL] / (logged / 3600.0) if logged else 0
        # connected calls: live answers that were not abandoned, at their connect time
        res.live_times.sort()
        res.live = len(res.live_times)
        res.worst_hour = worst_rolling_hour(res.live_times, res.abandon_times, self.end)


def worst_rolling_hour(live: list[float], abandons: list[float], end: float,
                       after_live: int = 100, hour: float = 3600.0) -> float | None:
    """The highest abandons / live answers over any window (t - hour, t] ending after
    the ``after_live``-th live answer. The rate only rises at an abandon or when an
    old live answer leaves the window, so those instants are the candidates."""
    if len(live) < after_live:
        return None
    first = live[after_live - 1]
    candidates = [t for t in abandons if t >= first]
    candidates += [t + hour for t in live if first <= t + hour <= end]
    worst = 0.0
    for t in candidates:
        n_live = bisect.bisect_right(live, t) - bisect.bisect_right(live, t - hour)
        n_ab = bisect.bisect_right(abandons, t) - bisect.bisect_right(abandons, t - hour)
        if n_live:
            worst = max(worst, n_ab / n_live)
    return worst


def run_day(job: tuple[str, int, Scenario]) -> Result:
    mode, seed, sc = job
    return Day(PacingMode(mode), seed, sc).run()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--answer-rate", type=float, default=0.20)
    ap.add_argument("--machine-rate", type=float, default=0.0)
    ap.add_argument("--delay", type=float, nargs=2, default=[5.0, 25.0])
    ap.add_argument("--timeout", type=float, default=25.0)
    ap.add_argument("--handle-mean", type=float, default=180.0)
    ap.add_argument("--handle-sigma", type=float, default=0.6)
    ap.add_argument("--wrapup", type=float, default=15.0)
    ap.add_argument("--rules", default="US")
    ap.add_argument("--amd-fp", type=float, default=None)
    ap.add_argument("--target", type=float, default=None, help="target_rate")
    ap.add_argument("--line-risk", type=float, default=None)
    ap.add_argument("--jobs", type=int, default=1, help="days simulated in parallel processes")
    ap.add_argument("--verbose", action="store_true", help="print the last explanation")
    a = ap.parse_args()
    sc = Scenario(a.agents, a.hours, a.answer_rate, a.machine_rate, tuple(a.delay), a.timeout,
                  a.handle_mean, a.handle_sigma, a.wrapup, a.rules, a.amd_fp, a.target,
                  a.line_risk)
    print(f"{sc.agents} agents, {sc.hours:g} h, answer rate {sc.answer_rate:.0%}, answer delay "
          f"{sc.delay[0]:g}-{sc.delay[1]:g} s, talk (handle) lognormal mean {sc.handle_mean:g} s "
          f"(log-sd {sc.handle_sigma:g}), wrap-up {sc.wrapup:g} s, no-answer timeout "
          f"{sc.timeout:g} s, rules {sc.rules}")
    rows = [("calls placed", lambda r: f"{r.placed}"),
            ("live answers", lambda r: f"{r.live}"),
            ("abandoned", lambda r: f"{r.abandoned}"),
            ("abandon rate (day)", lambda r: f"{r.rate:.2%}"),
            ("AMD machines", lambda r: f"{r.machines}"),
            ("legal window rate", lambda r: "-" if r.window_rate is None else
             f"{r.window_rate:.2%}"),
            ("worst rolling hour", lambda r: "-" if r.worst_hour is None else
             f"{r.worst_hour:.2%}"),
            ("agent occupancy", lambda r: f"{r.occupancy:.1%}"),
            ("talk s / agent hour", lambda r: f"{r.talk_per_hour:.0f}"),
            ("run time (s)", lambda r: f"{r.seconds:.1f}")]
    summary = []
    jobs = [(mode, seed, sc) for seed in a.seeds for mode in ("progressive", "predictive")]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as pool:
            results = list(pool.map(run_day, jobs))
    else:
        results = [run_day(job) for job in jobs]
    for n, seed in enumerate(a.seeds):
        base, pred = results[2 * n], results[2 * n + 1]
        print(f"\nseed {seed}            progressive   predictive")
        for label, fmt in rows:
            print(f"  {label:<20}{fmt(base):>12}{fmt(pred):>13}")
        ratio = pred.occupancy / base.occupancy if base.occupancy else math.inf
        ok = (ratio >= 1.5 and pred.rate < 0.03
              and (pred.worst_hour is None or pred.worst_hour < 0.03))
        print(f"  occupancy ratio {ratio:.2f}  target met: {'yes' if ok else 'NO'}")
        if a.verbose:
            print(f"  last step: {pred.last_explanation}")
        summary.append((seed, ratio, pred.rate, pred.worst_hour, ok))
    print("\nseed  occupancy x  day rate  worst hour  met")
    for seed, ratio, rate, worst, ok in summary:
        print(f"{seed:>4}  {ratio:>10.2f}  {rate:>8.2%}  "
              f"{'-' if worst is None else f'{worst:.2%}':>10}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
