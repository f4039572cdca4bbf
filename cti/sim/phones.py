"""Simulated phones: agent endpoints and the carrier's customers.

A phone is what ``Dial(PJSIP/1001)`` or ``Originate SIP/trunk/5559876``
reaches. What it does when it rings is a script (``Behaviour``): answer after a
delay, refuse, or never answer; what it sends once answered (a person's voice,
an answering machine's greeting, or no audio at all, which is what AMD() and
ChanSpy notice); how long it talks. A trunk phone reached with a number asks the
PBX's customer book (customers.py) for that number's script. Scripts and
registration can change at run time; the device state (NOT_INUSE, RINGING,
INUSE, UNAVAILABLE) follows.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

from cti.sim.channel import RING, RINGING, UP, Channel
from cti.sim.errors import SimError
from cti.sim.pbx import Core, event_tv

#: what a far end sends once answered
AUDIO = ("human", "machine", "silence")


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What a phone (or a customer reached on a trunk) does when it rings.

    Attributes:
        answer_after: seconds of ringing before it answers; None never answers.
        refuse: "busy" or "congestion" to refuse at once instead of ringing.
        talk_seconds: it hangs up this long after being connected to someone;
            None waits for the other side (a customer reached by number then
            talks for a time drawn from the outbound profile; ``math.inf`` waits).
        audio: what it sends once answered: "human" (says hello, then talks),
            "machine" (an answering machine's greeting) or "silence" (no RTP).
    """

    answer_after: float | None = 1.0
    refuse: str | None = None
    talk_seconds: float | None = None
    audio: str = "human"

    def __post_init__(self) -> None:
        if self.audio not in AUDIO:
            raise SimError(f"unknown audio {self.audio!r}: use one of {', '.join(AUDIO)}")
        if self.refuse not in (None, "busy", "congestion"):
            raise SimError(f"refuse must be 'busy' or 'congestion', not {self.refuse!r}")
        for name in ("answer_after", "talk_seconds"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise SimError(f"{name} must be 0 or more seconds, not {value}")

    @classmethod
    def answers(cls, after: float = 1.0, talk_seconds: float | None = None, *,
                audio: str = "human") -> Behaviour:
        return cls(answer_after=after, talk_seconds=talk_seconds, audio=audio)

    @classmethod
    def human(cls, after: float = 1.0, talk_seconds: float | None = None) -> Behaviour:
        """A person answers after ``after`` s: AMD() says HUMAN (about 1.76 s)."""
        return cls(answer_after=after, talk_seconds=talk_seconds, audio="human")

    @classmethod
    def machine(cls, after: float = 1.0, talk_seconds: float | None = None) -> Behaviour:
        """An answering machine's greeting: AMD() says MACHINE (about 1.54 s)."""
        return cls(answer_after=after, talk_seconds=talk_seconds, audio="machine")

    @classmethod
    def silent(cls, after: float = 1.0, talk_seconds: float | None = None) -> Behaviour:
        """Answers and sends no audio: AMD() gives up, NOTSURE after 5 s."""
        return cls(answer_after=after, talk_seconds=talk_seconds, audio="silence")

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
    """One simulated endpoint, e.g. ``PJSIP/1001``, ``SIP/agent1101`` or ``SIP/trunk``."""

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
    #: the script each live call runs (a customer's, or the phone's own)
    scripts: dict[str, Behaviour] = field(default_factory=dict)

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
        """Dial reached this phone: run its script (or the dialled number's) on ``ch``."""
        script = self.behaviour
        if ch.number:
            script = core.customers.script(ch.number, script)
        self.scripts[ch.name] = script
        self.calls.append(ch)
        ch.on_hangup.append(lambda c: self._ended(core, c))
        ch.on_bridge.append(lambda c, entered: self._bridged(core, c, entered))
        core.spawn(self._ringing(core, ch, script))

    async def _ringing(self, core: Core, ch: Channel, script: Behaviour) -> None:
        if script.refuse:
            self.refused_calls += 1
            ch.hangup_cause = 17 if script.refuse == "busy" else 34
            core.report(ch, script.refuse)
            return
        core.set_state(ch, RINGING)
        self.publish(core)
        core.report(ch, "ringing")
        if script.answer_after is None:
            return
        await core.sleep(script.answer_after)
        if ch.hung_up:
            return
        ch.audio = script.audio
        core.set_state(ch, UP)
        self.answered_calls += 1
        if ch.number:
            core.count("customers_answered")
        self.publish(core)
        core.report(ch, "answer")

    def answered(self, core: Core, ch: Channel) -> None:
        """The call is up (bridged by Dial, or answered for an Originate). A phone's
        talk time runs from now; a customer's from when it is connected to someone."""
        if not ch.number and not ch.talk_timer_armed:
            self._start_talking(core, ch)

    def _bridged(self, core: Core, ch: Channel, entered: bool) -> None:
        if entered and not ch.talk_timer_armed:
            self._start_talking(core, ch)

    def _start_talking(self, core: Core, ch: Channel) -> None:
        """Hang up after the talk time, if the script has one (customers always do)."""
        script = self.scripts.get(ch.name, self.behaviour)
        talk = script.talk_seconds
        if talk is None and ch.number:
            talk = core.customers.talk_seconds()
        if talk is not None and not math.isinf(talk):
            ch.talk_timer_armed = True
            core.spawn(self._hang_up_after(core, ch, talk))

    async def _hang_up_after(self, core: Core, ch: Channel, seconds: float) -> None:
        await core.sleep(seconds)
        if not ch.hung_up:
            core.far_end_hangup(ch, 16)

    def _ended(self, core: Core, ch: Channel) -> None:
        with contextlib.suppress(ValueError):
            self.calls.remove(ch)
        self.scripts.pop(ch.name, None)
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
        ch.audio = self.behaviour.audio
        core.chan_event("Newchannel", ch)
        core.set_state(ch, RING)
        ch.owner = self
        self.calls.append(ch)
        ch.on_hangup.append(lambda c: self._ended(core, c))
        self.publish(core)
        start_dialplan(core, ch)
        return ch
