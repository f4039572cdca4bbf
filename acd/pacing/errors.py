"""Errors the pacing engine raises on purpose.

AcdError
 └── PacingError
      ├── CampaignInvalid          a CampaignSpec or rule set is inconsistent
      ├── UnknownPacingEvent       handle() got something that is not a pacing event
      ├── UnknownLine              an event names a call this campaign is not dialing
      └── InvalidLineState         an event not allowed in the line's state

An event that raises leaves the pacer unchanged. ``code`` strings are part of
the API (the service maps them to HTTP answers): don't rename them.
"""

from __future__ import annotations

from ..errors import AcdError


class PacingError(AcdError):
    """Base for errors the pacing engine raises on purpose."""

    status, code = 500, "pacing-error"


class CampaignInvalid(PacingError):
    status, code = 400, "invalid-campaign"


class UnknownPacingEvent(PacingError):
    status, code = 400, "unknown-pacing-event"

    def __init__(self, event: object) -> None:
        super().__init__(f"{type(event).__name__} is not a pacing event; pass one of the "
                         "classes in acd.pacing.events or an acd AgentStateChanged")


class UnknownLine(PacingError):
    status, code = 404, "no-such-line"

    def __init__(self, campaign: str, call_id: str) -> None:
        super().__init__(f"campaign {campaign!r}: no line {call_id!r} in flight (it already "
                         "ended, was abandoned by the connect rule, or was never dialed)")
        self.call_id = call_id


class InvalidLineState(PacingError):
    status, code = 409, "invalid-line-state"

    def __init__(self, call_id: str, event: str, state: str, hint: str = "") -> None:
        super().__init__(f"line {call_id}: {event} not allowed in state {state}{hint}")
        self.call_id, self.event, self.state = call_id, event, state
