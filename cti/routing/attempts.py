"""What every kind of campaign call shares in the routing step: telling the pacer,
the screen-pop's view of the contact, and the end of an attempt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from acd.pacing import PacingError
from cti.campaigns import events as ce
from cti.campaigns.dialer import Attempt, CampaignRun, RunStatus
from cti.campaigns.retries import after_attempt

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")


def tell_pacer(step: Step, run: CampaignRun, event: Any) -> None:
    """Give the pacer an event; one that does not fit (a line it gave up) is logged."""
    if run.pacer is None:
        return
    try:
        run.pacer.handle(event, step.now.mono)
    except PacingError as exc:
        log.info("pacer ignored an event", campaign=run.name, event=type(event).__name__,
                 error=str(exc))


def pop_info(run: CampaignRun, attempt: Attempt) -> dict[str, Any]:
    """What the screen-pop shows of the contact (``screen_pop["campaign"]``)."""
    c = attempt.contact
    return {"campaign": run.name, "description": run.definition.description,
            "contact_id": c.contact_id, "name": c.name, "number": c.number,
            "attributes": dict(c.attributes), "attempt": attempt.attempt}


def finish(step: Step, run: CampaignRun, attempt: Attempt, outcome: str,
           reason: str | None = None, *, placed: bool = True) -> None:
    """The attempt is over: record it and what becomes of the contact."""
    contact = attempt.contact
    nxt = after_attempt(run.definition.retries, outcome, attempt.attempt,
                        contact.outcome_attempts, step.now.wall)
    step.emit(ce.AttemptEnded, interaction_id=attempt.interaction_id if placed else None,
              campaign=run.name, contact_id=contact.contact_id, attempt=attempt.attempt,
              outcome=outcome, contact_status=nxt.status, next_at=nxt.next_at,
              outcome_attempts=nxt.outcome_attempts, reason=reason or nxt.reason,
              queue=run.definition.queue, agent_id=attempt.agent_id)
    step.router.dialer.forget(attempt)


def drop_stopped(step: Step) -> None:
    """A stopped campaign goes once its last call has ended (its lines with it)."""
    dialer = step.router.dialer
    gone = [name for name, run in dialer.runs.items()
            if run.status is RunStatus.STOPPING and run.in_flight() == 0]
    for name in gone:
        del dialer.runs[name]
    if gone:
        from cti.routing import lines

        lines.release_unneeded(step)
