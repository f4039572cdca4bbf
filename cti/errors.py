"""Errors the service raises on purpose, and what the ``cti`` command does with them.

CtiError
 ├── ConfigError          a config file is missing or invalid
 ├── StoreError           the database refused or is unreachable
 ├── AmiError             (cti.ami.errors) the Asterisk Manager link
 ├── AgiError             (cti.agi.errors) a FastAGI session
 ├── BadRequest           a request (HTTP, WebSocket, CLI) that cannot be understood
 ├── NoSuchAgent, NoSuchCall, CallNotQueued, CommandRefused, ServiceUnavailable
 └── ServiceUnreachable, NotTheService, RemoteError   (the CLI talking to the service)

Each message says what happened, to which id, and what to check. Errors
that reach the HTTP API carry ``status`` and ``code``; ``code`` strings are
part of the API: don't rename them.

Exit codes of ``cti``: ``EXIT_UNREACHABLE`` (1) when something it needs is
unreachable and trying again later may work (the service, PostgreSQL,
Asterisk): an error class says so with ``unreachable = True``;
``EXIT_BAD_INPUT`` (2) for everything else: the arguments, a config file or
a refused command need fixing first (argparse's usage errors are 2 too).
"""

from __future__ import annotations

import re
from pathlib import Path

EXIT_OK, EXIT_UNREACHABLE, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The files of a config directory, for the messages that name them.
CONFIG_FILES = ("cti.yaml", "queues.yaml", "agents.yaml", "hours.yaml", "catalogue.yaml",
                "units.yaml")


class CtiError(Exception):
    """Base for errors the service raises on purpose."""

    status: int = 500
    code: str = "internal-error"
    #: True: something needed cannot be reached now (exit code 1), not a mistake to fix.
    unreachable: bool = False


def exit_code(exc: CtiError) -> int:
    """What ``cti`` exits with after ``exc``."""
    return EXIT_UNREACHABLE if exc.unreachable else EXIT_BAD_INPUT


class ConfigError(CtiError):
    """A configuration file is missing or invalid; ``errors`` has one line each, every
    line starting with the file's name (``queues.yaml: queues[2].wrapup: ...``)."""

    status, code = 400, "invalid-config"

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


_CONFIG_FILE = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(n) for n in CONFIG_FILES)
                          + r")(?![\w-])")


def locate(message: str, directory: Path) -> str:
    """``message`` with the config directory the operator gave before every config file
    it names: ``queues.yaml: ...`` -> ``site/config/queues.yaml: ...``."""
    return _CONFIG_FILE.sub(lambda m: str(directory / m.group(1)), message)


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
    unreachable = True


class NoSuchCall(CtiError):
    status, code = 404, "no-such-call"

    def __init__(self, interaction_id: str) -> None:
        super().__init__(f"no live call with interaction id {interaction_id!r}; "
                         "`cti calls` lists them")
        self.interaction_id = interaction_id


class CallNotQueued(CtiError):
    """A live call that is not waiting in the ACD (in the IVR, or after its agent left)."""

    status, code = 409, "call-not-queued"

    def __init__(self, interaction_id: str, where: str) -> None:
        super().__init__(f"call {interaction_id} is {where}, not queued: nobody is offered "
                         "it yet; `cti explain` works once it waits in a queue")
        self.interaction_id = interaction_id


# --- the CLI talking to a running service -------------------------------------------------


class ServiceUnreachable(CtiError):
    unreachable = True

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"cannot reach the service at {url} ({reason}); is `cti run` (or `make demo`) "
            "running, and is --url right?")
        self.url = url


class NotTheService(CtiError):
    """Something answered at the URL, but not the cti HTTP API."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"the server at {url} is not the cti service: {what}; check --url "
                         "(or http: host and port in cti.yaml)")
        self.url = url


class RemoteError(CtiError):
    """The service answered a request with an error (``status``, ``code`` as it sent)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code
        self.unreachable = status >= 500
