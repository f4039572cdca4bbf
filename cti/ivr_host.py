"""The service's side of the IVR (``cti.agi.host.IvrHost``): the store for lookups, the
routing loop for everything the IVR learns or decides, the ACD for a waiting
caller's position.

What the IVR learns (a new interaction, each step, the classification, the
customer) goes to the routing loop as inbox items, so it lands in the one
event stream in order with the rest of the call.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import structlog

from cti.agi.host import CallInfo, CaseLink, Customer, HoldStatus
from cti.calls import CallRegistry, Phase
from cti.cases import screenpop
from cti.cases.ivr import case_for_call, case_skips, customer_skips, find_customer
from cti.cases.service import CaseService
from cti.config import Config
from cti.routing import (
    CallbackWanted,
    Classified,
    Enqueue,
    HistoryFetched,
    InteractionStarted,
    IvrStepDone,
    RoutingLoop,
    SurveyAnswer,
)
from cti.store import Store

log = structlog.get_logger(__name__)

#: A lookup the database cannot answer this fast is skipped: the caller goes on as unknown.
LOOKUP_TIMEOUT = 1.0
#: A screen-pop history that missed its budget is fetched again, this patiently.
LATE_HISTORY_TIMEOUT = 5.0


class ServiceIvrHost:
    def __init__(self, config: Config, store: Store, loop: RoutingLoop, calls: CallRegistry,
                 locate_node: Callable[[str, str], str], *,
                 channel_known: Callable[[str, str], bool] | None = None,
                 cases: CaseService | None = None) -> None:
        self._config = config
        self._cases = cases
        #: (uniqueid, channel name) -> True when a tracked Asterisk has it; None: the
        #: check is not wired (every channel is taken as real).
        self._channel_known = channel_known
        self._store = store
        self._loop = loop
        self._calls = calls
        self._locate_node = locate_node
        self._seen: dict[str, dict[str, Any]] = {}  # customer id -> screen-pop summary
        self._late: set[asyncio.Task[None]] = set()
        self._customer_skips, self._case_skips = customer_skips(), case_skips()

    def reconfigure(self, config: Config) -> None:
        self._config = config

    async def open_interaction(self, call: CallInfo) -> str:
        interaction_id = str(uuid.uuid4())
        node = call.node or self._locate_node(call.call_id, call.channel)
        self._loop.submit(InteractionStarted(
            interaction_id, node, call.channel, call.call_id, call.caller_number,
            call.caller_name, call.dnid or call.extension))
        return interaction_id

    async def find_customer(self, *, phone: str | None = None, account: str | None = None,
                            document: str | None = None) -> Customer | None:
        customer = await find_customer(self._store, phone=phone, account=account,
                                       document=document, timeout=LOOKUP_TIMEOUT,
                                       skips=self._customer_skips)
        if customer is not None:
            self._seen[customer.id] = {"customer_id": customer.id, "name": customer.name,
                                       "tier": customer.tier, "value": customer.value,
                                       "open_cases": customer.open_cases}
            while len(self._seen) > 1000:  # only for the screen-pop of calls in the IVR now
                del self._seen[next(iter(self._seen))]
        return customer

    async def case_for_call(self, interaction_id: str, *, customer_id: str | None,
                            classification: Mapping[str, str | None], link_open: bool,
                            open_now: bool, call_type: str | None) -> CaseLink | None:
        if self._cases is None:
            return None
        return await case_for_call(self._cases, interaction_id, customer_id=customer_id,
                                   classification=classification, link_open=link_open,
                                   open_now=open_now, call_type=call_type,
                                   skips=self._case_skips)

    def record_step(self, interaction_id: str, step: str, kind: str,
                    data: Mapping[str, Any]) -> None:
        customer = None
        if kind == "lookup" and data.get("customer_id"):
            customer = self._seen.get(str(data["customer_id"]))
        self._loop.submit(IvrStepDone(interaction_id, step, kind, _plain(data), customer))

    async def classify(self, interaction_id: str, *, topic: str | None, reason: str | None,
                       sub_reason: str | None, question: str | None,
                       call_type: str | None) -> None:
        self._loop.submit(Classified(interaction_id, topic, reason, sub_reason, question,
                                     call_type))

    async def enqueue(self, interaction_id: str, *, queue: str, skills: Mapping[str, int],
                      priority: int, attributes: Mapping[str, Any]) -> None:
        """Queue the call with its screen-pop's history, fetched within its budget
        (a slow database gives a pop without history, never a slower queueing)."""
        live = self._calls.get(interaction_id)
        customer = (live.customer or {}).get("customer_id") if live else None
        customer = customer or attributes.get("customer_id")
        customer_id = str(customer) if customer else None
        classification = live.classification if live else None
        history = await screenpop.for_call(self._store, self._config, customer_id,
                                           classification)
        self._loop.submit(Enqueue(interaction_id, queue, dict(skills), priority,
                                  dict(attributes), history))
        if not history.get("available", True):  # over budget: an update follows
            task = asyncio.create_task(self._late_history(interaction_id, customer_id,
                                                          classification))
            self._late.add(task)
            task.add_done_callback(self._late.discard)

    async def _late_history(self, interaction_id: str, customer_id: str | None,
                            classification: Mapping[str, Any] | None) -> None:
        history = await screenpop.for_call(self._store, self._config, customer_id,
                                           classification, timeout=LATE_HISTORY_TIMEOUT)
        if history.get("available"):
            self._loop.submit(HistoryFetched(interaction_id, history))

    async def channel_exists(self, call_id: str, channel: str) -> bool:
        if self._channel_known is None:
            return True
        known = self._channel_known(call_id, channel)
        if not known:
            log.warning("IVR asked to queue a channel no Asterisk has", channel=channel,
                        uniqueid=call_id)
        return known

    async def hold_status(self, interaction_id: str) -> HoldStatus | None:
        live = self._calls.get(interaction_id)
        if live is None or live.phase not in (Phase.WAITING, Phase.RINGING):
            return None
        engine = self._loop.router.engine
        position = engine.position(interaction_id)
        if position is None:
            return None
        loop = asyncio.get_running_loop()
        return HoldStatus(position=position,
                          ewt=engine.estimated_wait(interaction_id, loop.time()),
                          callback_allowed=live.phase is Phase.WAITING)

    async def request_callback(self, interaction_id: str, number: str) -> None:
        self._loop.submit(CallbackWanted(interaction_id, number))

    async def record_survey(self, interaction_id: str, kind: str, score: int) -> None:
        self._loop.submit(SurveyAnswer(interaction_id, kind, score))

    def is_open(self, at: datetime) -> bool:
        if self.centre_mode() == "night":   # a supervisor closed the centre
            return False
        return self._config.hours.is_open(at)

    def centre_mode(self) -> str:
        return self._loop.router.control.mode

    def holiday(self, at: datetime) -> str | None:
        day = self._config.hours.holiday(at.astimezone(self._config.hours.zone).date())
        return day.name if day else None


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of a step's data."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return out
