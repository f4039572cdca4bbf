"""The IVR identifies the caller and settles the call's case, on the real database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from case_support import ROOT, Cases

from cti.agi.host import CallInfo, CaseLink, Customer
from cti.agi.loader import load_flows
from cti.agi.memory_host import MemoryHost
from cti.agi.simulate import simulate
from cti.cases import ivr, rules
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.cases.service import CaseService
from cti.store import Store

COMPLAINT = {"topic": "complaints", "reason": "complaint"}
MADRID = ZoneInfo("Europe/Madrid")


async def test_the_ivr_finds_the_caller_by_phone_account_or_document(cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer("Ana Ruiz", phones=["+34 600 11 22 33"],
                                   account_number="AC-1", document="12345678Z")
        await cases.service.open_case(customer_id=ana, by="a1", classification=COMPLAINT)
        by_phone = await ivr.find_customer(cases.store, phone="600112233")
        by_account = await ivr.find_customer(cases.store, account="AC-1")
        by_document = await ivr.find_customer(cases.store, document="12345678Z")
        nobody = await ivr.find_customer(cases.store, document="00000000T")
    assert by_phone == by_account == by_document
    assert (by_phone.id, by_phone.name, by_phone.open_cases) == (ana, "Ana Ruiz", 1)
    assert nobody is None


async def test_the_case_step_links_the_call_to_the_open_case_of_the_same_topic(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        ana = await cases.customer()
        open_case = (await cases.service.open_case(customer_id=ana, by="a1",
                                                   classification=COMPLAINT)).id
        call = await cases.call(ana)
        link = await ivr.case_for_call(cases.service, call, customer_id=ana,
                                       classification=COMPLAINT, link_open=True,
                                       open_now=False, call_type=None)
        other_topic = await ivr.case_for_call(
            cases.service, await cases.call(ana), customer_id=ana,
            classification={"topic": "billing"}, link_open=True, open_now=False,
            call_type=None)
        contacts = await cases.service.interactions(open_case)
    assert link == CaseLink(open_case, linked=True)
    assert other_topic is None  # its case opens when an agent answers
    assert [str(i.id) for i in contacts] == [call]


async def test_an_unidentified_caller_is_never_linked_to_a_stranger_s_case(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        await cases.service.open_case(customer_id=None, by="a1", classification=COMPLAINT)
        call = await cases.call()
        link = await ivr.case_for_call(cases.service, call, customer_id=None,
                                       classification=COMPLAINT, link_open=True,
                                       open_now=True, call_type=None)
        case = await cases.service.get(link.case_id)
    assert link == CaseLink(rules.case_id_for_call(call), linked=False)
    assert str(case.customer_id) == UNIDENTIFIED_CUSTOMER_ID
    assert (case.topic, case.reason, case.status) == ("complaints", "complaint", "open")


async def test_opening_in_the_ivr_twice_keeps_one_case_and_improper_closes(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        call = await cases.call()
        first = await ivr.case_for_call(cases.service, call, customer_id=None,
                                        classification={}, link_open=False, open_now=True,
                                        call_type=None)
        again = await ivr.case_for_call(cases.service, call, customer_id=None,
                                        classification={}, link_open=False, open_now=True,
                                        call_type=None)
        joke = await cases.call()
        improper = await ivr.case_for_call(cases.service, joke, customer_id=None,
                                           classification={}, link_open=False,
                                           open_now=False, call_type="improper")
        opened = [e for e in cases.published if e.TYPE == "case.opened"]
        closed = await cases.service.get(improper.case_id)
    assert first == again and len(opened) == 2
    assert (closed.status, closed.call_type) == ("closed", "improper")


async def test_a_bad_classification_leaves_the_case_to_the_agent(cases: Cases) -> None:
    async with asyncio.timeout(20):
        call = await cases.call()
        link = await ivr.case_for_call(cases.service, call, customer_id=None,
                                       classification={"topic": "nope"}, link_open=False,
                                       open_now=True, call_type=None)
    assert link is None


@dataclass
class DatabaseHost(MemoryHost):
    """The in-memory IVR host, with customers and cases from the real database."""

    store: Store | None = None
    service: CaseService | None = None

    async def open_interaction(self, call: CallInfo) -> str:
        iid = str(uuid.uuid4())
        self.interactions[iid] = call
        return iid

    async def find_customer(self, *, phone: str | None = None, account: str | None = None,
                            document: str | None = None) -> Customer | None:
        assert self.store is not None
        return await ivr.find_customer(self.store, phone=phone, account=account,
                                       document=document)

    async def case_for_call(self, interaction_id: str, *, customer_id: str | None,
                            classification: Mapping[str, str | None], link_open: bool,
                            open_now: bool, call_type: str | None) -> CaseLink | None:
        assert self.service is not None
        return await ivr.case_for_call(
            self.service, interaction_id, customer_id=customer_id,
            classification=classification, link_open=link_open, open_now=open_now,
            call_type=call_type)


async def test_the_shipped_main_flow_takes_a_complaint_on_to_its_open_case(
        cases: Cases) -> None:
    async with asyncio.timeout(30):
        ana = await cases.customer("Ana Ruiz", phones=["5550101"])
        open_case = (await cases.service.open_case(customer_id=ana, by="a1005",
                                                   classification=COMPLAINT)).id
        flows = {n: lf.flow for n, lf in load_flows(ROOT / "ivr_flows").items()}
        host = DatabaseHost(hours=cases.service.config.hours, store=cases.store,
                            service=cases.service)
        sim = await simulate(flows, "main", host, caller="5550101", digits=["4"],
                             at=datetime(2026, 11, 23, 10, 0, tzinfo=MADRID), tz=MADRID)
        result = sim.result
        contacts = await cases.service.interactions(open_case)
    step = next(e for e in result.path if e.kind == "case")
    assert step.data["linked"] is True and step.data["case_id"] == open_case
    assert host.queued[result.interaction_id]["attributes"]["case_id"] == open_case
    assert [str(i.id) for i in contacts] == [result.interaction_id]
