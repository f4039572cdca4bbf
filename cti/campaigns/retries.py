"""What becomes of a contact after an attempt: done, tried again later, or given up.

Pure: the campaign's ``Retries``, the contact's counts and the time in, the
contact's next status out. An attempt that reached someone (an agent talked to
them, the agentless flow played, a message was left on their machine) ends
the contact. The others are retried by their outcome's rule: after its
``delay``, while that outcome has happened fewer than its ``max_attempts``
times and the contact has had fewer than ``max_attempts`` attempts in all. A
dropped call (abandoned: answered, no agent in time) waits out the
``abandoned`` delay: the lockout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cti.campaigns.models import Retries, RetryRule

#: Attempt outcomes that end the contact: it was reached.
REACHED = frozenset({"connected", "completed", "message-left"})
#: Attempt outcome -> the retry rule that applies (``Retries`` field).
RULE_OF = {
    "no-answer": "no_answer",
    "busy": "busy",
    "congestion": "congestion",
    "machine": "machine",
    "failed": "failed",
    "lost": "failed",
    "abandoned": "abandoned",
    "skipped": "skipped",
}
OUTCOMES = REACHED | frozenset(RULE_OF)


@dataclass(frozen=True, slots=True)
class NextStep:
    """``status``: pending (dial again from ``next_at``), done or failed (given up);
    ``outcome_attempts``: attempts per outcome rule, this one counted."""

    status: str
    next_at: float | None
    outcome_attempts: dict[str, int]
    reason: str


def after_attempt(retries: Retries, outcome: str, attempts: int,
                  outcome_attempts: Mapping[str, int], now: float) -> NextStep:
    """The contact's next step after an attempt ending with ``outcome``; ``attempts``
    counts every attempt of the contact, this one included.

    Raises:
        ValueError: an outcome this module does not know.
    """
    if outcome in REACHED:
        return NextStep("done", None, dict(outcome_attempts), outcome)
    rule_name = RULE_OF.get(outcome)
    if rule_name is None:
        raise ValueError(f"unknown attempt outcome {outcome!r}; known: "
                         f"{', '.join(sorted(OUTCOMES))}")
    counts = dict(outcome_attempts)
    counts[rule_name] = counts.get(rule_name, 0) + 1
    rule: RetryRule = getattr(retries, rule_name)
    if counts[rule_name] >= rule.max_attempts:
        return NextStep("failed", None, counts,
                        f"{outcome}: {counts[rule_name]} of at most {rule.max_attempts}")
    if attempts >= retries.max_attempts:
        return NextStep("failed", None, counts,
                        f"{attempts} attempts of at most {retries.max_attempts}")
    return NextStep("pending", now + rule.delay, counts, f"{outcome}: again after "
                    f"{rule.delay:g} s")
