"""Outbound pacing: preview, progressive and predictive dialing within a legal
abandon budget. Pure Python like the rest of ``acd``: no asyncio, no I/O, the
clock passed in.

Events go in through ``Pacer.handle(event, now)`` (line outcomes, the ACD's
AgentStateChanged for the campaign's agents, inbound queue, pause);
``Pacer.tick(now)`` runs the connect rule and places calls: it returns
``Dial`` decisions and one ``Paced`` whose ``Explanation`` says why.

Modules: ``rules`` (legal rule sets), ``ledger`` (the window's counts),
``estimators`` (answer rate, answer delay, handle-time distribution),
``forecast`` (the model), ``step`` (the rule order), ``agents`` (agent phases),
``spec`` (CampaignSpec), ``events``, ``decisions``, ``explain``, ``states``,
``errors``, and ``pacer`` (the Pacer).
"""

from .decisions import AbandonCall, Decision, Dial, LineTimedOut, Paced
from .errors import CampaignInvalid, InvalidLineState, PacingError, UnknownLine, UnknownPacingEvent
from .estimators import DialOutcome, Durations, OutcomeMix
from .events import (
    CallConnected,
    CallFailed,
    CampaignPaused,
    CampaignResumed,
    CustomerHungUp,
    Event,
    HumanAnswered,
    InboundQueueChanged,
    MachineDetected,
)
from .explain import Explanation, PaceReason
from .ledger import AbandonLedger, WindowCounts, WindowOutcome
from .pacer import Pacer
from .rules import US, AbandonRules, WindowKind, rule_set, uk_rules
from .spec import Blending, CampaignSpec, Priors, WhenSpent
from .states import LineState, PacingMode

__all__ = [
    "US", "AbandonCall", "AbandonLedger", "AbandonRules", "Blending", "CallConnected",
    "CallFailed", "CampaignInvalid", "CampaignPaused", "CampaignResumed", "CampaignSpec",
    "CustomerHungUp", "Decision", "Dial", "DialOutcome", "Durations", "Event", "Explanation",
    "HumanAnswered", "InboundQueueChanged", "InvalidLineState", "LineState", "LineTimedOut",
    "MachineDetected", "OutcomeMix", "PaceReason", "Paced", "Pacer", "PacingError", "PacingMode",
    "Priors", "UnknownLine", "UnknownPacingEvent", "WhenSpent", "WindowCounts", "WindowKind",
    "WindowOutcome", "rule_set", "uk_rules",
]
