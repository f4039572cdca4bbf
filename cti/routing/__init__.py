"""The routing loop (``router.py``) and the parts it is made of."""

from cti.routing.items import (
    AgentCommand,
    CallbackWanted,
    Enqueue,
    InLoop,
    OfferNotDelivered,
    TimerFired,
)
from cti.routing.router import Router, cancel_and_wait

__all__ = ["AgentCommand", "CallbackWanted", "Enqueue", "InLoop", "OfferNotDelivered",
           "Router", "TimerFired", "cancel_and_wait"]
