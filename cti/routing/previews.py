"""Preview campaigns in the routing step: the agent sees the contact, then dials or skips.

The pacer gives a free agent a line (``Dial`` with ``agent_id``): the contact is
shown (``campaign.contact_previewed``, on the agent's desktop) for
``preview.timeout`` seconds. *Dial* (or the timeout with ``on_timeout:
dial``) makes the call the click-to-dial way, through the ACD on that agent
only (trace 10: the agent's phone rings first, then [cti-outbound] dials the
customer, presenting the campaign's caller id); the customer's answer is the
connect. *Skip* (or the timeout) ends the attempt as ``skipped``. A preview
is withdrawn, the contact kept for later, when the agent stops being free
(another call reached it, a pause, a logout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acd.pacing import CallConnected, CallFailed, HumanAnswered
from acd.states import AgentState
from cti import events as ev
from cti.ami import events as ami
from cti.ami.commands import Originate
from cti.calls import LiveCall
from cti.campaigns import events as ce
from cti.campaigns.dialer import Attempt, AttemptState, CampaignRun
from cti.campaigns.errors import NoSuchPreview
from cti.errors import CommandRefused
from cti.routing import direct
from cti.routing.attempts import finish, pop_info, tell_pacer
from cti.routing.control import command
from cti.routing.errors import AgentNotFree, BadCommand
from cti.routing.items import OfferNotDelivered, PreviewDecision
from cti.routing.outbound import _node as dial_node

if TYPE_CHECKING:
    from acd import decisions as d
    from cti.config import AgentConfig
    from cti.routing.step import Step

#: The dial status of the agent's leg -> the attempt's outcome.
_DIAL_OUTCOMES = {"BUSY": "busy", "CONGESTION": "congestion", "CHANUNAVAIL": "failed",
                  "NOANSWER": "no-answer"}


def show(step: Step, run: CampaignRun, attempt: Attempt, agent_id: str) -> None:
    attempt.state = AttemptState.PREVIEW
    attempt.agent_id = agent_id
    timeout = run.definition.preview.timeout
    attempt.preview_until = step.now.mono + timeout
    step.router.dialer.previews[agent_id] = attempt
    c = attempt.contact
    step.emit(ce.ContactPreviewed, interaction_id=attempt.interaction_id, agent_id=agent_id,
              queue=run.definition.queue, campaign=run.name, contact_id=c.contact_id,
              number=c.number, name=c.name, attributes=dict(c.attributes), timeout=timeout,
              attempt=attempt.attempt)


@command
def decide(step: Step, cmd: PreviewDecision) -> dict[str, Any]:
    """The agent's answer to its preview: ``dial`` or ``skip``."""
    if cmd.decision not in ("dial", "skip"):
        raise BadCommand(f"preview decision {cmd.decision!r}; use dial or skip")
    attempt = step.router.dialer.previews.get(cmd.agent_id)
    run = attempt and step.router.dialer.run_of(attempt)
    if attempt is None or run is None:
        raise NoSuchPreview(cmd.agent_id)
    if cmd.decision == "skip":
        _skip(step, run, attempt, "skip", cmd.by)
        return {"agent_id": cmd.agent_id, "status": "skipped",
                "contact_id": attempt.contact.contact_id}
    _dial(step, run, attempt, cmd.by)
    return {"agent_id": cmd.agent_id, "status": "dialing",
            "interaction_id": attempt.interaction_id, "number": attempt.contact.number}


def on_timer(step: Step) -> None:
    now = step.now.mono
    for attempt in list(step.router.dialer.previews.values()):
        if attempt.preview_until is not None and attempt.preview_until <= now:
            run = step.router.dialer.run_of(attempt)
            if run is not None:
                timed_out(step, run, attempt)


def timed_out(step: Step, run: CampaignRun, attempt: Attempt) -> None:
    if attempt.state is not AttemptState.PREVIEW:
        return
    if run.definition.preview.on_timeout == "dial":
        try:
            _dial(step, run, attempt, "service")
            return
        except CommandRefused:
            pass
    _skip(step, run, attempt, "timeout", "service")


def _skip(step: Step, run: CampaignRun, attempt: Attempt, decision: str, by: str) -> None:
    step.emit(ce.PreviewDecided, interaction_id=attempt.interaction_id,
              agent_id=attempt.agent_id, queue=run.definition.queue, campaign=run.name,
              contact_id=attempt.contact.contact_id, decision=decision, by=by)
    tell_pacer(step, run, CallFailed(attempt.line, "failed"))
    finish(step, run, attempt, "skipped", reason=f"preview {decision}",
                     placed=False)


def _dial(step: Step, run: CampaignRun, attempt: Attempt, by: str) -> None:
    """Ring the agent (it must still be free), then the customer."""
    agent_id = attempt.agent_id or ""
    router, queue = step.router, run.definition.queue or ""
    if queue not in router.engine.agent(agent_id).queues:
        raise AgentNotFree(agent_id, f"it no longer serves queue {queue}")
    _via, _pause = direct.check_free(step, agent_id, not_ready_ok=False)
    c = attempt.contact
    call = LiveCall(interaction_id=attempt.interaction_id, node=dial_node(step), channel="",
                    uniqueid="", caller_number=c.number, callback_number=c.number,
                    queue=None, created_at=step.now.wall, direction="outbound")
    call.queued_at = call.segment_at = step.now.wall
    call.requeue_cause = "campaign"
    call.campaign = pop_info(run, attempt)
    router.calls.add(call)
    del router.dialer.previews[agent_id]
    attempt.state = AttemptState.DIALING
    attempt.preview_until = None
    step.emit(ce.PreviewDecided, interaction_id=attempt.interaction_id, agent_id=agent_id,
              queue=queue, campaign=run.name, contact_id=c.contact_id, decision="dial", by=by)
    step.emit(ev.InteractionOpened, call, direction="outbound", caller_number=c.number,
              dialled_number=c.number, queue=queue)
    step.emit(ce.CampaignCallPlaced, call, campaign=run.name, contact_id=c.contact_id,
              attempt=attempt.attempt, number=c.number, mode=run.mode, line=attempt.line,
              caller_id=run.caller_id, agent_id=agent_id, queue=queue)
    run.figures.placed += 1
    direct.ring(step, call, agent_id, queue=queue, pause=None, fallback="end",
                kind="campaign")


def offer(step: Step, call: LiveCall, agent: AgentConfig, offer: d.Offer) -> bool:
    """The ACD offers a preview call to its agent: Originate the agent's phone into
    [cti-outbound], which dials the customer with the campaign's caller id."""
    attempt = step.router.dialer.attempt(call.interaction_id)
    run = attempt and step.router.dialer.run_of(attempt)
    if attempt is None or run is None or not offer.callback:
        return False
    router = step.router
    number = router.dialling.policy.check(attempt.contact.number)
    trunk = router.dialling.trunk
    call.originate_action = router.dialer.action_id("preview")
    step.ami(call, Originate(
        channel=agent.endpoint, action_id=call.originate_action,
        context=router.config.service.dialplan.outbound_context,
        exten=trunk.number(number), timeout_ms=int(offer.ring_timeout * 1000),
        caller_id=f'"{run.name}" <{number.e164}>',
        variables={"CTI_INTERACTION": call.interaction_id, "CTI_CAMPAIGN": run.name,
                   "CTI_DIAL": trunk.dial_string(number), "CTI_CALLER_ID": run.caller_id}),
        on_error=OfferNotDelivered(call.interaction_id, agent.id))
    return True


def on_dial_ended(step: Step, ended: ami.DialEnded) -> None:
    """The agent's leg of a preview call dialled the customer: how it ended."""
    if ended.caller is None:
        return
    call = step.router.calls.by_uniqueid(ended.caller.uniqueid)
    attempt = call and step.router.dialer.attempt(call.interaction_id)
    if attempt is not None and call is not None and \
            ended.caller.uniqueid == call.agent_uniqueid:
        attempt.dial_status = ended.dial_status


def customer_answered(step: Step, answered: ev.CustomerAnswered) -> None:
    """The customer of a preview call picked up: the agent is already on the line."""
    dialer = step.router.dialer
    attempt = dialer.attempt(answered.interaction_id)
    run = attempt and dialer.run_of(attempt)
    if attempt is None or run is None or attempt.state is not AttemptState.DIALING:
        return
    call = step.router.calls.get(attempt.interaction_id)
    attempt.state = AttemptState.CONNECTED
    attempt.answered_mono = step.now.mono
    run.figures.answered += 1
    run.figures.connected += 1
    run.figures.to_agent.append(0.0)
    tell_pacer(step, run, HumanAnswered(attempt.line))
    tell_pacer(step, run, CallConnected(attempt.line, attempt.agent_id or ""))
    step.emit(ce.CampaignCallAnswered, call, interaction_id=attempt.interaction_id,
              campaign=run.name, amd_status="NONE")
    step.emit(ce.CampaignCallConnected, call, interaction_id=attempt.interaction_id,
              campaign=run.name, to_agent=0.0, agent_id=attempt.agent_id)


def dial_outcome(attempt: Attempt) -> str:
    """How a preview call that never reached the customer ended: the customer's dial
    status, or ``skipped`` when the agent's phone did not answer (no one was called)."""
    if attempt.dial_status is None:
        return "skipped"
    return _DIAL_OUTCOMES.get(attempt.dial_status, "no-answer")


def agent_changed(step: Step, agent_id: str, state: AgentState) -> None:
    """A previewing agent that is no longer free: the preview is withdrawn."""
    dialer = step.router.dialer
    attempt = dialer.previews.get(agent_id)
    run = attempt and dialer.run_of(attempt)
    if attempt is None or run is None or state is AgentState.READY:
        return
    withdraw(step, run, attempt)
    run.held[attempt.contact.contact_id] = attempt.contact.attempts
    run.ready.appendleft(attempt.contact)


def withdraw(step: Step, run: CampaignRun, attempt: Attempt) -> None:
    """Take a preview back from its agent (the contact was not called)."""
    step.emit(ce.PreviewDecided, agent_id=attempt.agent_id, queue=run.definition.queue,
              campaign=run.name, contact_id=attempt.contact.contact_id,
              decision="withdrawn", by="service")
    step.emit(ce.ContactDeferred, campaign=run.name, contact_id=attempt.contact.contact_id,
              next_at=step.now.wall, reason="preview withdrawn", queue=run.definition.queue)
    tell_pacer(step, run, CallFailed(attempt.line, "failed"))
    step.router.dialer.forget(attempt)
