"""Errors of the PBX simulator.

CtiError
 └── SimError
      ├── DialplanError      the dialplan file cannot be parsed or run
      └── UnknownEndpoint    a phone or channel the simulator does not know
"""

from __future__ import annotations

from cti.errors import CtiError


class SimError(CtiError):
    """Base for errors the simulator raises on purpose."""


class DialplanError(SimError):
    """A dialplan line the simulator cannot parse or an application it cannot run."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"dialplan {where}: {problem}")
        self.where, self.problem = where, problem


class UnknownEndpoint(SimError):
    def __init__(self, endpoint: str) -> None:
        super().__init__(f"no simulated phone {endpoint!r}; add it with add_phone() first")
        self.endpoint = endpoint
