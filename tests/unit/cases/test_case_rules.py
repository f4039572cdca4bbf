"""The case rules, pure: commands in, events (or a refusal naming why) out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cti.cases import events as ce
from cti.cases import rules
from cti.cases.errors import CaseRefused, ClassificationIncomplete, NoSuchDerivation
from cti.cases.model import STATUS_MOVES, UNIDENTIFIED_CUSTOMER_ID, CaseState, fold
from cti.config import Catalogue, load_config
from cti.stream import EventStream

CATALOGUE = load_config(Path(__file__).resolve().parents[3] / "config").catalogue
FULL = {"topic": "bookings", "reason": "new booking", "sub_reason": "package holiday",
        "question": "what is included"}
IID = "6b0f9e54-22a1-4f57-8d3e-0c6f1f0e2a11"


def _events(specs: list[rules.EventSpec]) -> list[ce.DomainEvent]:
    stream = EventStream("test", clock=lambda: 1_800_000_000.0)
    return [stream.new(cls, **kwargs) for cls, kwargs in specs]


def test_an_answered_call_without_a_case_opens_one_owned_by_the_agent() -> None:
    specs = rules.case_for_answered_call(
        interaction_id=IID, case_id=None, customer_id=None, agent_id="a1001",
        queue="bookings", classification={"topic": "bookings", "reason": "new booking"},
        unit="agents")
    opened, linked = _events(specs)
    assert isinstance(opened, ce.CaseOpened) and isinstance(linked, ce.CaseInteractionLinked)
    assert opened.case_id == linked.case_id == rules.case_id_for_call(IID)
    assert opened.customer_id == UNIDENTIFIED_CUSTOMER_ID
    assert (opened.topic, opened.reason, opened.sub_reason) == ("bookings", "new booking",
                                                                None)
    assert (opened.owner, opened.unit, opened.opened_by) == ("a1001", "agents", "a1001")
    assert (linked.interaction_id, linked.agent_id, linked.queue) == (IID, "a1001", "bookings")


def test_an_answered_call_that_carries_a_case_opens_none() -> None:
    assert rules.case_for_answered_call(interaction_id=IID, case_id="c1", customer_id="x",
                                        agent_id="a1", queue="q") == []


def test_the_case_id_of_a_call_is_the_same_on_every_replay() -> None:
    assert rules.case_id_for_call(IID) == rules.case_id_for_call(IID)
    assert rules.case_id_for_call(IID) != rules.case_id_for_call(IID[:-1] + "2")


def _state(**changes: object) -> CaseState:
    return dataclasses.replace(CaseState(id="c1", customer_id="k1", **FULL), **changes)


@pytest.mark.parametrize("start", ["open", "pending", "closed"])
@pytest.mark.parametrize("target", ["open", "pending", "closed"])
def test_status_moves_follow_the_table(start: str, target: str) -> None:
    state = _state(status=start)
    if target in STATUS_MOVES[start]:
        *_, last = _events(rules.change_status(state, target, by="a1"))
        assert (last.status, last.previous) == (target, start)
    else:
        with pytest.raises(CaseRefused, match=f"case c1 is (already {target}|{start})"):
            rules.change_status(state, target, by="a1")


def test_closing_names_every_missing_level() -> None:
    with pytest.raises(ClassificationIncomplete) as info:
        rules.change_status(_state(reason=None, question=None), "closed", by="a1")
    assert info.value.missing == ["reason", "question"]
    assert info.value.code == "classification-incomplete"


def test_closing_gives_the_call_type_from_the_case_s_history() -> None:
    perfect = _events(rules.change_status(_state(), "closed", by="a1"))
    imperfect = _events(rules.change_status(_state(derived_ever=True), "closed", by="a1"))
    kept = _events(rules.change_status(_state(call_type="extraordinary"), "closed", by="a1"))
    assert perfect[0].call_type == "perfect" and imperfect[0].call_type == "imperfect"
    assert [type(e) for e in kept] == [ce.CaseStatusChanged]


def test_derivation_makes_an_open_case_pending_and_imperfect() -> None:
    events = _events(rules.derive(_state(), derivation_id="d1", unit="finance", reason="x",
                                  by="a1"))
    state = fold([_events([(ce.CaseOpened, {"case_id": "c1", "customer_id": "k1", **FULL})])[0],
                  *events])
    assert (state.status, state.call_type, dict(state.derivations)) == (
        "pending", "imperfect", {"d1": "finance"})


def test_a_second_derivation_of_a_pending_case_changes_no_status() -> None:
    state = _state(status="pending", derivations={"d1": "finance"}, derived_ever=True,
                   call_type="imperfect")
    events = _events(rules.derive(state, derivation_id="d2", unit="operations", reason="y",
                                  by="a1"))
    assert [type(e) for e in events] == [ce.CaseDerived]


def test_an_unknown_derivation_is_named() -> None:
    with pytest.raises(NoSuchDerivation, match="case c1 has no derivation 'd9'"):
        rules.answer_derivation(_state(), derivation_id="d9", answer="x", by="a1")


def test_an_extraordinary_call_stays_extraordinary_when_derived() -> None:
    events = _events(rules.derive(_state(call_type="extraordinary"), derivation_id="d1",
                                  unit="supervisors", reason="police", by="s2001"))
    assert not any(isinstance(e, ce.CaseClassified) for e in events)


def test_an_empty_catalogue_accepts_any_words_but_levels_go_top_down() -> None:
    empty = Catalogue()
    rules.classify(_state(), by="a1", catalogue=empty, classification={"topic": "anything"})
    with pytest.raises(rules.NotInCatalogue, match="reason 'r' is given without a topic"):
        rules.classify(_state(), by="a1", catalogue=empty, classification={"reason": "r"})
