"""What a case is, as plain values: its states, call types, and the snapshot the
rules judge (``CaseState``), folded from its events (``fold``).

The status moves are a table (``STATUS_MOVES``); the projection
(cti/cases/projection.py) writes the same facts to PostgreSQL, and the
property tests check that the stored rows equal the fold of the stored events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cti.cases import events as ce
from cti.config import LEVELS
from cti.events import DomainEvent

#: The customer of every caller nobody identified (a row made by migration 004).
UNIDENTIFIED_CUSTOMER_ID = "00000000-0000-0000-0000-000000000001"

#: perfect: resolved by the agent; imperfect: derived to another agent, supervisor or
#: unit; improper: out of scope (a joke, an insult), ended at once; extraordinary:
#: handled by a supervisor (a public authority, an emergency service).
CALL_TYPES = ("perfect", "imperfect", "improper", "extraordinary")
STATUSES = ("open", "pending", "closed")

#: status -> the statuses a command may move it to. A derivation moves an open case to
#: pending, the answer to the last one moves it back to open.
STATUS_MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "closed"}),
    "pending": frozenset({"open", "closed"}),
    "closed": frozenset({"open"}),
}


@dataclass(frozen=True, slots=True)
class CaseState:
    """A case as the rules see it."""

    id: str
    customer_id: str
    status: str = "open"
    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None
    unit: str | None = None
    owner: str | None = None
    follow_up_at: float | None = None
    derivations: Mapping[str, str] = field(default_factory=dict)  #: id -> unit, unanswered
    answered: frozenset[str] = frozenset()
    derived_ever: bool = False
    notes: int = 0
    attachments: int = 0
    interactions: frozenset[str] = frozenset()

    @property
    def levels(self) -> dict[str, str | None]:
        return {level: getattr(self, level) for level in LEVELS}

    def missing_levels(self) -> list[str]:
        return [level for level in LEVELS if not getattr(self, level)]

    @property
    def open_derivations(self) -> int:
        return len(self.derivations)


def fold(events: Iterable[DomainEvent]) -> CaseState | None:
    """The case its events describe, in order (None before a ``CaseOpened``)."""
    state: CaseState | None = None
    for event in events:
        state = apply(state, event)
    return state


def apply(state: CaseState | None, e: DomainEvent) -> CaseState | None:
    """One event's effect on the case (events of other types leave it as it was)."""
    if isinstance(e, ce.CaseOpened):
        state = CaseState(id=e.case_id or "", customer_id=e.customer_id
                          or UNIDENTIFIED_CUSTOMER_ID)
        return _replace(state, topic=e.topic, reason=e.reason, sub_reason=e.sub_reason,
                        question=e.question, call_type=e.call_type, unit=e.unit,
                        owner=e.owner)
    if state is None:
        return None
    if isinstance(e, ce.CaseInteractionLinked) and e.interaction_id:
        return _replace(state, interactions=state.interactions | {e.interaction_id})
    if isinstance(e, ce.CaseClassified):
        changes: dict[str, Any] = {level: getattr(e, level) for level in LEVELS}
        if e.call_type is not None:
            changes["call_type"] = e.call_type
        return _replace(state, **changes)
    if isinstance(e, ce.CaseStatusChanged):
        return _replace(state, status=e.status)
    if isinstance(e, ce.CaseDerived):
        return _replace(state, derived_ever=True,
                        derivations={**state.derivations, e.derivation_id: e.unit})
    if isinstance(e, ce.CaseDerivationAnswered):
        rest = {k: v for k, v in state.derivations.items() if k != e.derivation_id}
        return _replace(state, derivations=rest, answered=state.answered | {e.derivation_id})
    if isinstance(e, ce.CaseAssigned):
        return _replace(state, unit=e.unit or state.unit, owner=e.owner)
    if isinstance(e, ce.CaseFollowUpSet):
        return _replace(state, follow_up_at=e.follow_up_at)
    if isinstance(e, ce.CaseCustomerChanged):
        return _replace(state, customer_id=e.customer_id or UNIDENTIFIED_CUSTOMER_ID)
    if isinstance(e, ce.CaseNoteAdded):
        return _replace(state, notes=state.notes + 1)
    if isinstance(e, ce.CaseAttachmentAdded):
        return _replace(state, attachments=state.attachments + 1)
    return state


def _replace(state: CaseState, **changes: Any) -> CaseState:
    return dataclasses.replace(state, **changes)
