"""ACD engine throughput and latency on a large floor.

10,000 agents, 200 skills, 500 queues (skill requirements, escalation, every
strategy), 5,000 calls waiting: the floor is saturated first (every agent
talking, 5,000 calls queued), then a realistic mix of events is replayed with
the clock advancing: hang-ups, dispositions (each frees an agent who takes the
best call it can serve), answers, new calls, abandons, no-answers, pauses,
phone state changes and ticks (escalations, wrap-up ends, maximum waits).

Prints routing events a second, per-event latency p50/p99/max, the peak
memory and the cost of the reads a supervisor board makes: the whole
``stats()``, one queue, one agent, and with ``--publish HZ`` a publisher that
takes the changes HZ times a simulated second and reads what changed. Runs
against an engine without the incremental figures too (then one queue can
only be read through ``stats(include_agents=False)``). One process, one core.

    .venv/bin/python bench/acd_bench.py [--events 200000] [--seed 1] [--tracemalloc]
                                        [--publish 4]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable

from acd import (
    AgentLoggedIn,
    AgentNotReady,
    AgentReady,
    AgentSpec,
    AgentState,
    AgentStateChanged,
    CallAbandoned,
    CallArrived,
    CallEnded,
    DeviceState,
    DeviceStateChanged,
    Engine,
    EscalationStep,
    Offer,
    OfferAnswered,
    OfferFailed,
    OfferTimedOut,
    QueueExit,
    QueueSpec,
    WrapUpDone,
)

N_AGENTS, N_SKILLS, N_QUEUES, N_WAITING = 10_000, 200, 500, 5_000
STRATEGIES = ["longest_idle", "longest_idle", "fewest_calls", "most_skilled", "round_robin",
              "random"]


class Bag:
    """A set with O(1) add, remove and random choice."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.pos: dict[str, int] = {}

    def add(self, x: str) -> None:
        if x not in self.pos:
            self.pos[x] = len(self.items)
            self.items.append(x)

    def discard(self, x: str) -> None:
        i = self.pos.pop(x, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.pos[last] = i

    def pick(self, rng: random.Random) -> str | None:
        return self.items[rng.randrange(len(self.items))] if self.items else None

    def __len__(self) -> int:
        return len(self.items)


def build_floor(rng: random.Random) -> tuple[list[QueueSpec], list[AgentSpec]]:
    skills = [f"s{i}" for i in range(N_SKILLS)]
    queues = []
    for i in range(N_QUEUES):
        req = {skills[i % N_SKILLS]: rng.randint(1, 5)}
        if i % 3 == 0:
            req[skills[(i * 7 + 3) % N_SKILLS]] = rng.randint(1, 3)
        first = next(iter(req))
        steps = (EscalationStep(30, "lower", skill=first, level=1),
                 EscalationStep(60, "priority", priority=1),
                 EscalationStep(90, "overflow", queue=f"q{(i + 1) % N_QUEUES}"))
        queues.append(QueueSpec(f"q{i}", req, strategy=STRATEGIES[i % len(STRATEGIES)],
                                ring_timeout=15, wrapup_time=30, max_wait=600,
                                exit=f"overflow:q{(i + 2) % N_QUEUES}", escalation=steps))
    agents = []
    for i in range(N_AGENTS):
        team = rng.sample(range(N_QUEUES), 5)
        mine: dict[str, int] = {}
        for q in team:
            for skill in queues[q].skills:
                mine[skill] = max(mine.get(skill, 0), rng.randint(1, 10))
        for skill in rng.sample(skills, 2):
            mine.setdefault(skill, rng.randint(1, 10))
        agents.append(AgentSpec(f"a{i}", mine, queues=tuple(f"q{q}" for q in team)))
    return queues, agents


class Driver:
    def __init__(self, engine: Engine, rng: random.Random) -> None:
        self.e, self.rng = engine, rng
        self.now = 0.0
        self.n = 0
        self.offered: dict[str, str] = {}          # call -> agent
        self.offered_bag = Bag()
        self.talking = Bag()
        self.waiting = Bag()
        self.wrapping = Bag()
        self.paused = Bag()
        self.devices_busy = Bag()
        self.latencies: list[int] = []
        self.decisions = 0
        self.publish_every = 0.0                   # simulated seconds between publisher passes
        self.next_publish = 0.0
        self.passes: list[tuple[int, int, int]] = []   # (ns, queues read, agents read)

    def feed(self, decisions: list) -> None:
        self.decisions += len(decisions)
        for d in decisions:
            kind = type(d)
            if kind is Offer:
                self.waiting.discard(d.call_id)
                self.offered[d.call_id] = d.agent_id
                self.offered_bag.add(d.call_id)
            elif kind is AgentStateChanged:
                if d.new is AgentState.WRAP_UP:
                    self.wrapping.add(d.agent_id)
                elif d.old is AgentState.WRAP_UP:
                    self.wrapping.discard(d.agent_id)
                if d.new is AgentState.NOT_READY:
                    self.paused.add(d.agent_id)
                elif d.old is AgentState.NOT_READY:
                    self.paused.discard(d.agent_id)
            elif kind is OfferTimedOut:
                self.offered.pop(d.call_id, None)
                self.offered_bag.discard(d.call_id)
                self.waiting.add(d.call_id)
            elif kind is QueueExit and d.action != "overflow" and d.action != "callback":
                self.waiting.discard(d.call_id)

    def run(self, event: object, timed: bool) -> None:
        if timed:
            t0 = time.perf_counter_ns()
            decisions = self.e.handle(event, self.now)
            self.latencies.append(time.perf_counter_ns() - t0)
        else:
            decisions = self.e.handle(event, self.now)
        self.feed(decisions)

    def tick(self, timed: bool) -> None:
        t0 = time.perf_counter_ns()
        decisions = self.e.tick(self.now)
        if timed:
            self.latencies.append(time.perf_counter_ns() - t0)
        self.feed(decisions)

    def arrive(self, timed: bool) -> None:
        self.n += 1
        call_id = f"c{self.n}"
        self.waiting.add(call_id)
        priority = 2 if self.rng.random() < 0.1 else 0
        self.run(CallArrived(call_id, f"q{self.rng.randrange(N_QUEUES)}", priority=priority),
                 timed)

    def answer(self, call_id: str, timed: bool) -> None:
        agent_id = self.offered.pop(call_id)
        self.offered_bag.discard(call_id)
        self.talking.add(call_id)
        self.run(OfferAnswered(call_id, agent_id), timed)

    def publish(self) -> None:
        """What a board's publisher does: take the changes, read the changed figures."""
        t0 = time.perf_counter_ns()
        changes = self.e.take_changes()
        for q in changes.queues:
            self.e.queue_figures(q)
        for a in changes.agents:
            self.e.agent_figures(a)
        self.passes.append((time.perf_counter_ns() - t0, len(changes.queues),
                            len(changes.agents)))

    def step(self, timed: bool = True) -> None:
        """One event of the realistic mix."""
        rng = self.rng
        self.now += 0.002
        if self.publish_every and self.now >= self.next_publish:
            self.next_publish = self.now + self.publish_every
            self.publish()
        # Arrivals keep about N_WAITING calls queued: a little more often below it.
        if rng.random() < (0.24 if len(self.waiting) < N_WAITING else 0.16):
            self.arrive(timed)
            return
        r = rng.random()
        if r < 0.25 and self.offered_bag:
            self.answer(self.offered_bag.pick(rng), timed)
        elif r < 0.48 and self.talking:
            call_id = self.talking.pick(rng)
            self.talking.discard(call_id)
            self.run(CallEnded(call_id), timed)
        elif r < 0.70 and self.wrapping:
            self.run(WrapUpDone(self.wrapping.pick(rng), "done"), timed)
        elif r < 0.75 and self.waiting:
            call_id = self.waiting.pick(rng)
            self.waiting.discard(call_id)
            if call_id in self.offered:
                self.offered.pop(call_id)
                self.offered_bag.discard(call_id)
            self.run(CallAbandoned(call_id), timed)
        elif r < 0.775 and self.offered_bag:
            call_id = self.offered_bag.pick(rng)
            agent_id = self.offered.pop(call_id)
            self.offered_bag.discard(call_id)
            self.waiting.add(call_id)
            self.run(OfferFailed(call_id, agent_id, "no-answer"), timed)
        elif r < 0.825 and self.paused:
            self.run(AgentReady(self.paused.pick(rng)), timed)
        elif r < 0.85:
            agent_id = f"a{rng.randrange(N_AGENTS)}"
            if self.e.agent(agent_id).presence is AgentState.READY:
                self.run(AgentNotReady(agent_id, "break"), timed)
        elif r < 0.925:
            agent_id = self.devices_busy.pick(rng) if rng.random() < 0.5 else None
            if agent_id is not None:                   # a personal call ends
                self.devices_busy.discard(agent_id)
                self.run(DeviceStateChanged(agent_id, DeviceState.AVAILABLE), timed)
                return
            agent_id = f"a{rng.randrange(N_AGENTS)}"   # an agent picks up the phone
            if (agent_id not in self.devices_busy.pos
                    and self.e.agent(agent_id).state is not AgentState.RESERVED):
                self.devices_busy.add(agent_id)
                self.run(DeviceStateChanged(agent_id, DeviceState.IN_USE), timed)
        else:
            self.tick(timed)


def percentile(sorted_ns: list[int], p: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(p * len(sorted_ns)))] / 1000.0


def timed_ms(read: Callable[[], object], times: int) -> float:
    """Median milliseconds of ``times`` calls of ``read``."""
    samples = []
    for _ in range(times):
        t0 = time.perf_counter_ns()
        read()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1e6


def report_reads(engine: Engine, d: Driver) -> None:
    now = d.now
    full = timed_ms(lambda: engine.stats(now), 3)
    queues_only = timed_ms(lambda: engine.stats(now, include_agents=False), 3)
    print(f"read side: stats() {full:.1f} ms, stats(include_agents=False) {queues_only:.1f} ms "
          f"over {N_AGENTS} agents, {N_QUEUES} queues")
    if not hasattr(engine, "queue_figures"):
        print("  no incremental figures: one queue is read through "
              f"stats(include_agents=False), {queues_only:.1f} ms")
    else:
        every = timed_ms(engine.all_queue_figures, 20)
        # 1000 reads in ms = one read in us
        one_q = timed_ms(lambda: [engine.queue_figures("q7") for _ in range(1000)], 5)
        one_a = timed_ms(lambda: [engine.agent_figures("a7") for _ in range(1000)], 5)
        engine.take_changes()
        print(f"  figures: all {N_QUEUES} queues {every:.2f} ms, one queue "
              f"{one_q:.1f} us, one agent {one_a:.1f} us")
    some = next(iter(d.waiting.items), None)
    if some is not None:
        t_explain = timed_ms(lambda: engine.explain(some, now), 3)
        print(f"  explain() {t_explain:.1f} ms over {N_AGENTS} agents, estimated_wait() "
              f"{engine.estimated_wait(some, now) or 0:.0f} s for {some}")
    if d.passes:
        ns = sorted(p[0] for p in d.passes)
        print(f"publisher: {len(d.passes)} passes at {1 / d.publish_every:g} Hz simulated, "
              f"read {statistics.mean(p[1] for p in d.passes):.0f} queues and "
              f"{statistics.mean(p[2] for p in d.passes):.0f} agents a pass; pass time "
              f"p50 {percentile(ns, 0.5):.0f} us, p99 {percentile(ns, 0.99):.0f} us")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure peak Python allocations (slower run)")
    parser.add_argument("--publish", type=float, default=0.0, metavar="HZ",
                        help="run a board publisher HZ times a simulated second")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.tracemalloc:
        tracemalloc.start()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    t0 = time.perf_counter()
    queues, agents = build_floor(rng)
    engine = Engine(queues, agents, seed=args.seed)
    t_build = time.perf_counter() - t0
    d = Driver(engine, rng)

    t0 = time.perf_counter()
    for i in range(N_AGENTS):                          # everyone logs in
        d.run(AgentLoggedIn(f"a{i}", ready=True), False)
    while len(d.waiting) < N_WAITING:                  # saturate: all talk, 5,000 wait
        d.now += 0.01                                  # arrivals spread: no escalation burst
        d.arrive(False)
        while d.offered_bag:
            d.answer(d.offered_bag.pick(rng), False)
    d.tick(False)
    t_fill = time.perf_counter() - t0
    st = engine.stats(d.now)
    print(f"floor: {N_AGENTS} agents, {N_SKILLS} skills, {N_QUEUES} queues; built in "
          f"{t_build:.2f} s, saturated in {t_fill:.2f} s: {len(d.talking)} talking, "
          f"{st.waiting_calls} waiting")

    if args.publish:
        d.publish_every = 1.0 / args.publish
        engine.take_changes()                          # the board starts from a full read
    gc.collect()
    gc.freeze()
    t0 = time.perf_counter()
    depth = []
    for i in range(args.events):
        d.step()
        if i % 1000 == 0:
            depth.append(len(d.waiting))
    wall = time.perf_counter() - t0
    lat = sorted(d.latencies)
    busy = sum(lat) / 1e9
    st = engine.stats(d.now)
    by_state = {s.value: n for s, n in st.agents_by_state.items() if n}
    print(f"mix: {len(lat)} events, {d.decisions} decisions, {d.now:.0f} s simulated; "
          f"calls waiting min {min(depth)} / mean {sum(depth) // len(depth)} / max {max(depth)}; "
          f"agents at the end {by_state}")
    print(f"throughput: {len(lat) / busy:,.0f} routing events/s in the engine "
          f"({len(lat) / wall:,.0f}/s including the driver)")
    print(f"latency per event: p50 {percentile(lat, 0.50):.1f} us, "
          f"p99 {percentile(lat, 0.99):.1f} us, p99.9 {percentile(lat, 0.999):.1f} us, "
          f"max {lat[-1] / 1000:.1f} us")
    report_reads(engine, d)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {rss / 1024:.0f} MiB RSS (interpreter alone {rss0 / 1024:.0f} MiB)")
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        print(f"peak Python allocations: {peak / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
