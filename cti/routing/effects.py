"""What one routing step asks the world to do, besides the domain events it emits.

The step itself does no I/O: it returns these, and the loop (``RoutingLoop``)
carries them out. Tests read them to check exactly which AMI actions a
trace or a command leads to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from cti.ami.commands import Command
from cti.events import DomainEvent


@dataclass(frozen=True, slots=True)
class AmiRequest:
    """AMI actions for one interaction, run after the interaction's earlier ones.

    pipelined: send all at once (Asterisk runs one session's actions in order)
    instead of waiting for each response.
    on_error: an inbox item to submit, with ``error`` filled in, if one fails.
    queued_at: loop time the call was queued with an agent free, for the
    routing latency (queued -> actions handed to AMI).
    """

    interaction_id: str
    node: str
    actions: tuple[Command, ...]
    pipelined: bool = False
    on_error: Any = None
    queued_at: float | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer a command's future once the step's events are out."""

    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


Effect = AmiRequest | Reply | DomainEvent
