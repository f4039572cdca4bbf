"""Simulated callers: an inbound trunk call that presses digits, waits and hangs up.

A caller enters the dialplan on a trunk channel (``PJSIP/trunk-0000002a``)
in the inbound context. At each prompt the IVR plays it answers from its
DTMF script; it hangs up when its patience runs out before an agent answers,
or after its talk time once connected (unless the agent hangs up first).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from cti.sim.apps import start_dialplan
from cti.sim.channel import RING, Channel
from cti.sim.operations import receive_dtmf
from cti.sim.pbx import Core


@dataclass(eq=False)
class CallHandle:
    """What ``SimPbx.place_call`` returns: the caller's channel and how the call went."""

    caller_num: str
    caller_name: str
    dnid: str
    channel: Channel
    #: digit strings answered to successive GET DATA prompts ("" = press nothing)
    digits: list[str] = field(default_factory=list)
    #: seconds the caller waits for an agent before hanging up (None: forever)
    patience: float | None = None
    #: seconds the caller talks once connected before hanging up (None: until the agent does)
    talk_seconds: float | None = None
    connected_at: float | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    outcome: str = ""
    _prompts: int = 0

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
        index = self._prompts
        self._prompts += 1
        if index < len(self.digits) and self.digits[index]:
            core.spawn(self._press(core, ch, self.digits[index]))

    async def _press(self, core: Core, ch: Channel, digits: str) -> None:
        await core.sleep(0.5)
        for digit in digits:
            if ch.hung_up:
                return
            receive_dtmf(core, ch, digit, 200)
            await core.sleep(0.25)


def place_call(core: Core, *, caller_num: str, caller_name: str, dnid: str,
               context: str, trunk: str = "PJSIP/trunk", digits: Sequence[str] = (),
               patience: float | None = None, talk_seconds: float | None = None) -> CallHandle:
    # a SIP/PJSIP INVITE: the channel appears Down with its caller id, then rings
    ch = core.new_channel(trunk, context, dnid, announce=False)
    ch.cid_num, ch.cid_name = caller_num or "<unknown>", caller_name or "<unknown>"
    ch.dnid = dnid
    core.chan_event("Newchannel", ch)
    core.set_state(ch, RING)
    handle = CallHandle(caller_num, caller_name, dnid, ch, list(digits), patience,
                        talk_seconds)
    ch.owner = handle
    ch.on_hangup.append(lambda c: _ended(core, handle))
    core.count("calls_placed")
    start_dialplan(core, ch)
    core.spawn(_watch(core, handle))
    return handle


async def _watch(core: Core, handle: CallHandle) -> None:
    """Hang up on patience or after the talk time."""
    ch = handle.channel
    started = core.now()
    while not ch.hung_up:
        if ch.bridge is not None and handle.connected_at is None:
            handle.connected_at = core.now()
            core.count("calls_connected")
        if handle.connected_at is not None:
            if ch.bridge is None and handle.connected_at is not None:
                # left the agent (transfer back to hold): wait again
                handle.connected_at = None
            elif handle.talk_seconds is not None and \
                    core.now() - handle.connected_at >= core.scaled(handle.talk_seconds):
                handle.outcome = "caller_hung_up_after_talk"
                core.far_end_hangup(ch, 16)
                return
        elif handle.patience is not None and \
                core.now() - started >= core.scaled(handle.patience):
            handle.outcome = "abandoned"
            core.count("calls_abandoned")
            core.far_end_hangup(ch, 16)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handle.ended.wait(), core.scaled(0.1))


def _ended(core: Core, handle: CallHandle) -> None:
    if not handle.outcome:
        handle.outcome = "completed" if handle.connected_at is not None else "ended"
    core.count("calls_ended")
    handle.ended.set()
