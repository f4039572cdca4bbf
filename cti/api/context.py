"""What API handlers and commands reach: the running service (through a narrow
protocol), sign-in, the access policy, the hub, the audit log, uploads, webhooks.
Built once by ``cti/api/http.py: build_app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cti.api.forecasts import Forecasts
from cti.api.policy import Policy
from cti.errors import ServiceUnavailable

if TYPE_CHECKING:
    from pathlib import Path

    from cti.api.audit import AuditLog
    from cti.api.auth import Authenticator
    from cti.api.commands import Dispatcher
    from cti.api.hub import Hub
    from cti.api.uploads import Uploads
    from cti.api.webhooks import WebhookSender
    from cti.calls import CallRegistry
    from cti.cases.service import CaseService
    from cti.config import Config
    from cti.control import CallControl
    from cti.routing import Router
    from cti.store import Store
    from cti.stream import EventStream


class ServicePort(Protocol):
    """What the API needs from the running service (cti/app.py: Service)."""

    config: Config
    store: Store | None
    cases: CaseService | None
    stream: EventStream | None
    router: Router | None
    calls: CallRegistry
    control: CallControl | None

    def status(self) -> dict[str, Any]: ...

    async def agent_command(self, agent_id: str, action: str, reason: str | None, *,
                            system: bool = False) -> dict[str, Any]: ...

    async def set_endpoint(self, agent_id: str, endpoint: str | None, *,
                           by: str) -> dict[str, Any]: ...

    async def set_skills(self, agent_id: str, skills: dict[str, int]) -> dict[str, Any]: ...

    async def reload(self) -> dict[str, Any]: ...

    def live_calls(self) -> list[dict[str, Any]]: ...

    def explain(self, interaction_id: str) -> dict[str, Any]: ...

    def recording(self, file: str | None) -> Path: ...

    async def forget_customer(self, customer_id: str, by: str) -> dict[str, Any]: ...


@dataclass
class ApiContext:
    service: ServicePort
    auth: Authenticator
    hub: Hub
    audit: AuditLog
    uploads: Uploads
    webhooks: WebhookSender
    dispatcher: Dispatcher = field(init=False)
    forecasts: Forecasts = field(default_factory=Forecasts)
    _policy: tuple[Config, Policy] | None = None

    @property
    def config(self) -> Config:
        return self.service.config

    def policy(self) -> Policy:
        """The policy of the running config (rebuilt after a reload)."""
        config = self.service.config
        if self._policy is None or self._policy[0] is not config:
            self._policy = (config, Policy(config))
        return self._policy[1]

    @property
    def store(self) -> Store:
        if self.service.store is None:
            raise ServiceUnavailable("the database is not open yet; try again in a moment")
        return self.service.store

    @property
    def cases(self) -> CaseService:
        if self.service.cases is None:
            raise ServiceUnavailable("cases are not available: the case service is not running")
        return self.service.cases

    def epoch(self) -> str:
        stream = self.service.stream
        return "" if stream is None else stream.epoch
