"""Free text from outside (names, notes, reasons): bounded, without NUL, without
control characters that a terminal would obey when ``cti`` prints it."""

from __future__ import annotations

import re
import unicodedata

#: C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a
#: terminal shows; newline and tab are kept in multi-line text only.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

NAME_MAX = 200
TEXT_MAX = 4000


class TextRefused(ValueError):
    """Text that cannot be taken as it is (too long, a NUL)."""


def clean_line(value: str, limit: int = NAME_MAX) -> str:
    """One line of text (a name, a reason): controls removed, spaces trimmed.

    Raises:
        TextRefused: longer than ``limit`` characters, or a NUL in it.
    """
    return _clean(value, limit, _LINE_CONTROLS).strip()


def clean_text(value: str, limit: int = TEXT_MAX) -> str:
    """Multi-line text (a note): newlines and tabs kept, other controls removed."""
    return _clean(value.replace("\r\n", "\n"), limit, _CONTROLS)


def _clean(value: str, limit: int, controls: re.Pattern[str]) -> str:
    if "\x00" in value:
        raise TextRefused("text must not contain a NUL character")
    if len(value) > limit:
        raise TextRefused(f"text is {len(value)} characters long; at most {limit} allowed")
    return unicodedata.normalize("NFC", controls.sub("", value))
