"""Phone numbers reduced to the digits we compare.

``+33 6 12-34-56-78`` and ``0033612345678`` both become ``33612345678``;
the national form ``06 12 34 56 78`` becomes ``0612345678``. Lookups match
the digits exactly, or on the last ``SUFFIX_DIGITS`` digits, which pairs a
national form with its international one.
"""

from __future__ import annotations

import re

SUFFIX_DIGITS = 9
_NOT_DIGIT = re.compile(r"\D")


def phone_digits(number: str) -> str:
    """The digits of ``number`` without an international ``+`` or ``00`` prefix.

    Raises:
        ValueError: ``number`` holds no digit.
    """
    digits = _NOT_DIGIT.sub("", number)
    if not digits:
        raise ValueError(f"phone number {number!r} has no digits")
    if not number.lstrip().startswith("+") and digits.startswith("00"):
        digits = digits[2:]
    return digits or "0"
