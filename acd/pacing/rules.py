"""Legal abandon rule sets: what counts as abandoned, over which window, up to what rate.

A call is *abandoned* when a person answered (the greeting is over) and no
agent was connected within ``connect_within`` seconds; the service then plays
a short recorded message and hangs up. The rate is abandoned / live-answered
calls of one campaign over the rule's window:

- US (FCC 47 CFR 64.1200(a)(7), FTC TSR): at most 3 % of the calls answered
  by a live person, per campaign, measured over 30 days; a campaign running
  longer is measured separately over each successive 30-day period (so the
  window is a period anchored at the campaign's start). Calls to answering
  machines count nowhere.
- UK (Ofcom, persistent misuse policy): at most 3 % of live calls per
  campaign over any 24 hours (a rolling window), and the count must include a
  reasoned estimate of AMD false positives: people the answering-machine
  detector classed as machines and hung up on. The estimate is the measured
  false-positive rate times the calls AMD classed as machines; those calls are
  live calls that were dropped, so the estimate is added to both the abandoned
  calls and the live calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import CampaignInvalid

DAY = 86_400.0


class WindowKind(StrEnum):
    #: successive fixed periods from the campaign's start, each measured on its own
    PERIODS = "periods"
    #: any window of that length: the one ending now is checked
    ROLLING = "rolling"


@dataclass(frozen=True, slots=True)
class AbandonRules:
    """One legal abandon rule set.

    Args:
        name: shown in explanations (``"US"``, ``"UK"``).
        limit: the highest legal abandon rate, a share of live calls (0.03 = 3 %).
        window: seconds over which the rate is measured.
        window_kind: ``periods`` (successive periods from the campaign's start)
            or ``rolling`` (any window of that length).
        connect_within: seconds after the end of the greeting within which an
            agent must be connected, else the call is abandoned.
        amd_false_positive_rate: None when the rule set does not count AMD false
            positives; else the measured share of AMD "machine" verdicts that
            were people (0 when the campaign runs no AMD).
    """

    name: str
    limit: float
    window: float
    window_kind: WindowKind
    connect_within: float = 2.0
    amd_false_positive_rate: float | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "window_kind", WindowKind(self.window_kind))
        except ValueError:
            raise CampaignInvalid(f"rules {self.name}: window_kind {self.window_kind!r}; use "
                                  "'periods' or 'rolling'") from None
        if not 0 < self.limit < 1:
            raise CampaignInvalid(f"rules {self.name}: limit {self.limit} must be a share "
                                  "between 0 and 1 (0.03 = 3 %)")
        if self.window <= 0:
            raise CampaignInvalid(f"rules {self.name}: window {self.window} s must be positive")
        if self.connect_within < 0:
            raise CampaignInvalid(f"rules {self.name}: connect_within {self.connect_within} s "
                                  "must be >= 0")
        fp = self.amd_false_positive_rate
        if fp is not None and not 0 <= fp < 1:
            raise CampaignInvalid(f"rules {self.name}: amd_false_positive_rate {fp} must be a "
                                  "share between 0 and 1 (0.02 = 2 % of machine verdicts)")

    @property
    def counts_false_positives(self) -> bool:
        return self.amd_false_positive_rate is not None

    def describe(self) -> str:
        """One line, e.g. ``US: <= 3% of live calls per 30-day period, agent within 2 s``."""
        days = self.window / DAY
        span = f"{days:g}-day period" if self.window_kind is WindowKind.PERIODS else (
            f"rolling {self.window / 3600:g} h" if days < 2 else f"rolling {days:g} days")
        fp = ("" if self.amd_false_positive_rate is None else
              f", AMD false positives counted at {self.amd_false_positive_rate:.1%}")
        return (f"{self.name}: <= {self.limit:.1%} of live calls per {span}, "
                f"agent within {self.connect_within:g} s{fp}")


#: United States: 3 % of live-answered calls per campaign, each 30-day period apart.
US = AbandonRules("US", limit=0.03, window=30 * DAY, window_kind=WindowKind.PERIODS,
                  connect_within=2.0)


def uk_rules(amd_false_positive_rate: float) -> AbandonRules:
    """United Kingdom: 3 % of live calls per campaign over any 24 hours, counting the
    estimated AMD false positives (pass 0 when the campaign runs no AMD)."""
    return AbandonRules("UK", limit=0.03, window=DAY, window_kind=WindowKind.ROLLING,
                        connect_within=2.0, amd_false_positive_rate=amd_false_positive_rate)


def rule_set(name: str, amd_false_positive_rate: float | None = None) -> AbandonRules:
    """The preset named ``name`` (``US`` or ``UK``, any case).

    Raises:
        CampaignInvalid: an unknown name, UK without its false-positive rate, or
            a false-positive rate given to a rule set that does not count them.
    """
    key = name.strip().upper()
    if key == "US":
        if amd_false_positive_rate is not None:
            raise CampaignInvalid("US rules do not count AMD false positives; drop "
                                  "amd_false_positive_rate or use the UK rules")
        return US
    if key == "UK":
        if amd_false_positive_rate is None:
            raise CampaignInvalid("UK rules need amd_false_positive_rate: the measured share "
                                  "of AMD 'machine' verdicts that were people (0 without AMD)")
        return uk_rules(amd_false_positive_rate)
    raise CampaignInvalid(f"no abandon rule set named {name!r}; use 'US' or 'UK', or build "
                          "an AbandonRules")
