"""A picture of a calls report cut in periods: offered vs answered, and the service
level against the target, per period.

matplotlib comes with the optional ``wfm`` extra; without it ``--plot`` stops
at once with one line saying how to install it. The Agg backend needs no
display; the file's suffix picks the format (.png or .svg).
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

from cti.errors import BadRequest, CtiError
from cti.reports.model import Report

FORMATS = (".png", ".svg")
INSTALL_HINT = "pip install 'asterisk-cti[wfm]'"


class PlotNotInstalled(CtiError):
    status, code = 501, "plot-not-installed"

    def __init__(self) -> None:
        super().__init__(f"--plot needs matplotlib, which is not installed; install it with: "
                         f"{INSTALL_HINT}")


def check_plot(path: Path, kind: str, by: str | None) -> None:
    """Refuse a plot that cannot be drawn, before any report is read."""
    if path.suffix.lower() not in FORMATS:
        raise BadRequest(f"--plot {path}: use a .png or .svg file name")
    if kind != "queues":
        raise BadRequest(f"--plot draws the queues report, not {kind}")
    if by is None:
        raise BadRequest("--plot draws a time series: add --by interval, hour, day or week")
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotNotInstalled()


def plot_report(path: Path, report: Report, target: float | None = None) -> None:
    """Draw ``report.periods`` (a queues report with ``by``) to ``path``.

    ``target``: the service level target to draw (default: the single queue's, if
    the report has one).

    Raises:
        BadRequest: the file cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    starts = [datetime.fromisoformat(p["period"]) for p in report.periods]
    offered = [p["offered"] for p in report.periods]
    answered = [p["answered"] for p in report.periods]
    levels = [p["service_level"] for p in report.periods]
    if target is None:
        targets = {r.get("sl_target") for r in report.rows}
        if len(targets) == 1 and (only := targets.pop()):
            target = float(only.split("%")[0])
    fig, (volume, level) = plt.subplots(2, 1, figsize=(12, 6.4), sharex=True)
    volume.step(starts, offered, where="post", color="tab:blue", label="offered")
    volume.step(starts, answered, where="post", color="tab:green", label="answered")
    volume.set_ylabel(f"calls per {report.by}")
    volume.set_title(report.title)
    volume.legend(loc="upper right")
    volume.grid(alpha=0.3)
    level.step(starts, [float("nan") if v is None else v for v in levels], where="post",
               color="tab:purple", label="service level")
    if target is not None:
        level.axhline(target, color="tab:red", linestyle="--", linewidth=1,
                      label=f"target {target:g}%")
    level.set_ylim(0, 105)
    level.set_ylabel("service level %")
    level.legend(loc="lower right")
    level.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=path.suffix.lower().lstrip("."))
    except OSError as exc:
        raise BadRequest(f"cannot write --plot {path}: {exc.strerror}") from None
    finally:
        plt.close(fig)
