"""Limits on attempts (no I/O; ``now`` is an argument): bad sign-ins per user and per
address, and commands per socket."""

from __future__ import annotations

from collections import OrderedDict, deque


class LoginThrottle:
    """At most ``per_user`` failures for one user name and ``per_address`` from one
    address within ``window`` seconds; past that, sign-ins wait.

    Memory is bounded: at most ``max_keys`` names and addresses are remembered
    (the least recently failed are forgotten first).
    """

    def __init__(self, window: float, per_user: int, per_address: int,
                 max_keys: int = 100_000) -> None:
        self.window = window
        self.per_user = per_user
        self.per_address = per_address
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, user: str, address: str, now: float) -> float:
        """Seconds before ``user`` may try again from ``address`` (0: now)."""
        return max(self._wait(f"u:{user.lower()}", self.per_user, now),
                   self._wait(f"a:{address}", self.per_address, now))

    def failed(self, user: str, address: str, now: float) -> None:
        for key in (f"u:{user.lower()}", f"a:{address}"):
            times = self._failures.pop(key, None) or deque()
            times.append(now)
            self._failures[key] = times
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, user: str) -> None:
        self._failures.pop(f"u:{user.lower()}", None)

    def _wait(self, key: str, limit: int, now: float) -> float:
        times = self._failures.get(key)
        if not times:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < limit:
            return 0.0
        return times[-limit] + self.window - now


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._at = burst, now

    def take(self, now: float) -> bool:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
