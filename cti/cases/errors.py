"""Errors of the case domain. ``code`` strings are API: don't rename them.

CaseError (cti.errors.CtiError)
 ├── NoSuchCase                 404 no-such-case
 ├── NoSuchDerivation           404 no-such-derivation
 ├── NoSuchUnit                 400 no-such-unit
 ├── NotInCatalogue             400 not-in-catalogue
 ├── CaseRefused                409 case-refused      the rules forbid it now
 │    └── ClassificationIncomplete  409 classification-incomplete
 ├── CustomerConflict           409 customer-conflict  account or document taken
 ├── AttachmentTooLarge         413 attachment-too-large
 └── AttachmentTypeRefused      415 attachment-type-refused
"""

from __future__ import annotations

from collections.abc import Iterable

from cti.errors import CtiError


class CaseError(CtiError):
    """Base of the errors the case service raises on purpose."""

    status, code = 400, "bad-case-request"


class NoSuchCase(CaseError):
    status, code = 404, "no-such-case"

    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case with id {case_id!r}; `cti case list` lists them")
        self.case_id = case_id


class NoSuchDerivation(CaseError):
    status, code = 404, "no-such-derivation"

    def __init__(self, case_id: str, derivation_id: str) -> None:
        super().__init__(f"case {case_id} has no derivation {derivation_id!r}")


class NoSuchUnit(CaseError):
    status, code = 400, "no-such-unit"

    def __init__(self, unit: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none: add units.yaml to the config directory"
        super().__init__(f"no unit named {unit!r}; units: {names}")


class NotInCatalogue(CaseError):
    status, code = 400, "not-in-catalogue"


class CaseRefused(CaseError):
    """A command the case's rules forbid in its present state."""

    status, code = 409, "case-refused"


class ClassificationIncomplete(CaseRefused):
    code = "classification-incomplete"

    def __init__(self, case_id: str, missing: list[str]) -> None:
        super().__init__(f"case {case_id} cannot be closed: its classification lacks "
                         f"{', '.join(missing)}; classify it on the four levels first "
                         "(topic, reason, sub_reason, question)")
        self.missing = missing


class CustomerConflict(CaseError):
    status, code = 409, "customer-conflict"


class AttachmentTooLarge(CaseError):
    status, code = 413, "attachment-too-large"

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"attachment {name!r} is larger than {limit} bytes "
                         "(cases.attachments.max_bytes in cti.yaml)")


class AttachmentTypeRefused(CaseError):
    status, code = 415, "attachment-type-refused"
