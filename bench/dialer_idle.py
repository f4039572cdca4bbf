"""Where a predictive day's idle agent time goes (the scenario of dialer_bench.py).

Runs the predictive day of ``dialer_bench.py`` (same simulation, same seeds, the
pacer's default priors) and splits the agents' idle time (READY, waiting for an
answer) by what the pacer was doing: the first half hour (a young window earning
its budget), ``budget-low`` steps (the legal window or the last hour had too few
abandons in hand: only lines of no or negligible risk), and ``predictive``
steps (the line risk decided). For each: the share of the day, the mean number
of free agents, and the occupancy points it costs. Also the histogram of free
agents in steady state and the abandon rate hour by hour.

    .venv/bin/python bench/dialer_idle.py [--seeds 1 2] [--hours 8] [--jobs 2]
"""

from __future__ import annotations

import argparse
import bisect
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from dialer_bench import Day, Scenario

from acd.pacing import Paced, PacingMode

START = 1800.0            # seconds counted as the start of the day


@dataclass
class Idle:
    seed: int
    occupancy: float = 0.0
    rate: float = 0.0
    worst_hour: float | None = None
    #: phase -> [seconds, free agent-seconds]
    phases: dict[str, list[float]] = field(default_factory=dict)
    free_seconds: Counter = field(default_factory=Counter)
    hours: list[str] = field(default_factory=list)
    end: float = 0.0
    agents: int = 0


class TracedDay(Day):
    """The bench's predictive day, keeping each step's reason and free agents."""

    def __init__(self, seed: int, sc: Scenario) -> None:
        super().__init__(PacingMode.PREDICTIVE, seed, sc)
        self.steps: list[tuple[float, str, int]] = []

    def pacer_do(self, decisions: list, now: float) -> None:
        for d in decisions:
            if isinstance(d, Paced):
                self.steps.append((now, d.explanation.reason.value, d.explanation.agents_free))
        super().pacer_do(decisions, now)


def run(job: tuple[int, Scenario]) -> Idle:
    seed, sc = job
    day = TracedDay(seed, sc)
    res = day.run()
    out = Idle(seed, res.occupancy, res.rate, res.worst_hour, end=day.end, agents=sc.agents)
    steps = day.steps
    for i, (at, reason, free) in enumerate(steps):
        until = min(steps[i + 1][0] if i + 1 < len(steps) else day.end, day.end)
        span = max(0.0, until - at)
        phase = "first 30 min" if at < START else reason
        spent = out.phases.setdefault(phase, [0.0, 0.0])
        spent[0] += span
        spent[1] += free * span
        if at >= START:
            out.free_seconds[min(free, 10)] += span
    for h in range(int(sc.hours)):
        lo, hi = h * 3600.0, (h + 1) * 3600.0
        live = bisect.bisect_left(res.live_times, hi) - bisect.bisect_left(res.live_times, lo)
        ab = bisect.bisect_left(res.abandon_times, hi) - bisect.bisect_left(res.abandon_times, lo)
        out.hours.append(f"{ab / live:.1%}" if live else "-")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--jobs", type=int, default=1, help="days simulated in parallel processes")
    a = ap.parse_args()
    sc = Scenario(agents=a.agents, hours=a.hours)
    jobs = [(seed, sc) for seed in a.seeds]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as pool:
            results = list(pool.map(run, jobs))
    else:
        results = [run(job) for job in jobs]
    for r in results:
        worst = "-" if r.worst_hour is None else f"{r.worst_hour:.2%}"
        print(f"\nseed {r.seed}: occupancy {r.occupancy:.1%}, abandon rate {r.rate:.2%}, "
              f"worst rolling hour {worst}")
        agent_seconds = r.agents * r.end
        print(f"  {'phase':<14}{'time':>7}{'free agents':>13}{'idle points':>13}")
        for phase, (span, free) in sorted(r.phases.items()):
            if span:
                print(f"  {phase:<14}{span / r.end:>7.1%}{free / span:>13.2f}"
                      f"{free / agent_seconds:>13.2%}")
        total = sum(r.free_seconds.values())
        hist = " ".join(f"{k}{'+' if k == 10 else ''}:{v / total:.0%}"
                        for k, v in sorted(r.free_seconds.items()))
        print(f"  free agents after the first 30 min (share of time): {hist}")
        print(f"  abandon rate hour by hour: {' '.join(r.hours)}")


if __name__ == "__main__":
    main()
