"""When to log a database outage: one line when it goes down, one when it is back.

A writer that retries during an outage (the recorder) tells ``OutageLog``
about every attempt; it answers with the line to log, or None. Pure: no I/O,
the clock is passed in (``loop.time()``)::

    note = outage.failed(loop.time(), error=str(exc), backlog=self.pending)
    if note is not None:
        log.log(note.level, note.message, **note.fields)      # structlog: getattr(log, level)

The store itself stays quiet during an outage (see ``cti.store.db``): its
retries log at debug level, and asyncpg's traceback for each failed attempt
to refill the pool becomes a debug line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class OutageNote:
    """A line to log: its ``level``, ``message`` and structured ``fields``."""

    level: Literal["warning", "info"]
    message: str
    fields: Mapping[str, object] = field(default_factory=dict)


class OutageLog:
    """The state of the database link as seen by one writer, and what to log.

    Args:
        remind_every: during a long outage, recall it every this many seconds
            (None: never; the default, one line down and one line back).
    """

    def __init__(self, *, remind_every: float | None = None) -> None:
        self.remind_every = remind_every
        self._down_since: float | None = None
        self._last_note_at = 0.0
        self._failed_attempts = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    @property
    def down_since(self) -> float | None:
        """When the first failed attempt of the current outage happened."""
        return self._down_since

    def failed(self, now: float, *, error: str, backlog: int) -> OutageNote | None:
        """An attempt failed because the database is unreachable."""
        self._failed_attempts += 1
        error = " ".join(error.split())
        if self._down_since is None:
            self._down_since = self._last_note_at = now
            self._failed_attempts = 1
            return OutageNote("warning", "database unreachable; writes wait in memory",
                              {"error": error, "backlog": backlog})
        if self.remind_every is not None and now - self._last_note_at >= self.remind_every:
            self._last_note_at = now
            return OutageNote("warning", "database still unreachable; writes wait in memory",
                              {"error": error, "backlog": backlog,
                               "down_for": round(now - self._down_since, 3)})
        return None

    def succeeded(self, now: float, *, backlog: int) -> OutageNote | None:
        """An attempt succeeded; ``backlog``: the writes still waiting."""
        if self._down_since is None:
            return None
        note = OutageNote("info", "database reachable again; writing the backlog",
                          {"down_for": round(now - self._down_since, 3), "backlog": backlog,
                           "failed_attempts": self._failed_attempts})
        self._down_since = None
        self._failed_attempts = 0
        return note
