"""A small known day of calls, agents, cases and surveys, stored the way the service
stores it: domain events through ``store.events.apply`` with the records'
projection (cti/records.py, cti/cases/projection.py), so the rows are the rows
the service writes. The event sequences follow what the routing step emits
(tests/integration/service shows them on live calls).

Monday 2 March 2026 in Europe/Madrid (UTC+1). The expected figures, worked out
by hand, are in test_report_figures.py.

  C1 bookings  answered by a1001 after 12 s, 30 s on hold, 180 s talk, 20 s wrap-up
  C2 bookings  hung up after 3 s: a short abandon
  C3 bookings  rang a1002, hung up at 30 s while ringing: abandoned
  C4 changes   max wait 240 s, overflow to general; a1003 let it ring (missed),
               a1004 answered 30 s after it entered general; 120 s talk, 10 s wrap-up
  C5 general   a1004 answered after 40 s, talked 60 s and transferred it to billing;
               a1005 answered 10 s later, 100 s talk; wrap-ups 15 s and 5 s
  C6 vip       callback asked at 30 s; a1006 called back at 09:45, the customer answered
               at 09:45:15; 120 s with the customer (130 s for the agent), 10 s wrap-up
  C7 billing   voicemail exit after 300 s
  C8 bookings  callback asked; a1001 called back, the customer never answered (30 s)
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cti import events as ev
from cti import records
from cti.cases import events as ce
from cti.cases import projection  # noqa: F401  (registers the case projections)
from cti.store import Store

ZONE = ZoneInfo("Europe/Madrid")
DAY = datetime(2026, 3, 2, tzinfo=ZONE)


def t(hh: int, mm: int, ss: float = 0.0, day: datetime = DAY) -> float:
    return (day + timedelta(hours=hh, minutes=mm, seconds=ss)).timestamp()


def iid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"report-dataset/{name}"))


class Script:
    def __init__(self) -> None:
        self.events: list[ev.DomainEvent] = []

    def emit(self, cls: type[ev.DomainEvent], at: float, **fields: Any) -> None:
        self.events.append(cls(seq=len(self.events) + 1, at=at, **fields))

    # --- agents ---------------------------------------------------------------------------

    def state(self, agent: str, state: str, at: float, call: str | None = None,
              reason: str | None = None, previous: str = "READY") -> None:
        self.emit(ev.AgentStateChanged, at, agent_id=agent, state=state, previous=previous,
                  reason=reason, interaction_id=call and iid(call))

    def handle(self, agent: str, call: str, offered: float, answered: float, left: float,
               wrap: float) -> None:
        """The agent's states around one call it answered: RESERVED, ON_CALL, WRAP_UP, READY."""
        self.state(agent, "RESERVED", offered, call)
        self.state(agent, "ON_CALL", answered, call, previous="RESERVED")
        self.state(agent, "WRAP_UP", left, previous="ON_CALL")
        self.state(agent, "READY", left + wrap, previous="WRAP_UP")

    # --- calls ----------------------------------------------------------------------------

    def opened(self, call: str, at: float, number: str) -> None:
        self.emit(ev.InteractionOpened, at, interaction_id=iid(call), caller_number=number,
                  dialled_number="900", node="pbx1", flow="main")

    def queued(self, call: str, queue: str, at: float, *, arrived: float | None = None,
               segment: int = 0, cause: str = "ivr", from_queue: str | None = None) -> None:
        self.emit(ev.CallQueued, at, interaction_id=iid(call), queue=queue, segment=segment,
                  cause=cause, from_queue=from_queue, arrived_at=arrived or at,
                  caller_number="+34612345678", node="pbx1")

    def offered(self, call: str, queue: str, agent: str, attempt: int, at: float,
                segment: int = 0, callback: bool = False) -> None:
        self.emit(ev.CallOffered, at, interaction_id=iid(call), queue=queue, agent_id=agent,
                  attempt=attempt, ring_timeout=15, segment=segment, callback=callback)

    def answered(self, call: str, queue: str, agent: str, attempt: int, at: float,
                 segment: int = 0, callback: bool = False) -> None:
        self.emit(ev.CallAnswered, at, interaction_id=iid(call), queue=queue, agent_id=agent,
                  attempt=attempt, segment=segment, callback=callback)

    def agent_left(self, call: str, queue: str, agent: str, attempt: int, at: float,
                   segment: int = 0) -> None:
        self.emit(ev.AgentLeftCall, at, interaction_id=iid(call), queue=queue, agent_id=agent,
                  attempt=attempt, segment=segment)

    def ended(self, call: str, queue: str, outcome: str, at: float, segment: int = 0) -> None:
        self.emit(ev.CallEnded, at, interaction_id=iid(call), queue=queue, outcome=outcome,
                  segment=segment, queued=True)

    def survey(self, call: str, queue: str, agent: str, kind: str, score: int,
               at: float) -> None:
        self.emit(ev.SurveyAnswered, at, interaction_id=iid(call), queue=queue,
                  agent_id=agent, kind=kind, score=score)


def known_day() -> Script:
    s = Script()
    for agent in ("a1001", "a1002", "a1003", "a1004", "a1005", "a1006"):
        s.state(agent, "READY", t(8, 55), previous="LOGGED_OUT")

    # C1: answered in 12 s by a1001, 30 s on hold; CSAT 5, NPS 9, CES 5.
    s.opened("C1", t(8, 59, 40), "+34612345678")
    s.queued("C1", "bookings", t(9, 0))
    s.offered("C1", "bookings", "a1001", 1, t(9, 0, 8))
    s.state("a1001", "RESERVED", t(9, 0, 8), "C1")
    s.answered("C1", "bookings", "a1001", 1, t(9, 0, 12))
    s.state("a1001", "ON_CALL", t(9, 0, 12), "C1", previous="RESERVED")
    s.emit(ev.CallHeld, t(9, 1, 12), interaction_id=iid("C1"), agent_id="a1001", attempt=1)
    s.emit(ev.CallResumed, t(9, 1, 42), interaction_id=iid("C1"), agent_id="a1001",
           attempt=1, held_for=30.0)
    s.agent_left("C1", "bookings", "a1001", 1, t(9, 3, 12))
    s.state("a1001", "WRAP_UP", t(9, 3, 12), previous="ON_CALL")
    s.ended("C1", "bookings", "answered", t(9, 3, 12))
    s.state("a1001", "READY", t(9, 3, 32), previous="WRAP_UP")
    s.survey("C1", "bookings", "a1001", "csat", 5, t(9, 3, 20))
    s.survey("C1", "bookings", "a1001", "nps", 9, t(9, 3, 25))
    s.survey("C1", "bookings", "a1001", "ces", 5, t(9, 3, 28))

    # C2: a short abandon (3 s).
    s.opened("C2", t(9, 4, 40), "+34600000002")
    s.queued("C2", "bookings", t(9, 5))
    s.ended("C2", "bookings", "abandoned", t(9, 5, 3))

    # C3: abandoned at 30 s while ringing on a1002 (the caller's fault, not a missed offer).
    s.opened("C3", t(9, 9, 40), "+34600000003")
    s.queued("C3", "bookings", t(9, 10))
    s.offered("C3", "bookings", "a1002", 1, t(9, 10, 20))
    s.state("a1002", "RESERVED", t(9, 10, 20), "C3")
    s.emit(ev.OfferFailed, t(9, 10, 30), interaction_id=iid("C3"), agent_id="a1002",
           attempt=1, reason="caller-left")
    s.ended("C3", "bookings", "abandoned", t(9, 10, 30))
    s.state("a1002", "READY", t(9, 10, 30), previous="RESERVED")

    # C4: changes -> overflow to general; a1003 misses it, a1004 answers.
    s.opened("C4", t(9, 19, 30), "+34600000004")
    s.queued("C4", "changes", t(9, 20))
    s.emit(ev.QueueExited, t(9, 24), interaction_id=iid("C4"), queue="changes",
           action="overflow", target="general", segment=0)
    s.queued("C4", "general", t(9, 24), arrived=t(9, 20), segment=1, cause="overflow",
             from_queue="changes")
    s.offered("C4", "general", "a1003", 1, t(9, 24, 5), segment=1)
    s.state("a1003", "RESERVED", t(9, 24, 5), "C4")
    s.emit(ev.OfferFailed, t(9, 24, 20), interaction_id=iid("C4"), agent_id="a1003",
           attempt=1, reason="no-answer")
    s.state("a1003", "NOT_READY", t(9, 24, 20), reason="no-answer", previous="RESERVED")
    s.queued("C4", "general", t(9, 24, 20), arrived=t(9, 20), segment=1,
             cause="offer-failed")
    s.offered("C4", "general", "a1004", 2, t(9, 24, 25), segment=1)
    s.answered("C4", "general", "a1004", 2, t(9, 24, 30), segment=1)
    s.agent_left("C4", "general", "a1004", 2, t(9, 26, 30), segment=1)
    s.ended("C4", "general", "answered", t(9, 26, 30), segment=1)
    s.handle("a1004", "C4", t(9, 24, 25), t(9, 24, 30), t(9, 26, 30), 10)

    # C5: general, answered by a1004 after 40 s, transferred to billing after 60 s;
    # a1005 answers 10 s later and talks 100 s. CSAT 3, NPS 6.
    s.opened("C5", t(9, 29, 30), "+34600000005")
    s.queued("C5", "general", t(9, 30))
    s.offered("C5", "general", "a1004", 1, t(9, 30, 35))
    s.answered("C5", "general", "a1004", 1, t(9, 30, 40))
    s.emit(ev.CallTransferred, t(9, 31, 40), interaction_id=iid("C5"), queue="general",
           agent_id="a1004", kind="queue", target="billing", by="a1004", segment=0)
    s.agent_left("C5", "general", "a1004", 1, t(9, 31, 40))
    s.handle("a1004", "C5", t(9, 30, 35), t(9, 30, 40), t(9, 31, 40), 15)
    s.queued("C5", "billing", t(9, 31, 40), arrived=t(9, 30), segment=1, cause="transfer",
             from_queue="general")
    s.offered("C5", "billing", "a1005", 2, t(9, 31, 45), segment=1)
    s.answered("C5", "billing", "a1005", 2, t(9, 31, 50), segment=1)
    s.agent_left("C5", "billing", "a1005", 2, t(9, 33, 30), segment=1)
    s.ended("C5", "billing", "answered", t(9, 33, 30), segment=1)
    s.handle("a1005", "C5", t(9, 31, 45), t(9, 31, 50), t(9, 33, 30), 5)
    s.survey("C5", "billing", "a1005", "csat", 3, t(9, 33, 40))
    s.survey("C5", "billing", "a1005", "nps", 6, t(9, 33, 45))

    # C6: vip callback, reached. CSAT 4, NPS 10.
    s.opened("C6", t(9, 39, 40), "+34600000006")
    s.queued("C6", "vip", t(9, 40))
    s.emit(ev.CallbackRequested, t(9, 40, 30), interaction_id=iid("C6"), queue="vip",
           number="+34600000006")
    s.offered("C6", "vip", "a1006", 1, t(9, 45), callback=True)
    s.answered("C6", "vip", "a1006", 1, t(9, 45, 5), callback=True)
    s.emit(ev.CustomerAnswered, t(9, 45, 15), interaction_id=iid("C6"), queue="vip",
           agent_id="a1006", number="+34600000006")
    s.agent_left("C6", "vip", "a1006", 1, t(9, 47, 15))
    s.ended("C6", "vip", "callback", t(9, 47, 15))
    s.handle("a1006", "C6", t(9, 45), t(9, 45, 5), t(9, 47, 15), 10)
    s.survey("C6", "vip", "a1006", "csat", 4, t(9, 47, 30))
    s.survey("C6", "vip", "a1006", "nps", 10, t(9, 47, 35))

    # C7: billing, voicemail after 300 s.
    s.opened("C7", t(9, 49, 40), "+34600000007")
    s.queued("C7", "billing", t(9, 50))
    s.emit(ev.QueueExited, t(9, 55), interaction_id=iid("C7"), queue="billing",
           action="voicemail", target="8000@default")
    s.ended("C7", "billing", "voicemail", t(9, 55))

    # C8: bookings callback, the customer never answers; a1001 then pauses for lunch.
    s.opened("C8", t(9, 59, 40), "+34612345678")
    s.queued("C8", "bookings", t(10, 0))
    s.emit(ev.CallbackRequested, t(10, 0, 10), interaction_id=iid("C8"), queue="bookings",
           number="+34612345678")
    s.offered("C8", "bookings", "a1001", 1, t(10, 5), callback=True)
    s.state("a1001", "RESERVED", t(10, 5), "C8")
    s.answered("C8", "bookings", "a1001", 1, t(10, 5, 2), callback=True)
    s.state("a1001", "ON_CALL", t(10, 5, 2), "C8", previous="RESERVED")
    s.agent_left("C8", "bookings", "a1001", 1, t(10, 5, 32))
    s.state("a1001", "WRAP_UP", t(10, 5, 32), previous="ON_CALL")
    s.ended("C8", "bookings", "callback", t(10, 5, 32))
    s.state("a1001", "READY", t(10, 5, 42), previous="WRAP_UP")
    s.state("a1001", "NOT_READY", t(10, 30), reason="lunch")
    s.state("a1001", "LOGGED_OUT", t(11, 0), previous="NOT_READY")
    return s


def known_cases(s: Script) -> None:
    """K1 (C1) closed, then C8 on the same topic opens K4: K1 is not resolved at first
    contact, K4 is. K2 (C5) pending. K3 (complaints) opened the day before with two
    contacts, closed at 11:00."""
    customers = {"X": iid("customer-X"), "Y": iid("customer-Y"), "Z": iid("customer-Z")}
    before = t(8, 0, day=DAY - timedelta(days=1))
    for name, cid in customers.items():
        s.emit(ce.CustomerCreated, before, customer_id=cid, name=f"Customer {name}")
    levels = {"topic": "bookings", "reason": "new", "sub_reason": "hotel", "question": "price"}

    def case(name: str, customer: str, at: float, calls: list[str], unit: str,
             topic: str, closed: float | None = None, pending: float | None = None) -> None:
        case_id = iid(f"case-{name}")
        s.emit(ce.CaseOpened, at, case_id=case_id, customer_id=customers[customer],
               unit=unit, opened_by="a1001", **{**levels, "topic": topic},
               call_type="perfect")
        for call in calls:
            s.emit(ce.CaseInteractionLinked, at, case_id=case_id, interaction_id=iid(call),
                   customer_id=customers[customer])
        if pending is not None:
            s.emit(ce.CaseStatusChanged, pending, case_id=case_id, status="pending",
                   previous="open", by="a1005")
        if closed is not None:
            s.emit(ce.CaseStatusChanged, closed, case_id=case_id, status="closed",
                   previous="open", by="a1001", resolution="done")

    case("K1", "X", t(9, 0, 12), ["C1"], "agents", "bookings", closed=t(9, 3, 30))
    case("K2", "Y", t(9, 30, 40), ["C5"], "agents", "billing", pending=t(9, 33))
    yesterday = DAY - timedelta(days=1)
    s.opened("P1", t(14, 55, day=yesterday), "+34600000009")
    s.opened("P2", t(18, 0, day=yesterday), "+34600000009")
    case("K3", "Z", t(15, 0, day=yesterday), ["P1", "P2"], "complaints", "complaints",
         closed=t(11, 0))
    case("K4", "X", t(10, 5, 2), ["C8"], "agents", "bookings", closed=t(10, 6, 2))


async def store_known_day(store: Store) -> Script:
    s = known_day()
    known_cases(s)
    s.events.sort(key=lambda e: (e.at, e.seq))
    events = [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(s.events)]
    await store.events.apply(events, records.project)
    return s
