"""Simulated phones: agent endpoints that answer after a delay, refuse, or never answer.

A phone is what ``Dial(PJSIP/1001)`` reaches. Its behaviour is a script
(``Behaviour``) that can change at run time, and so can its registration;
its device state (NOT_INUSE, RINGING, INUSE, UNAVAILABLE) follows.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from cti.sim.channel import RING, RINGING, UP, Channel
from cti.sim.pbx import Core, event_tv


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What a phone does when it rings.

    Attributes:
        answer_after: seconds of ringing before it answers; None never answers.
        refuse: "busy" or "congestion" to refuse at once instead of ringing.
        talk_seconds: the phone hangs up this long after answering; None waits
            for the other side.
    """

    answer_after: float | None = 1.0
    refuse: str | None = None
    talk_seconds: float | None = None

    @classmethod
    def answers(cls, after: float = 1.0, talk_seconds: float | None = None) -> Behaviour:
        return cls(answer_after=after, talk_seconds=talk_seconds)

    @classmethod
    def never_answers(cls) -> Behaviour:
        return cls(answer_after=None)

    @classmethod
    def busy(cls) -> Behaviour:
        return cls(refuse="busy")

    @classmethod
    def congestion(cls) -> Behaviour:
        return cls(refuse="congestion")


@dataclass(eq=False)
class Phone:
    """One simulated endpoint, e.g. ``PJSIP/1001`` or ``SIP/agent1101``."""

    endpoint: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    registered: bool = True
    #: the context of calls the phone places (feature codes) and of its channels
    context: str = "cti-features"
    cid_num: str = ""
    cid_name: str = ""
    calls: list[Channel] = field(default_factory=list)
    answered_calls: int = 0
    refused_calls: int = 0

    def available(self) -> bool:
        return self.registered

    def state(self) -> str:
        if not self.registered:
            return "UNAVAILABLE"
        if any(c.state == UP for c in self.calls):
            return "INUSE"
        if self.calls:
            return "RINGING"
        return "NOT_INUSE"

    def publish(self, core: Core) -> None:
        core.device_state(self.endpoint, self.state())

    def ring(self, core: Core, ch: Channel) -> None:
        """Dial reached this phone: run its behaviour on the new channel."""
        self.calls.append(ch)
        ch.on_hangup.append(lambda c: self._ended(core, c))
        core.spawn(self._ringing(core, ch))

    async def _ringing(self, core: Core, ch: Channel) -> None:
        behaviour = self.behaviour
        if behaviour.refuse:
            self.refused_calls += 1
            ch.hangup_cause = 17 if behaviour.refuse == "busy" else 34
            core.report(ch, behaviour.refuse)
            return
        core.set_state(ch, RINGING)
        self.publish(core)
        core.report(ch, "ringing")
        if behaviour.answer_after is None:
            return
        await core.sleep(behaviour.answer_after)
        if ch.hung_up:
            return
        core.set_state(ch, UP)
        self.answered_calls += 1
        self.publish(core)
        core.report(ch, "answer")

    def answered(self, core: Core, ch: Channel) -> None:
        """The call is bridged: hang up after the talk time, if the script says so."""
        talk = self.behaviour.talk_seconds
        if talk is not None:
            core.spawn(self._hang_up_after(core, ch, talk))

    async def _hang_up_after(self, core: Core, ch: Channel, seconds: float) -> None:
        await core.sleep(seconds)
        if not ch.hung_up:
            core.far_end_hangup(ch, 16)

    def _ended(self, core: Core, ch: Channel) -> None:
        with contextlib.suppress(ValueError):
            self.calls.remove(ch)
        self.publish(core)

    def place_call(self, core: Core, exten: str) -> Channel:
        """The phone dials ``exten`` in its context (feature codes like ``*45``)."""
        from cti.sim.apps import start_dialplan

        tech, _, name = self.endpoint.partition("/")
        # the INVITE passes the security checks first (20-agent-feature-code)
        core.emit("SuccessfulAuth", "security,all", {
            "EventTV": event_tv(), "Severity": "Informational", "Service": tech,
            "EventVersion": 1, "AccountID": exten if tech == "SIP" else name,
            "SessionID": f"0x{id(self):x}", "LocalAddress": "IPV4/UDP/127.0.0.1/5060",
            "RemoteAddress": "IPV4/UDP/127.0.0.1/5061", "UsingPassword": 0})
        ch = core.new_channel(self.endpoint, self.context, exten, announce=False)
        ch.cid_num = self.cid_num or self.endpoint.rsplit("/", 1)[-1]
        ch.cid_name = self.cid_name or ch.cid_num
        core.chan_event("Newchannel", ch)
        core.set_state(ch, RING)
        ch.owner = self
        self.calls.append(ch)
        ch.on_hangup.append(lambda c: self._ended(core, c))
        self.publish(core)
        start_dialplan(core, ch)
        return ch


