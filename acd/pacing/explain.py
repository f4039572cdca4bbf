"""Why the pacer placed N lines: one Explanation per pacing step, plain data.

The API serves it as JSON (``dataclasses.asdict``) and the log prints
``describe()``. Read it top-down: the reason says which rule decided; the agent
and line figures are the supply and demand the model weighed; the window and
budget figures say how much abandon risk the legal window could take.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .states import PacingMode


class PaceReason(StrEnum):
    """Which rule decided the number of lines."""

    #: no agent is logged in: nothing is dialed
    NO_AGENTS = "no-agents"
    #: the campaign is paused
    PAUSED = "paused"
    #: the window's abandon rate reached the legal limit: nothing is dialed
    BUDGET_SPENT = "budget-spent"
    #: the window's abandon rate reached the limit: one line per free agent only
    BUDGET_SPENT_PROGRESSIVE = "budget-spent-progressive"
    #: inbound callers waited beyond blending.stop_after
    INBOUND_FIRST = "inbound-first"
    #: max_lines or max_lines_per_agent reached
    LINE_CAP = "line-cap"
    #: one contact shown per free agent
    PREVIEW = "preview"
    #: one line per free agent
    PROGRESSIVE = "progressive"
    #: lines ahead of free agents within the abandon target
    PREDICTIVE = "predictive"
    #: predictive, but the budget cannot absorb any risk now: one line per free agent,
    #: and the lines of negligible risk (CampaignSpec.negligible_risk)
    BUDGET_LOW = "budget-low"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One pacing step.

    Agents: ``agents_free`` READY now; ``agents_busy`` on a call or in wrap-up;
    ``agents_away`` NOT_READY; ``expected_free_soon`` how many busy agents are
    expected free within the look-ahead (``look_ahead`` seconds, the ringing
    timeout, plus the connect rule's seconds), from the measured distributions
    of talk time and wrap-up given how long each has been at it.

    Lines: ``lines_dialing`` ringing; ``answered_waiting`` answered, waiting for
    an agent; ``expected_live_in_flight`` live answers expected from all of them
    plus the ``lines`` placed now.

    Measured: ``answer_rate`` (live answers per dial), ``machine_rate``,
    ``dial_samples`` dials measured, ``answer_delay`` mean seconds to the end of
    the greeting, ``talk_time`` and ``wrap_time`` means, ``talk_samples`` calls
    measured (all means include the priors).

    Budget (the legal window, as counted by ``rules``): ``window_live`` live calls
    and ``window_abandoned`` abandons (both including the estimated AMD false
    positives when the rules count them), ``window_rate``, ``budget_left``
    abandons the window can take now and stay under ``limit``;
    ``recent_rate`` and ``recent_budget_left`` the same over the smoothing
    window (the last hour; None without one): the pacing uses the smaller
    budget; ``allowed_abandons`` the abandons the calls in flight may risk (that
    budget minus the reserve); ``expected_abandons`` what the model expects of
    them with the lines placed now, after ``calibration`` (abandons that happened
    per abandon the model expected, over the last hour; 1 before anything is
    measured); ``next_line_risk`` the chance that one more
    line, if answered, would be abandoned (a line is placed only while this
    stays within ``pace_rate``, the line risk in force: ``line_risk`` once the
    budget reaches the campaign's cushion, less below it, 0 at the reserve; or
    within ``negligible_risk``, which needs no budget: 0 while the window is at
    the limit);
    ``projected_rate`` the window's rate once every call in flight resolved.
    ``target_rate`` is the rate the smoothing window is held to.
    """

    at: float
    campaign: str
    mode: PacingMode
    reason: PaceReason
    lines: int
    agents_logged_in: int
    agents_free: int
    agents_busy: int
    agents_away: int
    expected_free_soon: float
    look_ahead: float
    lines_dialing: int
    answered_waiting: int
    expected_live_in_flight: float
    answer_rate: float
    machine_rate: float
    dial_samples: int
    answer_delay: float
    talk_time: float
    wrap_time: float
    talk_samples: int
    rules: str
    limit: float
    target_rate: float
    line_risk: float
    pace_rate: float
    negligible_risk: float
    window_started_at: float
    window_live: float
    window_abandoned: float
    window_rate: float | None
    budget_left: float
    recent_rate: float | None
    recent_budget_left: float | None
    allowed_abandons: float
    expected_abandons: float
    calibration: float
    next_line_risk: float
    projected_rate: float | None
    line_cap: int
    inbound_waiting: int
    inbound_longest_wait: float
    paused: str | None

    def describe(self) -> str:
        """One line for the log."""
        rate = "-" if self.window_rate is None else f"{self.window_rate:.2%}"
        projected = "-" if self.projected_rate is None else f"{self.projected_rate:.2%}"
        recent = "" if self.recent_budget_left is None else (
            f" (last hour {self.recent_budget_left:.1f}"
            f"{'' if self.recent_rate is None else f' at {self.recent_rate:.2%}'})")
        parts = [
            f"{self.campaign} {self.mode.value}: {self.lines} line(s), {self.reason.value}",
            f"agents {self.agents_free} free + {self.expected_free_soon:.1f} of "
            f"{self.agents_busy} busy free within {self.look_ahead:g}s "
            f"({self.agents_logged_in} logged in)",
            f"lines {self.lines_dialing} dialing + {self.answered_waiting} waiting, "
            f"{self.expected_live_in_flight:.1f} live answers expected",
            f"answer {self.answer_rate:.1%} of {self.dial_samples} dials, talk "
            f"{self.talk_time:.0f}s + wrap {self.wrap_time:.0f}s",
            f"{self.rules} window {self.window_abandoned:g}/{self.window_live:g} = {rate} "
            f"(limit {self.limit:.1%}, last hour held to {self.target_rate:.1%})",
            f"budget left {self.budget_left:.1f}{recent}, expected abandons "
            f"{self.expected_abandons:.2f} of {self.allowed_abandons:.2f} allowed "
            f"(model x{self.calibration:.2f}), next line risk {self.next_line_risk:.1%} "
            f"> {self.pace_rate:.1%} allowed"
            + (f" ({self.negligible_risk:.1%} without budget)"
               if self.reason is PaceReason.BUDGET_LOW and self.negligible_risk else ""),
            f"projected {projected}",
        ]
        return "; ".join(parts)
