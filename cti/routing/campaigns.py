"""Campaign calls in the routing step: the pacer's decisions carried out (docs/outbound.md).

A pacing step (``on_timer``, at the pacer's ``next_deadline``) returns Dial,
AbandonCall and LineTimedOut decisions. A Dial takes the next contact that is
on no do-not-call list and inside its call window, opens an outbound
interaction and Originates the number into [cti-amd] (or [cti-campaign-answer]
without AMD), as trace 24. What Asterisk then reports, and the end of each
attempt, is ``cti.routing.campaign_calls``. Whoever is still waiting for an
agent at the rule's deadline hears the recorded message and is hung up
(AbandonCall).

Preview calls are in ``cti.routing.previews``; agentless campaigns run here
too (no pacer: lines up to the campaign's cap, the flow plays to whoever
answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from acd import events as acd
from acd.pacing import (
    AbandonCall,
    CallFailed,
    CampaignPaused,
    CampaignResumed,
    Dial,
    InboundQueueChanged,
    LineTimedOut,
    Paced,
)
from cti import events as ev
from cti.ami.commands import Hangup, Originate, Redirect
from cti.calls import LiveCall
from cti.campaigns import events as ce
from cti.campaigns.dialer import Attempt, AttemptState, CampaignRun, Contact, RunStatus
from cti.numbers import NumberRefused
from cti.routing import previews
from cti.routing.attempts import drop_stopped, finish, pop_info, tell_pacer
from cti.routing.decisions import close_call
from cti.routing.items import CampaignCallNotSent
from cti.routing.outbound import _node as dial_node

if TYPE_CHECKING:
    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")



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
    drop_stopped(step)


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
