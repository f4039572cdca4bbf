"""A queue's rolling window: service level, ASA and AHT over the last
``window`` seconds, read in O(1).

Each sample is kept with its time until it falls out of the window, and
running sums follow every push and prune, so a read never walks the samples.
A push forgets that series' samples older than ``horizon`` (bounding the
memory); a read prunes every series first. A sum is set back to exactly 0
when its samples run out, so rounding never piles up.
"""

from __future__ import annotations

from collections import deque


class RollingWindow:
    __slots__ = ("abandons", "answers", "late_abandons", "sl_seconds", "talk_sum", "talks",
                 "wait_sum", "within", "wrap_sum", "wraps")

    def __init__(self, sl_seconds: float) -> None:
        self.sl_seconds = sl_seconds
        self.answers: deque[tuple[float, float]] = deque()     # (at, wait)
        self.abandons: deque[tuple[float, float]] = deque()    # (at, wait)
        self.talks: deque[tuple[float, float]] = deque()       # (at, seconds)
        self.wraps: deque[tuple[float, float]] = deque()
        self.wait_sum = self.talk_sum = self.wrap_sum = 0.0
        self.within = self.late_abandons = 0

    # Each push forgets its own series' old samples inline: pushes are on the
    # routing path, reads (``prune``) are not.

    def answered(self, at: float, wait: float, horizon: float) -> None:
        answers = self.answers
        answers.append((at, wait))
        self.wait_sum += wait
        self.within += wait <= self.sl_seconds
        if answers[0][0] < horizon:
            self._prune_answers(horizon)

    def abandoned(self, at: float, wait: float, horizon: float) -> None:
        abandons = self.abandons
        abandons.append((at, wait))
        self.late_abandons += wait > self.sl_seconds
        if abandons[0][0] < horizon:
            self._prune_abandons(horizon)

    def talked(self, at: float, seconds: float, horizon: float) -> None:
        talks = self.talks
        talks.append((at, seconds))
        self.talk_sum += seconds
        if talks[0][0] < horizon:
            self._prune_talks(horizon)

    def wrapped(self, at: float, seconds: float, horizon: float) -> None:
        wraps = self.wraps
        wraps.append((at, seconds))
        self.wrap_sum += seconds
        if wraps[0][0] < horizon:
            self._prune_wraps(horizon)

    def prune(self, horizon: float) -> None:
        """Forget every sample taken before ``horizon``."""
        self._prune_answers(horizon)
        self._prune_abandons(horizon)
        self._prune_talks(horizon)
        self._prune_wraps(horizon)

    def _prune_answers(self, horizon: float) -> None:
        answers = self.answers
        while answers and answers[0][0] < horizon:
            wait = answers.popleft()[1]
            self.wait_sum -= wait
            self.within -= wait <= self.sl_seconds
        if not answers:
            self.wait_sum = 0.0

    def _prune_abandons(self, horizon: float) -> None:
        abandons = self.abandons
        while abandons and abandons[0][0] < horizon:
            self.late_abandons -= abandons.popleft()[1] > self.sl_seconds

    def _prune_talks(self, horizon: float) -> None:
        talks = self.talks
        while talks and talks[0][0] < horizon:
            self.talk_sum -= talks.popleft()[1]
        if not talks:
            self.talk_sum = 0.0

    def _prune_wraps(self, horizon: float) -> None:
        wraps = self.wraps
        while wraps and wraps[0][0] < horizon:
            self.wrap_sum -= wraps.popleft()[1]
        if not wraps:
            self.wrap_sum = 0.0

    def set_sl_seconds(self, sl_seconds: float) -> None:
        """A reconfigure changed the threshold: count the samples again with it."""
        self.sl_seconds = sl_seconds
        self.within = sum(1 for _, w in self.answers if w <= sl_seconds)
        self.late_abandons = sum(1 for _, w in self.abandons if w > sl_seconds)

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
