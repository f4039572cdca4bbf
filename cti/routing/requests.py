"""What the IVR learns and asks (a new interaction, steps, classification, queue,
callback, survey) and agent commands from the API, the CLI and phone feature codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from acd import events as acd
from acd.errors import AcdError
from acd.states import AgentState
from cti import events as ev
from cti.ami import events as ami
from cti.calls import LiveCall, Phase
from cti.errors import BadRequest, CommandRefused, NoSuchAgent
from cti.routing.decisions import close_call
from cti.routing.items import (
    AgentCommand,
    CallbackWanted,
    Classified,
    Enqueue,
    HistoryFetched,
    InteractionStarted,
    IvrStepDone,
    OfferNotDelivered,
    SurveyAnswer,
)

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.routing")

#: How a call that never reached an agent ended, by the IVR step that ended it.
_IVR_OUTCOMES = {"transfer": "transferred", "voicemail": "voicemail",
                 "hangup": "served-by-ivr", "caller_hangup": "ivr-hangup"}


# --- the IVR -----------------------------------------------------------------------------


def on_interaction_started(step: Step, started: InteractionStarted) -> None:
    call = LiveCall(interaction_id=started.interaction_id, node=started.node,
                    channel=started.channel, uniqueid=started.uniqueid,
                    caller_number=started.caller_number, caller_name=started.caller_name,
                    dnid=started.dnid, flow=started.flow, created_at=step.now.wall)
    step.router.calls.add(call)
    step.emit(ev.InteractionOpened, call, caller_number=call.caller_number or None,
              caller_name=call.caller_name or None, dialled_number=call.dnid or None,
              uniqueid=call.uniqueid or None, flow=started.flow)


def on_ivr_step(step: Step, done: IvrStepDone) -> None:
    call = step.router.calls.get(done.interaction_id)
    if call is not None:
        call.ivr_path.append(done.step)
        call.ivr_outcome = _IVR_OUTCOMES.get(done.kind, call.ivr_outcome)
        if done.kind == "case" and done.data.get("case_id"):
            call.case_id = str(done.data["case_id"])
    step.emit(ev.IvrStepRan, call, interaction_id=done.interaction_id, step=done.step,
              step_type=done.kind, result=dict(done.data))
    if done.customer and call is not None and call.customer is None:
        call.customer = dict(done.customer)
        step.emit(ev.CustomerIdentified, call, how=str(done.data.get("by") or "phone"),
                  name=done.customer.get("name"), tier=done.customer.get("tier"))


def on_classified(step: Step, item: Classified) -> None:
    fields = {k: v for k, v in (("topic", item.topic), ("reason", item.reason),
                                ("sub_reason", item.sub_reason), ("question", item.question),
                                ("call_type", item.call_type)) if v is not None}
    if not fields:
        return
    call = step.router.calls.get(item.interaction_id)
    if call is not None:
        call.classification.update(fields)
    step.emit(ev.InteractionClassified, call, interaction_id=item.interaction_id, by="ivr",
              **fields)


def on_enqueue(step: Step, req: Enqueue) -> None:
    router = step.router
    call = router.calls.get(req.interaction_id)
    if call is None:
        log.warning("enqueue for an unknown interaction", interaction_id=req.interaction_id)
        return
    queue = router.config.queues.get(req.queue)
    if call.customer is None and req.attributes.get("customer_id"):
        call.customer = {"customer_id": str(req.attributes["customer_id"]),
                         "name": req.attributes.get("customer_name")}
    if req.history is not None:
        call.history = dict(req.history)
    call.queue = req.queue
    call.skills = dict(req.skills)
    call.priority = req.priority + (queue.priority if queue else 0)
    call.queued_at = call.segment_at = step.now.wall
    call.requeue_cause = "callback" if call.is_callback else "ivr"
    router.enqueued_at[call.interaction_id] = step.now.mono
    step.feed(acd.CallArrived(call.interaction_id, req.queue, priority=call.priority,
                              extra_skills=call.skills, callback=call.is_callback,
                              attributes={k: str(v) for k, v in req.attributes.items()}))
    step.drain()
    router.enqueued_at.pop(call.interaction_id, None)  # offered at once, or not at all


def on_history_fetched(step: Step, fetched: HistoryFetched) -> None:
    """The pop went out without history (its fetch overran the budget): send it whole."""
    call = step.router.calls.get(fetched.interaction_id)
    if call is None:
        return
    call.history = dict(fetched.history)
    if call.phase in (Phase.RINGING, Phase.TALKING, Phase.AFTER_AGENT):
        step.emit(ev.ScreenPopUpdated, call, screen_pop=call.screen_pop(step.now.wall))


def on_callback_wanted(step: Step, req: CallbackWanted) -> None:
    """From the hold step (the call waits) or the IVR (it is queued next, as a callback)."""
    call = step.router.calls.get(req.interaction_id)
    if call is None or call.phase not in (Phase.IVR, Phase.WAITING):
        return
    call.callback_number = req.number
    step.emit(ev.CallbackRequested, call, number=req.number, segment=call.segment)
    if call.phase is Phase.WAITING:
        step.router.calls.move(call, "callback_chosen")
        step.feed(acd.CallbackRequested(call.interaction_id))


def on_survey(step: Step, answer: SurveyAnswer) -> None:
    call = step.router.calls.get(answer.interaction_id)
    step.emit(ev.SurveyAnswered, call, interaction_id=answer.interaction_id,
              kind=answer.kind, score=answer.score)


def on_offer_not_delivered(step: Step, failure: OfferNotDelivered) -> None:
    """The Redirect or Originate of an offer failed. If the caller's channel is gone
    (a phantom call, a caller who left) the call is at fault, not the agent: the
    call ends as lost and the agent keeps its state."""
    router = step.router
    call = router.calls.get(failure.interaction_id)
    if call is None or call.phase is not Phase.RINGING or call.agent_id != failure.agent_id:
        return
    log.warning("offer not delivered", interaction_id=failure.interaction_id,
                agent_id=failure.agent_id, error=failure.error)
    if not call.is_callback and not router.channel_exists(call.node, call.uniqueid):
        step.emit(ev.OfferFailed, call, attempt=call.offers, reason="caller-left",
                  dial_status=failure.error or None)
        step.feed(acd.CallRemoved(call.interaction_id, "caller channel gone"))
        close_call(step, call, "lost")
        return
    step.emit(ev.OfferFailed, call, attempt=call.offers, reason="unavailable",
              dial_status=failure.error or None)
    call.requeue_cause = "offer-failed"
    router.calls.move(call, "ring_failed")
    step.feed(acd.OfferFailed(call.interaction_id, failure.agent_id, "unavailable"))


# --- agent commands ------------------------------------------------------------------


def on_agent_command(step: Step, cmd: AgentCommand) -> None:
    """A command from a person (the API, the CLI): its pause reason must be one of
    the configured ones (the service's own, ``system``, may give any: disconnected)."""
    try:
        if cmd.action in ("login", "pause") and cmd.reason is not None and not cmd.system:
            problem = step.router.config.pause_reason_problem(cmd.reason)
            if problem:
                raise BadRequest(problem)
        result = agent_command(step, cmd.agent_id, cmd.action, cmd.reason)
    except Exception as exc:
        step.reply(cmd.reply, error=exc)
        return
    step.reply(cmd.reply, result)


def agent_command(step: Step, agent_id: str, action: str,
                  reason: str | None) -> dict[str, Any]:
    """login, logout, ready or pause, from the API, the CLI or a phone's feature code.

    A login leaves the agent as ``routing.login_state`` says; logging in a logged-in
    agent (or out a logged-out one) changes nothing and is no error. On an agent in a
    call the change waits for the call and wrap-up to end (``pending`` in the reply).
    """
    router = step.router
    if agent_id not in router.config.agents:
        raise NoSuchAgent(agent_id)
    before = router.engine.agent(agent_id)
    if (action == "login" and before.presence is not AgentState.LOGGED_OUT) or \
            (action == "logout" and before.presence is AgentState.LOGGED_OUT):
        return {**agent_view(step, agent_id), "changed": False}
    event: acd.Event
    if action == "login":
        ready = router.config.service.routing.login_state == "ready"
        event = acd.AgentLoggedIn(agent_id, ready=ready, reason=reason or "login")
    elif action == "logout":
        event = acd.AgentLoggedOut(agent_id)
    elif action == "ready":
        event = _ready_event(step, agent_id)
    else:
        reason = reason or router.config.default_pause_reason
        event = acd.AgentNotReady(agent_id, reason)
    try:
        step.handle_now(event)
    except AcdError as exc:
        raise CommandRefused(_refusal(agent_id, action, before)) from exc
    view = agent_view(step, agent_id)
    after = router.engine.agent(agent_id)
    # a busy agent's pause reason is not in its snapshot: a pause then counts as a change
    view["changed"] = (after.presence, after.state, after.reason) != \
        (before.presence, before.state, before.reason) or (
            action == "pause" and before.state is not AgentState.NOT_READY)
    if view.get("pending") == AgentState.NOT_READY.value:
        view["pending_reason"] = reason
    return view


def agent_view(step: Step, agent_id: str) -> dict[str, Any]:
    """An agent's state, and the change waiting for its call or wrap-up to end."""
    snap = step.router.engine.agent(agent_id)
    view: dict[str, Any] = {"agent_id": agent_id, "state": snap.state.value,
                            "reason": snap.reason}
    if snap.presence is not snap.state and snap.state in (
            AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP):
        view["pending"] = snap.presence.value
    return view


def _ready_event(step: Step, agent_id: str) -> acd.Event:
    snap = step.router.engine.agent(agent_id)
    if snap.state is AgentState.WRAP_UP:
        return acd.WrapUpDone(agent_id)
    if snap.presence is AgentState.LOGGED_OUT:
        return acd.AgentLoggedIn(agent_id, ready=True)
    return acd.AgentReady(agent_id)


def _refusal(agent_id: str, action: str, snap: Any) -> str:
    """Why the ACD refused ``action``, in words (never the engine's class names)."""
    if snap.retiring:
        return (f"agent {agent_id} was removed from the configuration and logs out after "
                f"its call; it cannot {action}")
    if snap.presence is AgentState.LOGGED_OUT:
        return f"agent {agent_id} is logged out: log it in first (cti agent login {agent_id})"
    return f"agent {agent_id} cannot {action} now: it is {snap.state.value}"


def on_feature(step: Step, used: ami.AgentFeatureUsed) -> None:
    # The phone's device from the channel that ran the UserEvent is exact; the
    # dialplan's ${CUT(CHANNEL,-,1)} is wrong for endpoint names with a '-'.
    router = step.router
    agent = (used.channel and router.agent_at(used.channel.device)) or \
        router.agent_at(used.endpoint)
    if agent is None:
        log.warning("feature code from a phone no agent uses", endpoint=used.endpoint,
                    feature=used.feature)
        return
    action = {"login": "login", "logout": "logout", "ready": "ready",
              "pause": "pause"}.get(used.feature)
    if action is None:
        return
    try:
        agent_command(step, agent.id, action, None)  # a pause: the default reason
    except Exception as exc:
        log.warning("feature code refused", agent_id=agent.id, feature=used.feature,
                    error=str(exc))
