"""Helpers of the routing step's unit tests (imported by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acd.engine import Engine
from cti.acd_specs import specs
from cti.calls import CallRegistry
from cti.config import Config, load_config
from cti.events import DomainEvent
from cti.routing import Now, Router, Step
from cti.routing.effects import AmiRequest
from cti.routing.requests import agent_command
from cti.stream import EventStream

CONFIG = Path(__file__).resolve().parents[3] / "config"


def make_router(config: Config | None = None) -> Router:
    config = config or load_config(CONFIG)
    return Router(config, Engine(*specs(config)), CallRegistry(), EventStream("test"))


def at(mono: float) -> Now:
    """The step clock: the wall clock a fixed distance from the loop's."""
    return Now(mono, 1_795_000_000.0 + mono)


def ami_actions(effects: list[Any]) -> list[dict[str, Any]]:
    return [cmd.message() for e in effects if isinstance(e, AmiRequest) for cmd in e.actions]


def event_types(effects: list[Any]) -> list[str]:
    return [e.TYPE for e in effects if isinstance(e, DomainEvent)]


def command(router: Router, agent_id: str, action: str, mono: float = 0.0,
            reason: str | None = None) -> list[Any]:
    """Run an agent command as the API would, inside one step; returns its effects."""
    step = Step(router, at(mono))
    agent_command(step, agent_id, action, reason)
    step.drain()
    return step.effects
