"""One FastAGI session: send commands, read replies, typed helpers.

Every typed method sends its command and reads the reply. A ``511`` reply, a
``HANGUP`` line seen before the reply, or the socket closing raise
``AgiHangup``: the caller is gone (or was redirected out of the AGI), so a flow
ends at its next command. The command is still sent and its reply read, so
the conversation stays in step with Asterisk.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cti.agi.errors import (
    AgiAppNotFound,
    AgiConnectionLost,
    AgiHangup,
    AgiProtocolError,
    AgiTimeout,
    AgiUnknownCommand,
    AgiUsageError,
)
from cti.agi.protocol import (
    HANGUP_LINE,
    AgiEnvironment,
    AgiRequest,
    Reply,
    arg,
    parse_reply,
    quote,
    reply_complete,
)

log = logging.getLogger(__name__)

#: Seconds to wait for a reply when the command has no duration of its own.
DEFAULT_REPLY_TIMEOUT = 60.0
#: Longest audio or dialplan application a reply may wait for.
LONG_REPLY_TIMEOUT = 3600.0


@dataclass(frozen=True, slots=True)
class Playback:
    """Result of STREAM FILE and SAY *: the digit that stopped it, if any."""

    digit: str | None
    endpos: int | None = None
    failed: bool = False


@dataclass(frozen=True, slots=True)
class DigitsInput:
    """Result of GET DATA: the digits typed, and whether it ended by timeout."""

    digits: str
    timed_out: bool = False
    failed: bool = False


@dataclass(frozen=True, slots=True)
class Recording:
    """Result of RECORD FILE: why it stopped (dtmf, timeout, hangup) and where."""

    digit: str | None
    reason: str | None
    endpos: int | None


def _digit(result: int) -> str | None:
    return chr(result) if result > 0 else None


class AgiSession:
    """A FastAGI session over an asyncio stream pair.

    Args:
        reader, writer: the connection, positioned after the agi_ headers.
        env: the agi_ variables.
        reply_timeout: default seconds to wait for a reply.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        env: AgiEnvironment,
        *,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    ) -> None:
        self._reader, self._writer = reader, writer
        self.env = env
        self.reply_timeout = reply_timeout
        #: True once Asterisk sent ``HANGUP`` or answered 511.
        self.hung_up = False
        # One command at a time: replies carry no id, so order is the only match.
        self._lock = asyncio.Lock()

    @property
    def channel(self) -> str:
        return self.env.channel

    @property
    def request(self) -> AgiRequest:
        return self.env.request

    # -- raw protocol ---------------------------------------------------------

    async def command(self, line: str, *, timeout: float | None = None) -> Reply:
        """Send one raw command line and return Asterisk's reply as it is.

        Raises:
            AgiConnectionLost: the socket closed.
            AgiTimeout: no reply within ``timeout`` (default ``reply_timeout``).
            AgiProtocolError: the reply is not FastAGI.
        """
        seconds = self.reply_timeout if timeout is None else timeout
        async with self._lock:
            try:
                self._writer.write(line.encode() + b"\n")
                await self._writer.drain()
            except (ConnectionError, RuntimeError):
                raise AgiConnectionLost(self.channel, line) from None
            try:
                async with asyncio.timeout(seconds):
                    lines = await self._read_reply_lines(line)
            except TimeoutError:
                raise AgiTimeout(self.channel, f"reply to {line!r}", seconds) from None
        try:
            return parse_reply(lines)
        except ValueError as exc:
            raise AgiProtocolError(self.channel, str(exc)) from None

    async def _read_reply_lines(self, command: str) -> list[str]:
        lines: list[str] = []
        while True:
            try:
                raw = await self._reader.readline()
            except (ConnectionError, asyncio.LimitOverrunError, ValueError):
                raise AgiConnectionLost(self.channel, command) from None
            if not raw.endswith(b"\n"):
                raise AgiConnectionLost(self.channel, command)
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not lines and text == HANGUP_LINE:
                self.hung_up = True
                continue
            lines.append(text)
            if reply_complete(lines):
                return lines

    async def checked(self, line: str, *, timeout: float | None = None) -> Reply:
        """Send a command; raise on 510/511/520 and when the channel hung up."""
        reply = await self.command(line, timeout=timeout)
        if reply.code == 511:
            self.hung_up = True
            raise AgiHangup(self.channel, line, reply)
        if reply.code == 510:
            raise AgiUnknownCommand(self.channel, line)
        if reply.code == 520:
            raise AgiUsageError(self.channel, line, reply.text)
        if self.hung_up:
            raise AgiHangup(self.channel, line, reply)
        return reply

    # -- typed commands -------------------------------------------------------

    async def answer(self) -> None:
        await self.checked("ANSWER")

    async def hangup(self) -> None:
        await self.checked("HANGUP")

    async def channel_status(self) -> int:
        """Asterisk's channel state: 6 is up, 4 ringing, 0 down."""
        return (await self.checked("CHANNEL STATUS")).number

    async def stream_file(
        self, prompt: str, escape_digits: str = "", *, timeout: float = LONG_REPLY_TIMEOUT
    ) -> Playback:
        """Play a prompt; a digit in ``escape_digits`` stops it and is returned."""
        reply = await self.checked(f"STREAM FILE {arg(prompt)} {quote(escape_digits)}",
                                   timeout=timeout)
        return Playback(_digit(reply.number), reply.endpos, failed=reply.number < 0)

    async def get_data(
        self, prompt: str, timeout_ms: int = 5000, max_digits: int = 1,
        *, timeout: float | None = None,
    ) -> DigitsInput:
        """Play a prompt and collect up to ``max_digits`` digits (``#`` ends early)."""
        line = f"GET DATA {arg(prompt)} {int(timeout_ms)} {int(max_digits)}"
        wait = timeout if timeout is not None else LONG_REPLY_TIMEOUT
        reply = await self.checked(line, timeout=wait)
        if reply.result.startswith("-"):
            return DigitsInput("", failed=True)
        return DigitsInput(reply.result, timed_out=reply.data == "timeout")

    async def say_number(self, number: int, escape_digits: str = "") -> Playback:
        return await self._say(f"SAY NUMBER {int(number)} {quote(escape_digits)}")

    async def say_digits(self, digits: str, escape_digits: str = "") -> Playback:
        return await self._say(f"SAY DIGITS {arg(digits)} {quote(escape_digits)}")

    async def say_alpha(self, text: str, escape_digits: str = "") -> Playback:
        return await self._say(f"SAY ALPHA {arg(text)} {quote(escape_digits)}")

    async def say_date(self, epoch: int, escape_digits: str = "") -> Playback:
        return await self._say(f"SAY DATE {int(epoch)} {quote(escape_digits)}")

    async def _say(self, line: str) -> Playback:
        reply = await self.checked(line, timeout=LONG_REPLY_TIMEOUT)
        return Playback(_digit(reply.number), reply.endpos, failed=reply.number < 0)

    async def record_file(
        self, filename: str, fmt: str = "wav", escape_digits: str = "#",
        max_ms: int = 60000, *, beep: bool = True, silence_s: int | None = None,
    ) -> Recording:
        parts = [f"RECORD FILE {arg(filename)} {arg(fmt)} {quote(escape_digits)} {int(max_ms)}"]
        if beep:
            parts.append("BEEP")
        if silence_s is not None:
            parts.append(f"s={int(silence_s)}")
        reply = await self.checked(" ".join(parts), timeout=max_ms / 1000 + 30)
        return Recording(_digit(reply.number), reply.data, reply.endpos)

    async def set_variable(self, name: str, value: str) -> None:
        await self.checked(f"SET VARIABLE {arg(name)} {quote(value)}")

    async def get_variable(self, name: str) -> str | None:
        """A channel variable or function (``CALLERID(num)``); None when unset."""
        reply = await self.checked(f"GET VARIABLE {arg(name)}")
        return reply.data if reply.number == 1 else None

    async def get_full_variable(self, expression: str) -> str | None:
        """Evaluate a dialplan expression (``${CALLERID(name)} ...``)."""
        reply = await self.checked(f"GET FULL VARIABLE {quote(expression)}")
        return reply.data if reply.number == 1 else None

    async def exec(self, app: str, options: str = "", *,
                   timeout: float = LONG_REPLY_TIMEOUT) -> int:
        """Run a dialplan application; returns its result. Raises AgiAppNotFound."""
        line = f"EXEC {arg(app)} {arg(options)}" if options else f"EXEC {arg(app)}"
        reply = await self.checked(line, timeout=timeout)
        if reply.number == -2:
            raise AgiAppNotFound(self.channel, line, app)
        return reply.number

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.checked(f"VERBOSE {quote(message)} {int(level)}")
