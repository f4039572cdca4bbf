"""Campaign commands inside the routing step: a run installed, paused, resumed or
stopped, contacts and do-not-call numbers handed over, agents' lines adopted after
a restart. The campaign service (cti/campaigns/service.py) runs each as an
``InLoop`` item, so a campaign's state never races its calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from cti.ami.events import ChannelSnapshot
from cti.campaigns import events as ce
from cti.campaigns.dialer import AgentLine, Attempt, AttemptState, CampaignRun, Contact, RunStatus
from cti.campaigns.errors import NoSuchCampaign
from cti.routing import lines, previews
from cti.routing.attempts import finish
from cti.routing.campaign_calls import forward_agent

if TYPE_CHECKING:
    import uuid

    from cti.routing.step import Step

log = structlog.get_logger("cti.campaigns")


def install(step: Step, run: CampaignRun, previous: str, by: str, restart: bool,
               open_attempts: list[dict[str, Any]]) -> None:
    dialer = step.router.dialer
    engine = step.router.engine
    queue = run.definition.queue
    run.agents = frozenset(a for a in engine.agent_ids()
                           if queue is not None and queue in engine.agent(a).queues)
    run.blend_queues = frozenset(q for a in run.agents for q in engine.agent(a).queues
                                 if q != queue)
    dialer.runs[run.name] = run
    _close_open_attempts(step, run, open_attempts)
    state = run.status.value
    if not restart or previous != state:
        step.emit(ce.CampaignStateChanged, campaign=run.name, state=state, previous=previous,
                  by=by, reason="restart" if restart else None, queue=run.definition.queue)
    for agent_id in sorted(run.agents):
        try:
            snap = engine.agent(agent_id)
        except Exception:
            continue
        forward_agent(step, run, agent_id, snap.state, snap.reason, None)
        lines.ensure(step, agent_id)
    log.info("campaign running" if run.status is RunStatus.RUNNING else "campaign paused",
             campaign=run.name, mode=run.mode, agents=len(run.agents),
             lines=run.uses_lines)


def _close_open_attempts(step: Step, run: CampaignRun, rows: list[dict[str, Any]]) -> None:
    """Attempts an earlier run of the service left open end as ``lost``."""
    for row in rows:
        if row["interaction_id"] is None:
            step.emit(ce.ContactDeferred, campaign=run.name, contact_id=row["contact_id"],
                      next_at=step.now.wall, reason="previewed when the service stopped",
                      queue=run.definition.queue)
            continue
        contact = Contact(row["contact_id"], "", (), attempts=row["attempts"] - 1,
                          outcome_attempts=row["outcome_attempts"])
        attempt = Attempt(run=run.name, line="restored", interaction_id=row["interaction_id"],
                          contact=contact, attempt=row["attempt"] or row["attempts"],
                          state=AttemptState.ENDED, placed_mono=step.now.mono)
        finish(step, run, attempt, "lost", reason="the service stopped during the call")


def set_status(step: Step, name: str, status: RunStatus, by: str,
                reason: str | None) -> None:
    run = step.router.dialer.runs.get(name)
    if run is None:
        raise NoSuchCampaign(name)
    previous = run.status.value
    run.status = status
    step.emit(ce.CampaignStateChanged, campaign=name, state=status.value, previous=previous,
              by=by, reason=reason, queue=run.definition.queue)


def stop(step: Step, name: str, previous: str, by: str, reason: str | None,
          state: str) -> None:
    dialer = step.router.dialer
    run = dialer.runs.get(name)
    if run is not None:
        run.status = RunStatus.STOPPING
        for attempt in list(dialer.previews.values()):
            if attempt.run == name:
                previews.withdraw(step, run, attempt)
        run.ready.clear()
        if run.in_flight() == 0:
            del dialer.runs[name]
            lines.release_unneeded(step)
    step.emit(ce.CampaignStateChanged, campaign=name, state=state, previous=previous, by=by,
              reason=reason, queue=run.definition.queue if run else None)


def add_contacts(step: Step, name: str, contacts: list[Contact], exhausted: bool,
                  finished: bool) -> None:
    run = step.router.dialer.runs.get(name)
    if run is None or run.status is RunStatus.STOPPING:
        return
    if finished:
        stop(step, name, run.status.value, "service", "every contact is done", "finished")
        return
    run.add_contacts(contacts, exhausted)


def imported(step: Step, name: str, import_id: uuid.UUID, count: int, skipped: int,
              source: str, by: str) -> None:
    step.emit(ce.ContactsImported, campaign=name, import_id=str(import_id), count=count,
              skipped=skipped, source=source, by=by)
    run = step.router.dialer.runs.get(name)
    if run is not None:
        run.exhausted = False


def dnc_added(step: Step, scope: str, numbers: set[str], added: int, source: str,
               by: str) -> None:
    dialer = step.router.dialer
    if scope:
        run = dialer.runs.get(scope)
        if run is not None:
            run.dnc |= numbers
    else:
        dialer.system_dnc |= numbers
    step.emit(ce.DncAdded, scope=scope, count=added, source=source, by=by)


def adopt_lines(step: Step, channels: list[ChannelSnapshot]) -> None:
    """Agents' lines Asterisk kept while the service restarted wait on as lines."""
    context = step.router.config.service.outbound.agent_line_context
    book = step.router.dialer.lines
    for snap in channels:
        if snap.context != context:
            continue
        agent = step.router.config.agent_by_endpoint(snap.device)
        if agent is None or agent.id in book.by_agent:
            continue
        line = AgentLine(agent.id, snap.node, step.router.dialer.action_id("adopted"))
        book.add(line)
        book.connected(line, snap.uniqueid, snap.name)
        log.info("agent line kept from before the restart", agent_id=agent.id,
                 channel=snap.name)
