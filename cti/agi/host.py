"""What the IVR needs from the rest of the service, as a Protocol.

The IVR never talks to the database or the ACD itself: the service gives it
an ``IvrHost`` built on the store and the ACD (``cti/agi/memory_host.py`` is
the in-memory one for tests and ``cti ivr simulate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class CallInfo:
    """The caller as Asterisk described it in the agi_ environment."""

    channel: str
    call_id: str                 # agi_uniqueid of the caller's channel
    caller_number: str
    caller_name: str = ""
    dnid: str = ""               # the number dialled (request arg dnid, else agi_dnid)
    extension: str = ""
    node: str = ""               # which Asterisk (AMI node name), when known


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    tier: str = "standard"       # e.g. standard / gold / vip
    value: int = 0               # customer value score, for VIP fast paths
    open_cases: int = 0
    #: Free fields for self-service (booking status, balance, ...).
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseLink:
    """The call's case: ``linked`` when it is an open case the customer had already."""

    case_id: str
    linked: bool = False


@dataclass(frozen=True, slots=True)
class HoldStatus:
    position: int                # 1 = next to be served
    ewt: float | None = None     # estimated wait, seconds; None if unknown
    callback_allowed: bool = True


class IvrHost(Protocol):
    """The service side of the IVR. Every method says what the IVR saw or decided."""

    async def open_interaction(self, call: CallInfo) -> str:
        """Create the interaction (case) for an inbound call; return its id."""
        ...

    async def find_customer(
        self, *, phone: str | None = None, account: str | None = None,
        document: str | None = None,
    ) -> Customer | None: ...

    async def case_for_call(self, interaction_id: str, *, customer_id: str | None,
                            classification: Mapping[str, str | None], link_open: bool,
                            open_now: bool, call_type: str | None) -> CaseLink | None:
        """The case step: link the call to ``customer_id``'s open case of the
        classification's topic (``link_open``), else open one now (``open_now``, or
        an improper call: closed at once); None leaves it to the agent's answer.
        ``customer_id`` None is the unidentified customer (never linked)."""
        ...

    def record_step(self, interaction_id: str, step: str, kind: str,
                    data: Mapping[str, Any]) -> None:
        """One IVR step taken (kind = step type, or ``caller_hangup``). Must not block."""
        ...

    async def classify(self, interaction_id: str, *, topic: str | None, reason: str | None,
                       sub_reason: str | None, question: str | None,
                       call_type: str | None) -> None: ...

    async def enqueue(self, interaction_id: str, *, queue: str, skills: Mapping[str, int],
                      priority: int, attributes: Mapping[str, Any]) -> None:
        """Give the call to the ACD. The IVR then tags the channel and returns."""
        ...

    async def channel_exists(self, call_id: str, channel: str) -> bool:
        """True when an Asterisk of this service has this channel (``agi_uniqueid``,
        ``agi_channel``): the IVR refuses to queue a call that does not exist (a
        FastAGI client that is not Asterisk could otherwise enqueue phantom calls)."""
        ...

    async def hold_status(self, interaction_id: str) -> HoldStatus | None:
        """Where a waiting call stands; None when it is no longer queued."""
        ...

    async def request_callback(self, interaction_id: str, number: str) -> None:
        """The caller asked to be called back at ``number``, keeping the queue place."""
        ...

    async def record_survey(self, interaction_id: str, kind: str, score: int) -> None: ...

    def is_open(self, at: datetime) -> bool:
        """Business hours (config/hours.yaml: weekly spans and holidays); closed in the
        centre's night mode."""
        ...

    def holiday(self, at: datetime) -> str | None:
        """The holiday's name if ``at`` falls on one, else None."""
        ...

    def centre_mode(self) -> str:
        """The centre's mode a supervisor set: ``normal``, ``night`` (then ``is_open``
        says closed) or ``emergency``; flows read it as the variable ``centre_mode``."""
        ...
