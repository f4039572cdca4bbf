"""One routing step: an inbox item, the time read once, and the effects it leads to.

Handlers never call the engine re-entrantly. They ``feed`` ACD events to a
work queue; ``drain`` hands them to the engine one at a time and carries out
each event's decisions completely before the next event, so facts (agent
state rows above all) come out in the order the engine decided them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from acd import events as acd
from acd.errors import AcdError
from cti.ami.commands import Command
from cti.calls import LiveCall
from cti.events import DomainEvent
from cti.routing.decisions import carry_out
from cti.routing.effects import AmiRequest, Effect, Reply

if TYPE_CHECKING:
    import asyncio

    from cti.routing.router import Router

log = structlog.get_logger("cti.routing")
E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True, slots=True)
class Now:
    """The clock of one step: ``mono`` (the loop's, for the engine and timers) and
    ``wall`` (epoch seconds, for records), read once."""

    mono: float
    wall: float


class Step:
    def __init__(self, router: Router, now: Now) -> None:
        self.router = router
        self.now = now
        self.effects: list[Effect] = []
        self._work: deque[acd.Event] = deque()

    # --- facts and actions --------------------------------------------------------

    def emit(self, cls: type[E], call: LiveCall | None = None, **fields: Any) -> E:
        """A domain event at this step's wall time (unless ``at`` is given: a hang-up
        Asterisk never reported ended when the link went down); the envelope comes
        from ``call`` unless ``fields`` name it."""
        if call is not None:
            fields.setdefault("interaction_id", call.interaction_id)
            fields.setdefault("queue", call.queue)
            fields.setdefault("node", call.node or None)
            fields.setdefault("agent_id", call.agent_id)
            fields.setdefault("case_id", call.case_id)
            if call.customer:
                fields.setdefault("customer_id", call.customer.get("customer_id"))
        at = fields.pop("at", None) or self.now.wall
        event = self.router.stream.new(cls, at=at, **fields)
        self.effects.append(event)
        return event

    def ami(self, call: LiveCall, *actions: Command, pipelined: bool = False,
            on_error: Any = None, queued_at: float | None = None) -> None:
        self.effects.append(AmiRequest(call.interaction_id, call.node, tuple(actions),
                                       pipelined, on_error, queued_at))

    def reply(self, future: asyncio.Future[Any], result: Any = None,
              error: BaseException | None = None) -> None:
        self.effects.append(Reply(future, result, error))

    # --- the engine -------------------------------------------------------------

    def feed(self, event: acd.Event) -> None:
        """Hand ``event`` to the engine once the current decisions are carried out."""
        self._work.append(event)

    def handle_now(self, event: acd.Event) -> None:
        """Give the engine ``event`` at once and carry out its decisions.

        Raises:
            AcdError: the engine refused it (a command the caller must hear about).
        """
        self._carry_out(self.router.engine.handle(event, self.now.mono))
        self.drain()

    def carry_out(self, decisions: list[Any]) -> None:
        """Carry out decisions the engine returned outside ``handle`` (tick, resume)."""
        self._carry_out(decisions)
        self.drain()

    def drain(self) -> None:
        """Feed the queued ACD events, in order, until none is left."""
        engine = self.router.engine
        while self._work:
            event = self._work.popleft()
            try:
                decisions = engine.handle(event, self.now.mono)
            except AcdError as exc:
                log.warning("ACD refused event", acd_event=type(event).__name__,
                            error=str(exc))
                continue
            self._carry_out(decisions)

    def _carry_out(self, decisions: list[Any]) -> None:
        carry_out(self, decisions)
