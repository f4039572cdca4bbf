"""Asterisk configuration files as Asterisk reads them, with file and line of each line.

``read_conf(path)`` follows ``#include`` and ``#tryinclude`` (relative to the
directory of the first file, globs allowed), drops ``;`` comments (``\\;`` is a
semicolon) and returns ``Section``s: ``[name]``, ``[name](!)`` templates and
``[name](template,...)`` that inherit a template's options, each option with
where it was written. Used by ``cti config check --asterisk DIR``.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

from cti.errors import CtiError


class ConfReadError(CtiError):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    file: str
    number: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.number}"


@dataclass
class Section:
    name: str
    line: Line
    template: bool = False
    #: option name (lower case) -> every (value, line) in order (permit/deny repeat)
    options: dict[str, list[tuple[str, Line]]] = field(default_factory=dict)
    #: the raw lines of the section (extensions.conf: exten => ... lines)
    lines: list[Line] = field(default_factory=list)

    def get(self, name: str) -> tuple[str, Line] | None:
        values = self.options.get(name)
        return values[-1] if values else None


def read_lines(path: Path, *, root: Path | None = None, _depth: int = 0) -> list[Line]:
    """The lines of ``path`` with includes expanded and comments removed."""
    root = root or path.parent
    if _depth > 20:
        raise ConfReadError(f"{path}: #include nested more than 20 deep (a loop?)")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfReadError(f"{path}: cannot read: {exc.strerror}") from None
    out: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith(("#include", "#tryinclude")):
            target = line.split(None, 1)[1].strip().strip('"<>') if " " in line else ""
            pattern = target if target.startswith("/") else str(root / target)
            matches = sorted(glob.glob(pattern))
            if not matches and line.startswith("#include"):
                raise ConfReadError(f"{path.name}:{number}: #include {target}: no such file")
            for match in matches:
                out += read_lines(Path(match), root=root, _depth=_depth + 1)
            continue
        if line.startswith("#"):
            continue                       # #exec and the like: not followed
        out.append(Line(path.name, number, line))
    return out


def read_conf(path: Path) -> list[Section]:
    """Sections of a .conf file (and its includes), templates applied."""
    sections: list[Section] = []
    by_name: dict[str, Section] = {}
    current: Section | None = None
    for line in read_lines(path):
        if line.text.startswith("["):
            current = _header(line, by_name)
            sections.append(current)
            by_name.setdefault(current.name, current)
            continue
        if current is None:
            continue
        current.lines.append(line)
        key, sep, value = line.text.partition("=")
        if sep:
            current.options.setdefault(key.strip().lower(), []).append(
                (value.lstrip(">").strip(), line))
    return sections


def _header(line: Line, known: dict[str, Section]) -> Section:
    text = line.text
    close = text.find("]")
    if close < 0:
        raise ConfReadError(f"{line.where}: bad section header {text!r}")
    section = Section(text[1:close].strip(), line)
    rest = text[close + 1 :].strip()
    if rest.startswith("(") and rest.endswith(")"):
        for item in (i.strip() for i in rest[1:-1].split(",")):
            if item == "!":
                section.template = True
            elif item in known:
                for key, values in known[item].options.items():
                    section.options.setdefault(key, []).extend(values)
    return section


_COMMENT = re.compile(r"(?<!\\);.*$")


def _strip_comment(line: str) -> str:
    """Everything before the first ``;`` that is not escaped as ``\\;``."""
    return _COMMENT.sub("", line)
