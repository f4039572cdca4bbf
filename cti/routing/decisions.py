"""Carrying out the ACD's decisions: offers, agent states, queue moves and exits."""

from __future__ import annotations

from typing import Any

from acd import decisions as d
from acd import events as e
from cti.calls import Phase
from cti.routing.base import RouterBase, log


class Decisions(RouterBase):
    def carry_out(self, decisions: list[Any], now: float) -> None:
        for decision in decisions:
            if isinstance(decision, d.Offer):
                self._offer(decision, now)
            elif isinstance(decision, d.AgentStateChanged):
                self._agent_state_changed(decision)
            elif isinstance(decision, d.CallQueued):
                self._call_queued(decision)
            elif isinstance(decision, d.QueueExit):
                self._queue_exit(decision, now)
            elif isinstance(decision, d.Escalated):
                self.records.event(decision.call_id, "escalated", "acd",
                                   {"queue": decision.queue, "step": decision.step})
            elif isinstance(decision, d.OfferTimedOut):
                self._offer_timed_out(decision)

    def _offer_timed_out(self, timeout: d.OfferTimedOut) -> None:
        """No dial result came in time (a Redirect that never landed, a lost event): the
        engine took the offer back, so the caller must stop ringing that agent now, or
        a late answer would connect a call the engine offers elsewhere."""
        self.records.event(timeout.call_id, "no-answer", timeout.agent_id,
                           {"reason": "ring timeout passed without a dial result"})
        call = self.calls.get(timeout.call_id)
        if call is None or call.phase is not Phase.RINGING or call.agent_id != timeout.agent_id:
            return
        self.calls.set_agent_leg(call, None)
        if call.callback_number is not None:
            call.phase = Phase.CALLBACK  # the Originate's own Timeout ends that ringing
            return
        call.phase = Phase.WAITING
        self.actions.send_caller_away(call, self.config.service.dialplan.hold_context, "s")

    def _offer(self, offer: d.Offer, now: float) -> None:
        call = self.calls.get(offer.call_id)
        agent = self.config.agents.get(offer.agent_id)
        if call is None or agent is None:
            log.error("offer for an unknown call or agent", call_id=offer.call_id,
                      agent_id=offer.agent_id)
            return
        if self.draining:
            self.feed(e.OfferFailed(offer.call_id, offer.agent_id, "rejected"), now)
            return
        call.agent_id = offer.agent_id
        call.offers += 1
        call.phase = Phase.RINGING
        # Routing latency counts only calls that found an agent free on arrival.
        queued_at = self._enqueued_at.pop(call.interaction_id, None)
        if offer.callback:
            self.actions.originate_callback(call, agent, offer.ring_timeout)
        else:
            self.actions.redirect_to_agent(call, agent, offer.ring_timeout, queued_at)
        self.records.event(call.interaction_id, "offered", "acd",
                           {"agent_id": offer.agent_id, "attempt": offer.attempt,
                            "callback": offer.callback})
        self._publish("call.offered", {**call.screen_pop(), "agent_id": offer.agent_id,
                                       "ring_timeout": offer.ring_timeout})

    def _agent_state_changed(self, change: d.AgentStateChanged) -> None:
        self.records.agent_state(change.agent_id, change.new.value, change.reason,
                                 change.call_id)
        self._publish("agent.state", {"agent_id": change.agent_id, "state": change.new.value,
                                      "old": change.old.value, "reason": change.reason,
                                      "interaction_id": change.call_id})

    def _call_queued(self, queued: d.CallQueued) -> None:
        call = self.calls.get(queued.call_id)
        if call is None:
            return
        moved = call.queue != queued.queue
        call.queue = queued.queue
        call.phase = Phase.CALLBACK if call.callback_number else Phase.WAITING
        self.records.queue_entry(call)
        if moved:
            self.records.update_interaction(call.interaction_id, queue=queued.queue)
        self._publish("call.queued", {"interaction_id": call.interaction_id,
                                      "queue": queued.queue, "position": queued.position})

    def _queue_exit(self, exit_: d.QueueExit, now: float) -> None:
        call = self.calls.get(exit_.call_id)
        self.records.event(exit_.call_id, "queue-exit", "acd",
                           {"queue": exit_.queue, "action": exit_.action,
                            "target": exit_.target, "reason": exit_.reason})
        if call is None:
            return
        if exit_.action == "overflow":
            return  # the engine moved it; a CallQueued follows
        if exit_.action == "callback" and not (call.callback_number or
                                               call.caller_number.isdigit()):
            # An anonymous caller cannot be called back: end the wait like exit "none".
            log.info("no number to call back; ending the call", interaction_id=call.interaction_id)
            self.feed(e.CallRemoved(call.interaction_id, "no callback number"), now)
        elif exit_.action == "callback":
            call.callback_number = call.callback_number or call.caller_number
            call.phase = Phase.CALLBACK
            self.records.queue_entry(call)
            self.actions.send_caller_away(call, self.config.service.dialplan.hold_context,
                                          "callback")
            return
        outcome = "voicemail" if exit_.action == "voicemail" else "timeout"
        if exit_.action == "voicemail":
            self.actions.send_to_voicemail(call, exit_.target or "")
        else:
            self.actions.hang_up(call)
        self.close_call(call, outcome)
