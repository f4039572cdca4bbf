"""The IVR built from config: flows checked against it, runner, hold step, routes and
FastAGI server with every setting of cti.yaml in place.

``cti run`` (``cti/app.py``) and ``cti ivr`` use these so that no setting is
left out: the number policy and trunk (``numbers:``, ``trunk:``), the flow of
each dialled number (``ivr.numbers``), the hold limits, and who may connect to
FastAGI (``agi.allow``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cti.agi.app import IvrApp
from cti.agi.hold import HoldStep
from cti.agi.host import IvrHost
from cti.agi.interpreter import FlowRunner
from cti.agi.loader import LoadedFlow, load_flows
from cti.agi.models import Flow
from cti.agi.server import AgiServer
from cti.config import Config


def load_config_flows(config: Config, directory: Path | None = None) -> dict[str, LoadedFlow]:
    """The flows of ``directory`` (default ``ivr.flows_dir``), checked against the
    config's queues, skills, number policy and the flows cti.yaml names.

    Raises:
        FlowValidationError: every problem, one line each.
    """
    ivr = config.service.ivr
    return load_flows(directory or config.path(ivr.flows_dir), queues=set(config.queues),
                      skills=config.skills(), policy=config.service.numbers.policy(),
                      catalogue=config.catalogue,
                      entries={"numbers": ivr.numbers, "default_flow": ivr.default_flow,
                               "survey_flow": ivr.survey_flow})


@dataclass
class Ivr:
    runner: FlowRunner
    app: IvrApp
    server: AgiServer

    def reconfigure(self, config: Config, flows: Mapping[str, Flow]) -> None:
        """A reload: new flows and settings for the next calls (the FastAGI address and
        ``agi.allow`` stay until a restart)."""
        service = config.service
        dialling = service.dialling()
        limiter = self.runner.dialling.limiter          # callbacks counted so far stay
        limiter.limit = dialling.limiter.limit
        dialling.limiter = limiter
        self.runner.flows = flows
        self.runner.dialling = dialling
        self.runner.tz = config.hours.zone
        self.runner.hold_vars = _hold_vars(config)
        self.app.hold.dialling = dialling
        self.app.hold.announce_every = service.routing.hold_announce_every
        self.app.numbers = dict(service.ivr.numbers)
        self.app.default_flow = service.ivr.default_flow
        self.app.survey_flow = service.ivr.survey_flow


def build_ivr(config: Config, host: IvrHost, flows: Mapping[str, Flow], *,
              node: str = "") -> Ivr:
    """The IVR of ``cti run``: call ``await ivr.server.start()`` to listen."""
    service = config.service
    dialling = service.dialling()
    runner = FlowRunner(flows, host, tz=config.hours.zone, dialling=dialling,
                        hold_limit=service.ivr.hold_limit,
                        hold_failures=service.ivr.hold_failures)
    hold = HoldStep(host, announce_every=service.routing.hold_announce_every,
                    dialling=dialling)
    app = IvrApp(runner, hold, default_flow=service.ivr.default_flow, node=node,
                 numbers=service.ivr.numbers, survey_flow=service.ivr.survey_flow)
    server = AgiServer(app.routes(), host=service.agi.host, port=service.agi.port,
                       allowed_peers=service.agi_allowed_peers())
    return Ivr(runner, app, server)


def _hold_vars(config: Config) -> dict[str, str]:
    ivr = config.service.ivr
    return {"CTI_HOLD_LIMIT": str(round(ivr.hold_limit)),
            "CTI_HOLD_FAILURES": str(ivr.hold_failures)}
