"""The routing step (``router.py``), the loop around it and the parts it is made of."""

from cti.routing.items import (
    AgentCommand,
    CallbackWanted,
    Classified,
    Enqueue,
    HistoryFetched,
    InLoop,
    InteractionStarted,
    IvrStepDone,
    OfferNotDelivered,
    SurveyAnswer,
    TimerFired,
)
from cti.routing.router import Router, RoutingLoop, cancel_and_wait
from cti.routing.step import Now, Step

__all__ = ["AgentCommand", "CallbackWanted", "Classified", "Enqueue", "HistoryFetched", "InLoop",
           "InteractionStarted", "IvrStepDone", "Now", "OfferNotDelivered", "Router",
           "RoutingLoop", "Step", "SurveyAnswer", "TimerFired", "cancel_and_wait"]
