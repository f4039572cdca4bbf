"""Plain-text output for the command line: aligned tables, and text from outside made
safe to print.

Names, pause reasons, notes and caller names come from people and from
Asterisk; an escape sequence in one would recolour the operator's terminal,
move its cursor or retitle its window. ``printable`` strips escape sequences
and control characters; ``render_table`` applies it to every cell, and every
command passes other outside text through it before printing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: ESC sequences: CSI (ESC [ ... final), OSC / DCS / PM / APC / SOS strings (ended by
#: BEL or ESC \\), and two-character escapes; the 8-bit CSI (U+009B) too.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor moves
    r"|\x9b[0-?]*[ -/]*[@-~]"             # 8-bit CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\|$)"  # OSC, DCS, SOS, PM, APC strings
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\|$)"  # their 8-bit forms
    r"|\x1b[ -/]*[0-~]?"                   # other escapes (ESC c resets the terminal)
)
#: C0 and C1 controls, DEL, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n]+")


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` as it may reach a terminal: escape sequences and control characters
    removed; tabs and (unless ``keep_newlines``) newlines become one space."""
    value = _ESCAPES.sub("", str(text))
    value = _CONTROLS.sub("", value)
    if keep_newlines:
        return value.replace("\t", " ")
    return _BREAKS.sub(" ", value)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[printable(c) for c in headers], *([printable(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(_is_number(row[i]) for row in cells[1:]) and len(cells) > 1
        for i in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%s"))
    except ValueError:
        return False
    return True
