"""``Engine.explain``: for each agent, why it is or is not a candidate for a call.

Checks run in the order the engine applies them, and every failing check is
listed, not only the first, so an operator sees at once "skills short AND
not ready".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import AgentRec, CallRec
from .states import AgentState, CallState, DeviceState
from .views import Reason, Verdict

if TYPE_CHECKING:
    from .engine import Engine


def _skill_reasons(a: AgentRec, reqs: dict[str, int]) -> list[Reason]:
    out = []
    for skill, level in sorted(reqs.items()):
        have = a.skills.get(skill, 0)
        if have < level:
            detail = f"{skill} {have} < {level}" if have else f"{skill} missing (needs {level})"
            out.append(Reason("skill-short", detail))
    return out


def _state_reasons(a: AgentRec, c: CallRec, now: float) -> list[Reason]:
    out = []
    if a.retiring:
        out.append(Reason("retiring", "removed from the configuration, finishing its work"))
    if a.presence is AgentState.LOGGED_OUT:
        out.append(Reason("logged-out", "not logged in"))
    elif a.presence is AgentState.NOT_READY:
        out.append(Reason("not-ready", f"NOT_READY({a.reason})"))
    if a.offer is not None:
        out.append(Reason("reserved", f"call {a.offer} is ringing on it"))
    if a.wrapping:
        until = "until the disposition" if a.wrap_until is None else f"until {a.wrap_until:g}"
        out.append(Reason("wrap-up", f"in wrap-up {until}"))
    cap = a.capacity.get(c.channel, 0)
    if cap == 0:
        out.append(Reason("no-channel", f"no {c.channel} capacity"))
    elif a.load.get(c.channel, 0) >= cap:
        out.append(Reason("capacity", f"{c.channel} {a.load.get(c.channel, 0)}/{cap} in use"))
    if c.channel == "voice" and a.device is not DeviceState.AVAILABLE:
        out.append(Reason("device", f"phone is {a.device.value}"))
    until = c.excluded.get(a.agent_id)
    if until is not None and until > now:
        out.append(Reason("excluded", f"failed an offer of this call; skipped until {until:g}"))
    return out


def explain(engine: Engine, c: CallRec, now: float) -> list[Verdict]:
    verdicts: dict[str, tuple[bool, list[Reason]]] = {}
    eligible_by_queue: dict[str, list[AgentRec]] = {q: [] for q in c.queues}
    for agent_id in sorted(engine._agents):
        a = engine._agents[agent_id]
        if c.agent == agent_id:
            word = "talking" if c.state is CallState.TALKING else "offered"
            verdicts[agent_id] = (False, [Reason(word, f"the call is {word} to this agent")])
            continue
        via = [q for q in c.queues if agent_id in engine._members.get(q, {})]
        if not via:
            why = "its queue list" if a.spec.queues else "its skills (below the queue's floor)"
            verdicts[agent_id] = (False, [Reason("not-member", f"serves none of "
                                                 f"{', '.join(c.queues)} by {why}"),
                                          *_skill_reasons(a, c.reqs[c.queue])])
            continue
        fits = [q for q in via if a.meets(c.reqs[q])]
        reasons = [] if fits else _skill_reasons(a, c.reqs[via[0]])
        reasons += _state_reasons(a, c, now)
        if not reasons and c.state is CallState.WAITING:
            eligible_by_queue[fits[0]].append(a)
        elif not reasons:
            reasons.append(Reason("busy-call", f"would qualify, but the call is {c.state.value}"))
        verdicts[agent_id] = (not reasons, reasons)
    ranks: dict[str, tuple[int, str]] = {}
    n = 0
    for q in c.queues:
        key = engine._rank(c, q)
        for a in sorted(eligible_by_queue[q], key=key):
            n += 1
            ranks[a.agent_id] = (n, q)
    out = []
    for agent_id, (ok, reasons) in verdicts.items():
        rank = None
        if ok:
            rank, q = ranks[agent_id]
            strategy = engine._queues[q].strategy.value
            reasons = [Reason("eligible", f"rank {rank} by {strategy} in queue {q}")]
        out.append(Verdict(agent_id, ok, rank, tuple(reasons)))
    return out
