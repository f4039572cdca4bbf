"""``Bucket``: one interval's figures as the history query returns them (no numpy here,
so the service can read history without importing the ``wfm`` extra)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Bucket"]


@dataclass(frozen=True, slots=True)
class Bucket:
    """One interval's figures, as the history query returns them."""

    start: datetime              # local wall-clock start of the interval (naive)
    offered: int
    answered: int
    abandoned: int
    handle_seconds: float        # sum over answered calls: talk + wrap-up
    wait_seconds: float          # sum over every call: time in queue until answer or hang-up
