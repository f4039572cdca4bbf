"""Requests from the IVR (queue, callback) and agent commands from the API, the CLI
and phone feature codes."""

from __future__ import annotations

import time
from typing import Any

from acd import events as e
from acd.errors import AcdError
from acd.states import AgentState
from cti.ami import events as ami
from cti.calls import Phase
from cti.errors import CommandRefused, NoSuchAgent
from cti.routing.base import RouterBase, log
from cti.routing.items import AgentCommand, CallbackWanted, Enqueue, OfferNotDelivered


class Requests(RouterBase):
    def _on_enqueue(self, req: Enqueue, now: float) -> None:
        call = self.calls.get(req.interaction_id)
        if call is None:
            log.warning("enqueue for an unknown interaction", interaction_id=req.interaction_id)
            return
        queue = self.config.queues.get(req.queue)
        call.queue = req.queue
        call.skills = dict(req.skills)
        call.priority = req.priority + (queue.priority if queue else 0)
        call.queued_at = time.time()
        callback = call.callback_number is not None
        call.phase = Phase.CALLBACK if callback else Phase.WAITING
        self._enqueued_at[call.interaction_id] = now
        self.records.update_interaction(call.interaction_id, queue=req.queue,
                                        priority=call.priority, queued_at=call.queued_at)
        self.records.event(call.interaction_id, "queued", "ivr",
                           {"queue": req.queue, "priority": call.priority,
                            "skills": call.skills})
        self.feed(e.CallArrived(call.interaction_id, req.queue, priority=call.priority,
                                extra_skills=call.skills, callback=callback,
                                attributes={k: str(v) for k, v in req.attributes.items()}),
                  now)
        self._enqueued_at.pop(call.interaction_id, None)  # offered at once, or not at all

    def _on_callback_wanted(self, req: CallbackWanted, now: float) -> None:
        """From the hold step (the call waits) or the IVR (it is queued next, as a callback)."""
        call = self.calls.get(req.interaction_id)
        if call is None or call.phase not in (Phase.IVR, Phase.WAITING):
            return
        call.callback_number = req.number
        self.records.event(call.interaction_id, "callback-requested", "caller",
                           {"number": req.number})
        if call.phase is Phase.WAITING:
            call.phase = Phase.CALLBACK
            self.feed(e.CallbackRequested(call.interaction_id), now)
            self.records.queue_entry(call)

    def _on_offer_not_delivered(self, failure: OfferNotDelivered, now: float) -> None:
        call = self.calls.get(failure.interaction_id)
        if call is None or call.phase is not Phase.RINGING:
            return
        log.warning("offer not delivered", interaction_id=failure.interaction_id,
                    agent_id=failure.agent_id, error=failure.error)
        call.phase = Phase.CALLBACK if call.callback_number else Phase.WAITING
        self.feed(e.OfferFailed(call.interaction_id, failure.agent_id, "unavailable"), now)

    def _on_agent_command(self, cmd: AgentCommand, now: float) -> None:
        try:
            result = self.agent_command(cmd.agent_id, cmd.action, cmd.reason, now)
        except Exception as exc:
            if not cmd.reply.done():
                cmd.reply.set_exception(exc)
            return
        if not cmd.reply.done():
            cmd.reply.set_result(result)

    def agent_command(self, agent_id: str, action: str, reason: str | None,
                      now: float) -> dict[str, Any]:
        if agent_id not in self.config.agents:
            raise NoSuchAgent(agent_id)
        event: e.Event
        if action == "login":
            event = e.AgentLoggedIn(agent_id, ready=False, reason=reason or "login")
        elif action == "logout":
            event = e.AgentLoggedOut(agent_id)
        elif action == "ready":
            event = self._ready_event(agent_id)
        else:
            event = e.AgentNotReady(agent_id, reason or "break")
        try:
            decisions = self.engine.handle(event, now)
        except AcdError as exc:
            raise CommandRefused(f"agent {agent_id}: {action} refused: {exc}") from None
        self.carry_out(decisions, now)
        snap = self.engine.agent(agent_id)
        return {"agent_id": agent_id, "state": snap.state.value, "reason": snap.reason}

    def _ready_event(self, agent_id: str) -> e.Event:
        snap = self.engine.agent(agent_id)
        if snap.state is AgentState.WRAP_UP:
            return e.WrapUpDone(agent_id)
        if snap.presence is AgentState.LOGGED_OUT:
            return e.AgentLoggedIn(agent_id, ready=True)
        return e.AgentReady(agent_id)

    def _on_feature(self, used: ami.AgentFeatureUsed, now: float) -> None:
        # The phone's device from the channel that ran the UserEvent is exact; the
        # dialplan's ${CUT(CHANNEL,-,1)} is wrong for endpoint names with a '-'.
        agent = (used.channel and self.config.agent_by_endpoint(used.channel.device)) or \
            self.config.agent_by_endpoint(used.endpoint)
        if agent is None:
            log.warning("feature code from a phone no agent uses", endpoint=used.endpoint,
                        feature=used.feature)
            return
        action = {"login": "ready", "logout": "logout", "ready": "ready",
                  "pause": "pause"}.get(used.feature)
        if action is None:
            return
        try:
            self.agent_command(agent.id, action, "phone" if action == "pause" else None, now)
        except Exception as exc:
            log.warning("feature code refused", agent_id=agent.id, feature=used.feature,
                        error=str(exc))
