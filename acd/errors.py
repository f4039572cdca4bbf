"""Errors the routing engine raises on purpose.

AcdError
 ├── ConfigInvalid      a QueueSpec / AgentSpec is inconsistent
 ├── UnknownEvent       handle() got something that is not an acd event
 ├── UnknownAgent       an event names an agent the engine does not know
 ├── UnknownQueue       an event names a queue that does not exist (or is draining)
 ├── UnknownCall        an event names a call the engine does not hold
 ├── DuplicateCall      a call was enqueued twice
 ├── NoSuchOffer        an answer / failure for an offer that does not exist
 ├── InvalidTransition  an agent event not allowed in the agent's state
 ├── InvalidCallState   a call event not allowed in the call's state
 └── InvalidEvent       a field of an event is out of range

An event that raises leaves the engine unchanged. ``code`` strings are part of
the API (the service maps them to HTTP answers): don't rename them.
"""

from __future__ import annotations


class AcdError(Exception):
    """Base for errors the routing engine raises on purpose."""

    status: int = 500
    code: str = "acd-error"


class ConfigInvalid(AcdError):
    status, code = 400, "invalid-acd-config"


class UnknownEvent(AcdError):
    status, code = 400, "unknown-event"

    def __init__(self, event: object) -> None:
        super().__init__(
            f"{type(event).__name__} is not an acd event; pass one of the classes in acd.events"
        )


class UnknownAgent(AcdError):
    status, code = 404, "no-such-agent"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent with id {agent_id!r}; check the agents configuration")
        self.agent_id = agent_id


class UnknownQueue(AcdError):
    status, code = 404, "no-such-queue"

    def __init__(self, queue: str, detail: str = "") -> None:
        super().__init__(f"no queue named {queue!r}{detail}; check the queues configuration")
        self.queue = queue


class UnknownCall(AcdError):
    status, code = 404, "no-such-call"

    def __init__(self, call_id: str) -> None:
        super().__init__(
            f"no call with id {call_id!r} in the engine (ended, removed or never queued)")
        self.call_id = call_id


class DuplicateCall(AcdError):
    status, code = 409, "duplicate-call"

    def __init__(self, call_id: str, state: str) -> None:
        super().__init__(f"call {call_id!r} is already in the engine (state {state}); "
                         "a call is enqueued once, use CallTransferred to move it")
        self.call_id = call_id


class NoSuchOffer(AcdError):
    status, code = 409, "no-such-offer"

    def __init__(self, call_id: str, agent_id: str, detail: str) -> None:
        super().__init__(f"no offer of call {call_id!r} to agent {agent_id!r}: {detail}")
        self.call_id, self.agent_id = call_id, agent_id


class InvalidTransition(AcdError):
    status, code = 409, "invalid-agent-transition"

    def __init__(self, agent_id: str, event: str, state: str) -> None:
        super().__init__(f"agent {agent_id}: {event} not allowed in state {state}")
        self.agent_id, self.event, self.state = agent_id, event, state


class InvalidCallState(AcdError):
    status, code = 409, "invalid-call-state"

    def __init__(self, call_id: str, event: str, state: str, hint: str = "") -> None:
        super().__init__(f"call {call_id}: {event} not allowed in state {state}{hint}")
        self.call_id, self.event, self.state = call_id, event, state


class InvalidEvent(AcdError):
    """An event carries a value out of range (unknown channel, bad skill level, ...)."""

    status, code = 400, "invalid-event"
