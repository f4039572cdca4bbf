"""A case's life on the real database: opening, classification, status rules,
derivations, improper calls, contacts, and its customer."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from case_support import FULL, Cases

from cti.cases.errors import CaseRefused, ClassificationIncomplete, NoSuchUnit, NotInCatalogue
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID


async def test_a_case_cannot_close_without_its_four_levels_and_says_what_is_missing(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        opened = await cases.service.open_case(
            customer_id=ana, by="a1001",
            classification={"topic": "bookings", "reason": "new booking",
                            "sub_reason": "package holiday"})
        with pytest.raises(ClassificationIncomplete, match="lacks question; classify it"):
            await cases.service.close(opened.id, by="a1001")
        assert (await cases.service.get(opened.id)).status == "open"
        await cases.service.classify(opened.id, by="a1001", classification=FULL)
        closed = await cases.service.close(opened.id, by="a1001", resolution="booked")
        assert closed.stored
        case = await cases.service.get(opened.id)
    assert (case.status, case.closed_by, case.resolution) == ("closed", "a1001", "booked")
    assert case.call_type == "perfect"  # resolved by the agent, never derived
    assert case.closed_at is not None and case.status_by == "a1001"


async def test_the_database_refuses_a_closed_case_without_classification(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        opened = await cases.service.open_case(customer_id=None, by="a1001")
        with pytest.raises(asyncpg.CheckViolationError, match="cases_closed_classified"):
            await cases.store.pool.execute(
                "UPDATE cases SET status = 'closed' WHERE id = $1", opened.id)


async def test_a_derived_case_is_pending_until_the_unit_answers(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        case_id = (await cases.service.open_case(customer_id=ana, by="a1003",
                                                 classification=FULL)).id
        derivation = (await cases.service.derive(case_id, unit="finance",
                                                 reason="refund the deposit", by="a1003")).id
        pending = await cases.service.get(case_id)
        assert (pending.status, pending.open_derivations, pending.call_type) == (
            "pending", 1, "imperfect")
        with pytest.raises(CaseRefused, match=r"waits for 1 unanswered derivation \(to "
                                              r"finance\); record the answer first"):
            await cases.service.close(case_id, by="a1003")
        with pytest.raises(CaseRefused, match="stays pending"):
            await cases.service.set_status(case_id, "open", by="a1003")
        await cases.service.answer_derivation(case_id, derivation, answer="refunded",
                                              by="finance@viajessol.example")
        answered = await cases.service.get(case_id)
        [row] = await cases.service.derivations(case_id)
        with pytest.raises(CaseRefused, match="already answered"):
            await cases.service.answer_derivation(case_id, derivation, answer="again",
                                                  by="x")
    assert (answered.status, answered.open_derivations) == ("open", 0)
    assert (row.unit, row.reason, row.answer) == ("finance", "refund the deposit", "refunded")


async def test_two_derivations_keep_the_case_pending_until_both_answer(cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        first = (await cases.service.derive(case_id, unit="finance", reason="r1", by="a1")).id
        second = (await cases.service.derive(case_id, unit="operations", reason="r2",
                                             by="a1")).id
        await cases.service.answer_derivation(case_id, first, answer="done", by="f")
        assert (await cases.service.get(case_id)).status == "pending"
        await cases.service.answer_derivation(case_id, second, answer="done", by="o")
        assert (await cases.service.get(case_id)).status == "open"


async def test_derivation_to_an_unknown_unit_is_refused_naming_the_units(cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        with pytest.raises(NoSuchUnit, match="no unit named 'legal'; units: agents, "
                                             "complaints, finance, operations, supervisors"):
            await cases.service.derive(case_id, unit="legal", reason="x", by="a1")


async def test_an_improper_call_gets_a_minimal_case_closed_at_once(cases: Cases) -> None:
    async with asyncio.timeout(20):
        iid = await cases.call()
        receipt = await cases.service.open_case(customer_id=None, by="a1002",
                                                call_type="improper", interaction_id=iid)
        case = await cases.service.get(receipt.id)
        assert (case.status, case.call_type, case.resolution, case.topic) == (
            "closed", "improper", "improper call", None)
        assert [str(i.id) for i in await cases.service.interactions(receipt.id)] == [iid]
        later = (await cases.service.open_case(customer_id=None, by="a1002")).id
        await cases.service.classify(later, by="a1002", classification={},
                                     call_type="improper")
        assert (await cases.service.get(later)).status == "closed"


async def test_a_case_spans_two_interactions_of_its_customer(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        first, callback = await cases.call(ana), await cases.call(ana)
        case_id = (await cases.service.open_case(customer_id=ana, by="a1001",
                                                 interaction_id=first)).id
        await cases.service.link_interaction(case_id, callback, by="a1004")
        again = await cases.service.link_interaction(case_id, callback, by="a1004")
        contacts = await cases.service.interactions(case_id)
    assert again.events == ()  # linking twice publishes nothing
    assert [str(i.id) for i in contacts] == [first, callback]
    assert {str(i.customer_id) for i in contacts} == {ana}


async def test_a_contact_of_another_customer_is_not_linked(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana, luis = await cases.customer("Ana"), await cases.customer("Luis")
        case_id = (await cases.service.open_case(customer_id=ana, by="a1")).id
        with pytest.raises(CaseRefused, match="change the case's customer first"):
            await cases.service.link_interaction(case_id, await cases.call(luis), by="a1")


async def test_an_unidentified_caller_s_case_moves_to_the_right_customer_with_its_calls(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        first, second = await cases.call(), await cases.call()
        case_id = (await cases.service.open_case(customer_id=None, by="a1001",
                                                 interaction_id=first)).id
        await cases.service.link_interaction(case_id, second, by="a1001")
        before = await cases.service.get(case_id)
        assert str(before.customer_id) == UNIDENTIFIED_CUSTOMER_ID
        ana = await cases.customer("Ana Ruiz", phones=["+34 600 11 22 33"])
        await cases.service.change_customer(case_id, ana, by="a1001")
        after = await cases.service.get(case_id)
        contacts = await cases.service.interactions(case_id)
        events = [e["type"] for e in await cases.store.events.for_case(case_id)]
    assert str(after.customer_id) == ana
    assert {str(i.customer_id) for i in contacts} == {ana}
    assert events == ["case.opened", "case.interaction_linked", "case.interaction_linked",
                      "case.customer_changed"]


async def test_classification_must_name_catalogue_entries(cases: Cases) -> None:
    async with asyncio.timeout(20):
        with pytest.raises(NotInCatalogue, match="reason 'refunds' is not in the catalogue "
                                                 "of 'billing'; reasons: invoice or payment, "
                                                 "refund"):
            await cases.service.open_case(customer_id=None, by="a1", classification={
                "topic": "billing", "reason": "refunds"})
        with pytest.raises(NotInCatalogue, match="unknown call type 'great'"):
            await cases.service.open_case(customer_id=None, by="a1", call_type="great")
    assert cases.published == []  # a refused command publishes nothing


async def test_a_closed_case_takes_notes_and_can_be_reopened_but_not_derived(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1",
                                                 classification=FULL)).id
        await cases.service.close(case_id, by="a1")
        await cases.service.add_note(case_id, "customer called to thank us", author="a2")
        with pytest.raises(CaseRefused, match="is closed and cannot be derived; reopen"):
            await cases.service.derive(case_id, unit="finance", reason="x", by="a1")
        with pytest.raises(CaseRefused, match="already closed"):
            await cases.service.close(case_id, by="a1")
        await cases.service.set_status(case_id, "open", by="s2001")
        reopened = await cases.service.get(case_id)
    assert (reopened.status, reopened.closed_at, reopened.status_by) == ("open", None, "s2001")


async def test_assignment_and_follow_up_are_stored(cases: Cases) -> None:
    from datetime import UTC, datetime

    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        assert (await cases.service.get(case_id)).unit == "agents"  # the default unit
        await cases.service.assign(case_id, unit="complaints", owner="a1005", by="s2001")
        when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        await cases.service.set_follow_up(case_id, when, by="a1005")
        case = await cases.service.get(case_id)
        with pytest.raises(CaseRefused, match="needs a time zone"):
            await cases.service.set_follow_up(case_id, datetime(2026, 12, 1), by="a1")
    assert (case.unit, case.owner, case.follow_up_at) == ("complaints", "a1005", when)


async def test_a_reloaded_catalogue_and_units_apply_to_the_next_command(
        cases: Cases, tmp_path) -> None:
    import shutil

    from case_support import ROOT

    from cti.config import load_config

    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    text = (config_dir / "units.yaml").read_text()
    (config_dir / "units.yaml").write_text(text.replace("  - id: operations", "  - id: legal"))
    (config_dir / "catalogue.yaml").write_text(
        "topics:\n  visas:\n    reasons:\n      tourist visa:\n        sub_reasons:\n"
        "          usa:\n            questions:\n              esta:\n"
        "                answer: Apply online at least 72 hours before the flight.\n")
    async with asyncio.timeout(20):
        cases.service.reconfigure(load_config(config_dir))
        case_id = (await cases.service.open_case(customer_id=None, by="a1",
                                                 classification={"topic": "visas"})).id
        await cases.service.derive(case_id, unit="legal", reason="check", by="a1")
        with pytest.raises(NotInCatalogue, match="topics: visas"):
            await cases.service.open_case(customer_id=None, by="a1",
                                          classification={"topic": "billing"})


async def test_the_routing_answer_rule_stores_a_case_for_the_call(cases: Cases) -> None:
    """What the routing step publishes at an agent's answer (rules.case_for_answered_call)."""
    from cti.cases import rules

    async with asyncio.timeout(20):
        iid = await cases.call()
        specs = rules.case_for_answered_call(
            interaction_id=iid, case_id=None, customer_id=None, agent_id="a1003",
            queue="billing", classification={"topic": "billing", "reason": "refund"},
            unit=cases.service.config.default_unit)
        cases.stream.publish([cases.stream.new(cls, **kwargs) for cls, kwargs in specs])
        assert await cases.recorder.stored(cases.stream.last_seq)
        case = await cases.service.get(rules.case_id_for_call(iid))
        contacts = await cases.service.interactions(str(case.id))
    assert (case.topic, case.reason, case.owner, case.unit, case.status) == (
        "billing", "refund", "a1003", "agents", "open")
    assert str(case.customer_id) == UNIDENTIFIED_CUSTOMER_ID
    assert [str(i.id) for i in contacts] == [iid]
    assert str(contacts[0].customer_id) == UNIDENTIFIED_CUSTOMER_ID
