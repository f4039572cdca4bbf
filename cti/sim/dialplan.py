"""extensions.conf as data: contexts, extensions, priorities, labels, hints, globals.

Only what a contact-centre dialplan uses: ``exten =>`` and ``same =>`` lines
with numbered, ``n`` and ``n(label)`` priorities, hints, ``include =>``,
``[globals]``, and Asterisk's pattern syntax (``_X.``, ``_NXX``, ``[1-5]``,
``!``). Applications are kept as (name, raw data); variables are
substituted when the line runs, as Asterisk does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cti.sim.errors import DialplanError

_LINE = re.compile(r"^(exten|same)\s*=>?\s*(.*)$", re.IGNORECASE)
_APP = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_PRIO = re.compile(r"^(\d+|n|hint)(?:\(([^)]+)\))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Step:
    """One priority of one extension."""

    priority: int
    app: str
    data: str
    label: str | None = None


@dataclass
class Extension:
    name: str
    steps: dict[int, Step] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    hint: str | None = None


@dataclass
class Context:
    name: str
    extensions: dict[str, Extension] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)


@dataclass
class Dialplan:
    contexts: dict[str, Context] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str) -> Dialplan:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DialplanError(str(path), f"cannot read: {exc.strerror}") from exc
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<dialplan>") -> Dialplan:
        plan = cls()
        current: Context | None = None
        last: Extension | None = None
        last_prio = 0
        for number, raw in enumerate(text.splitlines(), 1):
            where = f"{source}:{number}"
            line = _strip_comment(raw).strip()
            if not line:
                continue
            if line.startswith("#"):
                continue  # #include of other files: not followed
            if line.startswith("["):
                name = line[1 : line.index("]")] if "]" in line else ""
                if not name:
                    raise DialplanError(where, f"bad context header {raw.strip()!r}")
                current = plan.contexts.setdefault(name, Context(name))
                last = None
                continue
            if current is None:
                raise DialplanError(where, "line outside any [context]")
            if current.name == "general":
                continue
            if current.name == "globals":
                key, sep, value = line.partition("=")
                if sep:
                    plan.globals[key.strip()] = value.strip()
                continue
            key, sep, value = line.partition("=>")
            key = key.strip().lower()
            if not sep:
                key, sep, value = line.partition("=")
                key = key.strip().lower()
            value = value.strip()
            if key == "include":
                current.includes.append(value)
                continue
            if key == "exten":
                ext_name, _, rest = value.partition(",")
                ext_name = ext_name.strip()
                last = current.extensions.setdefault(ext_name, Extension(ext_name))
            elif key == "same":
                rest = value
                if last is None:
                    raise DialplanError(where, "'same =>' without an 'exten =>' before it")
            else:
                continue  # switch =>, ignorepat => and the like: not simulated
            prio_text, _, app_text = rest.partition(",")
            m = _PRIO.match(prio_text.strip())
            if not m:
                raise DialplanError(where, f"bad priority {prio_text.strip()!r}")
            prio_word, label = m.group(1).lower(), m.group(2)
            if prio_word == "hint":
                last.hint = app_text.strip()
                continue
            priority = last_prio + 1 if prio_word == "n" else int(prio_word)
            am = _APP.match(app_text)
            if not am:
                raise DialplanError(where, f"bad application {app_text.strip()!r}")
            step = Step(priority, am.group(1), am.group(2) or "", label)
            last.steps[priority] = step
            if label:
                last.labels[label] = priority
            last_prio = priority
        return plan

    def find(self, context: str, exten: str, priority: int) -> Step | None:
        """The step Asterisk runs: the first matching extension, in Asterisk's order,
        that has ``priority`` (pbx_find_extension keeps looking when one lacks it)."""
        for ext in self.candidates(context, exten):
            step = ext.steps.get(priority)
            if step is not None:
                return step
        return None

    def match(self, context: str, exten: str) -> Extension | None:
        """The extension Asterisk would pick: an exact name first, then the most
        specific pattern, then the included contexts in order."""
        return next(iter(self.candidates(context, exten)), None)

    def candidates(self, context: str, exten: str,
                   _seen: frozenset[str] = frozenset()) -> Iterator[Extension]:
        """Every extension of ``context`` (and its includes) that matches ``exten``, in
        the order Asterisk tries them."""
        ctx = self.contexts.get(context)
        if ctx is None or context in _seen:
            return
        ordered = sorted((e for e in ctx.extensions.values() if e.steps),
                         key=lambda e: extension_sort_key(e.name))
        for ext in ordered:
            if extension_matches(ext.name, exten):
                yield ext
        for inc in ctx.includes:
            yield from self.candidates(inc, exten, _seen | {context})

    def label(self, context: str, exten: str, label: str) -> int | None:
        for ext in self.candidates(context, exten):
            if label in ext.labels:
                return ext.labels[label]
        return None

    def hints(self) -> Iterable[tuple[str, str, str]]:
        """(context, exten, hint) for every hint, in file order."""
        for ctx in self.contexts.values():
            for ext in ctx.extensions.values():
                if ext.hint:
                    yield ctx.name, ext.name, ext.hint


def _strip_comment(line: str) -> str:
    out = []
    escaped = False
    for ch in line:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            break
        else:
            out.append(ch)
    return "".join(out)


# -- extension patterns, as main/pbx.c matches and sorts them -----------------
#
# '_' starts a pattern; X Z N (any case) are 0-9, 1-9, 2-9; [...] a set with
# ranges (a '-' just before ']' is itself); '.' one or more of anything, '!' zero
# or more; '-' outside a set is ignored in the pattern and in the number; every
# other character is itself (case counts). So ``_X.`` never matches ``+3491...``.

_CLASS_CHARS = {"N": "23456789", "X": "0123456789", "Z": "123456789"}


def extension_matches(pattern: str, exten: str) -> bool:
    """True when ``exten`` is a match for ``pattern`` (Asterisk's E_MATCH)."""
    if not pattern.startswith("_"):
        return pattern.replace("-", "") == exten.replace("-", "")
    pat, data = pattern[1:], exten
    i = j = 0
    while True:
        while j < len(data) and data[j] == "-":
            j += 1
        while i < len(pat) and pat[i] == "-":
            i += 1
        if j >= len(data) or i >= len(pat) or pat[i] == "/":
            break
        ch, c = pat[i], data[j]
        if ch == "[":
            end = pat.find("]", i + 1)
            if end < 0:
                return False
            if end == i + 1:            # an empty set is ignored
                i += 2
                continue
            if not _in_set(pat[i + 1 : end], c):
                return False
            i = end
        elif ch.upper() in _CLASS_CHARS:
            if c not in _CLASS_CHARS[ch.upper()]:
                return False
        elif ch in ".!":                # one or more / zero or more: the rest matches
            return True
        elif c != ch:
            return False
        i += 1
        j += 1
    if j < len(data):                   # number longer than the pattern
        return False
    rest = pat[i:]
    return rest == "" or rest[0] in "/!"  # '.' still to match: one character short


def _in_set(body: str, c: str) -> bool:
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            if body[k] <= c <= body[k + 2]:
                return True
            k += 3
        else:
            if c == body[k]:
                return True
            k += 1
    return False


def pattern_matches(pattern: str, exten: str) -> bool:
    return extension_matches(pattern, exten)


def extension_sort_key(name: str) -> tuple[int, Any]:
    """Asterisk's ``ext_cmp`` order: plain names first, then patterns from the most
    specific; position by position a smaller set of characters wins, then '.'
    before '!', and a longer pattern before one that ends there."""
    if not name.startswith("_"):
        return (0, name.replace("-", ""))
    return (1, _pattern_positions(name[1:]))


_END = (0x30000, bytes(32))


def _pattern_positions(body: str) -> list[tuple[int, bytes]]:
    """One (score, bits) a position, as ext_cmp_pattern_pos computes them; the bits
    are inverted so that a larger set of equal score sorts first, as memcmp does."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while True:
        bits = bytearray(32)
        score = 0
        while score == 0:
            while i < len(body) and body[i] == "-":
                i += 1
            if i >= len(body):
                out.append(_END)
                return out
            ch = body[i]
            i += 1
            if ch.upper() in _CLASS_CHARS:
                chars = _CLASS_CHARS[ch.upper()]
                for c in chars:
                    _set_bit(bits, ord(c))
                score = (len(chars) << 8) | ord(chars[0])
            elif ch == ".":
                score = 0x18000
            elif ch == "!":
                score = 0x28000
            elif ch == "[":
                end = body.find("]", i)
                if end < 0:
                    out.append((0x40000, bytes(32)))
                    return out
                count, lowest = _set_bits(body[i:end], bits)
                i = end + 1
                if count:                   # an empty set: read the next position
                    score = (count << 8) | lowest
            else:
                _set_bit(bits, ord(ch) & 0xFF)
                score = 0x0100 | (ord(ch) & 0xFF)
        out.append((score, bytes(255 - b for b in bits)))


def _set_bits(body: str, bits: bytearray) -> tuple[int, int]:
    count, lowest, k = 0, 0xFF, 0
    while k < len(body):
        first = last = ord(body[k]) & 0xFF
        if k + 2 < len(body) and body[k + 1] == "-":
            last = ord(body[k + 2]) & 0xFF
            k += 2
        lowest = min(lowest, first)
        for code in range(first, last + 1):
            if not bits[code // 8] & (0x80 >> (code % 8)):
                _set_bit(bits, code)
                count += 1
        k += 1
    return count, lowest


def _set_bit(bits: bytearray, code: int) -> None:
    bits[code // 8] |= 0x80 >> (code % 8)
