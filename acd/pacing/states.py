"""Pacing modes, line states and the one table of legal line moves.

A *line* is one call the campaign placed, from the Dial decision until the
pacer no longer needs it: the outcome is known (no answer, busy, machine, ...)
or the person who answered was connected to an agent or abandoned.
"""

from __future__ import annotations

from enum import StrEnum

from ..states import AgentState


class PacingMode(StrEnum):
    #: an agent sees the contact first and the call is placed for that agent
    PREVIEW = "preview"
    #: one line per free agent: no abandon while agents stay
    PROGRESSIVE = "progressive"
    #: lines ahead of free agents, from the measured answer rate and handle times
    PREDICTIVE = "predictive"


class LineState(StrEnum):
    #: placed, ringing (or shown to the agent first, in preview)
    DIALING = "DIALING"
    #: a person answered and the greeting is over: the connect clock runs
    ANSWERED = "ANSWERED"


#: Line events -> line states they are legal in (the line is forgotten after
#: every one of them except HumanAnswered).
LINE_MOVES: dict[str, frozenset[LineState]] = {
    "HumanAnswered": frozenset({LineState.DIALING}),
    "MachineDetected": frozenset({LineState.DIALING}),
    "CallFailed": frozenset({LineState.DIALING}),
    "CallConnected": frozenset({LineState.ANSWERED}),
    "CustomerHungUp": frozenset({LineState.ANSWERED}),
}

#: Hints appended to a refused line event, to say what to send instead.
LINE_HINTS: dict[tuple[str, LineState], str] = {
    ("CallConnected", LineState.DIALING): "; send HumanAnswered first (it starts the "
                                          "connect clock), then CallConnected",
    ("CustomerHungUp", LineState.DIALING): "; a line that ends before an answer is "
                                           "CallFailed(cause='no-answer')",
    ("HumanAnswered", LineState.ANSWERED): "; a line is answered once",
    ("MachineDetected", LineState.ANSWERED): "; AMD already said HUMAN for this line",
    ("CallFailed", LineState.ANSWERED): "; after an answer the line ends with CallConnected "
                                        "or CustomerHungUp",
}


class AgentPhase(StrEnum):
    """What an agent means for pacing, derived from its ACD state."""

    #: READY: can take an answered call now
    FREE = "free"
    #: RESERVED or ON_CALL: frees up when its call (and wrap-up) ends
    BUSY = "busy"
    #: WRAP_UP: frees up when the wrap-up ends
    WRAP = "wrap"
    #: NOT_READY: logged in, not taking calls
    AWAY = "away"
    #: LOGGED_OUT
    OUT = "out"


#: ACD agent state -> pacing phase.
PHASE_OF: dict[AgentState, AgentPhase] = {
    AgentState.READY: AgentPhase.FREE,
    AgentState.RESERVED: AgentPhase.BUSY,
    AgentState.ON_CALL: AgentPhase.BUSY,
    AgentState.WRAP_UP: AgentPhase.WRAP,
    AgentState.NOT_READY: AgentPhase.AWAY,
    AgentState.LOGGED_OUT: AgentPhase.OUT,
}
