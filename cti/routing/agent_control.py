"""Agents moved by someone: a supervisor changing an agent's state or logging it out,
and the wrap-up an agent ends with a disposition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acd import events as acd
from acd.errors import AcdError
from acd.states import AgentState
from cti import events as ev
from cti.cases.dispositions import UnknownDisposition, check_disposition
from cti.errors import CommandRefused
from cti.routing.control import agent_config, command
from cti.routing.errors import BadCommand
from cti.routing.items import SetAgentState, WrapUp
from cti.routing.requests import agent_command, agent_view

if TYPE_CHECKING:
    from cti.config import Config
    from cti.routing.step import Step

AGENT_ACTIONS = ("login", "ready", "pause", "logout")


@command
def set_state(step: Step, cmd: SetAgentState) -> dict[str, Any]:
    """``by`` moves ``agent_id``: login, ready, pause (with a reason) or logout. A change
    asked during a call or a wrap-up applies after it (``pending`` says which). Who
    asked is recorded after the AgentStateChanged it caused (a refusal records nothing)."""
    if cmd.action not in AGENT_ACTIONS:
        raise BadCommand(f"agent action {cmd.action!r}; use one of {', '.join(AGENT_ACTIONS)}")
    agent_config(step, cmd.agent_id)
    view = agent_command(step, cmd.agent_id, cmd.action, cmd.reason)
    step.emit(ev.AgentStateRequested, agent_id=cmd.agent_id, action=cmd.action, by=cmd.by,
              reason=cmd.reason)
    return view


@command
def wrap_up(step: Step, cmd: WrapUp) -> dict[str, Any]:
    """End the agent's wrap-up with a disposition of the call's queue."""
    agent_config(step, cmd.agent_id)
    snap = step.router.engine.agent(cmd.agent_id)
    if not snap.wrapping or snap.state is not AgentState.WRAP_UP:
        raise CommandRefused(f"agent {cmd.agent_id} is {snap.state.value}, not in wrap-up")
    last = step.router.control.last_calls.get(cmd.agent_id)
    interaction_id = cmd.interaction_id or (last[0] if last else None) or \
        step.router.agent_calls.get(cmd.agent_id)
    queue = last[1] if last and last[0] == interaction_id else None
    code = _disposition(step.router.config, queue, cmd.disposition)
    try:
        step.handle_now(acd.WrapUpDone(cmd.agent_id, code))
    except AcdError as exc:
        raise CommandRefused(f"agent {cmd.agent_id}: wrap-up refused: {exc}") from None
    step.emit(ev.CallWrappedUp, interaction_id=interaction_id, agent_id=cmd.agent_id,
              queue=queue, disposition=code, notes=cmd.notes, by=cmd.by)
    return {**agent_view(step, cmd.agent_id), "interaction_id": interaction_id,
            "disposition": code}


def _disposition(config: Config, queue: str | None, code: str | None) -> str | None:
    """The code, checked against the queue's dispositions (any queue's when the call's
    queue is not known: a wrap-up that survived a restart)."""
    if queue is not None:
        found = check_disposition(config, queue, code)
        return found.code if found else None
    if code is None:
        return None
    if any(q.disposition(code) for q in config.queues.values()):
        return code
    raise UnknownDisposition(f"disposition {code!r} is not one of any queue's codes")
