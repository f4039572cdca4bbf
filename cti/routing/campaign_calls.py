"""What Asterisk reports about campaign calls, and the end of every attempt.

Trace 24: OriginateResponse Success (reason 4) comes at the answer and says
nothing yet; a failure says why (3 no answer, 5 busy, 8 congestion, else
failed). The dialplan's ``CTIAmdResult`` then says HUMAN (or NOTSURE: counted
as a person, the safe side for compliance), MACHINE or HANGUP. A person is
queued in the campaign's ACD queue under the attempt's interaction, at the top
of it; the ACD's offer bridges the call to the agent's line
(``cti.routing.lines``), and ``call.answered`` is the connect the pacer is
told (CallConnected). ``after_step`` follows every step's facts: the agents'
states go to the pacers, ``call.answered`` connects, ``call.ended`` ends the
attempt with ``campaign.attempt_ended`` (the outcome, and the contact's next
step: ``cti.campaigns.retries``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from acd import events as acd
from acd.decisions import AgentStateChanged as PacerAgentChange
from acd.pacing import (
    CallConnected,
    CallFailed,
    CustomerHungUp,
    HumanAnswered,
    MachineDetected,
)
from acd.states import AgentState
from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Redirect, Setvar
from cti.calls import LiveCall, Phase
from cti.campaigns import events as ce
from cti.campaigns.dialer import Attempt, AttemptState, CampaignRun
from cti.routing import lines, previews
from cti.routing.attempts import drop_stopped, finish, tell_pacer
from cti.routing.decisions import close_call
from cti.routing.items import CampaignCallNotSent

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")

#: Added to a campaign call's priority: an answered person must reach an agent
#: within seconds, before anyone else waiting in the queue.
CAMPAIGN_PRIORITY = 500
#: OriginateResponse Reason -> how the line failed (3 no answer, 5 busy, 8 congestion).
FAILURES = {3: "no-answer", 5: "busy", 8: "congestion"}
_LIVE = ("HUMAN", "NOTSURE")


# --- what Asterisk reports ------------------------------------------------------------------


def on_originate_result(step: Step, result: ami.OriginateResult) -> None:
    dialer = step.router.dialer
    attempt = dialer.by_action.pop(result.action_id, None)
    if attempt is None:
        lines.on_originate_result(step, result)
        return
    attempt.originate_action = None
    run = dialer.run_of(attempt)
    call = step.router.calls.get(attempt.interaction_id)
    if run is None or call is None or attempt.state is not AttemptState.DIALING:
        return
    if result.success:
        # Answered; AMD runs now (trace 24): nothing to tell the pacer yet.
        if result.uniqueid and not call.uniqueid:
            step.router.calls.set_caller_channel(call, result.channel, result.uniqueid)
        if not run.definition.amd.enabled:
            step.emit(ce.CampaignCallAnswered, call, campaign=run.name, amd_status="NONE")
            human(step, run, attempt, call)
        return
    cause = FAILURES.get(result.reason, "failed")
    tell_pacer(step, run, CallFailed(attempt.line, cause))  # type: ignore[arg-type]
    run.figures.failed += 1
    attempt.outcome = cause
    close_call(step, call, cause)


def on_not_sent(step: Step, item: CampaignCallNotSent) -> None:
    """The Originate itself failed (link down, refused): the line never rang."""
    dialer = step.router.dialer
    attempt = dialer.by_action.pop(item.action_id, None)
    if attempt is None:
        lines.on_not_sent(step, item)
        return
    run = dialer.run_of(attempt)
    call = step.router.calls.get(attempt.interaction_id)
    if run is None or call is None:
        return
    log.warning("campaign call not placed", campaign=run.name, error=item.error)
    tell_pacer(step, run, CallFailed(attempt.line, "failed"))
    run.figures.failed += 1
    attempt.outcome = "failed"
    close_call(step, call, "failed")


def on_amd(step: Step, decided: ami.AmdDecided) -> None:
    """CTIAmdResult: HUMAN or NOTSURE go to an agent, MACHINE ends the line."""
    dialer = step.router.dialer
    call = step.router.calls.by_uniqueid(decided.channel.uniqueid) or \
        step.router.calls.get(decided.interaction)
    attempt = dialer.attempt(call.interaction_id if call else None)
    if call is None or attempt is None or attempt.state is not AttemptState.DIALING:
        return
    run = dialer.run_of(attempt)
    if run is None:
        return
    status = decided.status.upper()
    listened = round(step.now.mono - attempt.placed_mono, 3)
    step.emit(ce.CampaignCallAnswered, call, campaign=run.name, amd_status=status,
              amd_cause=decided.cause or None, listened=listened)
    if status in _LIVE:
        human(step, run, attempt, call)
    elif status == "MACHINE":
        attempt.state = AttemptState.MACHINE
        run.figures.machines += 1
        tell_pacer(step, run, MachineDetected(attempt.line))
    else:  # HANGUP: the person left during the analysis; the hang-up closes the call
        tell_pacer(step, run, CallFailed(attempt.line, "failed"))
        run.figures.failed += 1
        attempt.outcome = "failed"


def human(step: Step, run: CampaignRun, attempt: Attempt, call: LiveCall) -> None:
    """A person is on the line, the greeting over: to an agent (or to the flow)."""
    router, d = step.router, run.definition
    attempt.state = AttemptState.ANSWERED
    attempt.answered_mono = step.now.mono
    run.figures.answered += 1
    tell_pacer(step, run, HumanAnswered(attempt.line))
    outbound = router.config.service.outbound
    if d.mode == "agentless":
        step.ami(call, Setvar(call.channel, "CTI_CAMPAIGN_FLOW", d.flow or ""),
                 Redirect(call.channel, outbound.ivr_context), pipelined=True)
        return
    queue = router.config.queues.get(d.queue or "")
    call.queue = None
    call.priority = CAMPAIGN_PRIORITY + (queue.priority if queue else 0)
    call.queued_at = call.segment_at = step.now.wall
    call.requeue_cause = "campaign"
    router.enqueued_at[call.interaction_id] = step.now.mono
    step.feed(acd.CallArrived(call.interaction_id, d.queue or "", priority=call.priority,
                              attributes={"campaign": run.name}))
    step.drain()
    router.enqueued_at.pop(call.interaction_id, None)


def on_user_event(step: Step, event: ami.UserEventReceived) -> None:
    """``CTIMessageLeft`` of [cti-amd]: the message played on a machine."""
    if event.name != "CTIMessageLeft":
        return
    attempt = step.router.dialer.attempt(event.fields.get("Interaction"))
    run = attempt and step.router.dialer.run_of(attempt)
    call = attempt and step.router.calls.get(attempt.interaction_id)
    if attempt is None or run is None or call is None:
        return
    attempt.message_left = True
    step.emit(ce.CampaignMessageLeft, call, campaign=run.name)


def before_hangup(step: Step, hungup: ami.ChannelHungUp) -> None:
    """The customer's channel ended before the call reached the ACD (ringing, in AMD,
    on a machine, in the agentless flow): the attempt ends here. Calls in the ACD
    end the usual way (``telephony.on_hangup``)."""
    router = step.router
    call = router.calls.by_uniqueid(hungup.channel.uniqueid)
    if call is None or hungup.channel.uniqueid != call.uniqueid:
        lines.on_hangup(step, hungup)
        return
    attempt = router.dialer.attempt(call.interaction_id)
    run = attempt and router.dialer.run_of(attempt)
    if attempt is None or run is None:
        return
    if attempt.state is AttemptState.DIALING and attempt.originate_action is not None:
        # Not answered: the OriginateResponse (before or after this hang-up, trace 11)
        # says why, and ends the attempt.
        router.calls.set_caller_channel(call, "", "")
        return
    if attempt.state is AttemptState.DIALING:
        outcome = attempt.outcome or "failed"
        if attempt.outcome is None:
            tell_pacer(step, run, CallFailed(attempt.line, "failed"))
            run.figures.failed += 1
    elif attempt.state is AttemptState.MACHINE:
        outcome = "message-left" if attempt.message_left else "machine"
    elif attempt.state is AttemptState.ANSWERED and run.mode == "agentless" and \
            call.phase is Phase.IVR:
        outcome = "completed"
    else:
        return
    attempt.outcome = outcome
    close_call(step, call, outcome, hungup.cause, hungup.ended_at if hungup.lost else None)


# --- after every step: agents, connects and ends -------------------------------------------


def after_step(step: Step) -> None:
    """Follow what the step did to campaign calls and agents (every routing step)."""
    dialer = step.router.dialer
    if not dialer.runs and not dialer.by_interaction and not dialer.lines.by_agent:
        return
    i = 0
    while i < len(step.effects):
        effect = step.effects[i]
        i += 1
        if isinstance(effect, ev.AgentStateChanged):
            _agent_changed(step, effect)
        elif isinstance(effect, ev.CallAnswered):
            _connected(step, effect)
        elif isinstance(effect, ev.CustomerAnswered):
            previews.customer_answered(step, effect)
        elif isinstance(effect, ev.CallEnded):
            _ended(step, effect)
            lines.call_ended(step, effect)
        elif isinstance(effect, ev.OfferFailed):
            lines.offer_failed(step, effect.interaction_id or "")
        if i == len(step.effects):
            step.drain()
    drop_stopped(step)


def _agent_changed(step: Step, change: ev.AgentStateChanged) -> None:
    agent_id = change.agent_id or ""
    state = AgentState(change.state)
    previews.agent_changed(step, agent_id, state)
    for run in step.router.dialer.runs.values():
        if agent_id in run.agents:
            forward_agent(step, run, agent_id, state, change.reason, change.interaction_id)
    lines.agent_changed(step, agent_id, state)


def forward_agent(step: Step, run: CampaignRun, agent_id: str, state: AgentState,
                  reason: str | None, interaction_id: str | None) -> None:
    """Tell the pacer an agent's state. An agent of a campaign that keeps agents
    connected counts as free only while its line is up."""
    if run.pacer is None:
        return
    effective = state
    if state is AgentState.READY and run.uses_lines and \
            step.router.dialer.lines.up(agent_id) is None:
        effective, reason = AgentState.NOT_READY, "no-line"
    old = run.pacer_states.get(agent_id, AgentState.LOGGED_OUT)
    attempt = step.router.dialer.attempt(interaction_id)
    call_id = attempt.line if attempt is not None and attempt.run == run.name \
        else interaction_id
    if old is effective and old in (AgentState.READY, AgentState.NOT_READY,
                                    AgentState.LOGGED_OUT):
        return
    run.pacer_states[agent_id] = effective
    tell_pacer(step, run,
               PacerAgentChange(agent_id, old, effective, reason, step.now.mono, call_id))


def refresh_agent(step: Step, agent_id: str) -> None:
    """The agent's line came up or went: the pacers see it free or not."""
    engine = step.router.engine
    try:
        snap = engine.agent(agent_id)
    except Exception:
        return
    for run in step.router.dialer.runs.values():
        if agent_id in run.agents:
            forward_agent(step, run, agent_id, snap.state, snap.reason, None)


def _connected(step: Step, answered: ev.CallAnswered) -> None:
    """The ACD's agent took an answered person (OfferAnswered): the connect."""
    dialer = step.router.dialer
    attempt = dialer.attempt(answered.interaction_id)
    run = attempt and dialer.run_of(attempt)
    if attempt is None or run is None or attempt.state is not AttemptState.ANSWERED:
        return
    call = step.router.calls.get(attempt.interaction_id)
    to_agent = round(step.now.mono - (attempt.answered_mono or step.now.mono), 4)
    attempt.state = AttemptState.CONNECTED
    attempt.agent_id = answered.agent_id
    run.figures.connected += 1
    run.figures.to_agent.append(to_agent)
    tell_pacer(step, run, CallConnected(attempt.line, answered.agent_id or ""))
    step.emit(ce.CampaignCallConnected, call, interaction_id=attempt.interaction_id,
              campaign=run.name, to_agent=to_agent, agent_id=answered.agent_id)
    limit = run.pacer.spec.rules.connect_within if run.pacer else None
    if limit is not None and to_agent > limit:
        run.figures.abandoned += 1
        step.emit(ce.CampaignCallAbandoned, call, interaction_id=attempt.interaction_id,
                  campaign=run.name, waited=to_agent, reason="late")


def _ended(step: Step, ended: ev.CallEnded) -> None:
    dialer = step.router.dialer
    attempt = dialer.attempt(ended.interaction_id)
    run = attempt and dialer.run_of(attempt)
    if attempt is None or run is None or attempt.state is AttemptState.ENDED:
        return
    outcome = attempt.outcome
    if outcome is None:
        if attempt.state is AttemptState.CONNECTED:
            outcome = "connected"
        elif attempt.state is AttemptState.ANSWERED and run.mode == "agentless":
            outcome = "completed"
        elif attempt.state is AttemptState.ANSWERED:
            # They hung up while waiting for an agent: abandoned in law.
            outcome = "abandoned"
            run.figures.abandoned += 1
            tell_pacer(step, run, CustomerHungUp(attempt.line))
            waited = step.now.mono - (attempt.answered_mono or step.now.mono)
            step.emit(ce.CampaignCallAbandoned, interaction_id=attempt.interaction_id,
                      campaign=run.name, waited=round(waited, 3), reason="hung-up",
                      queue=run.definition.queue)
        elif attempt.state is AttemptState.MACHINE:
            outcome = "message-left" if attempt.message_left else "machine"
        else:
            outcome = previews.dial_outcome(attempt) if attempt.agent_id else "failed"
            cause = "no-answer" if outcome == "no-answer" else "failed"
            tell_pacer(step, run, CallFailed(attempt.line, cause))
            run.figures.failed += 1
    finish(step, run, attempt, outcome)
