"""The load generator: Poisson arrivals, patience drawn from a distribution, scripted digits."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cti.sim.server import SimPbx


@dataclass(frozen=True, slots=True)
class TrafficProfile:
    """How callers behave.

    Attributes:
        calls_per_minute: mean arrival rate (exponential gaps between calls).
        mean_patience: mean seconds a caller waits for an agent (exponential);
            None waits forever.
        talk_seconds: (low, high) uniform talk time once connected.
        digits: digit strings a caller picks from for the menu prompt.
        dnids: numbers dialled, picked at random.
        max_calls: stop after this many calls (None: until stopped).
    """

    calls_per_minute: float = 30.0
    mean_patience: float | None = 60.0
    talk_seconds: tuple[float, float] = (20.0, 120.0)
    digits: Sequence[str] = ("1", "2", "3")
    dnids: Sequence[str] = ("900",)
    max_calls: int | None = None


@dataclass
class Traffic:
    """Runs a ``TrafficProfile`` against a SimPbx; ``counters`` is what the demo prints."""

    pbx: SimPbx
    profile: TrafficProfile = field(default_factory=TrafficProfile)
    seed: int | None = None
    placed: int = 0
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        rng = random.Random(self.seed)
        profile = self.profile
        rate = profile.calls_per_minute / 60.0
        while profile.max_calls is None or self.placed < profile.max_calls:
            await asyncio.sleep(self.pbx.core.scaled(rng.expovariate(rate)) if rate > 0 else 1)
            patience = (rng.expovariate(1 / profile.mean_patience)
                        if profile.mean_patience else None)
            self.placed += 1
            self.pbx.place_call(
                caller_num=f"555{rng.randrange(10**4):04d}",
                caller_name=f"Caller {self.placed}",
                dnid=rng.choice(list(profile.dnids)),
                digits=[rng.choice(list(profile.digits))] if profile.digits else [],
                patience=patience,
                talk_seconds=rng.uniform(*profile.talk_seconds))

    @property
    def counters(self) -> dict[str, int]:
        out = self.pbx.counters
        out["placed"] = self.placed
        return out
