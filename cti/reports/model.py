"""A report as data: its identifying columns, its figures, its rows.

``cti report``, the REST API and the plot all take this one shape; the
formats (``cti/reports/formats.py``) only render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cti.reports.definitions import Unit


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    unit: Unit | None = None   #: None: a text column (period, queue, agent, ...)


@dataclass(frozen=True, slots=True)
class Report:
    """One report.

    ``rows``: one per period and key (queue, agent, ...), keys and figures by
    column key. ``periods``: when the report is cut (``by``), the figures of each
    period over every key, every period of the range included (for a time
    series). ``total``: the whole range over every key.
    """

    kind: str
    title: str
    since: datetime
    until: datetime
    timezone: str
    by: str | None
    keys: tuple[Column, ...]
    figures: tuple[Column, ...]
    table: tuple[str, ...]            #: figure keys the terminal table shows
    rows: list[dict[str, Any]]
    periods: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for c in (*self.keys, *self.figures):
            if c.key == key:
                return c
        raise KeyError(key)
