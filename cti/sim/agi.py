"""The FastAGI client side of Asterisk's AGI() application.

When a channel runs ``AGI(agi://host:port/script?args)`` the simulator
connects to that address, sends the ``agi_`` environment in Asterisk's
order, and answers each command line with the result Asterisk gives. A
hang-up or a redirect while the session runs makes the running command
return ``result=-1``, then a ``HANGUP`` line is sent; later commands get
``511`` unless Asterisk allows them on a dead channel (variables, VERBOSE).
The session lasts until the server closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shlex
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from cti.sim.apps import APPS, lookup, prompt_seconds
from cti.sim.channel import UP, Channel, Interrupted, Why
from cti.sim.expr import substitute
from cti.sim.pbx import Core

RESULT_511 = "511 Command Not Permitted on a dead channel or intercept routine"
USAGE_STREAM_FILE = [
    "520-Invalid command syntax.  Proper usage follows:",
    "Send the given file, allowing playback to be interrupted by the given digits, if any. "
    "Returns <literal>0</literal> if playback completes without a digit being pressed, or "
    "the ASCII numerical value of the digit if one was pressed, or <literal>-1</literal> on "
    "error or if the channel was disconnected. If musiconhold is playing before calling "
    "stream file it will be automatically stopped and will not be restarted after completion.",
    "It sets the following channel variables upon completion:",
    "<variable>PLAYBACKSTATUS</variable>: The status of the playback attempt as a text string.",
    "    <value>SUCCESS</value>",
    "    <value>FAILED</value>",
    "520 End of proper usage.",
]
#: commands Asterisk runs on a dead channel (agi.c marks them dead=1)
DEAD_OK = {"GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP",
           "CHANNEL STATUS", "DATABASE GET", "DATABASE PUT", "DATABASE DEL",
           "DATABASE DELTREE", "ASYNCAGI BREAK", "HANGUP"}
SAMPLES_PER_SECOND = 8000
#: commands whose handler returns RESULT_FAILURE when it answers ``result=-1``
#: (res_agi.c: ``return (res >= 0) ? RESULT_SUCCESS : RESULT_FAILURE``, and STREAM FILE
#: of a file that cannot be opened); GET DATA and EXEC never fail that way
FAILING_COMMANDS = {"ANSWER", "STREAM FILE", "CONTROL STREAM FILE", "GET OPTION",
                    "WAIT FOR DIGIT", "SAY NUMBER", "SAY DIGITS", "SAY ALPHA", "SAY PHONETIC",
                    "SAY DATE", "SAY TIME", "SAY DATETIME", "SEND TEXT", "SEND IMAGE",
                    "RECORD FILE", "RECEIVE CHAR"}


def prompt_exists(name: str) -> bool:
    """The simulator has every prompt except those named ``no-such...``."""
    return bool(name) and not name.startswith("no-such")


class AgiSession:
    """One FastAGI connection for one channel."""

    def __init__(self, core: Core, ch: Channel, request: str,
                 reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.core, self.ch, self.request = core, ch, request
        self.reader, self.writer = reader, writer
        loop = asyncio.get_running_loop()
        #: set when the channel hangs up or leaves (redirect) while the session runs
        self.gone: asyncio.Future[Why] = loop.create_future()
        self.hangup_sent = False
        #: a command failed while the channel was up: AGISTATUS will be FAILURE
        self.failed = False
        #: set while the session waits for the next command (no command running)
        self.idle = asyncio.Event()
        self.commands: dict[str, Callable[[list[str]], Awaitable[list[str]]]] = {
            "ANSWER": self._answer, "STREAM FILE": self._stream_file,
            "GET DATA": self._get_data, "SAY NUMBER": self._say_number,
            "SAY DIGITS": self._say_digits, "SET VARIABLE": self._set_variable,
            "GET VARIABLE": self._get_variable, "GET FULL VARIABLE": self._get_full_variable,
            "EXEC": self._exec, "HANGUP": self._hangup, "VERBOSE": self._verbose,
            "CHANNEL STATUS": self._channel_status, "NOOP": self._noop,
            "WAIT FOR DIGIT": self._wait_for_digit, "STREAM FILE ": self._stream_file,
            "SAY ALPHA": self._say_alpha, "SAY DATE": self._say_when,
            "SAY TIME": self._say_when, "SAY DATETIME": self._say_when,
            "RECORD FILE": self._record_file,
        }

    def environment(self) -> list[str]:
        ch = self.ch
        parts = urlsplit(self.request)
        script = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
        num = ch.cid_num if ch.cid_num != "<unknown>" else "unknown"
        name = ch.cid_name if ch.cid_name != "<unknown>" else "unknown"
        env = [
            ("network", "yes"), ("network_script", script), ("request", self.request),
            ("channel", ch.name), ("language", "en"), ("type", ch.tech),
            ("uniqueid", ch.uniqueid), ("version", "20.20.1"), ("callerid", num),
            ("calleridname", name), ("callingpres", "0"), ("callingani2", "0"),
            ("callington", "0"), ("callingtns", "0"), ("dnid", ch.dnid or "unknown"),
            ("rdnis", "unknown"), ("context", ch.context), ("extension", ch.exten),
            ("priority", str(ch.priority)), ("enhanced", "0.0"), ("accountcode", ""),
            ("threadid", str(140000000000000 + id(self) % 10**9)),
        ]
        return [f"agi_{k}: {v}" for k, v in env] + [""]

    async def write(self, lines: list[str]) -> None:
        self.writer.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    def channel_gone(self, why: Why) -> None:
        if not self.gone.done():
            self.gone.set_result(why)

    async def run(self) -> None:
        """Serve commands until the server closes the socket."""
        try:
            await self.write(self.environment())
            while True:
                if self.gone.done() and not self.hangup_sent:
                    await self._send_hangup()
                line_task = asyncio.ensure_future(self.reader.readline())
                self.idle.set()
                if not self.hangup_sent:
                    await asyncio.wait([line_task, self.gone],
                                       return_when=asyncio.FIRST_COMPLETED)
                    if not line_task.done():
                        await self._send_hangup()
                raw = await line_task
                self.idle.clear()
                if not raw:
                    return
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if not line.strip():
                    continue
                await self.write(await self.execute(line))
                if self.gone.done() and not self.hangup_sent:
                    await self._send_hangup()
        except (ConnectionError, OSError):
            return
        finally:
            self.idle.set()
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def _send_hangup(self) -> None:
        self.hangup_sent = True
        await self.write(["HANGUP"])

    async def execute(self, line: str) -> list[str]:
        try:
            words = shlex.split(line, posix=True)
        except ValueError:
            words = line.split()
        name, args = self._match(words)
        command_id = str(random.randint(1, 2**31 - 1))
        core, ch = self.core, self.ch
        alive = not self.gone.done() and not ch.hung_up
        if not ch.hung_up:
            core.chan_event("AGIExecStart", ch, "agi,all", CommandId=command_id, Command=line)
        if name is None:
            result = ["510 Invalid or unknown command"]
        elif not alive and name not in DEAD_OK:
            result = [RESULT_511]
        else:
            result = await self.commands[name](args)
        code, text = exec_result(name, result[-1])
        if code == "-1" and not self.gone.done() and not ch.hung_up:
            self.failed = True  # run_agi: "The failure was not because of a hangup"
        if not ch.hung_up:
            core.chan_event("AGIExecEnd", ch, "agi,all", CommandId=command_id, Command=line,
                            ResultCode=code, Result=text)
        return result

    def _match(self, words: list[str]) -> tuple[str | None, list[str]]:
        upper = [w.upper() for w in words]
        for size in (3, 2, 1):
            key = " ".join(upper[:size])
            if len(upper) >= size and key in self.commands:
                return key.strip(), words[size:]
        return None, words

    # -- waiting ------------------------------------------------------------

    async def _pause(self, seconds: float, digits: str = "") -> str | None:
        """Play for ``seconds``; returns a pressed escape digit, "" when done, None if gone."""
        core = self.core
        deadline = core.now() + core.scaled(seconds)
        while True:
            remaining = deadline - core.now()
            if remaining <= 0:
                return ""
            digit = await self._digit(remaining)
            if digit is None:
                return None
            if digit == "":
                return ""
            if digit in digits:
                return digit

    async def _digit(self, timeout: float) -> str | None:
        """Next DTMF digit within ``timeout`` loop seconds; "" on timeout, None if gone."""
        if self.gone.done():
            return None
        getter = asyncio.ensure_future(self.ch.dtmf.get())
        try:
            await asyncio.wait([getter, self.gone], timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        return None if self.gone.done() else ""

    def _prompt(self, kind: str, name: str) -> None:
        owner = self.ch.owner
        if owner is not None and hasattr(owner, "on_prompt"):
            owner.on_prompt(self.core, self.ch, kind, name)

    # -- commands -----------------------------------------------------------

    async def _answer(self, args: list[str]) -> list[str]:
        if self.ch.state != UP:
            self.core.answer(self.ch)
        return ["200 result=0"]

    async def _stream_file(self, args: list[str]) -> list[str]:
        if not args:
            return USAGE_STREAM_FILE
        name, escape = args[0], args[1] if len(args) > 1 else ""
        if not prompt_exists(name):
            return ["200 result=-1 endpos=0"]
        started = self.core.now()
        self._prompt("stream", name)
        pressed = await self._pause(prompt_seconds(name), escape)
        endpos = int((self.core.now() - started) * self.core.speed * SAMPLES_PER_SECOND)
        if pressed is None:
            self.core.var_set(self.ch, "PLAYBACKSTATUS", "FAILED")
            return [f"200 result=-1 endpos={endpos}"]
        self.core.var_set(self.ch, "PLAYBACKSTATUS", "SUCCESS")
        if pressed:
            return [f"200 result={ord(pressed)} endpos={endpos}"]
        return [f"200 result=0 endpos={int(prompt_seconds(name) * SAMPLES_PER_SECOND)}"]

    async def _get_data(self, args: list[str]) -> list[str]:
        if not args:
            return ["520 Invalid command syntax.  Proper usage not available."]
        name = args[0]
        timeout_ms = int(args[1]) if len(args) > 1 and args[1].isdigit() else 2000
        max_digits = int(args[2]) if len(args) > 2 and args[2].isdigit() else 1024
        self._prompt("get_data", name)
        digits = ""
        first = await self._pause(prompt_seconds(name) if prompt_exists(name) else 0,
                                  "0123456789*#")
        if first is None:
            return ["200 result=-1"]
        if first:
            digits = first
        while len(digits) < max_digits and not digits.endswith("#"):
            digit = await self._digit(self.core.scaled(timeout_ms / 1000))
            if digit is None:
                return ["200 result=-1"]
            if digit == "":
                return [f"200 result={digits} (timeout)"]
            digits += digit
        return [f"200 result={digits.rstrip('#')}"]

    async def _wait_for_digit(self, args: list[str]) -> list[str]:
        timeout_ms = int(args[0]) if args and args[0].lstrip("-").isdigit() else -1
        digit = await self._digit(None if timeout_ms < 0 else  # type: ignore[arg-type]
                                  self.core.scaled(timeout_ms / 1000))
        if digit is None:
            return ["200 result=-1"]
        return [f"200 result={ord(digit) if digit else 0}"]

    async def _say(self, seconds: float, escape: str) -> list[str]:
        pressed = await self._pause(seconds, escape)
        if pressed is None:
            return ["200 result=-1"]
        return [f"200 result={ord(pressed) if pressed else 0}"]

    async def _say_number(self, args: list[str]) -> list[str]:
        return await self._say(0.6, args[1] if len(args) > 1 else "")

    async def _say_digits(self, args: list[str]) -> list[str]:
        digits = args[0] if args else ""
        return await self._say(0.3 * len(digits), args[1] if len(args) > 1 else "")

    async def _say_alpha(self, args: list[str]) -> list[str]:
        text = args[0] if args else ""
        return await self._say(0.4 * len(text), args[1] if len(args) > 1 else "")

    async def _say_when(self, args: list[str]) -> list[str]:
        """SAY DATE / TIME / DATETIME <epoch> <escape digits>: about two seconds of speech."""
        if not args or not args[0].lstrip("-").isdigit():
            return ["520 Invalid command syntax.  Proper usage not available."]
        return await self._say(2.0, args[1] if len(args) > 1 else "")

    async def _record_file(self, args: list[str]) -> list[str]:
        """RECORD FILE <file> <format> <escape> <timeout ms> ...: the caller says nothing."""
        if len(args) < 4 or not args[3].lstrip("-").isdigit():
            return ["520 Invalid command syntax.  Proper usage not available."]
        limit = int(args[3]) / 1000 if int(args[3]) > 0 else 5.0
        await self.core.sleep(min(limit, 5.0))
        return [f"200 result=0 (timeout) endpos={int(min(limit, 5.0) * 8000)}"]

    async def _set_variable(self, args: list[str]) -> list[str]:
        if len(args) < 2:
            return ["520 Invalid command syntax.  Proper usage not available."]
        self.core.var_set(self.ch, args[0], args[1])
        return ["200 result=1"]

    async def _get_variable(self, args: list[str]) -> list[str]:
        if not args:
            return ["520 Invalid command syntax.  Proper usage not available."]
        name = args[0]
        resolve = lookup(self.core, self.ch)
        if "(" in name:
            value = resolve(name)
            return [f"200 result=1 ({value})"]
        if name in self.ch.variables or name in self.core.globals:
            return [f"200 result=1 ({self.core.get_var(self.ch, name)})"]
        special = resolve(name)
        return [f"200 result=1 ({special})"] if special else ["200 result=0"]

    async def _get_full_variable(self, args: list[str]) -> list[str]:
        if not args:
            return ["520 Invalid command syntax.  Proper usage not available."]
        return [f"200 result=1 ({substitute(args[0], lookup(self.core, self.ch))})"]

    async def _exec(self, args: list[str]) -> list[str]:
        if not args:
            return ["520 Invalid command syntax.  Proper usage not available."]
        fn = APPS.get(args[0].lower())
        if fn is None:
            return ["200 result=-2"]
        data = " ".join(args[1:])
        try:
            await self._as_channel(fn(self.core, self.ch, data))
        except Interrupted:
            return ["200 result=-1"]
        return ["200 result=0"]

    async def _as_channel(self, aw: Awaitable[object]) -> None:
        task = asyncio.ensure_future(aw)
        await asyncio.wait([task, self.gone], return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            raise Interrupted(Why.HANGUP)
        task.result()

    async def _hangup(self, args: list[str]) -> list[str]:
        ch = self.ch
        if not ch.hung_up and not self.gone.done():
            # Asterisk prints the soft-hangup flag (AST_SOFTHANGUP_EXPLICIT) as the cause;
            # the channel goes when the session ends, with cause 0 (19-agi-errors)
            self.core.chan_event("SoftHangupRequest", ch, Cause=32)
            ch.hangup_cause = 0
            ch.queued_hangup = True
        self.channel_gone(Why.HANGUP)
        return ["200 result=1"]

    async def _verbose(self, args: list[str]) -> list[str]:
        return ["200 result=1"]

    async def _noop(self, args: list[str]) -> list[str]:
        return ["200 result=0"]

    async def _channel_status(self, args: list[str]) -> list[str]:
        return [f"200 result={self.ch.state}"]


def exec_result(name: str | None, line: str) -> tuple[str, str]:
    """ResultCode and Result of AGIExecEnd, as Asterisk reports them."""
    code, _, rest = line.partition(" ")
    if code.startswith("510"):
        return "510", "Invalid or unknown command"
    if code.startswith("511"):
        return "511", "Command Not Permitted on a dead channel or intercept routine"
    if code.startswith("520"):
        return "520", "Usage"
    if name in FAILING_COMMANDS and rest.startswith("result=-1"):
        return "-1", "Failure"
    if "result=-2" in rest:
        return "200", "Unknown Result"
    return "200", "Success"


def agi_address(core: Core, url: str) -> tuple[str, int, str]:
    """(host, port, request) for an ``agi://`` URL, honouring the simulator's override."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 4573
    if core.agi_override is not None:
        host, port = core.agi_override
    return host, port, url


async def agi_app(core: Core, ch: Channel, data: str) -> str | None:
    """AGI(): run a FastAGI session; the channel stays in AGI until the server closes.

    A hang-up or redirect does not end the application: the session is told
    (result=-1, HANGUP, then 511s) and Asterisk keeps the channel in AGI until the
    server closes the socket; only then AGISTATUS=HANGUP is set and the channel
    hangs up or moves (06-hangup-during-ivr, 07-redirect-during-hold-agi). A failed
    command makes AGISTATUS FAILURE instead (see the module's docstring).
    """
    url = data.split(",")[0].strip()
    host, port, request = agi_address(core, url)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, TimeoutError):
        core.count("agi_connect_failed")
        core.var_set(ch, "AGISTATUS", "FAILURE")
        return None
    core.count("agi_sessions")
    session = AgiSession(core, ch, request, reader, writer)
    task = core.spawn(session.run())
    why: Why | None = None
    while not task.done():
        try:
            await ch.wait_for(task, None)
        except Interrupted as exc:
            why = why if why is Why.HANGUP else exc.why
            session.channel_gone(exc.why)
            ch.arm()
    if why is None and session.gone.done():
        why = session.gone.result()
    status = "FAILURE" if session.failed else "SUCCESS" if why is None else "HANGUP"
    if not ch.hung_up:
        core.var_set(ch, "AGISTATUS", status)
    if why is None:
        return None
    ch.signal(why)
    ch.check()
    return None
