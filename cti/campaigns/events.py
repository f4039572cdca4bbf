"""Campaign facts (``campaign.*``): domain events like every other, in the one stream.

The call itself is told by the usual events (``interaction.opened`` direction
outbound, ``call.queued``, ``call.offered``, ``call.answered``, ``call.ended``);
these add what only a campaign knows: which contact and attempt a call is,
what AMD said, how long the answered person waited for an agent, how the
attempt ended and what becomes of the contact. ``interaction_id`` is the
attempt's interaction (None for facts about the campaign or a contact alone).
``cti/campaigns/projection.py`` writes their rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cti.events import DomainEvent, event_type


@event_type("campaign.created")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCreated(DomainEvent):
    campaign: str
    definition: Mapping[str, Any]
    by: str


@event_type("campaign.state_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignStateChanged(DomainEvent):
    """``state``: running, paused, stopped or finished (the list is done)."""

    campaign: str
    state: str
    previous: str
    by: str
    reason: str | None = None


@event_type("campaign.contacts_imported")
@dataclass(frozen=True, slots=True, kw_only=True)
class ContactsImported(DomainEvent):
    """A list was imported whole (its rows were written with it); ``skipped`` rows
    were duplicates left out on request."""

    campaign: str
    import_id: str
    count: int
    skipped: int
    source: str
    by: str


@event_type("campaign.dnc_added")
@dataclass(frozen=True, slots=True, kw_only=True)
class DncAdded(DomainEvent):
    """Numbers added to a do-not-call list: ``scope`` "" the system's, else a campaign's."""

    scope: str
    count: int
    source: str
    by: str


@event_type("campaign.contact_previewed")
@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPreviewed(DomainEvent):
    """Preview: ``agent_id`` sees the contact and dials or skips it within ``timeout``
    seconds. ``interaction_id`` is the one the call will have."""

    campaign: str
    contact_id: str
    number: str
    name: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    attempt: int = 1


@event_type("campaign.preview_decided")
@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewDecided(DomainEvent):
    """``decision``: dial or skip (``by`` the agent), or timeout."""

    campaign: str
    contact_id: str
    decision: str
    by: str


@event_type("campaign.call_placed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCallPlaced(DomainEvent):
    """An attempt: the call to ``number`` for ``contact_id`` is placed."""

    campaign: str
    contact_id: str
    attempt: int
    number: str
    mode: str
    line: str              #: the pacer's call id
    caller_id: str


@event_type("campaign.call_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCallAnswered(DomainEvent):
    """Answered and classified: ``amd_status`` HUMAN, MACHINE, NOTSURE, or NONE when
    the campaign runs no AMD. ``listened``: seconds AMD took."""

    campaign: str
    amd_status: str
    amd_cause: str | None = None
    listened: float | None = None


@event_type("campaign.call_connected")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCallConnected(DomainEvent):
    """The answered person reached ``agent_id``, ``to_agent`` seconds after the end of
    the greeting (the legal connect rule counts these)."""

    campaign: str
    to_agent: float


@event_type("campaign.call_abandoned")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCallAbandoned(DomainEvent):
    """A person answered and no agent came in time. ``reason``: no-agent (the
    recorded message played, the call was hung up), hung-up (they left first), or
    late (an agent came after the rule's seconds)."""

    campaign: str
    waited: float
    reason: str


@event_type("campaign.message_left")
@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignMessageLeft(DomainEvent):
    campaign: str


@event_type("campaign.attempt_ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEnded(DomainEvent):
    """How the attempt ended (``outcome``: connected, completed, message-left,
    no-answer, busy, congestion, machine, failed, abandoned, skipped, lost) and what
    became of the contact: ``contact_status`` pending (again from ``next_at``), done
    or failed."""

    campaign: str
    contact_id: str
    attempt: int
    outcome: str
    contact_status: str
    next_at: float | None = None
    outcome_attempts: Mapping[str, int] = field(default_factory=dict)
    reason: str | None = None
    #: a callback agreed during the call: only this agent calls back (None: anyone)
    callback_agent: str | None = None


@event_type("campaign.contact_blocked")
@dataclass(frozen=True, slots=True, kw_only=True)
class ContactBlocked(DomainEvent):
    """Not dialled: the number is on a do-not-call list (``scope``: "" the system's)."""

    campaign: str
    contact_id: str
    number: str
    scope: str


@event_type("campaign.contact_deferred")
@dataclass(frozen=True, slots=True, kw_only=True)
class ContactDeferred(DomainEvent):
    """Not dialled now: outside its call window (or a callback not due); next at
    ``next_at`` (None: the window never opens in the days looked at)."""

    campaign: str
    contact_id: str
    next_at: float | None
    reason: str


@event_type("campaign.callback_scheduled")
@dataclass(frozen=True, slots=True, kw_only=True)
class ContactCallbackScheduled(DomainEvent):
    """The contact is called again at ``due_at``, by ``agent_id`` only when given."""

    campaign: str
    contact_id: str
    due_at: float
    by: str
    note: str | None = None


@event_type("campaign.agent_line")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLineChanged(DomainEvent):
    """The line keeping ``agent_id`` connected between calls: ``state`` up, down or
    failed (its phone did not answer)."""

    state: str
    reason: str
    channel: str | None = None
