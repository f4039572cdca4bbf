"""Configuration values the engine is built from: QueueSpec, AgentSpec, escalation.

Specs are validated on construction and raise ConfigInvalid naming the queue or
agent and the field. Cross-references (overflow targets, agent queues) are
checked when the Engine is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .errors import ConfigInvalid

#: Channels an interaction can use; capacity is counted per channel.
CHANNELS: tuple[str, ...] = ("voice", "chat", "email")


class Strategy(StrEnum):
    """How a queue picks among several eligible agents."""

    #: the agent free for the longest time (default)
    LONGEST_IDLE = "longest_idle"
    #: the agent who answered the fewest calls of this queue
    FEWEST_CALLS = "fewest_calls"
    #: the highest summed proficiency over the call's required skills
    MOST_SKILLED = "most_skilled"
    #: the next member after the last one offered, in configuration order
    ROUND_ROBIN = "round_robin"
    #: a random eligible agent, from the engine's seeded generator
    RANDOM = "random"


class StepAction(StrEnum):
    #: lower the requirement on ``skill`` to ``level``
    LOWER = "lower"
    #: drop the requirement on ``skill``
    DROP = "drop"
    #: add ``priority`` to the call's priority
    PRIORITY = "priority"
    #: make the call visible to the members of ``queue`` too (with that queue's skills)
    OVERFLOW = "overflow"


class ExitAction(StrEnum):
    """What happens to a call that waited ``max_wait`` or found the queue full."""

    #: move to another queue, keeping the original arrival time
    OVERFLOW = "overflow"
    #: the service sends it to voicemail; the engine forgets it
    VOICEMAIL = "voicemail"
    #: becomes a callback and keeps its place (no more max-wait)
    CALLBACK = "callback"
    #: the engine forgets it; the service ends the call (e.g. a goodbye prompt)
    NONE = "none"


def _freeze_levels(owner: str, name: str, levels: Mapping[str, int]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for skill, level in levels.items():
        if not isinstance(skill, str) or not skill:
            raise ConfigInvalid(f"{owner}: {name} has an empty or non-text skill name {skill!r}")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 10:
            raise ConfigInvalid(f"{owner}: {name}.{skill} = {level!r}; a level is 0 to 10")
        out[skill] = level
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """After ``after`` seconds in the queue, relax the call's routing.

    ``EscalationStep(30, "lower", skill="billing", level=1)``,
    ``EscalationStep(60, "drop", skill="spanish")``,
    ``EscalationStep(90, "priority", priority=5)``,
    ``EscalationStep(120, "overflow", queue="general")``.
    """

    after: float
    action: StepAction
    skill: str | None = None
    level: int | None = None
    priority: int = 0
    queue: str | None = None

    def __post_init__(self) -> None:
        try:
            action = StepAction(self.action)
        except ValueError:
            raise ConfigInvalid(
                f"escalation step action {self.action!r}; use one of "
                f"{', '.join(a.value for a in StepAction)}") from None
        object.__setattr__(self, "action", action)
        if self.after < 0:
            raise ConfigInvalid(f"escalation step {action.value}: after={self.after} is negative")
        if action in (StepAction.LOWER, StepAction.DROP) and not self.skill:
            raise ConfigInvalid(f"escalation step {action.value} needs a skill")
        if action is StepAction.LOWER and (self.level is None or not 0 <= self.level <= 10):
            raise ConfigInvalid(f"escalation step lower {self.skill}: level 0 to 10 required")
        if action is StepAction.OVERFLOW and not self.queue:
            raise ConfigInvalid("escalation step overflow needs a queue")

    def describe(self) -> str:
        """One line for operators, e.g. ``after 30s: lower billing to 1``."""
        what = {
            StepAction.LOWER: f"lower {self.skill} to {self.level}",
            StepAction.DROP: f"drop {self.skill}",
            StepAction.PRIORITY: f"priority {self.priority:+d}",
            StepAction.OVERFLOW: f"overflow to {self.queue}",
        }[self.action]
        return f"after {self.after:g}s: {what}"


@dataclass(frozen=True, slots=True)
class NoAnswerPolicy:
    """What a failed offer (no-answer, busy, unavailable, rejected) does to the agent.

    ``not_ready``: the agent goes NOT_READY with the failure as reason (default),
    else it stays READY. Either way that agent is skipped for that call during
    ``reoffer_delay`` seconds, so the call goes to someone else first.
    """

    not_ready: bool = True
    reoffer_delay: float = 30.0


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One queue. ``skills`` are minimum levels: ``{"billing": 3, "spanish": 1}``.

    ``wrapup_time``: seconds of WRAP_UP after each call; 0 = none; None = until
    the disposition (WrapUpDone) arrives. ``max_wait`` (None = no limit) and
    ``exit``: ``"overflow:<queue>"``, ``"voicemail"``, ``"callback"`` or
    ``"none"``; the same exit applies when the queue holds ``max_length``
    waiting calls. ``default_handle_time`` feeds the estimated wait until real
    calls have been handled.
    """

    name: str
    skills: Mapping[str, int] = field(default_factory=dict)
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout: float = 20.0
    wrapup_time: float | None = 10.0
    max_wait: float | None = None
    exit: str = "none"
    max_length: int | None = None
    sl_seconds: float = 20.0
    sl_percent: float = 80.0
    escalation: tuple[EscalationStep, ...] = ()
    no_answer: NoAnswerPolicy = field(default_factory=NoAnswerPolicy)
    default_handle_time: float = 180.0

    def __post_init__(self) -> None:
        where = f"queue {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ConfigInvalid(f"{where}: a queue needs a non-empty name")
        object.__setattr__(self, "skills", _freeze_levels(where, "skills", self.skills))
        try:
            object.__setattr__(self, "strategy", Strategy(self.strategy))
        except ValueError:
            raise ConfigInvalid(f"{where}: strategy {self.strategy!r}; use one of "
                                f"{', '.join(s.value for s in Strategy)}") from None
        if self.ring_timeout <= 0:
            raise ConfigInvalid(f"{where}: ring_timeout must be positive")
        if self.wrapup_time is not None and self.wrapup_time < 0:
            raise ConfigInvalid(f"{where}: wrapup_time must be >= 0 or None")
        if self.max_wait is not None and self.max_wait <= 0:
            raise ConfigInvalid(f"{where}: max_wait must be positive or None")
        if self.max_length is not None and self.max_length < 1:
            raise ConfigInvalid(f"{where}: max_length must be >= 1 or None")
        if not 0 < self.sl_percent <= 100 or self.sl_seconds < 0:
            raise ConfigInvalid(f"{where}: service level is sl_percent in (0, 100] "
                                "within sl_seconds >= 0")
        self.exit_action  # noqa: B018 - validates the exit string
        steps = tuple(self.escalation)
        if any(not isinstance(s, EscalationStep) for s in steps):
            raise ConfigInvalid(f"{where}: escalation holds EscalationStep values")
        object.__setattr__(self, "escalation", tuple(sorted(steps, key=lambda s: s.after)))

    @property
    def exit_action(self) -> ExitAction:
        action, _, target = self.exit.partition(":")
        try:
            parsed = ExitAction(action)
        except ValueError:
            raise ConfigInvalid(f"queue {self.name!r}: exit {self.exit!r}; use overflow:<queue>, "
                                "voicemail, callback or none") from None
        if (parsed is ExitAction.OVERFLOW) != bool(target):
            raise ConfigInvalid(f"queue {self.name!r}: exit {self.exit!r}; only overflow takes a "
                                "target, as overflow:<queue>")
        return parsed

    @property
    def exit_target(self) -> str | None:
        return self.exit.partition(":")[2] or None

    def floor_skills(self) -> dict[str, int]:
        """The requirements once every escalation step has applied (for membership)."""
        floor = dict(self.skills)
        for step in self.escalation:
            if step.action is StepAction.LOWER and step.skill in floor:
                floor[step.skill] = min(floor[step.skill], step.level or 0)
            elif step.action is StepAction.DROP:
                floor.pop(step.skill or "", None)
        return floor


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent. ``queues`` empty = every queue whose skills it can ever meet.

    ``capacity`` counts concurrent interactions per channel:
    ``{"voice": 1, "chat": 3, "email": 5}``; channels are independent.
    """

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=lambda: {"voice": 1})

    def __post_init__(self) -> None:
        where = f"agent {self.agent_id!r}"
        if not isinstance(self.agent_id, str) or not self.agent_id:
            raise ConfigInvalid(f"{where}: an agent needs a non-empty agent_id")
        object.__setattr__(self, "skills", _freeze_levels(where, "skills", self.skills))
        object.__setattr__(self, "queues", tuple(self.queues))
        cap: dict[str, int] = {}
        for channel, n in self.capacity.items():
            if channel not in CHANNELS:
                raise ConfigInvalid(f"{where}: capacity for unknown channel {channel!r}; "
                                    f"channels are {', '.join(CHANNELS)}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigInvalid(f"{where}: capacity.{channel} = {n!r}; use an integer >= 0")
            if n:
                cap[channel] = n
        if "voice" in cap and cap["voice"] != 1:
            raise ConfigInvalid(f"{where}: capacity.voice = {cap['voice']}; a phone takes one call")
        object.__setattr__(self, "capacity", MappingProxyType(cap))


def check_config(queues: Iterable[QueueSpec], agents: Iterable[AgentSpec],
                 ) -> tuple[dict[str, QueueSpec], dict[str, AgentSpec]]:
    """Index the specs by name and check their cross-references.

    Raises:
        ConfigInvalid: duplicate names, an exit or escalation naming an unknown
            queue, an agent serving an unknown queue.
    """
    qs: dict[str, QueueSpec] = {}
    for spec in queues:
        if not isinstance(spec, QueueSpec):
            raise ConfigInvalid(f"queues holds {type(spec).__name__}; pass QueueSpec values")
        if spec.name in qs:
            raise ConfigInvalid(f"queue {spec.name!r} is defined twice")
        qs[spec.name] = spec
    for spec in qs.values():
        target = spec.exit_target
        if target is not None and (target not in qs or target == spec.name):
            raise ConfigInvalid(f"queue {spec.name!r}: exit overflow:{target} names "
                                f"{'itself' if target == spec.name else 'no defined queue'}")
        for step in spec.escalation:
            if step.action is StepAction.OVERFLOW and (step.queue not in qs
                                                      or step.queue == spec.name):
                raise ConfigInvalid(f"queue {spec.name!r}: escalation '{step.describe()}' "
                                    "names no other defined queue")
    ags: dict[str, AgentSpec] = {}
    for spec in agents:
        if not isinstance(spec, AgentSpec):
            raise ConfigInvalid(f"agents holds {type(spec).__name__}; pass AgentSpec values")
        if spec.agent_id in ags:
            raise ConfigInvalid(f"agent {spec.agent_id!r} is defined twice")
        for q in spec.queues:
            if q not in qs:
                raise ConfigInvalid(f"agent {spec.agent_id!r} serves queue {q!r}, "
                                    "which is not defined")
        ags[spec.agent_id] = spec
    return qs, ags
