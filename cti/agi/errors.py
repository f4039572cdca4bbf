"""Errors of the FastAGI server and the IVR.

AgiError (CtiError)
 ├── AgiHangup              the channel hung up or left the AGI (redirect): end the flow
 │    └── AgiConnectionLost the socket closed or broke in the middle of a session
 ├── AgiTimeout             Asterisk sent nothing within the time allowed
 ├── AgiProtocolError       Asterisk sent something that is not FastAGI
 └── AgiCommandError        Asterisk refused a command
      ├── AgiUnknownCommand 510: the command does not exist
      ├── AgiUsageError     520: wrong arguments; ``usage`` has Asterisk's help text
      └── AgiAppNotFound    EXEC of an application that is not loaded (result -2)
FlowError (CtiError)
 ├── FlowValidationError    flows in ivr_flows/ are invalid; ``errors`` lists each
 └── FlowRuntimeError       a flow could not go on (step limit, unknown flow)
"""

from __future__ import annotations

from cti.errors import CtiError


class AgiError(CtiError):
    """Base for FastAGI session errors."""


class AgiHangup(AgiError):
    """The channel hung up, or was redirected out of the AGI, during ``command``.

    Asterisk signals this with a ``HANGUP`` line or a ``511`` result. ``reply`` is
    the reply Asterisk still sent for the command (or None).
    """

    def __init__(self, channel: str, command: str, reply: object | None = None) -> None:
        super().__init__(f"channel {channel} hung up or left the AGI during {command!r}")
        self.channel, self.command, self.reply = channel, command, reply


class AgiConnectionLost(AgiHangup):
    """The FastAGI socket closed or broke (Asterisk gone, or the channel dropped)."""

    def __init__(self, channel: str, command: str) -> None:
        AgiError.__init__(
            self, f"FastAGI connection of {channel} closed during {command!r}"
        )
        self.channel, self.command, self.reply = channel, command, None


class AgiTimeout(AgiError):
    def __init__(self, channel: str, what: str, seconds: float) -> None:
        super().__init__(
            f"channel {channel}: no {what} from Asterisk within {seconds:g} s; "
            "check the network to the PBX and the command's own timeout"
        )
        self.channel, self.what, self.seconds = channel, what, seconds


class AgiProtocolError(AgiError):
    def __init__(self, channel: str, detail: str) -> None:
        super().__init__(f"channel {channel}: not FastAGI: {detail}")
        self.channel, self.detail = channel, detail


class AgiCommandError(AgiError):
    """Asterisk answered a command with an error code."""

    def __init__(self, channel: str, command: str, message: str) -> None:
        super().__init__(f"channel {channel}: {command!r} refused: {message}")
        self.channel, self.command = channel, command


class AgiUnknownCommand(AgiCommandError):
    def __init__(self, channel: str, command: str) -> None:
        super().__init__(channel, command, "510 invalid or unknown command")


class AgiUsageError(AgiCommandError):
    def __init__(self, channel: str, command: str, usage: str) -> None:
        super().__init__(channel, command, "520 invalid command syntax")
        self.usage = usage


class AgiAppNotFound(AgiCommandError):
    def __init__(self, channel: str, command: str, app: str) -> None:
        super().__init__(
            channel, command, f"application {app!r} is not available; check its module is loaded"
        )
        self.app = app


class FlowError(CtiError):
    """Base for IVR flow errors."""


class FlowValidationError(FlowError):
    """Invalid flows; ``errors`` holds one line each: ``file: step: field: message``."""

    status, code = 400, "invalid-ivr-flow"

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class FlowRuntimeError(FlowError):
    pass
