"""Errors of workforce management, each one clear line for the command line.

CtiError (cti.errors)
 ├── WfmNotInstalled     the optional ``wfm`` extra is missing
 ├── UnknownQueue        404 the queue is not in queues.yaml
 └── NoHistory           404 no calls recorded for that queue and channel
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

from cti.errors import CtiError

INSTALL_HINT = "pip install 'asterisk-cti[wfm]'"
#: What forecasting needs, and what drawing adds.
NEEDS = ("numpy", "statsmodels")
PLOT_NEEDS = ("matplotlib",)


def require_extra(command: str, *, plot: bool = True) -> None:
    """Raises WfmNotInstalled when a package of the ``wfm`` extra is missing."""
    missing = [name for name in NEEDS + (PLOT_NEEDS if plot else ())
               if importlib.util.find_spec(name) is None]
    if missing:
        raise WfmNotInstalled(command, ", ".join(missing))


class WfmNotInstalled(CtiError):
    status, code = 501, "wfm-not-installed"

    def __init__(self, command: str, missing: str) -> None:
        super().__init__(f"{command} needs the optional forecasting packages ({missing} is "
                         f"missing); install them with: {INSTALL_HINT}")


class UnknownQueue(CtiError):
    status, code = 404, "no-such-queue"

    def __init__(self, queue: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"no queue named {queue!r} in queues.yaml; known: {names}")
        self.queue = queue


class NoHistory(CtiError):
    status, code = 404, "no-history"

    def __init__(self, queue: str, channel: str, since: str, until: str,
                 found_days: int = 0, needed_days: int = 0) -> None:
        if found_days:
            what = (f"only {found_days} days with {channel} calls in queue {queue!r} "
                    f"between {since} and {until}; a forecast needs at least {needed_days}")
        else:
            what = f"no {channel} calls recorded in queue {queue!r} between {since} and {until}"
        super().__init__(f"{what}; check --queue and --channel, or give more --weeks")
        self.queue = queue
        self._args = (queue, channel, since, until, found_days, needed_days)

    def __reduce__(self) -> tuple[type[NoHistory], tuple[str, str, str, str, int, int]]:
        """Raised in the forecasting worker process, it crosses back whole."""
        return NoHistory, self._args
