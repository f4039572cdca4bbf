"""AMI actions as values: what the routing step decides to send, before it is sent.

Asterisk's field names stay here. Each command is a frozen dataclass with
``message()`` giving the action the client sends; tests compare commands,
the action runner sends their messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Setvar:
    channel: str
    variable: str
    value: str

    def message(self) -> dict[str, Any]:
        return {"Action": "Setvar", "Channel": self.channel, "Variable": self.variable,
                "Value": self.value}


@dataclass(frozen=True, slots=True)
class Redirect:
    """Send ``channel`` (and ``extra_channel``, atomically) to context/exten/priority."""

    channel: str
    context: str
    exten: str = "s"
    priority: int = 1
    extra_channel: str | None = None
    extra_context: str | None = None
    extra_exten: str | None = None

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"Action": "Redirect", "Channel": self.channel,
                               "Context": self.context, "Exten": self.exten,
                               "Priority": str(self.priority)}
        if self.extra_channel is not None:
            msg.update(ExtraChannel=self.extra_channel,
                       ExtraContext=self.extra_context or self.context,
                       ExtraExten=self.extra_exten or self.exten,
                       ExtraPriority=str(self.priority))
        return msg


@dataclass(frozen=True, slots=True)
class Originate:
    """Always Async; the outcome arrives as an OriginateResponse with ``action_id``."""

    channel: str
    action_id: str
    context: str | None = None
    exten: str | None = None
    application: str | None = None
    data: str | None = None
    timeout_ms: int = 30000
    caller_id: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"Action": "Originate", "ActionID": self.action_id,
                               "Channel": self.channel, "Async": "true",
                               "Timeout": str(self.timeout_ms)}
        if self.application is not None:
            msg.update(Application=self.application, Data=self.data or "")
        else:
            msg.update(Context=self.context, Exten=self.exten, Priority="1")
        if self.caller_id is not None:
            msg["CallerID"] = self.caller_id
        if self.variables:
            msg["Variable"] = [f"{k}={v}" for k, v in self.variables.items()]
        return msg


@dataclass(frozen=True, slots=True)
class Hangup:
    channel: str
    cause: int = 16

    def message(self) -> dict[str, Any]:
        return {"Action": "Hangup", "Channel": self.channel, "Cause": str(self.cause)}


@dataclass(frozen=True, slots=True)
class Bridge:
    """Join two channels in a new bridge (resume after a hold by redirect, trace 22)."""

    channel1: str
    channel2: str
    tone: bool = False

    def message(self) -> dict[str, Any]:
        return {"Action": "Bridge", "Channel1": self.channel1, "Channel2": self.channel2,
                "Tone": "yes" if self.tone else "no"}


@dataclass(frozen=True, slots=True)
class BlindTransfer:
    channel: str
    context: str
    exten: str

    def message(self) -> dict[str, Any]:
        return {"Action": "BlindTransfer", "Channel": self.channel, "Context": self.context,
                "Exten": self.exten}


@dataclass(frozen=True, slots=True)
class PlayDtmf:
    channel: str
    digit: str
    duration_ms: int = 200

    def message(self) -> dict[str, Any]:
        return {"Action": "PlayDTMF", "Channel": self.channel, "Digit": self.digit,
                "Duration": str(self.duration_ms)}


@dataclass(frozen=True, slots=True)
class MixMonitorMute:
    """Pause (``state`` True: silence is written) or resume a call's recording.

    Class ``call`` (the MixMonitor action itself needs ``system``); without
    ``mixmonitor_id`` Asterisk mutes the channel's recordings.
    """

    channel: str
    state: bool
    direction: str = "both"
    mixmonitor_id: str | None = None

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"Action": "MixMonitorMute", "Channel": self.channel,
                               "Direction": self.direction, "State": "1" if self.state else "0"}
        if self.mixmonitor_id:
            msg["MixMonitorID"] = self.mixmonitor_id
        return msg


Command = (Setvar | Redirect | Originate | Hangup | Bridge | BlindTransfer | PlayDtmf
           | MixMonitorMute)
