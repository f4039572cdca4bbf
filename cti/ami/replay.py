"""Replay a captured AMI stream through the tracker, without Asterisk.

Accepted files:

- raw AMI wire text (what ``cti ami record`` writes, ``*.ami.txt``); a
  second ``Asterisk Call Manager/`` banner means the client reconnected;
- a JSON array of events (objects of ``"Key": "value"``);
- a trace in JSON lines (``*.ami.jsonl``: ``{"dir": "in", "raw": ...}``).

CoreShowChannel items are collected and, at their ``CoreShowChannelsComplete``,
given to ``CallTracker.resync`` exactly as the live client does after a
reconnect: this is how a replay of an Asterisk restart closes the lost calls.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cti.ami.codec import AmiParser, Malformed, Message
from cti.ami.events import CallEvent, LinkDown, LinkUp
from cti.ami.tracker import CallTracker

_BANNER = b"Asterisk Call Manager/"


@dataclass(frozen=True)
class Reconnected:
    """Marker between two connections of one capture (a second banner)."""


Item = Message | Reconnected


class ReplayError(ValueError):
    """The file cannot be read, or is neither AMI wire text, a JSON array of events,
    nor a JSON-lines trace. The message is one line naming the file."""


_ACCEPTED = ("give a capture written by `cti ami record`, a JSON array of AMI events "
             "or a *.ami.jsonl trace")


def load(path: str | Path) -> list[Item]:
    """Read a capture into messages (and ``Reconnected`` markers).

    Raises ReplayError, one line saying what is wrong with the file.
    """
    data = _read(Path(path))
    head = data.lstrip()[:1]
    if head == b"[":
        items: list[Item] = _json_array(path, data)
    elif head == b"{":
        items = parse_wire(_jsonl_to_wire(path, data))
    else:
        items = parse_wire(data)
    if not any(isinstance(item, dict) for item in items):
        raise ReplayError(f"{path}: no AMI message found; {_ACCEPTED}")
    return items


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such file; {_ACCEPTED}") from None
    except IsADirectoryError:
        raise ReplayError(f"{path}: is a directory; {_ACCEPTED}") from None
    except OSError as exc:
        raise ReplayError(f"{path}: cannot read it: {exc.strerror}") from None
    if not data.strip():
        raise ReplayError(f"{path}: the file is empty; {_ACCEPTED}")
    if _binary(data[:65536]):
        raise ReplayError(f"{path}: binary data, not an AMI capture; {_ACCEPTED}")
    return data


def _binary(head: bytes) -> bool:
    """NUL bytes or invalid UTF-8: AMI is text (a cut last character is fine)."""
    if b"\0" in head:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _json_array(path: str | Path, data: bytes) -> list[Item]:
    try:
        items = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(items, list) or not all(isinstance(m, dict) for m in items):
        raise ReplayError(f"{path}: a JSON capture must be an array of objects")
    for n, m in enumerate(items):
        if "Event" not in m and "Response" not in m:
            raise ReplayError(f"{path}: item {n} has neither \"Event\" nor \"Response\"; "
                              "each item is one AMI message")
    return [{str(k): str(v) for k, v in m.items()} for m in items]


def _jsonl_to_wire(path: str | Path, data: bytes) -> bytes:
    out = bytearray()
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}:{n}: not a JSON line ({exc})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("raw"), str):
            raise ReplayError(_not_an_ami_trace(path, n, rec))
        if rec.get("dir") == "in" and rec["raw"] != "<EOF>":
            out += rec["raw"].encode("utf-8")
    return bytes(out)


def _not_an_ami_trace(path: str | Path, n: int, rec: object) -> str:
    if isinstance(rec, dict) and "session" in rec and "line" in rec:
        name = Path(path).name
        ami = name.removesuffix(".agi.jsonl") + ".ami.jsonl" if name.endswith(
            ".agi.jsonl") else "the matching *.ami.jsonl"
        return (f"{path}: this is a FastAGI log, not an AMI capture; replay {ami} "
                "(the same scenario's AMI stream) instead")
    return (f"{path}:{n}: not an AMI trace record (a line needs \"dir\" and \"raw\"); "
            f"{_ACCEPTED}")


def parse_wire(data: bytes) -> list[Item]:
    """Split raw AMI bytes into messages; each banner after the first is a reconnect."""
    items: list[Item] = []
    starts = [i for i in _banner_offsets(data)] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    for n, (begin, end) in enumerate(zip(starts, [*starts[1:], len(data)], strict=True)):
        if n and data[begin:].startswith(_BANNER):
            items.append(Reconnected())
        parser = AmiParser()
        for msg in parser.feed(data[begin:end] + b"\r\n\r\n"):
            if not isinstance(msg, Malformed):
                items.append(msg)
    return items


def _banner_offsets(data: bytes) -> Iterator[int]:
    at = data.find(_BANNER)
    while at >= 0:
        if at == 0 or data[at - 1 : at] == b"\n":
            yield at
        at = data.find(_BANNER, at + 1)


def replay(items: Iterable[Item], node: str = "replay",
           tracker: CallTracker | None = None) -> Iterator[tuple[int, CallEvent]]:
    """Feed items through a tracker; yields (source index, event) in order."""
    tracker = tracker or CallTracker(node)
    listing: dict[str, list[Mapping[str, str]]] = {}
    for index, item in enumerate(items):
        if isinstance(item, Reconnected):
            yield index, LinkDown(tracker.node, "connection closed")
            yield index, LinkUp(tracker.node, reconnect=True)
            continue
        event = item.get("Event")
        if event == "CoreShowChannel":
            listing.setdefault(item.get("ActionID", ""), []).append(item)
            continue
        if event == "CoreShowChannelsComplete":
            for ev in tracker.resync(listing.pop(item.get("ActionID", ""), [])):
                yield index, ev
            continue
        for ev in tracker.feed(item):
            yield index, ev
