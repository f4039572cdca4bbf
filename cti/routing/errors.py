"""Why a call command was refused: the errors the API maps to statuses and codes.

CtiError (cti.errors)
 ├── NoSuchCall          404 no-such-call        (cti.errors) no live call with that id
 ├── NoSuchAgent         404 no-such-agent       (cti.errors) no agent with that id
 ├── CommandRefused      409 command-refused     (cti.errors) valid, but not now
 │    ├── CallNotInPhase 409 call-not-in-phase   the call is not where the command needs it
 │    ├── AgentNotFree   409 agent-not-free      the target agent cannot take a call now
 │    └── QueueClosed    409 queue-closed        the target queue takes no new calls
 ├── NoSuchQueue         404 no-such-queue
 ├── NoSuchCallback      404 no-such-callback
 ├── BadNumber           400 bad-number          an outside number the policy refuses
 ├── BadCommand          400 bad-command         an argument that cannot be right
 └── ClientIdReused      409 client-id-reused    the client id named another command

The ``code`` strings are part of the API: don't rename them.
"""

from __future__ import annotations

from cti.errors import CommandRefused, CtiError


class CallNotInPhase(CommandRefused):
    """The call exists but is not where the command needs it (not talking, not held...)."""

    status, code = 409, "call-not-in-phase"

    def __init__(self, interaction_id: str, needs: str, phase: str) -> None:
        super().__init__(f"call {interaction_id} is {phase}, not {needs}")
        self.interaction_id, self.needs, self.phase = interaction_id, needs, phase


class AgentNotFree(CommandRefused):
    status, code = 409, "agent-not-free"

    def __init__(self, agent_id: str, why: str) -> None:
        super().__init__(f"agent {agent_id} cannot take a call now: {why}")
        self.agent_id = agent_id


class QueueClosed(CommandRefused):
    status, code = 409, "queue-closed"

    def __init__(self, queue: str) -> None:
        super().__init__(f"queue {queue} is closed; open it first (or choose another queue)")
        self.queue = queue


class NoSuchQueue(CtiError):
    status, code = 404, "no-such-queue"

    def __init__(self, queue: str, known: list[str]) -> None:
        super().__init__(f"no queue named {queue!r}; queues: {', '.join(sorted(known))}")
        self.queue = queue


class NoSuchCallback(CtiError):
    status, code = 404, "no-such-callback"

    def __init__(self, callback_id: str) -> None:
        super().__init__(f"no scheduled callback {callback_id!r} waiting to be made")
        self.callback_id = callback_id


class BadNumber(CtiError):
    """An outside number the dialling policy refuses (``reason``: not-a-number, invalid,
    country, type)."""

    status, code = 400, "bad-number"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class BadCommand(CtiError):
    status, code = 400, "bad-command"


class ClientIdReused(CtiError):
    status, code = 409, "client-id-reused"

    def __init__(self, client_id: str, first: str, now: str) -> None:
        super().__init__(f"client id {client_id!r} was used for {first}, not {now}; "
                         "give each command its own client id")
        self.client_id = client_id
