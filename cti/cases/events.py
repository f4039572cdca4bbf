"""Domain events of cases and customers (see cti/events.py for the envelope).

A case belongs to a customer (``customer_id`` in the envelope; an
unidentified caller belongs to the "unidentified" customer until an agent
assigns the right one) and spans interactions. ``case_id`` is in the
envelope of every event here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cti.events import DomainEvent, event_type


@event_type("case.opened")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOpened(DomainEvent):
    """A new case, with what the IVR or the agent knew of it.

    opened_by: an agent or user id, ``ivr`` or ``system``.
    unit: the unit that owns it (the agents' pool by default); owner: a person.
    """

    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None
    unit: str | None = None
    owner: str | None = None
    opened_by: str = "system"
    subject: str | None = None


@event_type("case.interaction_linked")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseInteractionLinked(DomainEvent):
    """``interaction_id`` belongs to the case (moved from ``moved_from`` if it was
    linked to another case before)."""

    by: str = "system"
    moved_from: str | None = None


@event_type("case.classified")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseClassified(DomainEvent):
    """Topic / reason / sub-reason / question of the script catalogue, and call type.

    The four levels are the case's whole classification after the change (None: not
    known yet); ``call_type`` None leaves the call type as it was.
    """

    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None
    by: str = "system"


@event_type("case.note_added")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseNoteAdded(DomainEvent):
    note_id: str
    text: str
    author: str


@event_type("case.attachment_added")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseAttachmentAdded(DomainEvent):
    """The content (``sha256``) was stored before this event, in ``storage``
    (``database`` or ``directory``)."""

    attachment_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    by: str
    storage: str = "database"


@event_type("case.derived")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseDerived(DomainEvent):
    """The case is sent to ``unit`` for it to act; the case is pending until it answers."""

    derivation_id: str
    unit: str
    reason: str
    by: str


@event_type("case.derivation_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseDerivationAnswered(DomainEvent):
    derivation_id: str
    unit: str
    answer: str
    by: str


@event_type("case.status_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStatusChanged(DomainEvent):
    """``open``, ``pending`` or ``closed`` (with a resolution when closed)."""

    status: str
    previous: str
    by: str
    resolution: str | None = None


@event_type("case.assigned")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseAssigned(DomainEvent):
    """The case's owners after the change: ``unit`` None keeps the unit; ``owner`` is
    the person (None: nobody in particular)."""

    unit: str | None = None
    owner: str | None = None
    by: str = "system"


@event_type("case.follow_up_set")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFollowUpSet(DomainEvent):
    follow_up_at: float | None  #: wall-clock epoch seconds; None clears it
    by: str


@event_type("case.customer_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CaseCustomerChanged(DomainEvent):
    """The case (and its interactions, listed in ``interactions``) belong to
    ``customer_id`` now."""

    previous: str | None
    by: str
    interactions: tuple[str, ...] = ()


@event_type("customer.created")
@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerCreated(DomainEvent):
    name: str
    account_number: str | None = None
    document: str | None = None
    tier: str = "standard"
    phones: tuple[str, ...] = ()
    attributes: dict[str, Any] | None = None
    by: str = "system"
    value: float | None = None


@event_type("customer.updated")
@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerUpdated(DomainEvent):
    """Only the fields in ``changes`` changed (``phones`` replaces the list;
    ``attributes`` replaces the mapping). Fields: name, account_number, document,
    tier, value, phones, attributes."""

    changes: dict[str, Any]
    by: str = "system"
