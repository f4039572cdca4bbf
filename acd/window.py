"""A queue's rolling window: service level, ASA and AHT over the last
``window`` seconds, read in O(1).

Each sample is kept with its time until it falls out of the window, and
running sums follow every push and prune, so a read never walks the samples.
A push forgets that series' samples older than ``horizon`` (bounding the
memory); a read prunes every series first. A sum is set back to exactly 0
when its samples run out, so rounding never piles up.

Samples are two doubles in arrays (16 bytes), not tuples in a deque (about 112
bytes): a 15-minute window at 100 calls a second holds 270,000 of them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import islice


class _Samples:
    """(time, value) samples in time order, oldest first; ``popleft`` moves a start
    index, and the arrays are cut when half of them is behind it."""

    __slots__ = ("_at", "_start", "_value")

    def __init__(self) -> None:
        self._at, self._value, self._start = array("d"), array("d"), 0

    def __len__(self) -> int:
        return len(self._at) - self._start

    def append(self, at: float, value: float) -> None:
        self._at.append(at)
        self._value.append(value)

    def older_than(self, horizon: float) -> bool:
        """Whether the oldest sample was taken before ``horizon``."""
        return len(self._at) > self._start and self._at[self._start] < horizon

    def popleft(self) -> float:
        """Forget the oldest sample; its value."""
        value = self._value[self._start]
        self._start += 1
        if self._start >= 1024 and 2 * self._start >= len(self._at):
            del self._at[:self._start]
            del self._value[:self._start]
            self._start = 0
        return value

    def values(self) -> Iterator[float]:
        return islice(self._value, self._start, None)


class RollingWindow:
    __slots__ = ("abandons", "answers", "late_abandons", "sl_seconds", "talk_sum", "talks",
                 "wait_sum", "within", "wrap_sum", "wraps")

    def __init__(self, sl_seconds: float) -> None:
        self.sl_seconds = sl_seconds
        self.answers = _Samples()     # (at, wait)
        self.abandons = _Samples()    # (at, wait)
        self.talks = _Samples()       # (at, seconds)
        self.wraps = _Samples()
        self.wait_sum = self.talk_sum = self.wrap_sum = 0.0
        self.within = self.late_abandons = 0

    # Each push forgets its own series' old samples inline: pushes are on the
    # routing path, reads (``prune``) are not.

    def answered(self, at: float, wait: float, horizon: float) -> None:
        answers = self.answers
        answers.append(at, wait)
        self.wait_sum += wait
        self.within += wait <= self.sl_seconds
        if answers.older_than(horizon):
            self._prune_answers(horizon)

    def abandoned(self, at: float, wait: float, horizon: float) -> None:
        abandons = self.abandons
        abandons.append(at, wait)
        self.late_abandons += wait > self.sl_seconds
        if abandons.older_than(horizon):
            self._prune_abandons(horizon)

    def talked(self, at: float, seconds: float, horizon: float) -> None:
        talks = self.talks
        talks.append(at, seconds)
        self.talk_sum += seconds
        if talks.older_than(horizon):
            self._prune_talks(horizon)

    def wrapped(self, at: float, seconds: float, horizon: float) -> None:
        wraps = self.wraps
        wraps.append(at, seconds)
        self.wrap_sum += seconds
        if wraps.older_than(horizon):
            self._prune_wraps(horizon)

    def prune(self, horizon: float) -> None:
        """Forget every sample taken before ``horizon``."""
        self._prune_answers(horizon)
        self._prune_abandons(horizon)
        self._prune_talks(horizon)
        self._prune_wraps(horizon)

    def _prune_answers(self, horizon: float) -> None:
        answers = self.answers
        while answers.older_than(horizon):
            wait = answers.popleft()
            self.wait_sum -= wait
            self.within -= wait <= self.sl_seconds
        if not answers:
            self.wait_sum = 0.0

    def _prune_abandons(self, horizon: float) -> None:
        abandons = self.abandons
        while abandons.older_than(horizon):
            self.late_abandons -= abandons.popleft() > self.sl_seconds

    def _prune_talks(self, horizon: float) -> None:
        talks = self.talks
        while talks.older_than(horizon):
            self.talk_sum -= talks.popleft()
        if not talks:
            self.talk_sum = 0.0

    def _prune_wraps(self, horizon: float) -> None:
        wraps = self.wraps
        while wraps.older_than(horizon):
            self.wrap_sum -= wraps.popleft()
        if not wraps:
            self.wrap_sum = 0.0

    def set_sl_seconds(self, sl_seconds: float) -> None:
        """A reconfigure changed the threshold: count the samples again with it."""
        self.sl_seconds = sl_seconds
        self.within = sum(1 for w in self.answers.values() if w <= sl_seconds)
        self.late_abandons = sum(1 for w in self.abandons.values() if w > sl_seconds)

    def service_level(self) -> float | None:
        total = len(self.answers) + self.late_abandons
        return None if total == 0 else 100.0 * self.within / total

    def asa(self) -> float | None:
        return self.wait_sum / len(self.answers) if self.answers else None

    def aht(self) -> float | None:
        """Average talk + average wrap-up."""
        if not self.talks:
            return None
        wrap = self.wrap_sum / len(self.wraps) if self.wraps else 0.0
        return self.talk_sum / len(self.talks) + wrap
