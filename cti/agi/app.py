"""The FastAGI routes of the service: ``/ivr`` runs a new call's flow, ``/survey`` the
post-call survey, ``/hold`` the hold step, ``/campaign`` an agentless campaign's flow.

The dialplan calls ``agi://HOST:4573/ivr?dnid=${URIENCODE(...)}``: the URL
carries the number dialled and nothing else. The flow comes from config
(``ivr.numbers``: dialled number -> flow, else ``ivr.default_flow``), never
from the URL; ``/survey`` and ``/hold`` read CTI_INTERACTION from the channel.
A URL with an unknown or repeated argument, or with AGI arguments after it,
is refused and the caller sent to cti-fallback (``CTI_ACTION=fallback``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping

from cti.agi.errors import AgiError, FlowRuntimeError
from cti.agi.hold import HoldStep
from cti.agi.host import CallInfo
from cti.agi.interpreter import FlowResult, FlowRunner
from cti.agi.protocol import BadRequest, strict_params
from cti.agi.server import Handler
from cti.agi.session import AgiSession

log = logging.getLogger(__name__)


def call_info(session: AgiSession, node: str = "", dnid: str | None = None) -> CallInfo:
    env = session.env
    return CallInfo(
        channel=env.channel, call_id=env.uniqueid, caller_number=env.caller_number,
        caller_name=env.caller_name, dnid=dnid or env.get("dnid"),
        extension=env.get("extension"), node=node,
    )


class IvrApp:
    """Binds a FlowRunner and a HoldStep to FastAGI routes.

    Args:
        numbers: dialled number -> flow of a new call (``ivr.numbers``).
        default_flow: the flow of a number not in ``numbers``.
        survey_flow: what ``/survey`` runs on the call's interaction.
    """

    def __init__(self, runner: FlowRunner, hold: HoldStep, *, default_flow: str = "main",
                 node: str = "", numbers: Mapping[str, str] | None = None,
                 survey_flow: str = "survey") -> None:
        self.runner, self.hold, self.default_flow, self.node = runner, hold, default_flow, node
        self.numbers = dict(numbers or {})
        self.survey_flow = survey_flow
        #: The last results, newest last (for the simulator and tests); bounded.
        self.results: list[FlowResult] = []

    def routes(self) -> Mapping[str, Handler]:
        return {"ivr": self.ivr, "survey": self.survey, "hold": self.hold_step,
                "campaign": self.campaign}

    def flow_for(self, dnid: str) -> str:
        """The flow of a new call to ``dnid``."""
        return self.numbers.get(dnid, self.default_flow)

    async def ivr(self, session: AgiSession) -> None:
        params = await self._params(session, {"dnid"})
        if params is None:
            return
        dnid = params.get("dnid", "")
        flow = self.flow_for(dnid)
        await session.answer()
        await self._run(session, flow, call_info(session, self.node, dnid), None)

    async def hold_step(self, session: AgiSession) -> None:
        # a refused URL leaves CTI_HOLD_OK unset: the dialplan counts a failed step
        if await self._params(session, (), fallback=False) is not None:
            await self.hold(session)

    async def survey(self, session: AgiSession) -> None:
        if await self._params(session, ()) is None:
            return
        interaction_id = await session.get_variable("CTI_INTERACTION")
        if not interaction_id:
            log.warning("survey on %s without CTI_INTERACTION; check that the call went "
                        "through the IVR before cti-survey", session.channel)
            return
        await self._run(session, self.survey_flow, call_info(session, self.node),
                        interaction_id)

    async def campaign(self, session: AgiSession) -> None:
        """An agentless campaign's call, answered: its flow (CTI_CAMPAIGN_FLOW, set by the
        service) runs on the call's interaction (CTI_INTERACTION)."""
        if await self._params(session, ()) is None:
            return
        interaction_id = await session.get_variable("CTI_INTERACTION")
        flow = await session.get_variable("CTI_CAMPAIGN_FLOW")
        if not interaction_id or not flow or flow not in self.runner.flows:
            log.warning("campaign flow %r on %s not run: no such flow or no interaction; "
                        "check the campaign's flow", flow, session.channel)
            return
        await self._run(session, flow, call_info(session, self.node), interaction_id)

    async def _params(self, session: AgiSession, allowed: tuple[str, ...] | set[str], *,
                      fallback: bool = True) -> dict[str, str] | None:
        """The URL's arguments; None (and the caller to cti-fallback) when refused."""
        request = session.request
        try:
            if session.env.args:
                raise BadRequest(f"AGI arguments after the URL of /{request.path} "
                                 f"({len(session.env.args)})")
            return strict_params(request, allowed)
        except BadRequest as exc:
            log.warning("FastAGI request of %s refused: %s; check that the dialplan "
                        "encodes the number with URIENCODE (dialplan/extensions_cti.conf)",
                        session.channel, exc)
            if fallback:
                await _fallback(session)
            return None

    async def _run(self, session: AgiSession, flow: str, call: CallInfo,
                   interaction_id: str | None) -> None:
        try:
            result = await self.runner.run(session, call, flow, interaction_id=interaction_id)
        except AgiError:
            raise
        except FlowRuntimeError as exc:
            log.error("IVR on %s stopped: %s; caller sent to cti-fallback",
                      session.channel, exc)
            await _fallback(session)
            return
        except Exception:
            # A broken flow must not lose the caller: the dialplan sends
            # CTI_ACTION=fallback to cti-fallback (a ring group, an operator).
            await _fallback(session)
            raise
        log.info("interaction %s: flow %s ended with %s after %d steps",
                 result.interaction_id, flow, result.action, len(result.path))
        self.results.append(result)
        del self.results[:-1000]


async def _fallback(session: AgiSession) -> None:
    with contextlib.suppress(AgiError):
        await session.set_variable("CTI_ACTION", "fallback")
