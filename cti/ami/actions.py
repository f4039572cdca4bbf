"""Typed helpers for the AMI actions the service uses.

Each helper builds the action's fields and calls ``send`` / ``send_list`` of
the client (every action has a timeout; ``Response: Error`` raises
``AmiActionFailed`` with Asterisk's message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cti.ami.codec import Message

if TYPE_CHECKING:
    from cti.ami.client import ListResponse


def _vars(variables: Mapping[str, str] | None) -> list[str]:
    return [f"{k}={v}" for k, v in (variables or {}).items()]


class AmiActions:
    """Mixed into AmiClient; ``send`` and ``send_list`` come from the client."""

    async def send(self, action: Mapping[str, object], *,
                   timeout: float | None = None) -> Message:
        raise NotImplementedError

    async def send_list(self, action: Mapping[str, object], *,
                        timeout: float | None = None) -> ListResponse:
        raise NotImplementedError

    async def ping(self) -> Message:
        return await self.send({"Action": "Ping"})

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1, *,
                       extra_channel: str | None = None, extra_context: str | None = None,
                       extra_exten: str | None = None, extra_priority: int | None = None,
                       ) -> Message:
        """Send a channel (and optionally a second one, atomically) elsewhere in the dialplan."""
        action: dict[str, Any] = {"Action": "Redirect", "Channel": channel, "Context": context,
                                  "Exten": exten, "Priority": priority}
        if extra_channel is not None:
            action.update(ExtraChannel=extra_channel, ExtraContext=extra_context or context,
                          ExtraExten=extra_exten or exten,
                          ExtraPriority=extra_priority if extra_priority is not None else priority)
        return await self.send(action)

    async def originate(self, channel: str, *, context: str | None = None,
                        exten: str | None = None, priority: int = 1,
                        application: str | None = None, data: str | None = None,
                        caller_id: str | None = None, timeout_ms: int = 30000,
                        variables: Mapping[str, str] | None = None,
                        action_id: str | None = None) -> Message:
        """Queue a call (always Async): returns once queued; the outcome arrives later as
        ``OriginateResult`` carrying the same ActionID (returned in the response)."""
        if (application is None) == (context is None or exten is None):
            raise ValueError("originate needs either context+exten or application")
        action: dict[str, Any] = {"Action": "Originate", "Channel": channel, "Async": "true",
                                  "Timeout": timeout_ms}
        if application is not None:
            action.update(Application=application, Data=data or "")
        else:
            action.update(Context=context, Exten=exten, Priority=priority)
        if caller_id is not None:
            action["CallerID"] = caller_id
        if variables:
            action["Variable"] = _vars(variables)
        if action_id is not None:
            action["ActionID"] = action_id
        return await self.send(action)

    async def hangup(self, channel: str, cause: int = 16) -> Message:
        return await self.send({"Action": "Hangup", "Channel": channel, "Cause": cause})

    async def setvar(self, channel: str | None, variable: str, value: str) -> Message:
        """Set a channel variable (channel None: a global variable)."""
        action: dict[str, Any] = {"Action": "Setvar", "Variable": variable, "Value": value}
        if channel is not None:
            action["Channel"] = channel
        return await self.send(action)

    async def getvar(self, channel: str | None, variable: str) -> str:
        action: dict[str, Any] = {"Action": "Getvar", "Variable": variable}
        if channel is not None:
            action["Channel"] = channel
        return (await self.send(action)).get("Value", "")

    async def bridge(self, channel1: str, channel2: str, *, tone: bool = False) -> Message:
        """Join two channels in a new bridge (resume after a hold by redirect)."""
        return await self.send({"Action": "Bridge", "Channel1": channel1,
                                "Channel2": channel2, "Tone": "yes" if tone else "no"})

    async def blind_transfer(self, channel: str, context: str, exten: str) -> Message:
        return await self.send({"Action": "BlindTransfer", "Channel": channel,
                                "Context": context, "Exten": exten})

    async def atxfer(self, channel: str, context: str, exten: str) -> Message:
        return await self.send({"Action": "Atxfer", "Channel": channel,
                                "Context": context, "Exten": exten})

    async def play_dtmf(self, channel: str, digit: str, duration_ms: int = 200) -> Message:
        return await self.send({"Action": "PlayDTMF", "Channel": channel, "Digit": digit,
                                "Duration": duration_ms})

    async def user_event(self, name: str, headers: Mapping[str, str] | None = None) -> Message:
        action: dict[str, Any] = {"Action": "UserEvent", "UserEvent": name}
        action.update(headers or {})
        return await self.send(action)

    async def core_show_channels(self) -> list[Message]:
        return (await self.send_list({"Action": "CoreShowChannels"})).items

    async def device_state_list(self) -> list[Message]:
        return (await self.send_list({"Action": "DeviceStateList"})).items

    async def extension_state_list(self) -> list[Message]:
        return (await self.send_list({"Action": "ExtensionStateList"})).items

    async def command(self, command: str) -> list[str]:
        """Run a CLI command; returns its output lines."""
        response = await self.send({"Action": "Command", "Command": command})
        output = response.get("Output", "")
        return output.split("\n") if output else []
