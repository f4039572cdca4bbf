"""Agent, device and call states, and the one table of legal agent moves.

An agent's visible state is derived, never stored by hand:

- RESERVED while an offer rings on it,
- else ON_CALL while it holds at least one interaction,
- else WRAP_UP while its wrap-up runs,
- else its *presence*: what the agent asked for (LOGGED_OUT, READY,
  NOT_READY with a reason).

So "not ready after this call" and "log out after this call" need no special
state: the agent sets its presence while ON_CALL and the derived state follows
once the call and the wrap-up are over.
"""

from __future__ import annotations

from enum import StrEnum


class AgentState(StrEnum):
    #: not working; never offered anything
    LOGGED_OUT = "LOGGED_OUT"
    #: free for offers on every channel it has capacity for
    READY = "READY"
    #: logged in but away; the reason says why (lunch, no-answer, ...)
    NOT_READY = "NOT_READY"
    #: an offer is ringing on the agent
    RESERVED = "RESERVED"
    #: talking (or chatting) with at least one customer
    ON_CALL = "ON_CALL"
    #: after-call work; READY again after the queue's wrap-up time or the disposition
    WRAP_UP = "WRAP_UP"


class DeviceState(StrEnum):
    """The agent's phone as Asterisk sees it; only AVAILABLE phones ring."""

    AVAILABLE = "available"
    IN_USE = "in_use"
    UNAVAILABLE = "unavailable"


class CallState(StrEnum):
    #: in one or more queues, waiting for an agent
    WAITING = "WAITING"
    #: offered to one agent, ringing
    OFFERED = "OFFERED"
    #: answered, connected to its agent
    TALKING = "TALKING"


#: Presence moves an agent may ask for, by event class name -> presences it may come from.
#: (READY -> READY and NOT_READY -> NOT_READY are allowed: a double click is harmless.)
PRESENCE_MOVES: dict[str, frozenset[AgentState]] = {
    "AgentLoggedIn": frozenset({AgentState.LOGGED_OUT}),
    "AgentLoggedOut": frozenset({AgentState.READY, AgentState.NOT_READY}),
    "AgentReady": frozenset({AgentState.READY, AgentState.NOT_READY}),
    "AgentNotReady": frozenset({AgentState.READY, AgentState.NOT_READY}),
}

#: Call events -> call states they are legal in.
CALL_MOVES: dict[str, frozenset[CallState]] = {
    "OfferAnswered": frozenset({CallState.OFFERED}),
    "OfferFailed": frozenset({CallState.OFFERED}),
    "CallAbandoned": frozenset({CallState.WAITING, CallState.OFFERED}),
    "CallEnded": frozenset({CallState.TALKING}),
    "CallTransferred": frozenset({CallState.TALKING}),
    "CallbackRequested": frozenset({CallState.WAITING}),
    "CallRemoved": frozenset({CallState.WAITING, CallState.OFFERED}),
}

#: Hints appended to a refused call event, to say what to send instead.
CALL_HINTS: dict[tuple[str, CallState], str] = {
    ("CallAbandoned", CallState.TALKING): "; a hang-up after answer is CallEnded",
    ("CallRemoved", CallState.TALKING): "; a talking call ends with CallEnded",
    ("CallEnded", CallState.WAITING): "; a hang-up while waiting is CallAbandoned",
    ("CallEnded", CallState.OFFERED): "; a hang-up while ringing is CallAbandoned",
}
