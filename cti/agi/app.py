"""The FastAGI routes of the service: ``/ivr`` runs a flow, ``/hold`` the hold step.

The dialplan calls ``agi://HOST:4573/ivr?flow=main&dnid=${EXTEN}`` (add
``&interaction=${CTI_INTERACTION}`` to continue an interaction, e.g. for the
post-call survey) and ``agi://HOST:4573/hold``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping

from cti.agi.errors import AgiError
from cti.agi.hold import HoldStep
from cti.agi.host import CallInfo
from cti.agi.interpreter import FlowResult, FlowRunner
from cti.agi.server import Handler
from cti.agi.session import AgiSession

log = logging.getLogger(__name__)


def call_info(session: AgiSession, node: str = "") -> CallInfo:
    env, params = session.env, session.request.params
    return CallInfo(
        channel=env.channel, call_id=env.uniqueid, caller_number=env.caller_number,
        caller_name=env.caller_name, dnid=params.get("dnid") or env.get("dnid"),
        extension=env.get("extension"), node=node,
    )


class IvrApp:
    """Binds a FlowRunner and a HoldStep to FastAGI routes."""

    def __init__(self, runner: FlowRunner, hold: HoldStep, *, default_flow: str = "main",
                 node: str = "") -> None:
        self.runner, self.hold, self.default_flow, self.node = runner, hold, default_flow, node
        #: The last results, newest last (for the simulator and tests); bounded.
        self.results: list[FlowResult] = []

    def routes(self) -> Mapping[str, Handler]:
        return {"ivr": self.ivr, "hold": self.hold}

    async def ivr(self, session: AgiSession) -> None:
        params = session.request.params
        flow = params.get("flow") or self.default_flow
        await session.answer()
        try:
            result = await self.runner.run(session, call_info(session, self.node), flow,
                                           interaction_id=params.get("interaction") or None,
                                           step=params.get("step") or None)
        except AgiError:
            raise
        except Exception:
            # A broken flow must not lose the caller: the dialplan sends
            # CTI_ACTION=fallback to cti-fallback (a ring group, an operator).
            with contextlib.suppress(AgiError):
                await session.set_variable("CTI_ACTION", "fallback")
            raise
        log.info("interaction %s: flow %s ended with %s after %d steps",
                 result.interaction_id, flow, result.action, len(result.path))
        self.results.append(result)
        del self.results[:-1000]
