"""What Asterisk reports about calls, turned into ACD events and records: who rings,
who answered, who hung up, transfers, holds."""

from __future__ import annotations

import time

from acd import events as e
from cti.ami import events as ami
from cti.calls import LiveCall, Phase
from cti.routing.base import RouterBase

#: DialStatus of a failed ring -> the ACD's reason.
_FAIL_REASONS = {
    "NOANSWER": "no-answer",
    "BUSY": "busy",
    "CONGESTION": "unavailable",
    "CHANUNAVAIL": "unavailable",
    "INVALIDARGS": "unavailable",
    "DONTCALL": "rejected",
    "TORTURE": "rejected",
}

#: OriginateResponse Reason -> the ACD's reason (4 = answered is success).
_ORIGINATE_REASONS = {5: "busy", 3: "no-answer", 8: "unavailable", 1: "no-answer"}


class Telephony(RouterBase):
    def _on_tagged(self, tagged: ami.InteractionTagged, now: float) -> None:
        call = self.calls.get(tagged.interaction)
        if call is not None:
            call.node = tagged.node
            call.channel = tagged.channel.name

    def _ringing_call(self, caller: ami.ChannelSnapshot | None,
                      target: ami.ChannelSnapshot) -> LiveCall | None:
        """The call whose offer this dial is: the caller rings the offered agent's phone
        (not a late dial towards an agent whose offer was taken back)."""
        call = self._caller_call(caller)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return None
        agent = self.config.agents.get(call.agent_id)
        endpoint = agent.endpoint if agent else ""
        if endpoint != target.device and not endpoint.startswith(target.device + "/"):
            return None
        return call

    def _on_dial_began(self, began: ami.DialBegan, now: float) -> None:
        call = self._ringing_call(began.caller, began.target)
        if call is None:
            return
        self.calls.set_agent_leg(call, began.target.uniqueid)
        self._publish("call.ringing", {"interaction_id": call.interaction_id,
                                       "agent_id": call.agent_id,
                                       "agent_channel": began.target.name})

    def _on_dial_ended(self, ended: ami.DialEnded, now: float) -> None:
        call = self._ringing_call(ended.caller, ended.target)
        if call is not None and ended.dial_status == "ANSWER":
            self.calls.set_agent_leg(call, ended.target.uniqueid)
            self._answered(call, now)

    def _answered(self, call: LiveCall, now: float) -> None:
        assert call.agent_id is not None
        call.phase = Phase.TALKING
        call.answered_at = time.time()
        self.feed(e.OfferAnswered(call.interaction_id, call.agent_id), now)
        self.records.answered(call)
        self._publish("call.answered", {"interaction_id": call.interaction_id,
                                        "agent_id": call.agent_id})

    def _on_dial_result(self, result: ami.DialResultReported, now: float) -> None:
        call = self.calls.get(result.interaction)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        agent = self.config.agents.get(call.agent_id)
        if agent is None or agent.endpoint != result.endpoint:
            return  # the result of an earlier ring, taken back already
        reason = _FAIL_REASONS.get(result.dial_status)
        if reason is None:
            return  # ANSWER (after the talk), CANCEL (the caller left: a hang-up follows)
        agent_id = call.agent_id
        call.phase = Phase.WAITING
        self.calls.set_agent_leg(call, None)
        self.records.event(call.interaction_id, "no-answer", agent_id,
                           {"dial_status": result.dial_status, "endpoint": result.endpoint})
        self._publish("call.offer_failed", {"interaction_id": call.interaction_id,
                                            "agent_id": agent_id, "reason": reason})
        self.feed(e.OfferFailed(call.interaction_id, agent_id, reason), now)

    def _on_originate_result(self, result: ami.OriginateResult, now: float) -> None:
        call = next((c for c in self.calls if c.originate_action == result.action_id), None)
        if call is None or call.phase is not Phase.RINGING or call.agent_id is None:
            return
        call.originate_action = None
        if result.success:
            self.calls.set_agent_leg(call, result.uniqueid or None)
            self._answered(call, now)
            return
        agent_id = call.agent_id
        call.phase = Phase.CALLBACK
        reason = _ORIGINATE_REASONS.get(result.reason, "unavailable")
        self.records.event(call.interaction_id, "no-answer", agent_id,
                           {"originate_reason": result.reason})
        self.feed(e.OfferFailed(call.interaction_id, agent_id, reason), now)

    def _on_hangup(self, hungup: ami.ChannelHungUp, now: float) -> None:
        call = self.calls.by_uniqueid(hungup.channel.uniqueid)
        if call is None:
            return
        lost = hungup.lost
        if hungup.channel.uniqueid == call.agent_uniqueid:
            # The agent's leg ended (agent hung up, blind transfer, re-queue by redirect).
            self.calls.set_agent_leg(call, None)
            if call.phase is Phase.TALKING:
                self._agent_leg_done(call, now)
                if call.callback_number is not None:  # the agent's leg was the whole call
                    self.close_call(call, "lost" if lost else "callback", cause=hungup.cause)
            return
        if call.callback_number is not None:
            return  # the caller left after choosing a callback; the place is kept
        if call.phase in (Phase.WAITING, Phase.RINGING):
            self.feed(e.CallAbandoned(call.interaction_id), now)
            self.close_call(call, "lost" if lost else "abandoned", cause=hungup.cause)
        elif call.phase in (Phase.TALKING, Phase.AFTER_AGENT):
            self._agent_leg_done(call, now)
            outcome = "transferred" if call.transferred else "answered"
            self.close_call(call, "lost" if lost else outcome, cause=hungup.cause)
        elif call.phase is Phase.IVR:
            self.close_call(call, "lost" if lost else call.ivr_outcome, cause=hungup.cause)
        else:
            self.close_call(call, "lost" if lost else "completed", cause=hungup.cause)

    def _agent_leg_done(self, call: LiveCall, now: float) -> None:
        """The agent's part is over: the ACD puts the agent in wrap-up."""
        if call.phase is not Phase.TALKING:
            return
        self.feed(e.CallEnded(call.interaction_id), now)
        self.records.talk_ended(call)
        call.phase = Phase.AFTER_AGENT
        self._publish("call.agent_left", {"interaction_id": call.interaction_id,
                                          "agent_id": call.agent_id})

    def _on_bridged(self, bridged: ami.PartiesBridged, now: float) -> None:
        call = next(filter(None, (self.calls.by_uniqueid(p.uniqueid)
                                  for p in bridged.parties)), None)
        self._publish("call.bridged", {
            "interaction_id": call.interaction_id if call else None,
            "node": bridged.node, "bridge_id": bridged.bridge_id,
            "parties": [{"channel": p.name, "number": p.caller_num, "name": p.caller_name}
                        for p in bridged.parties],
        })

    def _on_blind_transfer(self, xfer: ami.BlindTransferred, now: float) -> None:
        call = self._caller_call(xfer.transferee) or self._caller_call(xfer.transferer)
        if call is None:
            return
        call.transferred = True
        self.records.event(call.interaction_id, "transferred", call.agent_id or "agent",
                           {"to": f"{xfer.extension}@{xfer.context}", "kind": "blind",
                            "result": xfer.result})
        self._publish("call.transferred", {"interaction_id": call.interaction_id,
                                           "to": xfer.extension, "kind": "blind"})

    def _on_attended_transfer(self, xfer: ami.AttendedTransferred, now: float) -> None:
        call = self._caller_call(xfer.transferee) or self._caller_call(xfer.transferer)
        if call is None:
            return
        call.transferred = True
        target = xfer.target.name if xfer.target else None
        self.records.event(call.interaction_id, "transferred", call.agent_id or "agent",
                           {"to": target, "kind": "attended", "result": xfer.result})

    def _on_held(self, held: ami.CallHeld, now: float) -> None:
        call = self._caller_call(held.channel)
        if call is not None:
            self._publish("call.held", {"interaction_id": call.interaction_id})

    def _on_resumed(self, resumed: ami.CallResumed, now: float) -> None:
        call = self._caller_call(resumed.channel)
        if call is not None:
            self._publish("call.resumed", {"interaction_id": call.interaction_id})
