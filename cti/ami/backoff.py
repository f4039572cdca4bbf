"""Reconnect delays: exponential, capped, with jitter. Pure: the random source is passed in."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``next()`` gives initial, 2x, 4x ... up to ``cap`` seconds, each scaled by a
    random factor in [1 - jitter, 1] so that many clients do not reconnect in step
    after an Asterisk restart. ``reset()`` after a successful login."""

    initial: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 0.3
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.cap:
            raise ValueError(f"backoff needs 0 < initial ({self.initial}) <= cap ({self.cap})")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"backoff jitter must be in [0, 1), got {self.jitter}")

    def next(self) -> float:
        base = min(self.cap, self.initial * self.factor ** min(self.attempts, 64))
        self.attempts += 1
        return base * (1 - self.jitter * self.rng.random())

    def reset(self) -> None:
        self.attempts = 0
