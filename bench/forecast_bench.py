"""Forecasting benchmark: how long WFM takes for many queues, and how well it does.

    python bench/forecast_bench.py                      # both parts, 50 queues
    python bench/forecast_bench.py --part forecast      # under a minute is the target
    python bench/forecast_bench.py --part backtest --jobs 2

Part 1 (forecast): 50 generated queues (50 to 3,000 calls a day, each its own
seed and holidays), the last 12 weeks of half-hourly history each, a 7-day
forecast per queue with each method, then with ``auto`` (backtest of 4 weekly
origins + forecast), as ``cti forecast`` runs it.

Part 2 (backtest): a year of history per queue; the model-selection backtest
over the year (12 origins, every 4 weeks, 7-day horizon, 12-week training
window) for every queue; WAPE per method, how often each wins, and the
chosen method against seasonal naive.

Also prints the import time of the forecasting packages (fresh interpreter).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

import numpy as np

from cti.wfm.backtest import backtest
from cti.wfm.forecast import forecast
from cti.wfm.generate import synthetic_series
from cti.wfm.methods import METHODS
from cti.wfm.plan import make_forecast

FIRST = date(2025, 1, 6)


def queue_series(i: int, days: int):
    rng = np.random.default_rng(1000 + i)
    holidays = sorted({FIRST + timedelta(days=int(d)) for d in rng.integers(0, days, 8)})
    return synthetic_series(f"q{i:02d}", first_day=FIRST, days=days,
                            daily_calls=float(rng.uniform(50, 3000)), holidays=holidays,
                            seed=i)


def import_times() -> None:
    for module in ("numpy", "statsmodels.tsa.holtwinters, statsmodels.tsa.seasonal",
                   "matplotlib.pyplot"):
        code = f"import time; t = time.perf_counter(); import {module}; " \
               "print(time.perf_counter() - t)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        print(f"import {module}: {float(out):.2f} s")


def part_forecast(queues: int) -> None:
    history = [queue_series(i, 84) for i in range(queues)]
    start = history[0].end_day
    print(f"\n== forecast: {queues} queues, 12 weeks of half-hourly history, 7 days ahead")
    print(f"{'method':20s} {'wall':>7s} {'CPU':>7s}")
    for method in METHODS:
        wall, cpu = time.perf_counter(), time.process_time()
        for s in history:
            forecast(s, start, 7, method)
        print(f"{method:20s} {time.perf_counter() - wall:6.1f}s {time.process_time() - cpu:6.1f}s")
    wall, cpu = time.perf_counter(), time.process_time()
    chosen: dict[str, int] = {}
    for s in history:
        result = make_forecast(s, start, 7, method="auto")
        chosen[result.forecast.method] = chosen.get(result.forecast.method, 0) + 1
    print(f"{'auto (backtest+fit)':20s} {time.perf_counter() - wall:6.1f}s "
          f"{time.process_time() - cpu:6.1f}s   chosen: {chosen}")


def _backtest_one(i: int) -> tuple[str, str, dict[str, float], float]:
    s = queue_series(i, 364)
    began = time.process_time()
    result = backtest(s, origins=12, step_days=28)
    return (s.queue, result.chosen, {sc.method: sc.wape for sc in result.scores},
            time.process_time() - began)


def part_backtest(queues: int, jobs: int) -> None:
    print(f"\n== model-selection backtest over a year: {queues} queues, 12 origins "
          f"every 4 weeks, 7-day horizon, 12-week training, {jobs} process(es)")
    began = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        results = list(pool.map(_backtest_one, range(queues)))
    elapsed = time.perf_counter() - began
    per_method = {m: [r[2][m] for r in results] for m in METHODS}
    wins: dict[str, int] = {}
    for r in results:
        wins[r[1]] = wins.get(r[1], 0) + 1
    print(f"{'method':20s} {'mean WAPE':>9s} {'median':>7s} {'wins':>5s}")
    for m, values in sorted(per_method.items(), key=lambda kv: np.nanmean(kv[1])):
        print(f"{m:20s} {np.nanmean(values):9.3f} {np.nanmedian(values):7.3f} "
              f"{wins.get(m, 0):5d}")
    chosen = np.array([r[2][r[1]] for r in results])
    naive = np.array([r[2]["seasonal_naive"] for r in results])
    print(f"chosen method beats seasonal naive on {int((chosen < naive).sum())} of "
          f"{queues} queues; mean WAPE {chosen.mean():.3f} against {naive.mean():.3f} "
          f"({100 * (1 - chosen.mean() / naive.mean()):.0f}% lower)")
    cpu = sum(r[3] for r in results)
    print(f"elapsed {elapsed:.0f} s ({elapsed / 60:.1f} min) wall; CPU {cpu:.0f} s "
          f"({cpu / 60:.1f} min, {cpu / queues:.1f} s per queue): the wall time on one idle "
          "core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("forecast", "backtest", "all"), default="all")
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}")
    import_times()
    if args.part in ("forecast", "all"):
        part_forecast(args.queues)
    if args.part in ("backtest", "all"):
        part_backtest(args.queues, args.jobs)


if __name__ == "__main__":
    main()
