"""A scripted FastAGI client that plays Asterisk, for ``cti ivr simulate`` and tests.

It connects to the server, sends an agi_ environment like Asterisk 20's, and
answers each command the way the recordings in shared/asterisk-traces show:
prompts play to the end, GET DATA takes the next scripted entry ("" is a
timeout; "!1" is pressed during the next prompt that 1 may interrupt instead),
variables are kept. ``hangup_after=N`` makes the caller hang up
after N commands: Asterisk then sends ``HANGUP`` and answers 511 to anything
that needs a live channel. A prompt in ``missing_prompts`` cannot be played:
STREAM FILE answers ``200 result=-1 endpos=0`` and GET DATA ``200 result=-1``
(19-agi-errors), the channel staying up.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

_DEAD_OK = ("SET VARIABLE", "GET VARIABLE", "GET FULL VARIABLE", "VERBOSE", "HANGUP")
_DEAD = "511 Command Not Permitted on a dead channel or intercept routine"


@dataclass
class CallTranscript:
    """What the fake PBX saw: commands in order, the channel's variables."""

    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    hung_up: bool = False
    hangup_due: bool = False
    missing: frozenset[str] = frozenset()


def environment(*, path: str, caller: str, name: str = "", dnid: str = "900",
                uniqueid: str = "1795440000.1", channel: str | None = None) -> str:
    channel = channel or f"PJSIP/trunk-{uniqueid.replace('.', '')[-8:]}"
    lines = {
        "network": "yes", "network_script": path,
        "request": f"agi://127.0.0.1:4573/{path}", "channel": channel, "language": "en",
        "type": "PJSIP", "uniqueid": uniqueid, "version": "20.20.1", "callerid": caller,
        "calleridname": name or caller, "callingpres": "0", "callingani2": "0",
        "callington": "0", "callingtns": "0", "dnid": dnid, "rdnis": "unknown",
        "context": "cti-inbound", "extension": dnid, "priority": "3", "enhanced": "0.0",
        "accountcode": "", "threadid": "140000000000000",
    }
    return "".join(f"agi_{k}: {v}\n" for k, v in lines.items()) + "\n"


class FakePbx:
    """Plays one call against a FastAGI server at ``host:port``."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port

    async def call(self, path: str, *, caller: str = "5551234", name: str = "",
                   dnid: str = "900", uniqueid: str = "1795440000.1",
                   digits: Iterable[str] = (), hangup_after: int | None = None,
                   variables: dict[str, str] | None = None,
                   missing_prompts: Iterable[str] = ()) -> CallTranscript:
        """Run one AGI session until the server closes it; return what happened."""
        pending = list(digits)
        t = CallTranscript(variables=dict(variables or {}), missing=frozenset(missing_prompts))
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(environment(path=path, caller=caller, name=name, dnid=dnid,
                                     uniqueid=uniqueid).encode())
            while True:
                raw = await reader.readline()
                if not raw:
                    return t
                line = raw.decode().rstrip("\n")
                t.commands.append(line)
                if (hangup_after is not None and len(t.commands) > hangup_after
                        and not t.hung_up) or t.hangup_due:
                    t.hung_up, t.hangup_due = True, False
                    writer.write(b"HANGUP\n")
                writer.write((self._answer(line, pending, t) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    def _answer(self, line: str, pending: list[str], t: CallTranscript) -> str:
        try:
            words = shlex.split(line)
        except ValueError:
            return "510 Invalid or unknown command"
        verb = " ".join(words[:3]).upper()
        if t.hung_up and not verb.startswith(_DEAD_OK):
            return _DEAD
        if verb.startswith("GET FULL VARIABLE"):
            return "200 result=1 ()"
        if verb.startswith(("GET VARIABLE", "SET VARIABLE")):
            if len(words) < 3:
                return "520 Invalid command syntax."
            if verb.startswith("SET"):
                t.variables[words[2]] = words[3] if len(words) > 3 else ""
                return "200 result=1"
            value = t.variables.get(words[2])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if verb.startswith("GET DATA"):
            if len(words) > 2 and words[2] in t.missing:
                return "200 result=-1"
            entry = pending.pop(0) if pending else ""
            return f"200 result={entry}" if entry else "200 result= (timeout)"
        if verb.startswith("STREAM FILE"):
            if len(words) > 2 and words[2] in t.missing:
                return "200 result=-1 endpos=0"
            escape = words[3] if len(words) > 3 else ""
            if pending and pending[0].startswith("!") and pending[0][1:2] in escape \
                    and pending[0][1:2]:
                return f"200 result={ord(pending.pop(0)[1])} endpos=1200"
            return "200 result=0 endpos=8000"
        if verb.startswith(("SAY ", "EXEC", "ANSWER")):
            return "200 result=0"
        if verb.startswith(("VERBOSE", "HANGUP", "RECORD FILE")):
            if verb.startswith("HANGUP") and not t.hung_up:
                t.hangup_due = True     # Asterisk sends HANGUP before the next result
            return "200 result=1"
        if verb.startswith("CHANNEL STATUS"):
            return "200 result=6"
        return "510 Invalid or unknown command"
