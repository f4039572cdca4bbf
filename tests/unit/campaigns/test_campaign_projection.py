"""The rows campaign facts imply, and their journal form."""

from __future__ import annotations

import uuid

from cti.campaigns import events as ce
from cti.events import from_record, to_record
from cti.records import at, project
from cti.store.rows import Update, Upsert
from cti.stream import EventStream

IID, CONTACT = str(uuid.uuid4()), str(uuid.uuid4())


def make(cls, **fields):
    return EventStream("test", clock=lambda: 1_795_000_000.0).new(cls, **fields)


def test_an_ended_attempt_closes_its_row_and_moves_its_contact() -> None:
    event = make(ce.AttemptEnded, interaction_id=IID, campaign="renewals", contact_id=CONTACT,
                 attempt=2, outcome="no-answer", contact_status="pending",
                 next_at=1_795_007_200.0, outcome_attempts={"no_answer": 2})
    attempt, contact = project(event)
    assert attempt == Update("campaign_attempts", {"interaction_id": uuid.UUID(IID)},
                             set={"ended_at": at(event.at), "outcome": "no-answer"})
    assert contact == Update("campaign_contacts", {"id": uuid.UUID(CONTACT)}, set={
        "status": "pending", "next_at": at(1_795_007_200.0),
        "outcome_attempts": {"no_answer": 2}, "last_outcome": "no-answer", "agent_id": None})


def test_a_skipped_preview_moves_the_contact_only() -> None:
    event = make(ce.AttemptEnded, campaign="renewals", contact_id=CONTACT, attempt=1,
                 outcome="skipped", contact_status="pending", next_at=1_795_003_600.0)
    (contact,) = project(event)
    assert contact.table == "campaign_contacts"


def test_a_placed_call_creates_its_attempt_row() -> None:
    event = make(ce.CampaignCallPlaced, interaction_id=IID, campaign="renewals",
                 contact_id=CONTACT, attempt=1, number="+34612345601", mode="predictive",
                 line="renewals-x-1", caller_id="+34910000000")
    row, contact = project(event)
    assert isinstance(row, Upsert) and row.create["number"] == "+34612345601"
    assert contact.set == {"status": "dialing", "attempts": 1, "last_attempt_at": at(event.at)}


def test_a_connect_records_the_seconds_from_greeting_to_agent() -> None:
    event = make(ce.CampaignCallConnected, interaction_id=IID, agent_id="a1001",
                 campaign="renewals", to_agent=0.042)
    (row,) = project(event)
    assert row.set == {"connected_at": at(event.at), "to_agent_seconds": 0.042,
                       "agent_id": "a1001"}


def test_campaign_facts_go_through_the_journal_unchanged() -> None:
    event = make(ce.ContactPreviewed, interaction_id=IID, agent_id="a1001", campaign="r",
                 contact_id=CONTACT, number="+34612345601", name="Ana",
                 attributes={"plan": "gold"}, timeout=30.0)
    assert from_record(to_record(event)) == event
    assert event.to_json("e")["type"] == "campaign.contact_previewed"
