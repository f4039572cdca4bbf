"""What becomes of a contact after an attempt."""

from __future__ import annotations

import pytest

from cti.campaigns.models import Retries, RetryRule
from cti.campaigns.retries import after_attempt

NOW = 1_000_000.0
RETRIES = Retries(no_answer=RetryRule(delay=600, max_attempts=3),
                  abandoned=RetryRule(delay=72 * 3600, max_attempts=2), max_attempts=4)


@pytest.mark.parametrize("outcome", ["connected", "completed", "message-left"])
def test_a_contact_reached_is_done(outcome: str) -> None:
    step = after_attempt(RETRIES, outcome, 1, {}, NOW)
    assert (step.status, step.next_at) == ("done", None)


def test_no_answer_is_tried_again_after_its_delay() -> None:
    step = after_attempt(RETRIES, "no-answer", 1, {}, NOW)
    assert (step.status, step.next_at, step.outcome_attempts) == \
        ("pending", NOW + 600, {"no_answer": 1})


def test_an_outcome_that_happened_max_attempts_times_gives_the_contact_up() -> None:
    step = after_attempt(RETRIES, "no-answer", 3, {"no_answer": 2}, NOW)
    assert step.status == "failed"
    assert step.reason == "no-answer: 3 of at most 3"


def test_a_dropped_call_locks_the_number_out_for_the_lockout() -> None:
    step = after_attempt(RETRIES, "abandoned", 1, {}, NOW)
    assert (step.status, step.next_at) == ("pending", NOW + 72 * 3600)


def test_the_total_of_attempts_caps_every_outcome() -> None:
    step = after_attempt(RETRIES, "busy", 4, {"no_answer": 2, "machine": 1}, NOW)
    assert step.status == "failed"
    assert "4 attempts of at most 4" in step.reason


def test_a_service_restart_during_a_call_counts_as_failed() -> None:
    step = after_attempt(RETRIES, "lost", 1, {}, NOW)
    assert step.outcome_attempts == {"failed": 1}


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown attempt outcome 'voicemail'"):
        after_attempt(RETRIES, "voicemail", 1, {}, NOW)
