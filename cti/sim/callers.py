"""Simulated callers: an inbound trunk call that presses digits, waits and hangs up.

A caller enters the dialplan on a trunk channel (``PJSIP/trunk-0000002a``)
in the inbound context. At each prompt the IVR plays it answers from its
DTMF script; it hangs up when its patience runs out before an agent answers,
or after its talk time once connected (unless the agent hangs up first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cti.sim.apps import start_dialplan
from cti.sim.channel import RING, Channel
from cti.sim.operations import receive_dtmf
from cti.sim.pbx import Core


@dataclass(eq=False)
class CallHandle:
    """What ``SimPbx.place_call`` returns: the caller's channel and how the call went.

    ``outcome`` once ended: "abandoned" (patience ran out before an agent
    answered), "caller_hung_up" (after its talk time), "completed" (the other
    side ended a connected call) or "ended" (never connected, ended by the PBX).
    """

    caller_num: str
    caller_name: str
    dnid: str
    channel: Channel
    #: digits answered to GET DATA prompts: a list (one string per prompt, in order,
    #: "" = press nothing) or a mapping from prompt name to digits
    digits: Sequence[str] | Mapping[str, str] = ()
    #: seconds the caller waits for an agent before hanging up (None: forever)
    patience: float | None = None
    #: seconds the caller talks once connected before hanging up (None: until the agent does)
    talk_seconds: float | None = None
    connected_at: float | None = None
    #: the caller talked to someone at least once
    answered: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    outcome: str = ""
    _prompts: int = 0
    _timer: asyncio.TimerHandle | None = None

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def uniqueid(self) -> str:
        return self.channel.uniqueid

    async def wait_ended(self) -> str:
        await self.ended.wait()
        return self.outcome

    def on_prompt(self, core: Core, ch: Channel, kind: str, name: str) -> None:
        """The IVR started a prompt; answer GET DATA prompts from the script."""
        if kind != "get_data":
            return
        if isinstance(self.digits, Mapping):
            answer = self.digits.get(name, "")
        else:
            index = self._prompts
            answer = self.digits[index] if index < len(self.digits) else ""
        self._prompts += 1
        if answer:
            core.spawn(self._press(core, ch, answer))

    async def _press(self, core: Core, ch: Channel, digits: str) -> None:
        await core.sleep(0.5)
        for digit in digits:
            if ch.hung_up:
                return
            receive_dtmf(core, ch, digit, 200)
            await core.sleep(0.25)

    # -- patience and talk time: one timer, re-armed when the caller is bridged or not

    def arm(self, core: Core) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        seconds = self.talk_seconds if self.connected_at is not None else self.patience
        if seconds is not None and not self.channel.hung_up:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(core.scaled(seconds), self._give_up, core)

    def on_bridge(self, core: Core, ch: Channel, entered: bool) -> None:
        if entered and self.connected_at is None:
            self.connected_at = core.now()
            if not self.answered:
                self.answered = True
                core.count("calls_connected")
        elif not entered:
            # left the agent (a transfer back to the queue): wait again
            self.connected_at = None
        self.arm(core)

    def _give_up(self, core: Core) -> None:
        self._timer = None
        if self.channel.hung_up:
            return
        if self.connected_at is None:
            self.outcome = "abandoned"
            core.count("calls_abandoned")
        else:
            self.outcome = "caller_hung_up"
        core.far_end_hangup(self.channel, 16)

    def on_end(self, core: Core) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.outcome:
            self.outcome = "completed" if self.answered else "ended"
        core.count("calls_ended")
        self.ended.set()


def place_call(core: Core, *, caller_num: str, caller_name: str, dnid: str,
               context: str, trunk: str = "PJSIP/trunk",
               digits: Sequence[str] | Mapping[str, str] = (),
               patience: float | None = None, talk_seconds: float | None = None) -> CallHandle:
    # a SIP/PJSIP INVITE: the channel appears Down with its caller id, then rings
    ch = core.new_channel(trunk, context, dnid, announce=False)
    ch.cid_num, ch.cid_name = caller_num or "<unknown>", caller_name or "<unknown>"
    ch.dnid = dnid
    core.chan_event("Newchannel", ch)
    core.set_state(ch, RING)
    handle = CallHandle(caller_num, caller_name, dnid, ch, digits, patience, talk_seconds)
    ch.owner = handle
    ch.on_hangup.append(lambda _c: handle.on_end(core))
    ch.on_bridge.append(lambda c, entered: handle.on_bridge(core, c, entered))
    core.count("calls_placed")
    start_dialplan(core, ch)
    handle.arm(core)
    return handle
