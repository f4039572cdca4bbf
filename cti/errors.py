"""Errors the service raises on purpose.

CtiError
 ├── ConfigError          a config file is missing or invalid
 ├── StoreError           the database refused or is unreachable
 ├── AmiError             (cti.ami.errors) the Asterisk Manager link
 └── AgiError             (cti.agi.errors) a FastAGI session

Each message says what happened, to which id, and what to check. Errors
that reach the HTTP API carry ``status`` and ``code``; ``code`` strings are
part of the API: don't rename them.
"""

from __future__ import annotations


class CtiError(Exception):
    """Base for errors the service raises on purpose."""

    status: int = 500
    code: str = "internal-error"


class ConfigError(CtiError):
    """A configuration file is missing or invalid; ``errors`` has one line each."""

    status, code = 400, "invalid-config"

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class StoreError(CtiError):
    """The database is unreachable or refused a statement."""

    status, code = 503, "store-unavailable"


class BadRequest(CtiError):
    """A request (HTTP, WebSocket or CLI) that cannot be understood."""

    status, code = 400, "bad-request"


class NoSuchAgent(CtiError):
    status, code = 404, "no-such-agent"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent with id {agent_id!r}; `cti status` lists the agents")
        self.agent_id = agent_id


class CommandRefused(CtiError):
    """A command that is valid but not allowed now (e.g. pause while logged out)."""

    status, code = 409, "command-refused"


class ServiceUnavailable(CtiError):
    """The service is reachable but cannot do this now (draining, not started)."""

    status, code = 503, "service-unavailable"


class NoSuchCall(CtiError):
    status, code = 404, "no-such-call"

    def __init__(self, interaction_id: str) -> None:
        super().__init__(f"no live call with interaction id {interaction_id!r}; "
                         "`cti calls` lists them")
        self.interaction_id = interaction_id
