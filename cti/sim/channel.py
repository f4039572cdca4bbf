"""Channels and bridges as Asterisk 20 reports them on AMI.

A channel carries what every channel event repeats (name, state, caller id,
connected line, dialplan location, Uniqueid/Linkedid) and can be
interrupted: a hang-up or a redirect wakes whatever application it is
running (``await channel.sleep(...)`` raises ``Interrupted``).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Fields = dict[str, Any]

#: ChannelState numbers and the text Asterisk prints next to them.
DOWN, RESERVED, OFFHOOK, DIALING, RING, RINGING, UP, BUSY = range(8)
STATE_DESC = {0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing",
              6: "Up", 7: "Busy"}

#: Hangup causes (Q.850) and their Cause-txt.
CAUSE_TXT = {0: "Unknown", 1: "Unallocated (unassigned) number", 16: "Normal Clearing",
             17: "User busy", 18: "No user responding", 19: "User alerting, no answer",
             21: "Call Rejected", 26: "Answered elsewhere", 34: "Circuit/channel congestion",
             127: "Interworking, unspecified"}

UNKNOWN = "<unknown>"


class Why(enum.Enum):
    """Why a channel's current application was interrupted."""

    #: the channel is hanging up
    HANGUP = "hangup"
    #: AMI Redirect (async goto): continue at the channel's new location
    REDIRECT = "redirect"
    #: taken out of the dialplan into a bridge (AMI Bridge)
    BRIDGED = "bridged"


class Interrupted(Exception):
    def __init__(self, why: Why) -> None:
        super().__init__(why.value)
        self.why = why


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: int = DOWN
    cid_num: str = UNKNOWN
    cid_name: str = UNKNOWN
    conn_num: str = UNKNOWN
    conn_name: str = UNKNOWN
    created_at: float = 0.0
    answered_at: float | None = None
    variables: dict[str, str] = field(default_factory=dict)
    #: the other half of a Local pair
    local_peer: Channel | None = None
    #: options after the Local channel's second slash (``n``: no optimisation)
    local_options: str = ""
    bridge: Bridge | None = None
    app: str = ""
    appdata: str = ""
    dnid: str = ""
    hangup_cause: int = 16
    hung_up: bool = False
    #: set when the channel's application must stop (hang-up, redirect, bridge)
    interrupt: asyncio.Future[Why] | None = None
    #: the dialplan task running this channel, if any
    task: asyncio.Task[None] | None = None
    #: progress reports for whoever dials this channel ("ringing", "answer", "busy", ...)
    progress: asyncio.Queue[str] | None = None
    #: DTMF digits received and not yet read by an application
    dtmf: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    #: called on hang-up (phones and callers use it to learn the end of a call)
    on_hangup: list[Callable[[Channel], None]] = field(default_factory=list)
    #: called with (channel, entered) when it enters or leaves a bridge
    on_bridge: list[Callable[[Channel, bool], None]] = field(default_factory=list)
    #: a phone or caller script attached to this channel
    owner: Any = None
    #: the channel's task runs the dialplan (not an originated application)
    runs_dialplan: bool = False
    #: a hang-up was queued by the other half of a Local pair (HangupRequest); the
    #: PBX loop turns it into a SoftHangupRequest when it notices
    queued_hangup: bool = False
    #: where an AMI Redirect sends the channel once its application has stopped
    redirect_to: tuple[str, str, int] | None = None
    #: the number dialled to reach this channel on a trunk (``SIP/trunk/5559876``)
    number: str = ""
    #: what the far end sends: "human" (voice), "machine" (a greeting), "silence" (no
    #: RTP); Local channels carry no audio of their own
    audio: str = "silence"
    #: the phone's talk timer runs (it hangs up when it expires)
    talk_timer_armed: bool = False
    #: taken from the dialplan by the Bridge action: when the bridge ends under it,
    #: it goes on at its next priority (main/features.c: action_bridge sets an
    #: after-bridge goto), if the dialplan has one
    after_bridge: bool = False

    @property
    def tech(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def device(self) -> str:
        """The device name of DeviceStateChange: the channel name without its sequence."""
        base = self.name.rsplit(";", 1)[0] if self.tech == "Local" else self.name
        return base.rsplit("-", 1)[0]

    def header(self, prefix: str = "") -> Fields:
        """The channel block every channel event carries, optionally prefixed (Dest...)."""
        return {
            f"{prefix}Channel": self.name,
            f"{prefix}ChannelState": self.state,
            f"{prefix}ChannelStateDesc": STATE_DESC[self.state],
            f"{prefix}CallerIDNum": self.cid_num,
            f"{prefix}CallerIDName": self.cid_name,
            f"{prefix}ConnectedLineNum": self.conn_num,
            f"{prefix}ConnectedLineName": self.conn_name,
            f"{prefix}Language": "en",
            f"{prefix}AccountCode": "",
            f"{prefix}Context": self.context,
            f"{prefix}Exten": self.exten,
            f"{prefix}Priority": self.priority,
            f"{prefix}Uniqueid": self.uniqueid,
            f"{prefix}Linkedid": self.linkedid,
        }

    def arm(self) -> None:
        """Give the channel a fresh interrupt future (after handling the last one)."""
        self.interrupt = asyncio.get_running_loop().create_future()

    def signal(self, why: Why) -> None:
        if self.interrupt is not None and not self.interrupt.done():
            self.interrupt.set_result(why)

    def check(self) -> None:
        if self.interrupt is not None and self.interrupt.done():
            raise Interrupted(self.interrupt.result())

    async def wait_for(self, aw: asyncio.Future[Any] | None, timeout: float | None) -> Any:
        """Wait for ``aw`` (or just ``timeout`` seconds); raise Interrupted on a signal.

        Returns the result of ``aw`` or None on timeout.
        """
        self.check()
        waits: list[asyncio.Future[Any]] = [f for f in (aw, self.interrupt) if f is not None]
        if not waits:
            await asyncio.sleep(timeout or 0)
            return None
        done, _ = await asyncio.wait(waits, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        self.check()
        if aw is not None and aw in done:
            return aw.result()
        return None


@dataclass(eq=False)
class Bridge:
    uniqueid: str
    channels: list[Channel] = field(default_factory=list)

    def header(self) -> Fields:
        return {
            "BridgeUniqueid": self.uniqueid,
            "BridgeType": "basic",
            "BridgeTechnology": "simple_bridge",
            "BridgeCreator": UNKNOWN,
            "BridgeName": UNKNOWN,
            "BridgeNumChannels": len(self.channels),
            "BridgeVideoSourceMode": "none",
        }
