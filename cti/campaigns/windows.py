"""Call windows: may a contact be called now, in its own local time?

A number's time zones come from phonenumbers (``cti.numbers.parse``): one for
most fixed lines, several where a prefix spans zones (a US area code on a
state line, a country's mobile range). A contact is called only while the
window is open in **every** zone of its number. Pure: time is passed in as
epoch seconds.

    window = CallWindow.of(definition.window, fallback_zone="Europe/Madrid")
    window.open(("America/New_York", "America/Chicago"), now)
    window.next_open(("America/New_York",), now)   # epoch seconds, or None
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cti.campaigns.models import DAYS, Window, parse_span

#: How far ahead ``next_open`` looks (a window closed for longer is "never").
LOOK_AHEAD_DAYS = 15


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class CallWindow:
    days: frozenset[int]                       #: weekdays, Monday 0
    spans: tuple[tuple[time, time], ...]
    holidays: frozenset[date]
    fallback_zone: str

    @classmethod
    def of(cls, window: Window, fallback_zone: str) -> CallWindow:
        return cls(frozenset(DAYS.index(d) for d in window.days),
                   tuple(sorted(parse_span(s) for s in window.hours)),
                   frozenset(window.holidays), window.default_zone or fallback_zone)

    def zones(self, zones: Iterable[str]) -> tuple[str, ...]:
        return tuple(zones) or (self.fallback_zone,)

    def open_in(self, zone: str, at: float) -> bool:
        local = datetime.fromtimestamp(at, _zone(zone))
        if local.weekday() not in self.days or local.date() in self.holidays:
            return False
        clock = local.time().replace(tzinfo=None)
        return any(start <= clock < end for start, end in self.spans)

    def open(self, zones: Sequence[str], at: float) -> bool:
        """Open now in every zone of the number (the fallback zone if it has none)."""
        return all(self.open_in(z, at) for z in self.zones(zones))

    def next_open(self, zones: Sequence[str], at: float) -> float | None:
        """The first instant from ``at`` when the window is open in every zone; None
        when that is more than LOOK_AHEAD_DAYS away (e.g. no day is allowed)."""
        zones = self.zones(zones)
        if self.open(zones, at):
            return at
        # An intersection of windows opens when one of them opens: try those instants.
        for candidate in sorted(self._openings(zones, at)):
            if self.open(zones, candidate):
                return candidate
        return None

    def _openings(self, zones: Sequence[str], at: float) -> set[float]:
        out: set[float] = set()
        for name in zones:
            zone = _zone(name)
            first = datetime.fromtimestamp(at, zone).date()
            for offset in range(LOOK_AHEAD_DAYS + 1):
                day = first + timedelta(days=offset)
                if day.weekday() not in self.days or day in self.holidays:
                    continue
                for start, _end in self.spans:
                    instant = datetime.combine(day, start, zone).astimezone(UTC).timestamp()
                    if instant > at:
                        out.add(instant)
        return out
