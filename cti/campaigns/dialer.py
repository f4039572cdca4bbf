"""The campaigns' state inside the routing step: runs, their contacts, their calls.

Pure like the rest of the step: no I/O, time passed in. ``Dialer``
(``router.dialer``) holds one ``CampaignRun`` per running (or paused)
campaign: its pacer (``acd.pacing.Pacer``, None for agentless), the contacts
fetched ahead by the campaign service, the attempts in flight, and what the
wallboard reads. The routing handlers (``cti/routing/campaigns.py``,
``campaign_calls.py``, ``previews.py``, ``lines.py``) move them; the campaign service
(``cti/campaigns/service.py``) fills the contact buffers between steps.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from acd.pacing import Explanation, Pacer
from acd.states import AgentState
from cti.campaigns.models import CampaignDefinition
from cti.campaigns.windows import CallWindow

_NAMESPACE = uuid.UUID("1b0e5a4e-58e4-4c6a-9a43-3f1d2c6e9b70")
#: Contacts a run keeps fetched ahead, per line it may have in flight (at least 10).
BUFFER_PER_LINE = 2
#: Seconds of greeting-to-agent times kept for the figures.
TO_AGENT_KEPT = 2000


@dataclass
class Contact:
    contact_id: str
    number: str                                  #: E.164
    zones: tuple[str, ...]
    name: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    attempts: int = 0                            #: attempts made before this one
    outcome_attempts: dict[str, int] = field(default_factory=dict)
    #: the do-not-call scope that held the number when it was fetched ("" system)
    dnc: str | None = None


class AttemptState(StrEnum):
    #: preview: shown to the agent, not dialled yet
    PREVIEW = "preview"
    #: placed, ringing or in AMD
    DIALING = "dialing"
    #: a person answered, the greeting is over: waiting for an agent (or in the flow)
    ANSWERED = "answered"
    #: AMD said machine: hung up or leaving a message
    MACHINE = "machine"
    #: bridged to an agent
    CONNECTED = "connected"
    ENDED = "ended"


@dataclass
class Attempt:
    run: str
    line: str                                    #: the pacer's call id
    interaction_id: str
    contact: Contact
    attempt: int                                 #: 1 for the contact's first
    state: AttemptState
    placed_mono: float
    agent_id: str | None = None                  #: preview agent, then who took it
    preview_until: float | None = None           #: loop time the preview times out
    originate_action: str | None = None
    answered_mono: float | None = None
    dial_status: str | None = None               #: preview: how the agent's dial ended
    message_left: bool = False
    outcome: str | None = None                   #: known before the call ends
    callback_agent: str | None = None
    callback_at: float | None = None


class RunStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    #: stopped: no new call; the run goes once its calls under way have ended
    STOPPING = "stopping"


@dataclass
class Figures:
    """What a campaign panel shows; counters since the run started in this service."""

    placed: int = 0
    answered: int = 0          #: live people (HUMAN, NOTSURE, no AMD)
    machines: int = 0
    connected: int = 0
    abandoned: int = 0
    failed: int = 0            #: no answer, busy, congestion, failed
    to_agent: deque[float] = field(default_factory=lambda: deque(maxlen=TO_AGENT_KEPT))


@dataclass
class CampaignRun:
    definition: CampaignDefinition
    pacer: Pacer | None
    window: CallWindow
    caller_id: str                               #: E.164
    agents: frozenset[str]                       #: agents serving its queue
    uses_lines: bool
    status: RunStatus = RunStatus.RUNNING
    ready: deque[Contact] = field(default_factory=deque)
    #: contact id -> attempts already made, for contacts buffered or in flight (a
    #: fetch that returns a row written before the attempt's update is stale)
    held: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, Attempt] = field(default_factory=dict)   #: by line
    dnc: set[str] = field(default_factory=set)   #: numbers added since the run began
    #: the list has nothing due now (the service said so when it last fetched)
    exhausted: bool = False
    fetching: bool = False
    explanation: Explanation | None = None
    #: the agent state last forwarded to the pacer (lines make READY conditional)
    pacer_states: dict[str, AgentState] = field(default_factory=dict)
    #: why the pacer is told the campaign is paused (paused, list-empty), or None
    pacer_paused: str | None = None
    figures: Figures = field(default_factory=Figures)
    #: the other queues its agents serve (blending: their callers come first)
    blend_queues: frozenset[str] = frozenset()
    next_agentless: float = 0.0
    seq: int = 0

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def mode(self) -> str:
        return self.definition.mode

    def max_lines(self) -> int:
        d = self.definition
        caps = [n for n in (d.max_lines, d.pacing.max_lines) if n is not None]
        if self.pacer is None:
            return min(caps, default=10)
        per_agent = d.pacing.max_lines_per_agent * max(1, len(self.agents))
        return int(min([*caps, per_agent]))

    def wants_contacts(self) -> bool:
        """The buffer runs low and the list may have more."""
        if self.fetching:
            return False
        return len(self.ready) < max(10, BUFFER_PER_LINE * self.max_lines()) // 2 and \
            (not self.exhausted or not self.ready)

    def add_contacts(self, contacts: Iterable[Contact], exhausted: bool) -> int:
        added = 0
        for contact in contacts:
            known = self.held.get(contact.contact_id)
            if known is not None and known >= contact.attempts:
                continue  # buffered or in flight already, or a row not updated yet
            self.held[contact.contact_id] = contact.attempts
            self.ready.append(contact)
            added += 1
        self.exhausted = exhausted
        self.fetching = False
        return added

    def interaction_for(self, line: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, line))

    def in_flight(self) -> int:
        return sum(1 for a in self.attempts.values() if a.state is not AttemptState.ENDED)


@dataclass
class AgentLine:
    """An agent kept connected between calls: its phone, answered once, waits in
    [cti-agent-line] and each answered call is bridged to it."""

    agent_id: str
    node: str
    action_id: str
    uniqueid: str | None = None
    channel: str | None = None
    up: bool = False
    #: the interaction bridged (or being bridged) to it
    call: str | None = None


class LineBook:
    def __init__(self) -> None:
        self.by_agent: dict[str, AgentLine] = {}
        self.by_action: dict[str, AgentLine] = {}
        self.by_uniqueid: dict[str, AgentLine] = {}

    def up(self, agent_id: str) -> AgentLine | None:
        line = self.by_agent.get(agent_id)
        return line if line is not None and line.up else None

    def add(self, line: AgentLine) -> None:
        self.by_agent[line.agent_id] = line
        self.by_action[line.action_id] = line

    def connected(self, line: AgentLine, uniqueid: str, channel: str) -> None:
        line.uniqueid, line.channel, line.up = uniqueid, channel, True
        self.by_uniqueid[uniqueid] = line

    def remove(self, line: AgentLine) -> None:
        if self.by_agent.get(line.agent_id) is line:
            del self.by_agent[line.agent_id]
        self.by_action.pop(line.action_id, None)
        if line.uniqueid:
            self.by_uniqueid.pop(line.uniqueid, None)


class Dialer:
    """Every campaign run of the service (``router.dialer``)."""

    def __init__(self, run_id: str | None = None) -> None:
        #: distinguishes this service run's call ids from an earlier run's
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.runs: dict[str, CampaignRun] = {}
        self.by_interaction: dict[str, Attempt] = {}
        self.by_action: dict[str, Attempt] = {}
        self.system_dnc: set[str] = set()
        self.previews: dict[str, Attempt] = {}     #: agent -> the preview it sees
        self.lines = LineBook()
        self._actions = 0

    def line_agents(self) -> set[str]:
        """Agents who should be kept connected: those of campaigns that use lines."""
        out: set[str] = set()
        for run in self.runs.values():
            if run.uses_lines:
                out |= run.agents
        return out

    def next_deadline(self, max_lines: int | None = None) -> float | None:
        """Loop time of the next pacing step, connect deadline or preview timeout
        (``max_lines``: the lines all campaigns may have in flight)."""
        times: list[float] = []
        room = max_lines is None or sum(r.in_flight() for r in self.runs.values()) < max_lines
        for run in self.runs.values():
            if run.pacer is not None:
                at = run.pacer.next_deadline()
                if at is not None:
                    times.append(at)
            elif run.status is RunStatus.RUNNING and run.ready and room and \
                    run.in_flight() < run.max_lines():
                times.append(run.next_agentless)
        times += [a.preview_until for a in self.previews.values()
                  if a.preview_until is not None]
        return min(times, default=None)

    def action_id(self, kind: str) -> str:
        self._actions += 1
        return f"cti-{kind}-{self.run_id}-{self._actions}"

    def run_of(self, attempt: Attempt) -> CampaignRun | None:
        return self.runs.get(attempt.run)

    def attempt(self, interaction_id: str | None) -> Attempt | None:
        return None if interaction_id is None else self.by_interaction.get(interaction_id)

    def blocked(self, run: CampaignRun, contact: Contact) -> str | None:
        """The do-not-call scope holding the contact's number ("" system): as fetched,
        or added since (checked at dial time)."""
        if contact.dnc is not None:
            return contact.dnc
        if contact.number in self.system_dnc:
            return ""
        if contact.number in run.dnc:
            return run.name
        return None

    def forget(self, attempt: Attempt) -> None:
        attempt.state = AttemptState.ENDED
        self.by_interaction.pop(attempt.interaction_id, None)
        if attempt.originate_action:
            self.by_action.pop(attempt.originate_action, None)
        if attempt.agent_id and self.previews.get(attempt.agent_id) is attempt:
            del self.previews[attempt.agent_id]
        run = self.runs.get(attempt.run)
        if run is not None:
            run.attempts.pop(attempt.line, None)
            run.held.pop(attempt.contact.contact_id, None)

    def view(self, run: CampaignRun, now_mono: float) -> dict[str, Any]:
        """The live figures of one run (the API and the wallboard's campaign panel)."""
        f = run.figures
        live = f.answered
        in_flight = run.in_flight()
        waits = sorted(f.to_agent)
        out: dict[str, Any] = {
            "campaign": run.name, "mode": run.mode, "status": run.status.value,
            "lines_in_use": in_flight, "max_lines": run.max_lines(),
            "contacts_ready": len(run.ready), "list_exhausted": run.exhausted and not run.ready,
            "placed": f.placed, "answered": f.answered, "machines": f.machines,
            "connected": f.connected, "abandoned": f.abandoned, "failed": f.failed,
            "answer_rate": None if f.placed == 0 else round(live / f.placed, 4),
            "to_agent_p50": _quantile(waits, 0.5), "to_agent_p99": _quantile(waits, 0.99),
        }
        if run.pacer is not None:
            window = run.pacer.window(now_mono)
            out["abandon"] = {
                "rules": run.pacer.spec.rules.name, "limit": window.limit,
                "rate": window.rate, "live": window.live, "abandoned": window.abandoned,
                "budget_left": round(window.budget_left, 2), "spent": window.spent}
        e = run.explanation
        if e is not None:
            working = e.agents_logged_in - e.agents_away
            out["agents"] = {"logged_in": e.agents_logged_in, "free": e.agents_free,
                             "busy": e.agents_busy, "away": e.agents_away,
                             "occupancy": None if working <= 0 else
                             round(e.agents_busy / working, 4)}
            out["pacing"] = {"reason": e.reason.value, "lines": e.lines,
                             "explanation": e.describe()}
        return out


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)
