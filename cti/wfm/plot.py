"""A picture of a forecast (and its staffing): contacts and agents per interval.

matplotlib with the Agg backend (no display needed); the file's suffix picks
the format: .png or .svg.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from cti.wfm.forecast import Forecast
from cti.wfm.series import IntervalSeries
from cti.wfm.staffing import StaffingPlan

FORMATS = (".png", ".svg")
HISTORY_DAYS_SHOWN = 7


def plot_plan(path: Path, forecast: Forecast, *, history: IntervalSeries | None = None,
              staff: StaffingPlan | None = None) -> None:
    """Draw volume (the last week of actual contacts, then the forecast) and, with
    ``staff``, agents needed and scheduled per interval.

    Raises:
        ValueError: a suffix other than .png or .svg.
    """
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"plot file {path}: use a .png or .svg name")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    rows = 2 if staff is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(12, 3.2 * rows + 0.6), sharex=True,
                             squeeze=False)
    step = timedelta(minutes=forecast.interval_minutes)
    volume = axes[0][0]
    if history is not None and history.days:
        shown = history.last(HISTORY_DAYS_SHOWN)
        volume.step(_instants(shown.first_day, shown.days, shown.slots_per_day, step),
                    shown.offered.ravel(), where="post", color="0.55", linewidth=0.9,
                    label="actual")
    times = _instants(forecast.start, forecast.days, forecast.slots_per_day, step)
    volume.step(times, forecast.offered.ravel(), where="post", color="tab:blue",
                linewidth=1.2, label=f"forecast ({forecast.method})")
    volume.set_ylabel(f"contacts per {forecast.interval_minutes} min")
    plural = "s" if forecast.days > 1 else ""
    volume.set_title(f"queue {forecast.queue} ({forecast.channel}): "
                     f"{forecast.days} day{plural} from {forecast.start.isoformat()}")
    volume.legend(loc="upper right")
    volume.grid(alpha=0.3)
    if staff is not None:
        agents = axes[1][0]
        model = "Erlang A" if staff.model == "erlang_a" else "Erlang C"
        agents.step(times, staff.agents().ravel(), where="post", color="tab:green",
                    label=f"agents needed ({model})")
        agents.step(times, staff.scheduled().ravel(), where="post", color="tab:orange",
                    linestyle="--", label=f"scheduled ({staff.shrinkage:.0%} shrinkage)")
        agents.set_ylabel("agents")
        agents.legend(loc="upper right")
        agents.grid(alpha=0.3)
    axis = axes[-1][0]
    axis.xaxis.set_major_locator(mdates.DayLocator())
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lower().lstrip("."))
    plt.close(fig)


def _instants(first_day, days: int, slots: int, step: timedelta) -> np.ndarray:
    start = datetime.combine(first_day, datetime.min.time())
    return np.array([start + i * step for i in range(days * slots)])
