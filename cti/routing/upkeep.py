"""Call control's part of every routing step and of the timer, and its restore.

``after_step`` runs at the end of each step: direct rings that failed take their
fallback, the agent's last answered call is noted (for the wrap-up), and what
commands started for calls that are gone is forgotten. ``on_timer`` starts the
scheduled callbacks that are due; ``next_due`` says when (wall clock).
``install`` puts back, after a restart, the callbacks and switches PostgreSQL
kept (no event: they are facts already).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cti import events as ev
from cti.routing import direct, outbound
from cti.routing.control import CENTRE_MODES, ScheduledCallback

if TYPE_CHECKING:
    from cti.routing.router import Router
    from cti.routing.step import Step


def after_step(step: Step) -> None:
    control = step.router.control
    direct.settle(step)
    for effect in step.effects:
        if isinstance(effect, ev.CallAnswered) and effect.agent_id and effect.interaction_id:
            control.last_calls[effect.agent_id] = (effect.interaction_id, effect.queue)
    calls = step.router.calls
    for table in (control.consults, control.recordings, control.parked):
        for interaction_id in [i for i in table if calls.get(i) is None]:
            del table[interaction_id]


def on_timer(step: Step) -> None:
    if step.router.control.callbacks:
        outbound.start_due(step)


def install(router: Router, callbacks: Iterable[ScheduledCallback],
            settings: Mapping[str, Mapping[str, Any]]) -> None:
    """Load what the store kept: pending callbacks, closed queues, the centre's mode."""
    control = router.control
    for callback in callbacks:
        control.add_callback(callback)
    for key, value in settings.items():
        if key.startswith("queue:") and value.get("closed"):
            control.closed.add(key.removeprefix("queue:"))
        elif key == "centre_mode" and value.get("mode") in CENTRE_MODES:
            control.mode = str(value["mode"])
            control.mode_message = value.get("message")
