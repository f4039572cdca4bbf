"""AMI wire format, sans-I/O: bytes in, messages out; actions in, bytes out.

Asterisk sends a banner line (``Asterisk Call Manager/9.0.0``) and then
messages: ``Key: value`` lines ending in CRLF, a blank line after each
message. Bytes are buffered until a whole message is there and decoded then,
so a UTF-8 character split across two TCP reads is never lost (panoramisk
decodes each read on its own and drops it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

Message = dict[str, str]

_SEP = b"\r\n\r\n"


@dataclass
class Malformed:
    """A block that was not a valid AMI message; kept for the log, never raised."""

    reason: str
    raw: bytes


@dataclass
class AmiParser:
    """Turns the bytes of an AMI socket into messages.

    ``feed(data)`` returns the complete messages (dicts) and ``Malformed``
    reports; repeated keys (``Output:``, ``ChanVariable:``) are joined with
    newlines. A message larger than ``max_message_bytes`` is discarded and
    reported instead of growing the buffer without bound.
    """

    max_message_bytes: int = 1 << 20
    banner: str | None = None
    _buffer: bytearray = field(default_factory=bytearray)
    _discarding: bool = False

    def feed(self, data: bytes) -> list[Message | Malformed]:
        self._buffer += data
        out: list[Message | Malformed] = []
        if self.banner is None and not self._read_banner():
            return out
        while True:
            end = self._buffer.find(_SEP)
            if end < 0:
                if len(self._buffer) > self.max_message_bytes:
                    if not self._discarding:
                        out.append(Malformed("message too large", bytes(self._buffer[:200])))
                    self._discarding = True
                    # keep the tail in case the separator is split across reads
                    del self._buffer[:-3]
                return out
            block = bytes(self._buffer[:end])
            del self._buffer[: end + len(_SEP)]
            if self._discarding:
                self._discarding = False
                continue
            if block[:2] == b"\r\n":  # a stray blank line between two messages
                block = block.lstrip(b"\r\n")
            if not block:
                continue
            out.append(parse_block(block))

    def _read_banner(self) -> bool:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            return False
        line = bytes(self._buffer[:end])
        if b":" in line and not line.startswith(b"Asterisk Call Manager"):
            self.banner = ""  # no banner (a replayed stream starting mid-way)
            return True
        self.banner = line.decode("utf-8", errors="replace")
        del self._buffer[: end + 2]
        return True


def parse_block(block: bytes) -> Message | Malformed:
    """Parse one message block (without its terminating blank line)."""
    text = block.decode("utf-8", errors="replace")
    msg: Message = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition(":")
        if not sep or not key or key != key.strip():
            return Malformed(f"line without 'Key: value': {line[:80]!r}", block[:200])
        value = value[1:] if value.startswith(" ") else value
        msg[key] = f"{msg[key]}\n{value}" if key in msg else value
    if "Event" not in msg and "Response" not in msg and "Action" not in msg:
        return Malformed("message has no Event, Response or Action", block[:200])
    return msg


def encode(fields: Mapping[str, object]) -> bytes:
    """Serialise an action (or, for the simulator, a response or event)."""
    return "".join(_lines(fields)).encode("utf-8") + b"\r\n"


def _lines(fields: Mapping[str, object]) -> Iterator[str]:
    for key, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = str(item)
            if "\r" in text or "\n" in text:
                raise ValueError(f"AMI field {key!r} contains a line break: {text!r}")
            yield f"{key}: {text}\r\n"
