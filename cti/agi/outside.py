"""Transfer targets and mailboxes rendered from flow templates, checked before they
reach the dialplan.

A flow may write ``target: PJSIP/${extension}`` or ``mailbox: ${box}@default``.
Whatever a variable holds (a caller's name, an http answer, typed digits) must
not add a second Dial destination (``&``), a Dial option (``,``) or another
channel (``/``, ``@``): every value put into a template may hold only letters,
digits and ``_ . + -``, and the result must be one dial string (or one
``box@context``). Anything else raises ``TargetRefused``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cti.errors import CtiError

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
#: What a variable may put into a target or mailbox.
_VALUE = re.compile(r"^[A-Za-z0-9_.+-]*$")
#: One Dial destination: Tech/resource, no &, comma, spaces or quotes.
DIAL_TARGET = re.compile(r"^[A-Za-z0-9]+/[A-Za-z0-9@._:+/-]+$")
#: One voicemail box: box@context.
MAILBOX = re.compile(r"^[A-Za-z0-9_-]+@[A-Za-z0-9_-]+$")


class TargetRefused(CtiError):
    def __init__(self, what: str, value: str, detail: str) -> None:
        super().__init__(f"{what} {value!r} refused: {detail}")
        self.what, self.value, self.detail = what, value, detail


def render_checked(template: str, variables: Mapping[str, str], what: str) -> str:
    """``template`` with each ``${name}`` replaced, refusing unsafe values."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        text = variables.get(name, "")
        if not _VALUE.match(text):
            raise TargetRefused(what, text, f"variable {name!r} may hold only letters, "
                                            "digits and _ . + - in a " + what)
        return text

    return _TEMPLATE.sub(value, template)


def transfer_target(template: str, variables: Mapping[str, str]) -> str:
    """An inside transfer target: one Dial destination such as ``PJSIP/2001``."""
    target = render_checked(template, variables, "transfer target")
    if not DIAL_TARGET.match(target):
        raise TargetRefused("transfer target", target,
                            "not one dial destination like PJSIP/2001 or Local/2001@internal")
    return target


def mailbox(template: str, variables: Mapping[str, str]) -> str:
    """A voicemail box: ``8000@default``."""
    box = render_checked(template, variables, "mailbox")
    if not MAILBOX.match(box):
        raise TargetRefused("mailbox", box, "not a mailbox like 8000@default")
    return box


def template_problem(template: str, kind: str) -> str | None:
    """Why a flow's static target or mailbox can never be valid, or None.

    Variables are replaced by ``0`` for the check (their values are checked when
    the step runs).
    """
    sample = _TEMPLATE.sub("0", template)
    pattern = DIAL_TARGET if kind == "target" else MAILBOX
    if pattern.match(sample):
        return None
    if kind == "target":
        return (f"{template!r} is not one dial destination like PJSIP/2001 (no &, comma "
                "or spaces); use number: for an outside number")
    return f"{template!r} is not a mailbox like 8000@default"
