"""Campaign configuration: mode, legal rules, limits, blending and priors.

Specs are validated on construction and raise CampaignInvalid naming the
campaign and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import CampaignInvalid
from .rules import US, AbandonRules
from .states import PacingMode


class WhenSpent(StrEnum):
    """What the pacer does once the window's abandon rate reached the legal limit."""

    #: place no call until the window recovers (the rolling window moves on, or a
    #: new period starts)
    STOP = "stop"
    #: keep dialing one line per free agent (no predictive risk), which adds live
    #: calls and so brings the rate back down
    PROGRESSIVE = "progressive"


@dataclass(frozen=True, slots=True)
class Priors:
    """What the pacer assumes before it has measured the campaign.

    Each counts as ``weight`` observations; the estimators keep the newest
    ``window`` measurements. Lean conservative: a higher answer rate and
    longer calls than expected make the pacer place fewer lines.
    """

    answer_rate: float = 0.30      # share of dials a person answers
    machine_rate: float = 0.05     # share of dials AMD classes as machines
    answer_delay: float = 12.0     # seconds from dial to the end of the greeting
    talk_time: float = 240.0       # talk of one call (answer to hang-up), seconds
    wrap_time: float = 15.0        # wrap-up after it, seconds
    weight: float = 20.0
    window: int = 1000

    def check(self, campaign: str) -> None:
        if not 0 < self.answer_rate < 1:
            raise CampaignInvalid(f"campaign {campaign}: priors.answer_rate {self.answer_rate} "
                                  "must be between 0 and 1 (0.25 = 25 % of dials)")
        if not 0 <= self.machine_rate < 1 or self.answer_rate + self.machine_rate >= 1:
            raise CampaignInvalid(f"campaign {campaign}: priors.machine_rate "
                                  f"{self.machine_rate} must be >= 0 and leave room for other "
                                  "outcomes (answer_rate + machine_rate < 1)")
        for name in ("answer_delay", "talk_time", "wrap_time"):
            if getattr(self, name) <= 0:
                raise CampaignInvalid(f"campaign {campaign}: priors.{name} must be > 0 seconds")
        if self.weight < 0 or self.window < 1:
            raise CampaignInvalid(f"campaign {campaign}: priors.weight must be >= 0 and "
                                  "priors.window >= 1")


@dataclass(frozen=True, slots=True)
class Blending:
    """Inbound first: while inbound callers wait, outbound pacing slows or stops.

    From ``slow_after`` seconds of the longest inbound wait, every inbound
    caller waiting is assumed to take the next free agent (the pacer counts that
    many fewer agents); from ``stop_after`` seconds no call is placed.
    """

    slow_after: float = 10.0
    stop_after: float = 30.0

    def check(self, campaign: str) -> None:
        if not 0 <= self.slow_after <= self.stop_after:
            raise CampaignInvalid(f"campaign {campaign}: blending needs 0 <= slow_after "
                                  f"({self.slow_after}) <= stop_after ({self.stop_after})")


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """One outbound campaign as the pacer sees it.

    Args:
        name: the campaign's name (call ids start with it).
        mode: ``preview``, ``progressive`` or ``predictive``.
        rules: the legal abandon rule set (``acd.pacing.US``, ``uk_rules(fp)``).
        line_risk: the most abandon risk one more line may carry: the chance
            that, if answered, it finds no agent in time. Lines are added while
            the next one stays within it. The abandon rate that results is
            lower (the earlier lines of a step risk less); default the legal
            limit.
        target_rate: the abandon rate the smoothing window (the last hour) is
            held to, at most the legal limit; default 0.9 x the limit.
        no_answer_timeout: seconds a line rings before it counts as no answer
            (pass it to Originate); also the pacer's look-ahead.
        pace_interval: seconds between two pacing decisions.
        preview_time: seconds an agent may look at a preview contact before the
            line counts as timed out (preview mode).
        max_lines: most lines in flight at once (trunks), None = no cap.
        max_lines_per_agent: most lines in flight per logged-in agent.
        reserve: abandons the budget always keeps in hand: while the window
            cannot absorb this many more, the pacer takes no predictive risk
            beyond ``negligible_risk``.
        cushion: abandons of budget left from which the pacer aims at its full
            target; below, the target it aims at shrinks linearly to 0 at the
            reserve, so a young window (few live calls) earns headroom first.
        smoothing_window: seconds of a second, shorter window (default the last
            hour) held to ``target_rate``: its budget left limits the pacing
            like the legal one, so a long legal window (30 days) is not spent in
            bursts. It never stops the campaign. None: the legal window only.
        negligible_risk: a line whose own risk (its abandon chance if answered)
            is at most this needs no budget: it is placed even while the budget
            is low or the window too young to hold an abandon (a start of day with
            every agent free), though never while the window's rate is at the
            limit. Default 0.1 %: a thirtieth of the US limit.
        when_spent: ``stop`` or ``progressive`` once the window's rate reached
            the limit.
        blending: inbound-first thresholds, None when the agents take no inbound.
        priors: the assumptions until the campaign is measured.
    """

    name: str
    mode: PacingMode = PacingMode.PREDICTIVE
    rules: AbandonRules = US
    line_risk: float | None = None
    target_rate: float | None = None
    no_answer_timeout: float = 25.0
    pace_interval: float = 1.0
    preview_time: float = 120.0
    max_lines: int | None = None
    max_lines_per_agent: float = 5.0
    reserve: float = 1.0
    cushion: float = 5.0
    smoothing_window: float | None = 3600.0
    negligible_risk: float = 0.001
    when_spent: WhenSpent = WhenSpent.STOP
    blending: Blending | None = None
    priors: Priors = field(default_factory=Priors)

    #: default line risk and target rate, as shares of the legal limit
    line_risk_share = 1.0
    target_share = 0.9

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name:
            raise CampaignInvalid("a campaign needs a non-empty name")
        try:
            object.__setattr__(self, "mode", PacingMode(self.mode))
        except ValueError:
            raise CampaignInvalid(f"campaign {name}: mode {self.mode!r}; use one of "
                                  f"{', '.join(m.value for m in PacingMode)}") from None
        try:
            object.__setattr__(self, "when_spent", WhenSpent(self.when_spent))
        except ValueError:
            raise CampaignInvalid(f"campaign {name}: when_spent {self.when_spent!r}; use "
                                  "'stop' or 'progressive'") from None
        if not isinstance(self.rules, AbandonRules):
            raise CampaignInvalid(f"campaign {name}: rules must be an AbandonRules "
                                  "(acd.pacing.US, uk_rules(...), rule_set(...))")
        if self.target_rate is not None and not 0 < self.target_rate <= self.rules.limit:
            raise CampaignInvalid(f"campaign {name}: target_rate {self.target_rate} must be "
                                  f"above 0 and at most the legal limit {self.rules.limit}")
        if self.line_risk is not None and not 0 <= self.line_risk < 1:
            raise CampaignInvalid(f"campaign {name}: line_risk {self.line_risk} must be a "
                                  "share between 0 and 1 (0.045 = 4.5 % chance of abandon)")
        if self.no_answer_timeout <= 0 or self.pace_interval <= 0 or self.preview_time < 0:
            raise CampaignInvalid(f"campaign {name}: no_answer_timeout and pace_interval "
                                  "must be > 0 seconds, preview_time >= 0")
        if not 0 <= self.negligible_risk < 1:
            raise CampaignInvalid(f"campaign {name}: negligible_risk {self.negligible_risk} "
                                  "must be a share between 0 and 1 (0.001 = 0.1 %; 0: none)")
        if self.max_lines is not None and self.max_lines < 0:
            raise CampaignInvalid(f"campaign {name}: max_lines {self.max_lines} must be >= 0")
        if self.max_lines_per_agent <= 0:
            raise CampaignInvalid(f"campaign {name}: max_lines_per_agent must be > 0")
        if not 0 <= self.reserve <= self.cushion:
            raise CampaignInvalid(f"campaign {name}: needs 0 <= reserve ({self.reserve}) <= "
                                  f"cushion ({self.cushion}), in abandons")
        if self.smoothing_window is not None and self.smoothing_window <= 0:
            raise CampaignInvalid(f"campaign {name}: smoothing_window "
                                  f"{self.smoothing_window} s must be > 0 (None: no smoothing)")
        if self.blending is not None:
            self.blending.check(name)
        self.priors.check(name)

    @property
    def target(self) -> float:
        """The abandon rate the smoothing window is held to."""
        return self.rules.limit * self.target_share if self.target_rate is None else (
            self.target_rate)

    @property
    def max_line_risk(self) -> float:
        """The line risk once the budget is comfortable."""
        return self.rules.limit * self.line_risk_share if self.line_risk is None else (
            self.line_risk)

    def pace_rate(self, budget_left: float) -> float:
        """The line risk in force with ``budget_left`` abandons in hand: the full
        ``line_risk`` from ``cushion`` up, shrinking linearly to 0 at ``reserve``."""
        if budget_left >= self.cushion:
            return self.max_line_risk
        if budget_left <= self.reserve:
            return 0.0
        return self.max_line_risk * (budget_left - self.reserve) / (self.cushion - self.reserve)
