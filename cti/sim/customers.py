"""The people an outbound call reaches: scripts per number and a random profile.

A trunk phone reached with a number (``SIP/trunk/5559876``,
``PJSIP/5559876@trunk``) asks the ``CustomerBook`` what that number does:
a script set for it (``SimPbx.set_customer``), else one drawn from the
``OutboundProfile`` (``SimPbx.set_outbound_profile``), else the trunk
phone's own ``Behaviour``. A customer with no talk time talks for a time
drawn from the profile's handle-time distribution, then hangs up.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from cti.sim.errors import SimError
from cti.sim.phones import Behaviour


@dataclass(frozen=True, slots=True)
class OutboundProfile:
    """How the customers a campaign dials behave; one script is drawn per call.

    Attributes:
        answer_rate: share of calls answered.
        busy_rate: share of calls refused busy (the rest ring until the timeout).
        answer_delay: (low, high) seconds of ringing before answering, uniform.
        machine_rate: share of answered calls that reach an answering machine.
        silence_rate: share of answered calls that send no audio (AMD: NOTSURE).
        talk_median: median seconds a customer talks once connected (lognormal).
        talk_sigma: sigma of the log of the talk time.
    """

    answer_rate: float = 0.7
    busy_rate: float = 0.05
    answer_delay: tuple[float, float] = (3.0, 12.0)
    machine_rate: float = 0.2
    silence_rate: float = 0.0
    talk_median: float = 60.0
    talk_sigma: float = 0.6

    def __post_init__(self) -> None:
        for name in ("answer_rate", "busy_rate", "machine_rate", "silence_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise SimError(f"outbound profile: {name} must be between 0 and 1, not {value}")
        if self.answer_rate + self.busy_rate > 1.0:
            raise SimError("outbound profile: answer_rate + busy_rate must not exceed 1")
        if self.machine_rate + self.silence_rate > 1.0:
            raise SimError("outbound profile: machine_rate + silence_rate must not exceed 1")
        low, high = self.answer_delay
        if not 0.0 <= low <= high:
            raise SimError(f"outbound profile: answer_delay must be (low, high) with "
                           f"0 <= low <= high, not {self.answer_delay}")
        if self.talk_median <= 0 or self.talk_sigma < 0:
            raise SimError("outbound profile: talk_median must be > 0 and talk_sigma >= 0")

    def draw(self, rng: random.Random) -> Behaviour:
        """One customer's script."""
        talk = self.talk_seconds(rng)
        u = rng.random()
        if u < self.busy_rate:
            return Behaviour.busy()
        if u >= self.busy_rate + self.answer_rate:
            return Behaviour.never_answers()
        after = rng.uniform(*self.answer_delay)
        v = rng.random()
        audio = ("machine" if v < self.machine_rate
                 else "silence" if v < self.machine_rate + self.silence_rate else "human")
        return Behaviour(answer_after=after, talk_seconds=talk, audio=audio)

    def talk_seconds(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.talk_median), self.talk_sigma)


class CustomerBook:
    """Scripts of the numbers the trunks reach."""

    def __init__(self, seed: int | None = None) -> None:
        self.scripts: dict[str, Behaviour] = {}
        self.profile: OutboundProfile | None = None
        self._talk = OutboundProfile()
        self.rng = random.Random(seed)

    def set_profile(self, profile: OutboundProfile | None, seed: int | None = None) -> None:
        self.profile = profile
        self._talk = profile or OutboundProfile()
        if seed is not None:
            self.rng.seed(seed)

    def script(self, number: str, default: Behaviour) -> Behaviour:
        """What ``number`` does: its own script, a draw from the profile, or ``default``."""
        if number in self.scripts:
            return self.scripts[number]
        if self.profile is not None:
            return self.profile.draw(self.rng)
        return default

    def talk_seconds(self) -> float:
        """Talk time of a customer whose script has none."""
        return self._talk.talk_seconds(self.rng)
