"""An ``IvrHost`` in memory: for tests and ``cti ivr simulate`` without a database."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cti.agi.host import CallInfo, CaseLink, Customer, HoldStatus
from cti.config import HoursConfig


@dataclass
class StepRecord:
    interaction_id: str
    step: str
    kind: str
    data: dict[str, Any]


@dataclass
class MemoryHost:
    """Keeps everything the IVR reports in lists and dicts that tests read."""

    customers: list[Customer] = field(default_factory=list)
    #: customer id -> phone numbers and account numbers that find it.
    phones: dict[str, str] = field(default_factory=dict)       # phone -> customer id
    accounts: dict[str, str] = field(default_factory=dict)     # account -> customer id
    documents: dict[str, str] = field(default_factory=dict)    # document -> customer id
    #: (customer id, topic) -> the customer's open case of that topic.
    open_cases: dict[tuple[str, str], str] = field(default_factory=dict)
    #: interaction id -> its case, as the case step left it.
    cases: dict[str, CaseLink] = field(default_factory=dict)
    hours: HoursConfig | None = None                             # None: always open
    mode: str = "normal"                                         # the centre's mode
    holds: dict[str, HoldStatus] = field(default_factory=dict)
    interactions: dict[str, CallInfo] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    classifications: dict[str, dict[str, str | None]] = field(default_factory=dict)
    queued: dict[str, dict[str, Any]] = field(default_factory=dict)
    callbacks: dict[str, str] = field(default_factory=dict)
    surveys: list[tuple[str, str, int]] = field(default_factory=list)
    #: (call_id, channel) pairs Asterisk has; None: every channel exists.
    channels: set[tuple[str, str]] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _customer(self, customer_id: str | None) -> Customer | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    async def open_interaction(self, call: CallInfo) -> str:
        interaction_id = f"int-{next(self._ids):04d}"
        self.interactions[interaction_id] = call
        return interaction_id

    async def find_customer(self, *, phone: str | None = None, account: str | None = None,
                            document: str | None = None) -> Customer | None:
        if phone is not None:
            return self._customer(self.phones.get(phone))
        if account is not None:
            return self._customer(self.accounts.get(account))
        if document is not None:
            return self._customer(self.documents.get(document))
        return None

    async def case_for_call(self, interaction_id: str, *, customer_id: str | None,
                            classification: Mapping[str, str | None], link_open: bool,
                            open_now: bool, call_type: str | None) -> CaseLink | None:
        topic = classification.get("topic")
        found = self.open_cases.get((customer_id, topic)) if customer_id and topic else None
        if link_open and found:
            link = CaseLink(found, linked=True)
        elif open_now or call_type == "improper":
            link = CaseLink(f"case-{interaction_id}")
            if customer_id and topic and call_type != "improper":
                self.open_cases[(customer_id, topic)] = link.case_id
        else:
            return None
        self.cases[interaction_id] = link
        return link

    def record_step(self, interaction_id: str, step: str, kind: str,
                    data: Mapping[str, Any]) -> None:
        self.steps.append(StepRecord(interaction_id, step, kind, dict(data)))

    async def classify(self, interaction_id: str, *, topic: str | None, reason: str | None,
                       sub_reason: str | None, question: str | None,
                       call_type: str | None) -> None:
        self.classifications[interaction_id] = {
            "topic": topic, "reason": reason, "sub_reason": sub_reason,
            "question": question, "call_type": call_type,
        }

    async def enqueue(self, interaction_id: str, *, queue: str, skills: Mapping[str, int],
                      priority: int, attributes: Mapping[str, Any]) -> None:
        self.queued[interaction_id] = {"queue": queue, "skills": dict(skills),
                                       "priority": priority, "attributes": dict(attributes)}
        position = sum(1 for q in self.queued.values() if q["queue"] == queue)
        self.holds.setdefault(interaction_id, HoldStatus(position, 60.0 * position))

    async def channel_exists(self, call_id: str, channel: str) -> bool:
        return self.channels is None or (call_id, channel) in self.channels

    async def hold_status(self, interaction_id: str) -> HoldStatus | None:
        return self.holds.get(interaction_id)

    async def request_callback(self, interaction_id: str, number: str) -> None:
        self.callbacks[interaction_id] = number

    async def record_survey(self, interaction_id: str, kind: str, score: int) -> None:
        self.surveys.append((interaction_id, kind, score))

    def is_open(self, at: datetime) -> bool:
        if self.mode == "night":
            return False
        return True if self.hours is None else self.hours.is_open(at)

    def centre_mode(self) -> str:
        return self.mode

    def holiday(self, at: datetime) -> str | None:
        if self.hours is None:
            return None
        local = at.astimezone(ZoneInfo(self.hours.timezone))
        found = self.hours.holiday(local.date())
        return None if found is None else (found.name or str(found.date))

    def kinds(self, interaction_id: str) -> list[str]:
        """The step kinds recorded for one interaction, in order (for tests)."""
        return [s.kind for s in self.steps if s.interaction_id == interaction_id]
