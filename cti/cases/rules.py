"""The case rules: given a case as stored and a command, the events it produces or
the reason it is refused. Pure: no I/O, no clock, no random ids (the caller
passes them), so the routing step can use ``case_for_answered_call`` and the
tests can run every rule without a database.

Each function returns ``[(event class, keyword arguments), ...]`` ready for
``EventStream.new(cls, **kwargs)``, envelope included (``case_id``,
``customer_id``, ``interaction_id``).

Status rules (``STATUS_MOVES`` in cti/cases/model.py):
- a case is ``pending`` while a derivation is unanswered: a derivation moves an
  open case to pending, the answer to the last one moves it back to open;
- a case closes only with its four levels of classification (improper calls
  excepted) and no unanswered derivation; closing gives the call type when none
  was given: ``imperfect`` if it was ever derived, else ``perfect``;
- an improper call's case closes at once;
- a closed case takes notes and attachments and may be reopened; nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from cti.cases import events as ce
from cti.cases.catalogue import check_classification
from cti.cases.errors import (
    CaseRefused,
    ClassificationIncomplete,
    NoSuchDerivation,
    NotInCatalogue,
)
from cti.cases.model import CALL_TYPES, STATUS_MOVES, UNIDENTIFIED_CUSTOMER_ID, CaseState
from cti.config import LEVELS, Catalogue
from cti.events import DomainEvent

EventSpec = tuple[type[DomainEvent], dict[str, Any]]

_NAMESPACE = uuid.UUID("0b5e8f0c-59a4-4c1e-9d1f-3a0c2d4e6b71")


def case_id_for_call(interaction_id: str) -> str:
    """The id of the case a call opens (the same whoever opens it, and on a replay)."""
    return str(uuid.uuid5(_NAMESPACE, f"{interaction_id}/case"))


def _envelope(state: CaseState, **more: Any) -> dict[str, Any]:
    return {"case_id": state.id, "customer_id": state.customer_id, **more}


def _levels(classification: Mapping[str, Any] | None) -> dict[str, str | None]:
    given = classification or {}
    return {level: (str(given[level]) if given.get(level) else None) for level in LEVELS}


# --- opening ------------------------------------------------------------------------


def case_for_answered_call(*, interaction_id: str, case_id: str | None,
                           customer_id: str | None, agent_id: str, queue: str | None,
                           classification: Mapping[str, Any] | None = None,
                           unit: str | None = None) -> list[EventSpec]:
    """What an agent's answer implies for the case of a call: nothing if the call
    carries a case already (the IVR linked or opened one), else a new case owned by
    the agent (in ``unit``, the default unit), with the IVR's classification, and
    the call linked to it. Abandoned calls never reach this, so they open none.

    Args:
        case_id: the call's case, if it has one.
        customer_id: who the IVR identified (None: the unidentified customer).
        classification: topic / reason / sub_reason / question from the IVR.
    """
    if case_id:
        return []
    levels = _levels(classification)
    new_id = case_id_for_call(interaction_id)
    customer = customer_id or UNIDENTIFIED_CUSTOMER_ID
    envelope = {"case_id": new_id, "customer_id": customer, "interaction_id": interaction_id,
                "queue": queue, "agent_id": agent_id}
    return [(ce.CaseOpened, {**envelope, **levels, "unit": unit, "owner": agent_id,
                             "opened_by": agent_id}),
            (ce.CaseInteractionLinked, {**envelope, "by": agent_id})]


def open_case(*, case_id: str, customer_id: str | None, by: str,
              catalogue: Catalogue, classification: Mapping[str, Any] | None = None,
              call_type: str | None = None, unit: str | None = None,
              owner: str | None = None, subject: str | None = None,
              interaction_id: str | None = None) -> list[EventSpec]:
    """A new case (linked to ``interaction_id`` when given). An improper call's case
    is closed at once, with whatever classification it has."""
    levels = _levels(classification)
    _check_catalogue(catalogue, levels)
    _check_call_type(call_type)
    state = CaseState(id=case_id, customer_id=customer_id or UNIDENTIFIED_CUSTOMER_ID,
                      call_type=call_type, **levels)
    specs: list[EventSpec] = [(ce.CaseOpened, _envelope(
        state, interaction_id=interaction_id, **levels, call_type=call_type, unit=unit,
        owner=owner, opened_by=by, subject=subject))]
    if interaction_id:
        specs.append((ce.CaseInteractionLinked, _envelope(state, interaction_id=interaction_id,
                                                           by=by)))
    if call_type == "improper":
        specs.append(_status(state, "closed", by, "improper call"))
    return specs


# --- classification -------------------------------------------------------------------


def classify(state: CaseState, *, by: str, catalogue: Catalogue,
             classification: Mapping[str, Any] | None,
             call_type: str | None = None) -> list[EventSpec]:
    """Set the classification (the four levels as given, absent ones cleared; None
    keeps them) and the call type. Classifying a call as improper closes its case."""
    _refuse_if_closed(state, "classified")
    levels = state.levels if classification is None else _levels(classification)
    if classification is None and call_type is None:
        raise CaseRefused("give the classification (topic, reason, sub_reason, question) "
                          "or the call type")
    _check_catalogue(catalogue, levels)
    _check_call_type(call_type)
    specs: list[EventSpec] = [(ce.CaseClassified, _envelope(state, **levels,
                                                            call_type=call_type, by=by))]
    if call_type == "improper":
        if state.derivations:
            raise CaseRefused(f"case {state.id} waits for {_waiting(state)}; an improper "
                              "call has no derivation to wait for")
        specs.append(_status(state, "closed", by, "improper call"))
    return specs


# --- status ---------------------------------------------------------------------------


def change_status(state: CaseState, status: str, *, by: str,
                  resolution: str | None = None) -> list[EventSpec]:
    """Move the case to ``status`` (open, pending or closed) if the rules allow it."""
    if status not in STATUS_MOVES:
        raise CaseRefused(f"unknown status {status!r}; use open, pending or closed")
    if status == state.status:
        raise CaseRefused(f"case {state.id} is already {status}")
    if status not in STATUS_MOVES[state.status]:
        raise CaseRefused(f"case {state.id} is {state.status}: it cannot become {status}; "
                          "reopen it first")
    specs: list[EventSpec] = []
    if status == "closed":
        if state.derivations:
            raise CaseRefused(f"case {state.id} cannot be closed: it waits for "
                              f"{_waiting(state)}; record the answer first")
        missing = [] if state.call_type == "improper" else state.missing_levels()
        if missing:
            raise ClassificationIncomplete(state.id, missing)
        if state.call_type is None:
            specs.append((ce.CaseClassified, _envelope(
                state, **state.levels, by=by,
                call_type="imperfect" if state.derived_ever else "perfect")))
    if status == "open" and state.derivations:
        raise CaseRefused(f"case {state.id} stays pending while it waits for "
                          f"{_waiting(state)}")
    specs.append(_status(state, status, by, resolution if status == "closed" else None))
    return specs


def _status(state: CaseState, status: str, by: str, resolution: str | None) -> EventSpec:
    return (ce.CaseStatusChanged, _envelope(state, status=status, previous=state.status,
                                            by=by, resolution=resolution))


# --- derivations ------------------------------------------------------------------------


def derive(state: CaseState, *, derivation_id: str, unit: str, reason: str,
           by: str) -> list[EventSpec]:
    """Send the case to ``unit`` (checked by the caller): it is pending until it answers.
    A derived call is imperfect (unless a supervisor handles it as extraordinary)."""
    _refuse_if_closed(state, "derived")
    if not reason.strip():
        raise CaseRefused("a derivation needs a reason: what the unit should do")
    specs: list[EventSpec] = [(ce.CaseDerived, _envelope(
        state, derivation_id=derivation_id, unit=unit, reason=reason.strip(), by=by))]
    if state.call_type in (None, "perfect"):
        specs.append((ce.CaseClassified, _envelope(state, **state.levels, by=by,
                                                   call_type="imperfect")))
    if state.status == "open":
        specs.append(_status(state, "pending", by, None))
    return specs


def answer_derivation(state: CaseState, *, derivation_id: str, answer: str,
                      by: str) -> list[EventSpec]:
    """The unit's answer; the case is open again when nothing else is awaited."""
    unit = state.derivations.get(derivation_id)
    if unit is None:
        if derivation_id in state.answered:
            raise CaseRefused(f"derivation {derivation_id} of case {state.id} is already "
                              "answered")
        raise NoSuchDerivation(state.id, derivation_id)
    if not answer.strip():
        raise CaseRefused("an answer needs text: what the unit did or decided")
    specs: list[EventSpec] = [(ce.CaseDerivationAnswered, _envelope(
        state, derivation_id=derivation_id, unit=unit, answer=answer.strip(), by=by))]
    if len(state.derivations) == 1 and state.status == "pending":
        specs.append(_status(state, "open", by, None))
    return specs


def _waiting(state: CaseState) -> str:
    units = sorted(set(state.derivations.values()))
    count = len(state.derivations)
    return f"{count} unanswered derivation{'s' if count > 1 else ''} (to {', '.join(units)})"


# --- the rest -------------------------------------------------------------------------------


def add_note(state: CaseState, *, note_id: str, text: str, author: str,
             interaction_id: str | None = None) -> list[EventSpec]:
    if not text.strip():
        raise CaseRefused("a note needs text")
    return [(ce.CaseNoteAdded, _envelope(state, interaction_id=interaction_id,
                                         note_id=note_id, text=text.strip(), author=author))]


def link_interaction(state: CaseState, *, interaction_id: str,
                     interaction_customer: str | None, current_case: str | None,
                     by: str) -> list[EventSpec]:
    """Link a contact to the case (moving it from ``current_case``). A contact of an
    identified customer joins only that customer's cases; an unidentified one
    takes the case's customer. Linking again is a no-op."""
    if current_case == state.id:
        return []
    _refuse_if_closed(state, "linked to a contact")
    if interaction_customer not in (None, UNIDENTIFIED_CUSTOMER_ID, state.customer_id):
        raise CaseRefused(f"interaction {interaction_id} belongs to customer "
                          f"{interaction_customer}, case {state.id} to {state.customer_id}; "
                          "change the case's customer first")
    return [(ce.CaseInteractionLinked, _envelope(state, interaction_id=interaction_id, by=by,
                                                 moved_from=current_case))]


def assign(state: CaseState, *, unit: str | None, owner: str | None,
           by: str) -> list[EventSpec]:
    _refuse_if_closed(state, "assigned")
    return [(ce.CaseAssigned, _envelope(state, unit=unit, owner=owner, by=by))]


def set_follow_up(state: CaseState, *, at: float | None, by: str) -> list[EventSpec]:
    _refuse_if_closed(state, "given a follow-up date")
    return [(ce.CaseFollowUpSet, _envelope(state, follow_up_at=at, by=by))]


def change_customer(state: CaseState, *, customer_id: str, interactions: list[str],
                    by: str) -> list[EventSpec]:
    """The case and its contacts belong to ``customer_id`` (an agent found who called)."""
    if customer_id == state.customer_id:
        raise CaseRefused(f"case {state.id} already belongs to customer {customer_id}")
    return [(ce.CaseCustomerChanged, {"case_id": state.id, "customer_id": customer_id,
                                      "previous": state.customer_id, "by": by,
                                      "interactions": tuple(interactions)})]


def _refuse_if_closed(state: CaseState, what: str) -> None:
    if state.status == "closed":
        raise CaseRefused(f"case {state.id} is closed and cannot be {what}; reopen it first")


def _check_call_type(call_type: str | None) -> None:
    if call_type is not None and call_type not in CALL_TYPES:
        raise NotInCatalogue(f"unknown call type {call_type!r}; use one of "
                             f"{', '.join(CALL_TYPES)}")


def _check_catalogue(catalogue: Catalogue, levels: Mapping[str, str | None]) -> None:
    problems = check_classification(catalogue, levels)
    if problems:
        raise NotInCatalogue("; ".join(problems))
