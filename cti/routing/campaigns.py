"""Campaign calls in the routing step: the pacer's decisions carried out, the calls'
outcomes fed back (docs/outbound.md).

A pacing step (``on_timer``, at the pacer's ``next_deadline``) returns Dial,
AbandonCall and LineTimedOut decisions. A Dial takes the next contact that is
on no do-not-call list and inside its call window, opens an outbound
interaction and Originates the number into [cti-amd] (or [cti-campaign-answer]
without AMD), as trace 24: OriginateResponse Success (reason 4) comes at the
answer and says nothing yet; the dialplan's ``CTIAmdResult`` then says HUMAN
(or NOTSURE: counted as a person, the safe side), MACHINE or HANGUP. A person
is queued in the campaign's ACD queue under the attempt's interaction, at the
top of it; the ACD's offer bridges the call to the agent's line
(``cti.routing.lines``) and ``call.answered`` is the connect. Whoever is
still waiting at the rule's deadline hears the recorded message and is hung
up (AbandonCall). Every attempt ends with ``campaign.attempt_ended``: the
outcome, and the contact's next step (``cti.campaigns.retries``).

Preview calls are in ``cti.routing.previews``; agentless campaigns run here
too (no pacer: lines up to the campaign's cap, the flow plays to whoever
answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from acd import events as acd
from acd.decisions import AgentStateChanged as PacerAgentChange
from acd.pacing import (
    AbandonCall,
    CallConnected,
    CallFailed,
    CampaignPaused,
    CampaignResumed,
    CustomerHungUp,
    Dial,
    HumanAnswered,
    InboundQueueChanged,
    LineTimedOut,
    MachineDetected,
    Paced,
)
from acd.states import AgentState
from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Hangup, Originate, Redirect, Setvar
from cti.calls import LiveCall, Phase
from cti.campaigns import events as ce
from cti.campaigns.dialer import Attempt, AttemptState, CampaignRun, Contact, RunStatus
from cti.numbers import NumberRefused
from cti.routing import lines, previews
from cti.routing.attempts import finish, pop_info, tell_pacer
from cti.routing.decisions import close_call
from cti.routing.items import CampaignCallNotSent
from cti.routing.outbound import _node as dial_node

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")

#: Added to a campaign call's priority: an answered person must reach an agent
#: within seconds, before anyone else waiting in the queue.
CAMPAIGN_PRIORITY = 500
#: OriginateResponse Reason -> how the line failed (3 no answer, 5 busy, 8 congestion).
FAILURES = {3: "no-answer", 5: "busy", 8: "congestion"}
_LIVE = ("HUMAN", "NOTSURE")


# --- pacing ---------------------------------------------------------------------------


def on_timer(step: Step) -> None:
    dialer = step.router.dialer
    now = step.now.mono
    for run in list(dialer.runs.values()):
        if run.pacer is None:
            _agentless_tick(step, run)
        elif run.pacer.next_deadline() <= now:
            _pacer_tick(step, run)
    previews.on_timer(step)
    _drop_stopped(step)


def _drop_stopped(step: Step) -> None:
    """A stopped campaign goes once its last call has ended (its lines with it)."""
    dialer = step.router.dialer
    gone = [name for name, run in dialer.runs.items()
            if run.status is RunStatus.STOPPING and run.in_flight() == 0]
    for name in gone:
        del dialer.runs[name]
    if gone:
        lines.release_unneeded(step)


def _pacer_tick(step: Step, run: CampaignRun) -> None:
    pacer = run.pacer
    assert pacer is not None
    now = step.now.mono
    _blend(step, run)
    _pause_reason(step, run)
    for decision in pacer.tick(now):
        if isinstance(decision, Dial):
            dial(step, run, decision.call_id, decision.agent_id)
        elif isinstance(decision, AbandonCall):
            _abandon(step, run, decision)
        elif isinstance(decision, LineTimedOut):
            _line_timed_out(step, run, decision.call_id)
        elif isinstance(decision, Paced):
            _paced(run, decision)
    step.drain()


def _paced(run: CampaignRun, paced: Paced) -> None:
    e = paced.explanation
    last = run.explanation
    run.explanation = e
    if e.lines or last is None or last.reason is not e.reason:
        log.info("paced", campaign=run.name, lines=e.lines, reason=e.reason.value,
                 why=e.describe())


def _pause_reason(step: Step, run: CampaignRun) -> None:
    """Pause the pacer while the campaign is paused or has no contact to dial now."""
    cap = step.router.config.service.outbound.max_lines
    reason = (run.status.value if run.status is not RunStatus.RUNNING
              else "service-stopping" if step.router.draining
              else "list-empty" if not run.ready
              else "trunks-full" if cap is not None and _all_in_flight(step) >= cap
              else None)
    if reason == run.pacer_paused:
        return
    run.pacer_paused = reason
    tell_pacer(step, run, CampaignResumed() if reason is None else CampaignPaused(reason))


def _all_in_flight(step: Step) -> int:
    return sum(run.in_flight() for run in step.router.dialer.runs.values())


def _blend(step: Step, run: CampaignRun) -> None:
    """Tell the pacer about the inbound callers its agents also serve."""
    if run.pacer is None or run.pacer.spec.blending is None:
        return
    engine = step.router.engine
    waiting, oldest = 0, None
    for queue in run.blend_queues:
        for call_id in engine.waiting(queue):
            if call_id in step.router.dialer.by_interaction:
                continue
            waiting += 1
            arrived = engine.call(call_id).arrived_at
            oldest = arrived if oldest is None else min(oldest, arrived)
    run.pacer.handle(InboundQueueChanged(waiting, oldest), step.now.mono)


# --- placing a call ---------------------------------------------------------------------


def next_contact(step: Step, run: CampaignRun) -> Contact | None:
    """The next contact to dial now: off every do-not-call list, inside its window."""
    dialer = step.router.dialer
    wall = step.now.wall
    while run.ready:
        contact = run.ready.popleft()
        scope = dialer.blocked(run, contact)
        if scope is not None:
            run.held.pop(contact.contact_id, None)
            step.emit(ce.ContactBlocked, campaign=run.name, contact_id=contact.contact_id,
                      number=contact.number, scope=scope, queue=run.definition.queue)
            continue
        if not run.window.open(contact.zones, wall):
            run.held.pop(contact.contact_id, None)
            at = run.window.next_open(contact.zones, wall)
            step.emit(ce.ContactDeferred, campaign=run.name, contact_id=contact.contact_id,
                      next_at=at, reason="outside its call window" if at is not None
                      else "its call window never opens", queue=run.definition.queue)
            continue
        return contact
    return None


def dial(step: Step, run: CampaignRun, line: str, agent_id: str | None) -> None:
    """Carry out one Dial: the next contact, previewed to ``agent_id`` or called."""
    cap = step.router.config.service.outbound.max_lines
    if cap is not None and agent_id is None and _all_in_flight(step) >= cap:
        tell_pacer(step, run, CallFailed(line, "failed"))  # the trunks are full now
        return
    contact = next_contact(step, run)
    if contact is None:
        # Nothing to dial now: the line is not placed (the pacer counts a failed dial).
        tell_pacer(step, run, CallFailed(line, "failed"))
        return
    attempt = Attempt(run=run.name, line=line, interaction_id=run.interaction_for(line),
                      contact=contact, attempt=contact.attempts + 1,
                      state=AttemptState.DIALING, placed_mono=step.now.mono)
    dialer = step.router.dialer
    run.attempts[line] = attempt
    dialer.by_interaction[attempt.interaction_id] = attempt
    if agent_id is not None:
        previews.show(step, run, attempt, agent_id)
    else:
        place(step, run, attempt)


def place(step: Step, run: CampaignRun, attempt: Attempt) -> None:
    """Open the attempt's interaction and Originate the number (trace 24)."""
    router, d = step.router, run.definition
    outbound = router.config.service.outbound
    number = attempt.contact.number
    try:
        checked = router.dialling.policy.check(number)
    except NumberRefused as exc:
        log.warning("contact number refused at dial time", campaign=run.name,
                    contact_id=attempt.contact.contact_id, error=str(exc))
        tell_pacer(step, run, CallFailed(attempt.line, "failed"))
        finish(step, run, attempt, "failed", reason=f"number refused: {exc.reason}")
        return
    call = LiveCall(interaction_id=attempt.interaction_id, node=dial_node(step), channel="",
                    uniqueid="", caller_number=number, created_at=step.now.wall,
                    direction="outbound")
    call.campaign = pop_info(run, attempt)
    router.calls.add(call)
    step.emit(ev.InteractionOpened, call, direction="outbound", caller_number=number,
              dialled_number=number, queue=d.queue)
    step.emit(ce.CampaignCallPlaced, call, campaign=run.name,
              contact_id=attempt.contact.contact_id, attempt=attempt.attempt, number=number,
              mode=run.mode, line=attempt.line, caller_id=run.caller_id, queue=d.queue)
    action = router.dialer.action_id("campaign")
    attempt.originate_action = action
    router.dialer.by_action[action] = attempt
    variables = {"CTI_INTERACTION": attempt.interaction_id, "CTI_CAMPAIGN": run.name,
                 "CTI_ABANDON_MESSAGE": d.abandon_message or outbound.abandon_message}
    if d.amd.enabled:
        variables["CTI_ON_MACHINE"] = d.amd.on_machine
        if d.amd.message:
            variables["CTI_MACHINE_MESSAGE"] = d.amd.message
    timeout = run.pacer.spec.no_answer_timeout if run.pacer else d.pacing.no_answer_timeout
    trunk = router.dialling.trunk
    step.ami(call, Originate(
        channel=trunk.dial_string(checked), action_id=action,
        context=outbound.amd_context if d.amd.enabled else outbound.answer_context,
        exten="s", timeout_ms=int(timeout * 1000),
        caller_id=f'"{d.caller_name}" <{run.caller_id}>' if d.caller_name
        else f"<{run.caller_id}>", variables=variables),
        on_error=CampaignCallNotSent(action))
    run.figures.placed += 1


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


# --- the pacer's deadlines ------------------------------------------------------------


def _abandon(step: Step, run: CampaignRun, decision: AbandonCall) -> None:
    """No agent within the rule's seconds: the recorded message, then the hang-up."""
    attempt = run.attempts.get(decision.call_id)
    call = attempt and step.router.calls.get(attempt.interaction_id)
    if attempt is None or call is None:
        return
    run.figures.abandoned += 1
    attempt.outcome = "abandoned"
    step.emit(ce.CampaignCallAbandoned, call, campaign=run.name,
              waited=round(decision.waited, 3), reason="no-agent")
    step.feed(acd.CallRemoved(call.interaction_id, "abandoned: no agent in time"))
    if call.channel:
        outbound = step.router.config.service.outbound
        step.ami(call, Redirect(call.channel, outbound.abandon_context))
    step.drain()
    close_call(step, call, "abandoned")


def _line_timed_out(step: Step, run: CampaignRun, line: str) -> None:
    """No outcome came within the ringing timeout and a margin: hang it up."""
    attempt = run.attempts.get(line)
    if attempt is None:
        return
    if attempt.state is AttemptState.PREVIEW:
        previews.timed_out(step, run, attempt)
        return
    call = step.router.calls.get(attempt.interaction_id)
    if call is None or attempt.state is not AttemptState.DIALING:
        return
    if call.agent_id is not None:
        return  # a preview call the agent is making: it ends by itself
    run.figures.failed += 1
    attempt.outcome = "no-answer"
    if call.channel:
        step.ami(call, Hangup(call.channel))
    close_call(step, call, "no-answer")


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
    _drop_stopped(step)


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


# --- agentless --------------------------------------------------------------------------


def _agentless_tick(step: Step, run: CampaignRun) -> None:
    """No pacer: lines up to the cap, at most ``calls_per_second``."""
    if run.status is not RunStatus.RUNNING or step.router.draining:
        return
    now = step.now.mono
    gap = 1.0 / run.definition.pacing.calls_per_second
    cap = step.router.config.service.outbound.max_lines
    while run.ready and now >= run.next_agentless and run.in_flight() < run.max_lines() \
            and (cap is None or _all_in_flight(step) < cap):
        run.seq += 1
        line = f"{run.name}-{step.router.dialer.run_id}-{run.seq}"
        dial(step, run, line, None)
        run.next_agentless = max(run.next_agentless, now - gap) + gap
    step.drain()
