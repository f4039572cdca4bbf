"""extensions.conf as data: contexts, extensions, priorities, labels, hints, globals.

Only what a contact-centre dialplan uses: ``exten =>`` and ``same =>`` lines
with numbered, ``n`` and ``n(label)`` priorities, hints, ``include =>``,
``[globals]``, and Asterisk's pattern syntax (``_X.``, ``_NXX``, ``[1-5]``,
``!``). Applications are kept as (name, raw data); variables are
substituted when the line runs, as Asterisk does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
        ext = self.match(context, exten)
        return None if ext is None else ext.steps.get(priority)

    def match(self, context: str, exten: str, _seen: frozenset[str] = frozenset()) -> \
            Extension | None:
        """The extension Asterisk would pick: an exact name first, then the best pattern."""
        ctx = self.contexts.get(context)
        if ctx is None or context in _seen:
            return None
        exact = ctx.extensions.get(exten)
        if exact is not None and exact.steps:
            return exact
        patterns = [e for n, e in ctx.extensions.items()
                    if n.startswith("_") and e.steps and pattern_matches(n, exten)]
        if patterns:
            return min(patterns, key=lambda e: _specificity(e.name))
        for inc in ctx.includes:
            found = self.match(inc, exten, _seen | {context})
            if found is not None:
                return found
        return None

    def label(self, context: str, exten: str, label: str) -> int | None:
        ext = self.match(context, exten)
        return None if ext is None else ext.labels.get(label)

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


_CLASSES = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = []
    body = pattern[1:]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch.upper() in _CLASSES:
            out.append(_CLASSES[ch.upper()])
        elif ch == ".":
            out.append(".+")
        elif ch == "!":
            out.append(".*")
        elif ch == "[":
            end = body.index("]", i)
            out.append(f"[{body[i + 1 : end]}]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$")


def pattern_matches(pattern: str, exten: str) -> bool:
    return bool(_pattern_regex(pattern).match(exten))


def _specificity(pattern: str) -> tuple[int, int]:
    # fewer wildcard characters and longer fixed parts win, as Asterisk sorts patterns
    body = pattern[1:]
    return (body.count(".") + body.count("!"), -len(body))
