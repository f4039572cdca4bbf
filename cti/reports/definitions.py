"""Every figure the service shows, defined once.

The status line, ``cti watch``, the wallboard, /metrics, the reports and the
forecaster all compute their figures here, from counts. A figure is never
averaged from other figures: totals (a day, the whole centre, several queues)
add the counts up first, then apply the same function, so a centre's service
level is weighted by its calls, not the mean of its queues' levels.

Counts come from two places that count alike:

- the records (``cti/reports/queries.py``): one row per queue visit in
  ``call_records`` (segment 0, then one more per overflow or transfer), the
  offers in ``call_offers``, the agent states in ``agent_state_history``;
  the SQL fragments below say what each count is, per visit;
- the engine's day counters (``acd.QueueCounters``), live, which count the
  same things as they happen; ``live_call_counts`` maps them.

docs/reports.md explains each figure the way the industry defines it; its
tables list the keys of ``QUEUE_FIGURES``, ``AGENT_FIGURES``, ``CASE_FIGURES``
and ``SURVEY_FIGURES`` (a test checks that every key is documented).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Literal, Self

from acd.views import AgentCounters, QueueCounters

Unit = Literal["count", "percent", "seconds", "score"]

#: Abandons under this many seconds (default; cti.yaml reports.short_abandon_seconds)
#: are misdials and second thoughts: left out of offered calls and the service level.
SHORT_ABANDON_SECONDS = 5.0

#: Agent states in which an agent is at work on contacts (occupancy's numerator),
#: and those in which it is staffed: logged in and not paused (its denominator).
BUSY_STATES = ("ON_CALL", "WRAP_UP")
STAFFED_STATES = ("READY", "RESERVED", "ON_CALL", "WRAP_UP")
#: Offer outcomes that count as a missed offer for the agent (the call's fault:
#: caller-left, bad-number, are not the agent's).
MISSED_OUTCOMES = ("no-answer", "busy", "unavailable", "rejected", "timeout")
#: Queue exits: the call left the queue unanswered by its max-wait or full exit.
EXIT_OUTCOMES = ("overflow", "voicemail", "timeout")


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its key in JSON and CSV, its column label, its unit, and
    what it is (one sentence; docs/reports.md says more)."""

    key: str
    label: str
    unit: Unit
    meaning: str


def _figures(*items: Figure) -> dict[str, Figure]:
    return {f.key: f for f in items}


# --- calls in a queue -------------------------------------------------------------------


class Counts:
    """Additive counts: ``a + b`` adds every field (``longest_*`` take the max)."""

    def __add__(self, other: Self) -> Self:
        get, longest = _layout(type(self))
        return type(self)(*(_max(a, b) if is_max else a + b
                            for a, b, is_max in zip(get(self), get(other), longest,
                                                    strict=True)))

    @classmethod
    def total(cls, items: Iterable[Self]) -> Self:
        get, longest = _layout(cls)
        columns = list(zip(*(get(item) for item in items), strict=True))
        if not columns:
            return cls()
        return cls(*(_longest(column) if is_max else sum(column)
                     for column, is_max in zip(columns, longest, strict=True)))


_LAYOUTS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[bool, ...]]] = {}


def _layout(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[bool, ...]]:
    """A getter of a Counts class's fields in order, and which of them take the max."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        names = tuple(f.name for f in fields(cls))
        layout = _LAYOUTS[cls] = (attrgetter(*names),
                                  tuple(n.startswith("longest") for n in names))
    return layout


def _longest(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


@dataclass(frozen=True, slots=True)
class CallCounts(Counts):
    """What is counted of the calls of a queue over a period.

    Each field is a count over queue visits (a call that overflowed or was
    transferred to a queue visits it again, and counts in each queue), or a sum
    of seconds. ``SQL`` below gives each one per visit.
    """

    entered: int = 0           #: visits that entered the queue, short abandons included
    short_abandoned: int = 0   #: hung up waiting (or ringing) less than the short-abandon time
    answered: int = 0          #: taken by an agent (a callback: the customer answered)
    answered_in_sl: int = 0    #: answered within the queue's service level time
    abandoned: int = 0         #: hung up waiting or ringing, not a short abandon
    exited: int = 0            #: left unanswered by the queue's exit: overflow, voicemail, timeout
    overflow_out: int = 0      #: of exited: moved to another queue
    overflow_in: int = 0       #: came from another queue's overflow
    transferred: int = 0       #: answered, then transferred (to a queue or out)
    transfer_in: int = 0       #: came from an agent's transfer to this queue
    callbacks: int = 0         #: visits turned into a callback (by the caller or the IVR)
    callbacks_reached: int = 0  #: of callbacks: the customer answered the call back
    wait_time: float = 0.0     #: seconds waited by the answered visits
    longest_wait: float | None = None  #: the longest wait of any visit, answered or not
    talks: int = 0             #: answered offers whose talk ended
    talk_time: float = 0.0     #: seconds from answer to the agent leaving, hold included
    hold_time: float = 0.0     #: of talk_time: seconds on hold
    wrap_ups: int = 0          #: wrap-ups that ended after those talks
    wrap_time: float = 0.0     #: their seconds
    abandoned_after_sl: int = 0  #: abandons (short or not) after the threshold: the engine's


#: Per visit (``c``: a call_records row; ``sl``: its queue's service level
#: seconds; ``short``: the short-abandon seconds), what each count adds.
#: cti/wfm/history.py uses the same fragments for the forecaster's history.
VISIT_SQL: dict[str, str] = {
    "entered": "1",
    "short_abandoned": "(c.outcome = 'abandoned' AND c.wait_seconds < {short})::int",
    "answered": "(c.answered_at IS NOT NULL)::int",
    "answered_in_sl": "(c.answered_at IS NOT NULL AND c.wait_seconds <= {sl})::int",
    "abandoned": "(c.outcome = 'abandoned' AND c.wait_seconds >= {short})::int",
    "abandoned_after_sl": "(c.outcome = 'abandoned' AND c.wait_seconds > {sl})::int",
    "exited": "(c.answered_at IS NULL AND c.outcome IN ('overflow', 'voicemail', "
              "'timeout'))::int",
    "overflow_out": "(c.answered_at IS NULL AND c.outcome = 'overflow')::int",
    "transferred": "(c.answered_at IS NOT NULL AND c.outcome = 'transferred')::int",
    "callbacks": "c.callback::int",
    "callbacks_reached": "(c.callback AND c.answered_at IS NOT NULL)::int",
    "wait_time": "CASE WHEN c.answered_at IS NOT NULL THEN c.wait_seconds ELSE 0 END",
}
#: The entry of a visit into its queue: when a call "happened" for a report.
ENTERED_AT_SQL = "coalesce(c.queued_at, c.arrived_at)"


def offered(c: CallCounts) -> int:
    """Calls offered to the queue: visits that entered it, short abandons left out."""
    return c.entered - c.short_abandoned


def service_level(answered_in_sl: int, answered: int, abandoned: int,
                  exited: int) -> float | None:
    """Percent of the calls offered and concluded that were answered within the
    queue's threshold. Denominator: answered + abandoned (short abandons are
    not counted as abandoned) + exited; calls still waiting are not in it."""
    denominator = answered + abandoned + exited
    return None if denominator == 0 else 100.0 * answered_in_sl / denominator


def call_service_level(c: CallCounts) -> float | None:
    return service_level(c.answered_in_sl, c.answered, c.abandoned, c.exited)


def abandon_rate(c: CallCounts) -> float | None:
    """Percent of offered calls abandoned (short abandons in neither part)."""
    return _percent(c.abandoned, offered(c))


def answer_rate(c: CallCounts) -> float | None:
    return _percent(c.answered, offered(c))


def asa(wait_time: float, answered: int) -> float | None:
    """Average speed of answer: seconds waited by the answered calls / answered calls."""
    return wait_time / answered if answered else None


def aht(talk_time: float, talks: int, wrap_time: float, wrap_ups: int) -> float | None:
    """Average handle time: average talk (hold included) + average wrap-up."""
    if not talks:
        return None
    return talk_time / talks + (wrap_time / wrap_ups if wrap_ups else 0.0)


def call_figures(c: CallCounts) -> dict[str, Any]:
    """Every queue figure of ``QUEUE_FIGURES`` from the counts."""
    return {
        "offered": offered(c), "answered": c.answered, "abandoned": c.abandoned,
        "short_abandoned": c.short_abandoned, "answered_in_sl": c.answered_in_sl,
        "service_level": call_service_level(c), "abandon_rate": abandon_rate(c),
        "asa": asa(c.wait_time, c.answered), "aht": aht(c.talk_time, c.talks, c.wrap_time,
                                                        c.wrap_ups),
        "avg_talk": c.talk_time / c.talks if c.talks else None,
        "avg_hold": c.hold_time / c.talks if c.talks else None,
        "avg_wrap": c.wrap_time / c.wrap_ups if c.wrap_ups else None,
        "longest_wait": c.longest_wait, "exited": c.exited, "transferred": c.transferred,
        "transfer_in": c.transfer_in, "overflow_in": c.overflow_in,
        "overflow_out": c.overflow_out, "callbacks": c.callbacks,
        "callbacks_reached": c.callbacks_reached,
        "callbacks_not_reached": None if c.callbacks == 0 else
        c.callbacks - c.callbacks_reached,
    }


QUEUE_FIGURES = _figures(
    Figure("offered", "offered", "count",
           "calls that entered the queue (overflow and transfers in included), "
           "short abandons left out"),
    Figure("answered", "answered", "count", "calls an agent took"),
    Figure("abandoned", "abandoned", "count",
           "callers who hung up waiting or ringing, after the short-abandon time"),
    Figure("short_abandoned", "short abandons", "count",
           "callers who hung up within the short-abandon time; reported apart"),
    Figure("answered_in_sl", "in SL", "count", "calls answered within the queue's threshold"),
    Figure("service_level", "SL", "percent",
           "answered within the threshold / (answered + abandoned + exited)"),
    Figure("abandon_rate", "abandon %", "percent", "abandoned / offered"),
    Figure("asa", "ASA", "seconds", "average speed of answer: wait of answered calls"),
    Figure("aht", "AHT", "seconds", "average handle time: talk + hold + wrap-up"),
    Figure("avg_talk", "talk", "seconds", "average talk, hold included"),
    Figure("avg_hold", "hold", "seconds", "average hold per answered call"),
    Figure("avg_wrap", "wrap-up", "seconds", "average wrap-up"),
    Figure("longest_wait", "longest wait", "seconds",
           "the longest wait of a call, answered or not"),
    Figure("exited", "exited", "count",
           "calls the queue's exit took unanswered (overflow, voicemail, timeout)"),
    Figure("transferred", "transferred", "count", "answered calls an agent transferred"),
    Figure("transfer_in", "transfers in", "count", "calls an agent transferred to this queue"),
    Figure("overflow_in", "overflow in", "count", "calls overflowed from another queue"),
    Figure("overflow_out", "overflow out", "count", "calls overflowed to another queue"),
    Figure("callbacks", "callbacks", "count", "calls turned into a callback"),
    Figure("callbacks_reached", "reached", "count", "callbacks the customer answered"),
    Figure("callbacks_not_reached", "not reached", "count",
           "callbacks that ended without the customer answering"),
)


# --- agents ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentCounts(Counts):
    """What is counted of one agent over a period."""

    offered: int = 0           #: offers rung on the agent
    answered: int = 0          #: offers it answered
    missed: int = 0            #: offers it let fail: no answer, busy, unavailable, rejected
    talks: int = 0
    talk_time: float = 0.0
    hold_time: float = 0.0
    wrap_ups: int = 0
    wrap_time: float = 0.0
    busy_time: float = 0.0     #: seconds ON_CALL or WRAP_UP
    staffed_time: float = 0.0  #: seconds READY, RESERVED, ON_CALL or WRAP_UP
    paused_time: float = 0.0   #: seconds NOT_READY
    logged_in_time: float = 0.0  #: seconds in any state but LOGGED_OUT


def occupancy(busy_time: float, staffed_time: float) -> float | None:
    """Percent of staffed time (logged in, not paused) spent on contacts."""
    return _percent(busy_time, staffed_time)


def agent_figures(a: AgentCounts) -> dict[str, Any]:
    return {
        "offered": a.offered, "answered": a.answered, "missed": a.missed,
        "aht": aht(a.talk_time, a.talks, a.wrap_time, a.wrap_ups),
        "handle_time": a.talk_time + a.wrap_time,
        "talk_time": a.talk_time, "hold_time": a.hold_time, "wrap_time": a.wrap_time,
        "occupancy": occupancy(a.busy_time, a.staffed_time),
        "staffed_time": a.staffed_time, "paused_time": a.paused_time,
        "logged_in_time": a.logged_in_time,
    }


AGENT_FIGURES = _figures(
    Figure("offered", "offered", "count", "offers rung on the agent"),
    Figure("answered", "answered", "count", "offers the agent answered"),
    Figure("missed", "missed", "count",
           "offers the agent let fail (no answer, busy, unavailable, rejected)"),
    Figure("aht", "AHT", "seconds", "average handle time: talk + hold + wrap-up"),
    Figure("handle_time", "handle time", "seconds", "talk + hold + wrap-up, in all"),
    Figure("talk_time", "talk", "seconds", "seconds talking, hold included"),
    Figure("hold_time", "hold", "seconds", "seconds with the caller on hold"),
    Figure("wrap_time", "wrap-up", "seconds", "seconds in wrap-up after calls"),
    Figure("occupancy", "occupancy", "percent",
           "(ON_CALL + WRAP_UP) / (READY + RESERVED + ON_CALL + WRAP_UP) time"),
    Figure("staffed_time", "staffed", "seconds", "logged in and not paused"),
    Figure("paused_time", "paused", "seconds", "NOT_READY, whatever the reason"),
    Figure("logged_in_time", "logged in", "seconds", "in any state but LOGGED_OUT"),
)


# --- cases -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseCounts(Counts):
    opened: int = 0            #: cases opened in the period
    closed: int = 0            #: cases closed in the period
    backlog: int = 0           #: cases opened before the period's end and not closed by then
    close_time: float = 0.0    #: seconds from opening to closing of the cases closed
    fcr_cases: int = 0         #: closed cases that count for FCR (identified, not improper)
    fcr_resolved: int = 0      #: of those: one contact and no repeat within fcr_days


def fcr(resolved: int, eligible: int) -> float | None:
    """First-contact resolution: percent of eligible closed cases resolved at
    their first contact, with no repeat contact on the topic within fcr_days."""
    return _percent(resolved, eligible)


def case_figures(c: CaseCounts) -> dict[str, Any]:
    return {
        "opened": c.opened, "closed": c.closed, "backlog": c.backlog,
        "time_to_close": c.close_time / c.closed if c.closed else None,
        "fcr_cases": c.fcr_cases, "fcr": fcr(c.fcr_resolved, c.fcr_cases),
    }


CASE_FIGURES = _figures(
    Figure("opened", "opened", "count", "cases opened in the period"),
    Figure("closed", "closed", "count", "cases closed in the period"),
    Figure("backlog", "open at end", "count",
           "cases opened before the period's end and not closed by then (open or pending)"),
    Figure("time_to_close", "time to close", "seconds",
           "average time from opening to closing of the cases closed"),
    Figure("fcr_cases", "FCR cases", "count",
           "closed cases of identified customers, improper calls left out"),
    Figure("fcr", "FCR", "percent",
           "of those: resolved with one contact and no repeat on the topic within fcr_days"),
)


# --- surveys -------------------------------------------------------------------------------

#: The scales the IVR's survey step asks (cti/agi/models.py SurveyStep).
SURVEY_SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


@dataclass(frozen=True, slots=True)
class SurveyCounts(Counts):
    csat_answers: int = 0
    csat_satisfied: int = 0    #: scores 4 or 5 of 1-5 (top two boxes)
    nps_answers: int = 0
    nps_promoters: int = 0     #: 9 or 10 of 0-10
    nps_detractors: int = 0    #: 0 to 6
    ces_answers: int = 0
    ces_total: int = 0         #: sum of scores, 1 (very hard) to 7 (very easy)


#: Per survey_answers row ``s``, what each count adds.
SURVEY_SQL: dict[str, str] = {
    "csat_answers": "(s.kind = 'csat')::int",
    "csat_satisfied": "(s.kind = 'csat' AND s.score >= 4)::int",
    "nps_answers": "(s.kind = 'nps')::int",
    "nps_promoters": "(s.kind = 'nps' AND s.score >= 9)::int",
    "nps_detractors": "(s.kind = 'nps' AND s.score <= 6)::int",
    "ces_answers": "(s.kind = 'ces')::int",
    "ces_total": "CASE WHEN s.kind = 'ces' THEN s.score ELSE 0 END",
}


def csat(satisfied: int, answers: int) -> float | None:
    """Percent of CSAT answers that are 4 or 5."""
    return _percent(satisfied, answers)


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    """Net promoter score: percent promoters minus percent detractors, -100 to 100."""
    return None if answers == 0 else 100.0 * (promoters - detractors) / answers


def ces(total: int, answers: int) -> float | None:
    """Customer effort score: the average answer, 1 (very hard) to 7 (very easy)."""
    return total / answers if answers else None


def survey_figures(s: SurveyCounts) -> dict[str, Any]:
    return {
        "csat_answers": s.csat_answers, "csat": csat(s.csat_satisfied, s.csat_answers),
        "nps_answers": s.nps_answers,
        "nps": nps(s.nps_promoters, s.nps_detractors, s.nps_answers),
        "ces_answers": s.ces_answers, "ces": ces(s.ces_total, s.ces_answers),
    }


SURVEY_FIGURES = _figures(
    Figure("csat_answers", "CSAT n", "count", "CSAT answers (1 to 5)"),
    Figure("csat", "CSAT", "percent", "percent of CSAT answers that are 4 or 5"),
    Figure("nps_answers", "NPS n", "count", "NPS answers (0 to 10)"),
    Figure("nps", "NPS", "score", "percent promoters (9-10) minus percent detractors (0-6)"),
    Figure("ces_answers", "CES n", "count", "CES answers (1 to 7)"),
    Figure("ces", "CES", "score", "average effort answer, 1 (very hard) to 7 (very easy)"),
)


# --- live figures: the engine's counters, in these terms ----------------------------------
#
# The engine (acd.QueueCounters, acd.AgentCounters) counts the day as things
# happen: a call counts where it is when the thing happens. It counts every
# abandon; the service counts the short ones apart (cti/reports/live.py).


def live_call_counts(counters: QueueCounters, short_abandoned: int = 0) -> CallCounts:
    """The engine's day counters of a queue as ``CallCounts``. Hold time, overflow
    and transfers in, callbacks and the day's longest wait are not counted live."""
    short = min(short_abandoned, counters.abandoned)
    return CallCounts(
        entered=counters.offered, short_abandoned=short, answered=counters.answered,
        answered_in_sl=counters.answered_in_sl, abandoned=counters.abandoned - short,
        exited=counters.exited, transferred=counters.transferred_out,
        wait_time=counters.wait_time, talks=counters.talks, talk_time=counters.talk_time,
        wrap_ups=counters.wrap_ups, wrap_time=counters.wrap_time,
        abandoned_after_sl=counters.abandoned_after_sl)


def engine_counters(c: CallCounts) -> QueueCounters:
    """``CallCounts`` read from the records, as the engine's counters (to seed it)."""
    return QueueCounters(
        offered=c.entered, answered=c.answered, abandoned=c.abandoned + c.short_abandoned,
        exited=c.exited, transferred_out=c.transferred,
        answered_in_sl=min(c.answered_in_sl, c.answered),
        abandoned_after_sl=min(c.abandoned_after_sl, c.abandoned + c.short_abandoned),
        wait_time=max(0.0, c.wait_time), talks=c.talks, talk_time=max(0.0, c.talk_time),
        wrap_ups=c.wrap_ups, wrap_time=max(0.0, c.wrap_time))


def engine_agent_counters(a: AgentCounts) -> AgentCounters:
    return AgentCounters(offered=a.offered, answered=a.answered, missed=a.missed,
                         talk_time=max(0.0, a.talk_time))


def _percent(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


ALL_FIGURES: dict[str, dict[str, Figure]] = {
    "queues": QUEUE_FIGURES, "agents": AGENT_FIGURES, "cases": CASE_FIGURES,
    "surveys": SURVEY_FIGURES,
}
