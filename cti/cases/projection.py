"""The rows each case and customer event implies (registered with cti.records).

Pure like cti/records.py: each function reads only its event. Tables (migration
004): cases, case_notes, case_attachments, case_derivations, the case and
customer columns of interactions, and customers (whose ``phones`` list a
trigger copies into customer_phones, the lookup index).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cti import records
from cti.cases import events as ce
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.config import LEVELS
from cti.records import at
from cti.store.phone import phone_digits
from cti.store.rows import Append, RowOp, Update, Upsert


def _uuid(value: str | None) -> uuid.UUID:
    return uuid.UUID(value or "")


def _customer(value: str | None) -> uuid.UUID:
    return uuid.UUID(value or UNIDENTIFIED_CUSTOMER_ID)


def _case(e: ce.DomainEvent, **changes: Any) -> Update:
    return Update("cases", {"id": _uuid(e.case_id)}, set={**changes, "updated_at": at(e.at)})


def _opened(e: ce.CaseOpened) -> list[RowOp]:
    fields = {"topic": e.topic, "reason": e.reason, "sub_reason": e.sub_reason,
              "question": e.question, "call_type": e.call_type, "unit": e.unit,
              "owner": e.owner, "subject": e.subject}
    return [Upsert("cases", {"id": _uuid(e.case_id)},
                   create={"customer_id": _customer(e.customer_id), "opened_at": at(e.at),
                           "opened_by": e.opened_by, "status": "open", "status_at": at(e.at),
                           "status_by": e.opened_by},
                   set={**{k: v for k, v in fields.items() if v is not None},
                        "updated_at": at(e.at)})]


def _linked(e: ce.CaseInteractionLinked) -> list[RowOp]:
    changes: dict[str, Any] = {"case_id": _uuid(e.case_id)}
    if e.customer_id:
        changes["customer_id"] = _uuid(e.customer_id)
    return [Upsert("interactions", {"id": _uuid(e.interaction_id)},
                   create={"created_at": at(e.at)}, set=changes),
            _case(e)]


def _classified(e: ce.CaseClassified) -> list[RowOp]:
    changes: dict[str, Any] = {level: getattr(e, level) for level in LEVELS}
    if e.call_type is not None:
        changes["call_type"] = e.call_type
    return [_case(e, **changes)]


def _status(e: ce.CaseStatusChanged) -> list[RowOp]:
    closed = e.status == "closed"
    return [_case(e, status=e.status, status_at=at(e.at), status_by=e.by,
                  resolution=e.resolution if closed else None,
                  closed_at=at(e.at) if closed else None, closed_by=e.by if closed else None)]


def _note(e: ce.CaseNoteAdded) -> list[RowOp]:
    return [Append("case_notes", {
        "id": _uuid(e.note_id), "case_id": _uuid(e.case_id),
        "interaction_id": _uuid(e.interaction_id) if e.interaction_id else None,
        "author": e.author, "text": e.text, "at": at(e.at)}), _case(e)]


def _attachment(e: ce.CaseAttachmentAdded) -> list[RowOp]:
    return [Append("case_attachments", {
        "id": _uuid(e.attachment_id), "case_id": _uuid(e.case_id), "name": e.name,
        "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
        "storage": e.storage, "added_by": e.by, "at": at(e.at)}), _case(e)]


def _derived(e: ce.CaseDerived) -> list[RowOp]:
    return [Append("case_derivations", {
        "id": _uuid(e.derivation_id), "case_id": _uuid(e.case_id), "unit": e.unit,
        "reason": e.reason, "derived_by": e.by, "derived_at": at(e.at)}),
        Update("cases", {"id": _uuid(e.case_id)}, set={"updated_at": at(e.at)},
               add={"open_derivations": 1})]


def _answered(e: ce.CaseDerivationAnswered) -> list[RowOp]:
    return [Update("case_derivations", {"id": _uuid(e.derivation_id)},
                   set={"answer": e.answer, "answered_by": e.by, "answered_at": at(e.at)}),
            Update("cases", {"id": _uuid(e.case_id)}, set={"updated_at": at(e.at)},
                   add={"open_derivations": -1})]


def _assigned(e: ce.CaseAssigned) -> list[RowOp]:
    changes: dict[str, Any] = {"owner": e.owner}
    if e.unit is not None:
        changes["unit"] = e.unit
    return [_case(e, **changes)]


def _follow_up(e: ce.CaseFollowUpSet) -> list[RowOp]:
    return [_case(e, follow_up_at=None if e.follow_up_at is None else at(e.follow_up_at))]


def _customer_changed(e: ce.CaseCustomerChanged) -> list[RowOp]:
    customer = _customer(e.customer_id)
    return [_case(e, customer_id=customer),
            *(Update("interactions", {"id": _uuid(iid)}, set={"customer_id": customer})
              for iid in e.interactions)]


# --- customers ----------------------------------------------------------------------------


def phones_json(numbers: Any) -> list[dict[str, Any]]:
    """The ``phones`` column: each number with its digits (numbers without digits dropped)."""
    out = []
    for number in numbers or ():
        try:
            out.append({"number": str(number).strip(), "digits": phone_digits(str(number)),
                        "label": None})
        except ValueError:
            continue
    return out


def _value(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _customer_created(e: ce.CustomerCreated) -> list[RowOp]:
    return [Upsert("customers", {"id": _uuid(e.customer_id)}, create={"created_at": at(e.at)},
                   set={"name": e.name, "account_number": e.account_number,
                        "document": e.document, "tier": e.tier, "value": _value(e.value),
                        "attributes": dict(e.attributes or {}),
                        "phones": phones_json(e.phones), "updated_at": at(e.at)})]


#: CustomerUpdated.changes key -> how to store it.
_CUSTOMER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": str, "account_number": lambda v: v, "document": lambda v: v, "tier": str,
    "value": _value, "phones": phones_json, "attributes": lambda v: dict(v or {}),
}


def _customer_updated(e: ce.CustomerUpdated) -> list[RowOp]:
    changes = {k: _CUSTOMER_FIELDS[k](v) for k, v in e.changes.items() if k in _CUSTOMER_FIELDS}
    return [Update("customers", {"id": _uuid(e.customer_id)},
                   set={**changes, "updated_at": at(e.at)})]


PROJECTIONS: dict[type, Callable[[Any], list[RowOp]]] = {
    ce.CaseOpened: _opened,
    ce.CaseInteractionLinked: _linked,
    ce.CaseClassified: _classified,
    ce.CaseNoteAdded: _note,
    ce.CaseAttachmentAdded: _attachment,
    ce.CaseDerived: _derived,
    ce.CaseDerivationAnswered: _answered,
    ce.CaseStatusChanged: _status,
    ce.CaseAssigned: _assigned,
    ce.CaseFollowUpSet: _follow_up,
    ce.CaseCustomerChanged: _customer_changed,
    ce.CustomerCreated: _customer_created,
    ce.CustomerUpdated: _customer_updated,
}

for _cls, _projection in PROJECTIONS.items():
    records.register(_cls, _projection)
