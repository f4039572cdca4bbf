"""The routing engine: pure Python, no I/O, time passed in.

Events go in through ``Engine.handle(event, now)``; decisions come out as plain
values that the service (``cti.routing``) carries out. Deadlines (ring safety
timeouts, wrap-up ends, escalation steps, maximum waits) run in
``Engine.tick(now)``; ``Engine.next_deadline()`` says when to call it.

Modules: ``specs`` (configuration), ``events`` (in), ``decisions`` (out),
``states`` (the state tables), ``engine`` (handlers and read side) on top of
``figures`` (what a supervisor board reads), ``restore`` (reconfigure, crash
recovery, holding offers), ``deadlines`` (tick) and ``floor`` (state,
indexes, the routing rules); ``tally`` and ``window`` (statistics kept up to
date as things happen), ``report`` and ``views`` (read-side values),
``explain``, ``erlang`` (Erlang C staffing), ``errors``.
"""

from .decisions import (
    AgentStateChanged,
    CallQueued,
    Decision,
    Escalated,
    Offer,
    OfferTimedOut,
    QueueExit,
)
from .engine import Engine
from .errors import (
    AcdError,
    ConfigInvalid,
    DuplicateCall,
    InvalidCallState,
    InvalidEvent,
    InvalidTransition,
    NoSuchOffer,
    UnknownAgent,
    UnknownCall,
    UnknownEvent,
    UnknownQueue,
)
from .events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentNotReady,
    AgentReady,
    CallAbandoned,
    CallArrived,
    CallbackRequested,
    CallEnded,
    CallRemoved,
    CallTransferred,
    DeviceStateChanged,
    Event,
    OfferAnswered,
    OfferFailed,
    WrapUpDone,
)
from .specs import (
    CHANNELS,
    AgentSpec,
    EscalationStep,
    ExitAction,
    NoAnswerPolicy,
    QueueSpec,
    StepAction,
    Strategy,
)
from .states import AgentState, CallState, DeviceState
from .views import (
    AgentCounters,
    AgentFigures,
    AgentSnapshot,
    AgentStats,
    CallSnapshot,
    Changes,
    QueueCounters,
    QueueFigures,
    QueueStats,
    Reason,
    Stats,
    Verdict,
)

__all__ = [
    "CHANNELS", "AcdError", "AgentCounters", "AgentFigures", "AgentLoggedIn", "AgentLoggedOut",
    "AgentNotReady", "AgentReady",
    "AgentSnapshot", "AgentSpec", "AgentState", "AgentStateChanged", "AgentStats",
    "CallAbandoned", "CallArrived", "CallEnded", "CallQueued", "CallRemoved", "CallSnapshot",
    "CallState", "CallTransferred", "CallbackRequested", "Changes", "ConfigInvalid", "Decision",
    "DeviceState", "DeviceStateChanged", "DuplicateCall", "Engine", "Escalated",
    "EscalationStep", "Event", "ExitAction", "InvalidCallState", "InvalidEvent",
    "InvalidTransition", "NoAnswerPolicy", "NoSuchOffer", "Offer", "OfferAnswered",
    "OfferFailed", "OfferTimedOut", "QueueCounters", "QueueExit", "QueueFigures", "QueueSpec",
    "QueueStats", "Reason", "Stats",
    "StepAction", "Strategy", "UnknownAgent", "UnknownCall", "UnknownEvent", "UnknownQueue",
    "Verdict", "WrapUpDone",
]
