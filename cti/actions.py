"""Carrying out routing decisions on Asterisk, without blocking the routing loop.

Each method starts a task and returns at once. The tasks of one interaction
run one after the other (an offer's Setvar, Setvar, Redirect must not
interleave with the next offer's), those of different interactions in
parallel. A failure is logged and, where routing must react (an offer that
never reached the caller), reported back to the loop as an inbox item.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog

from cti.calls import LiveCall
from cti.config import AgentConfig, Dialplan
from cti.numbers import Dialling
from cti.routing.items import OfferNotDelivered

log = structlog.get_logger(__name__)


class AmiSender(Protocol):
    async def send(self, action: Mapping[str, Any]) -> Any: ...


class Actions:
    def __init__(
        self,
        links: Mapping[str, AmiSender],
        dialplan: Dialplan,
        report: Callable[[Any], None],
        *,
        dialling: Dialling | None = None,
    ) -> None:
        self._links = links
        self._dialplan = dialplan
        #: the numbers callbacks may call and the trunk (ServiceConfig.dialling())
        self._dialling = dialling or Dialling.default()
        self._report = report
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._ids = itertools.count(1)
        #: seconds from "queued with an agent free" to the Redirect handed to AMI
        self.routing_latency: deque[float] = deque(maxlen=100_000)

    def redirect_to_agent(self, call: LiveCall, agent: AgentConfig, ring_timeout: float,
                          queued_at: float | None = None) -> None:
        """Ring the agent: the caller's channel goes to the connect context, which Dials.

        The two Setvar and the Redirect are pipelined: Asterisk runs the actions of
        one AMI session in order, so there is no need to wait for each answer.
        ``queued_at`` (loop time the call was queued) feeds ``routing_latency``.
        """
        async def run(send: Callable[[dict[str, Any]], Any]) -> None:
            loop = asyncio.get_running_loop()
            sent = asyncio.gather(
                send({"Action": "Setvar", "Channel": call.channel,
                      "Variable": "CTI_AGENT_ENDPOINT", "Value": agent.endpoint}),
                send({"Action": "Setvar", "Channel": call.channel,
                      "Variable": "CTI_RING_TIMEOUT", "Value": str(round(ring_timeout))}),
                send({"Action": "Redirect", "Channel": call.channel,
                      "Context": self._dialplan.connect_context, "Exten": "s",
                      "Priority": "1"}))
            if queued_at is not None:
                self.routing_latency.append(loop.time() - queued_at)
            await sent

        self._chain(call, run, on_error=self._offer_failed(call, agent.id))

    def originate_callback(self, call: LiveCall, agent: AgentConfig, ring_timeout: float) -> None:
        """Call the agent first; when the agent answers, the dialplan calls the customer.

        The number is checked again (cti/numbers.py): one that is not a number the
        service may dial is never originated and is reported like a failed offer.
        The dialplan gets it in the trunk's format (Exten) and the trunk's dial
        string for it (CTI_DIAL); the agent's phone shows only the checked number.
        """
        action_id = f"cti-callback-{next(self._ids)}"
        call.originate_action = action_id
        text = call.callback_number or call.caller_number
        trunk = self._dialling.trunk

        async def run(send: Callable[[dict[str, Any]], Any]) -> None:
            number = self._dialling.policy.check(text)      # NumberRefused: not dialled
            await send({
                "Action": "Originate", "ActionID": action_id, "Channel": agent.endpoint,
                "Context": self._dialplan.outbound_context,
                "Exten": trunk.number(number), "Priority": "1",
                "Timeout": str(int(ring_timeout * 1000)), "Async": "true",
                "CallerID": f'"Callback {number.e164}" <{number.e164}>',
                "Variable": [f"CTI_INTERACTION={call.interaction_id}",
                             f"CTI_DIAL={trunk.dial_string(number)}"],
            })

        self._chain(call, run, on_error=self._offer_failed(call, agent.id))

    def send_caller_away(self, call: LiveCall, context: str, exten: str) -> None:
        self._redirect(call, context, exten)

    def send_to_voicemail(self, call: LiveCall, mailbox: str) -> None:
        async def run(send: Callable[[dict[str, Any]], Any]) -> None:
            await send({"Action": "Setvar", "Channel": call.channel,
                        "Variable": "CTI_MAILBOX", "Value": mailbox})
            await send({"Action": "Redirect", "Channel": call.channel,
                        "Context": self._dialplan.voicemail_context, "Exten": "s",
                        "Priority": "1"})

        self._chain(call, run)

    def hang_up(self, call: LiveCall) -> None:
        async def run(send: Callable[[dict[str, Any]], Any]) -> None:
            await send({"Action": "Hangup", "Channel": call.channel, "Cause": "16"})

        self._chain(call, run)

    def _redirect(self, call: LiveCall, context: str, exten: str) -> None:
        async def run(send: Callable[[dict[str, Any]], Any]) -> None:
            await send({"Action": "Redirect", "Channel": call.channel, "Context": context,
                        "Exten": exten, "Priority": "1"})

        self._chain(call, run)

    def _offer_failed(self, call: LiveCall, agent_id: str) -> Callable[[str], None]:
        return lambda error: self._report(OfferNotDelivered(call.interaction_id, agent_id, error))

    def _chain(self, call: LiveCall, run: Callable[..., Any],
               on_error: Callable[[str], None] | None = None) -> None:
        link = self._links.get(call.node)
        previous = self._chains.get(call.interaction_id)

        async def step() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            if link is None:
                error = f"no AMI link for node {call.node!r}"
            else:
                try:
                    await run(link.send)
                    return
                except Exception as exc:  # AmiError, timeouts, a dropped link
                    error = str(exc) or type(exc).__name__
            log.warning("AMI action failed", interaction_id=call.interaction_id, error=error)
            if on_error is not None:
                on_error(error)

        task = asyncio.create_task(step(), name=f"ami-{call.interaction_id}")
        self._chains[call.interaction_id] = task
        task.add_done_callback(lambda t: self._forget(call.interaction_id, t))

    def _forget(self, interaction_id: str, task: asyncio.Task[None]) -> None:
        if self._chains.get(interaction_id) is task:
            del self._chains[interaction_id]

    async def wait_idle(self) -> None:
        """Wait for every action under way (used when draining)."""
        while self._chains:
            await asyncio.wait(list(self._chains.values()))
