"""Configuration (``cti.config``) -> the ACD's specs (``acd.specs``).

The ACD takes plain values and knows nothing of YAML; this is the one place
that translates, e.g. a config escalation step that lowers two skills and
raises the priority becomes three ACD steps with the same ``after``. Every agent
also gets a skill of its own (``direct_skill``) so a call can be routed to one agent.
"""

from __future__ import annotations

from acd.specs import AgentSpec, EscalationStep, NoAnswerPolicy, QueueSpec
from cti.config import AgentConfig, Config, QueueConfig


def queue_spec(queue: QueueConfig, no_answer: NoAnswerPolicy) -> QueueSpec:
    exit_ = queue.on_max_wait
    return QueueSpec(
        name=queue.name,
        skills=dict(queue.skills),
        strategy=queue.strategy.value,
        ring_timeout=queue.ring_timeout,
        # A queue that needs a disposition keeps its agents in wrap-up until one is given.
        wrapup_time=None if queue.wrapup_requires_disposition else queue.wrapup,
        max_wait=queue.max_wait,
        exit=f"overflow:{exit_.target}" if exit_.action == "overflow" else exit_.action,
        max_length=queue.max_length,
        sl_seconds=queue.service_level.target_seconds,
        sl_percent=queue.service_level.percent,
        escalation=tuple(_steps(queue)),
        no_answer=no_answer,
    )


def _steps(queue: QueueConfig) -> list[EscalationStep]:
    steps: list[EscalationStep] = []
    for step in queue.escalation:
        steps += [EscalationStep(step.after, "lower", skill=s, level=lv)
                  for s, lv in step.lower.items()]
        steps += [EscalationStep(step.after, "drop", skill=s) for s in step.drop]
        if step.raise_priority:
            steps.append(EscalationStep(step.after, "priority", priority=step.raise_priority))
        if step.add_overflow:
            steps.append(EscalationStep(step.after, "overflow", queue=step.add_overflow))
    return steps


def direct_skill(agent_id: str) -> str:
    """The skill only ``agent_id`` has: a call requiring it rings that agent and no one
    else (a transfer to an agent, a take-over, click-to-dial, a personal callback)."""
    return f"agent:{agent_id}"


def agent_spec(agent: AgentConfig) -> AgentSpec:
    skills = {**agent.skills, direct_skill(agent.id): 10}
    return AgentSpec(agent_id=agent.id, skills=skills, queues=tuple(agent.queues),
                     capacity=dict(agent.capacity))


def specs(config: Config) -> tuple[list[QueueSpec], list[AgentSpec]]:
    no_answer = NoAnswerPolicy(not_ready=config.service.routing.no_answer_state == "not_ready")
    return ([queue_spec(q, no_answer) for q in config.queues.values()],
            [agent_spec(a) for a in config.agents.values()])
