"""FastAGI wire format, sans-I/O.

Asterisk connects and sends ``agi_name: value`` lines, then a blank line.
Then the script sends one command a line and Asterisk answers each with
``200 result=N [(data)] [endpos=N]``, ``510 ...`` (unknown command), ``511 ...``
(dead channel), or a multi-line ``520-...`` usage text ending with a line that
starts with ``520 ``. A ``HANGUP`` line may come at any time, before the next
result, when the channel hangs up or is redirected out of the AGI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

HANGUP_LINE = "HANGUP"

_RESULT = re.compile(
    r"^200 result=(?P<result>\S*)(?: \((?P<data>.*)\))?(?: endpos=(?P<endpos>-?\d+))?$"
)


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer of Asterisk to one command.

    Attributes:
        code: 200, 510, 511 or 520.
        result: the text after ``result=`` ("" for GET DATA timeouts with no digit).
        data: the text in parentheses, if any (a variable's value, ``timeout``).
        endpos: the sample where playback stopped, if given.
        text: for error codes, the message (520: the whole usage text).
    """

    code: int
    result: str = ""
    data: str | None = None
    endpos: int | None = None
    text: str = ""

    @property
    def number(self) -> int:
        """``result`` as an integer (0 when empty, as Asterisk means it)."""
        try:
            return int(self.result) if self.result else 0
        except ValueError:
            return 0


def parse_reply(lines: list[str]) -> Reply:
    """Parse the line(s) of one reply; raise ValueError if it is not FastAGI.

    ``lines`` is one line, or for 520 all lines up to ``520 End of proper usage.``
    """
    first = lines[0]
    if first.startswith("200 "):
        m = _RESULT.match(first)
        if m is None:
            raise ValueError(f"unreadable 200 reply {first!r}")
        endpos = m.group("endpos")
        return Reply(
            200,
            m.group("result"),
            m.group("data"),
            int(endpos) if endpos is not None else None,
        )
    code_text = first[:3]
    if code_text in ("510", "511") and first[3:4] in (" ", ""):
        return Reply(int(code_text), text=first[4:])
    if code_text == "520":
        text = "\n".join(line[4:] if line.startswith("520") else line for line in lines)
        return Reply(520, text=text)
    raise ValueError(f"unexpected reply {first!r}")


def reply_complete(lines: list[str]) -> bool:
    """True once ``lines`` hold a whole reply (a 520 usage text spans several lines)."""
    if not lines[0].startswith("520-"):
        return True
    return len(lines) > 1 and lines[-1].startswith("520 ")


def quote(value: str) -> str:
    """Quote one argument the way res_agi's parser reads it back.

    Newlines would end the command, so they become spaces.
    """
    cleaned = value.replace("\r", " ").replace("\n", " ")
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arg(value: str | int) -> str:
    """An argument that needs no quoting unless it is empty or has blanks or quotes."""
    text = str(value)
    if text == "" or any(c in text for c in ' \t"\\\r\n'):
        return quote(text)
    return text


def command_line(*parts: str) -> str:
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class AgiRequest:
    """What the dialplan asked for: ``agi://host:port/PATH?ARGS``.

    ``pairs`` keeps every ``key=value`` in order (a key may repeat); ``params``
    maps each key to its last value. Values are percent-decoded only (``+`` stays
    ``+``, as URIENCODE writes a number like ``%2B34...``).
    """

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    pairs: tuple[tuple[str, str], ...] = ()


class BadRequest(ValueError):
    """The AGI URL is not one this server accepts (repeated or unknown arguments)."""


def strict_params(request: AgiRequest, allowed: Iterable[str]) -> dict[str, str]:
    """The request's arguments, refusing a repeated or unknown key.

    Raises:
        BadRequest: naming the key, so the log says what the dialplan sent.
    """
    known = set(allowed)
    out: dict[str, str] = {}
    for key, value in request.pairs:
        if key not in known:
            raise BadRequest(f"unknown argument {key!r} in /{request.path} (allowed: "
                             f"{', '.join(sorted(known)) or 'none'})")
        if key in out:
            raise BadRequest(f"argument {key!r} given twice in /{request.path}")
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_`` variables Asterisk sent, keys without the prefix."""

    values: Mapping[str, str]

    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        return default if value == "unknown" else value

    @property
    def channel(self) -> str:
        return self.values.get("channel", "?")

    @property
    def uniqueid(self) -> str:
        return self.values.get("uniqueid", "")

    @property
    def caller_number(self) -> str:
        return self.get("callerid")

    @property
    def caller_name(self) -> str:
        return self.get("calleridname")

    @property
    def request(self) -> AgiRequest:
        return parse_request(self.values.get("network_script") or self.values.get("request", ""))

    @property
    def args(self) -> list[str]:
        """``agi_arg_1``... : what followed the URL in AGI(url,arg1,...)."""
        out: list[str] = []
        while f"arg_{len(out) + 1}" in self.values:
            out.append(self.values[f"arg_{len(out) + 1}"])
        return out


def parse_env_line(line: str) -> tuple[str, str]:
    """``agi_callerid: 5551234`` -> ("callerid", "5551234"); ValueError otherwise."""
    name, sep, value = line.partition(":")
    if not sep or not name.startswith("agi_"):
        raise ValueError(f"not an agi_ header: {line[:80]!r}")
    return name[4:], value[1:] if value.startswith(" ") else value


def parse_env(lines: Iterable[str]) -> AgiEnvironment:
    values: dict[str, str] = {}
    for line in lines:
        name, value = parse_env_line(line)
        values[name] = value
    return AgiEnvironment(values)


def parse_request(text: str) -> AgiRequest:
    """``agi://h:4573/ivr?flow=main&dnid=900`` or ``ivr?flow=main`` -> AgiRequest."""
    if "://" in text:
        parts = urlsplit(text)
        path, query = parts.path, parts.query
    else:
        path, _, query = text.partition("?")
    pairs = tuple(parse_query(query))
    return AgiRequest(path.strip("/"), dict(pairs), pairs)


def parse_query(query: str) -> list[tuple[str, str]]:
    """``dnid=%2B3491&x=1`` -> [("dnid", "+3491"), ("x", "1")]; ``+`` is not a space."""
    pairs = []
    for item in query.split("&") if query else []:
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs
