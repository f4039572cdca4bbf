"""The interpreter on an in-process channel: no sockets, the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from cti.agi.errors import AgiHangup
from cti.agi.host import CallInfo, Customer
from cti.agi.interpreter import FlowRunner
from cti.agi.memory_host import MemoryHost
from cti.agi.models import Flow
from cti.agi.session import DigitsInput, Playback

CALL = CallInfo(channel="PJSIP/trunk-1", call_id="1.1", caller_number="5551234",
                caller_name="Juan", dnid="900")


class ScriptChannel:
    """Answers like Asterisk; GET DATA takes the next scripted entry."""

    def __init__(self, digits: list[str] = (), hang_up_at: str | None = None) -> None:
        self.digits = list(digits)
        self.log: list[str] = []
        self.vars: dict[str, str] = {}
        self.hang_up_at = hang_up_at

    def _do(self, what: str) -> None:
        self.log.append(what)
        if self.hang_up_at and what.startswith(self.hang_up_at):
            raise AgiHangup("PJSIP/trunk-1", what)

    async def answer(self) -> None:
        self._do("answer")

    async def hangup(self) -> None:
        self._do("hangup")

    async def stream_file(self, prompt: str, escape_digits: str = "") -> Playback:
        self._do(f"play {prompt}")
        return Playback(None, 8000)

    async def get_data(self, prompt: str, timeout_ms: int = 5000,
                       max_digits: int = 1) -> DigitsInput:
        self._do(f"get {prompt}")
        entry = self.digits.pop(0) if self.digits else ""
        return DigitsInput(entry, timed_out=not entry)

    async def say_number(self, number: int, escape_digits: str = "") -> Playback:
        self._do(f"number {number}")
        return Playback(None)

    async def say_digits(self, digits: str, escape_digits: str = "") -> Playback:
        self._do(f"digits {digits}")
        return Playback(None)

    async def say_alpha(self, text: str, escape_digits: str = "") -> Playback:
        self._do(f"alpha {text}")
        return Playback(None)

    async def say_date(self, epoch: int, escape_digits: str = "") -> Playback:
        self._do(f"date {epoch}")
        return Playback(None)

    async def set_variable(self, name: str, value: str) -> None:
        self._do(f"set {name}={value}")
        self.vars[name] = value


def runner(text: str, host: MemoryHost | None = None, now: datetime | None = None,
           **kw) -> FlowRunner:
    flow = Flow.model_validate(yaml.safe_load(text))
    at = now or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    return FlowRunner({"main": flow}, host or MemoryHost(), clock=lambda: at, **kw)


async def test_interpreter_say_skips_values_it_cannot_say() -> None:
    r = runner("""
start: s
steps:
  s:
    type: say
    items:
      - number: "${n}"
      - amount: "-12.05"
      - digits: "A-12"
      - date: "not a date"
      - alpha: "AB"
    next: h
  h: {type: hangup}
""")
    ch = ScriptChannel()
    result = await r.run(ch, CALL, "main")
    assert result.path[0].data["said"] == [
        "skipped number:''", "amount:-12.05", "digits:A-12", "skipped date:'not a date'",
        "alpha:AB"]
    assert ch.log == ["number -12", "play dollars", "number 5", "play cents", "digits 12",
                      "alpha AB", "hangup"]


async def test_interpreter_lookup_by_account_sets_customer_variables() -> None:
    host = MemoryHost(customers=[Customer("c9", "Eva", "gold", 900, 1,
                                          {"booking": "ES-77"})],
                      accounts={"4321": "c9"})
    r = runner("""
start: i
steps:
  i: {type: input, prompt: acct, var: account, digits: 4, next: l, on_fail: h}
  l: {type: lookup, by: account, var: account, found: q, not_found: h}
  q: {type: queue, queue: general}
  h: {type: hangup}
""", host)
    result = await r.run(ScriptChannel(["4321"]), CALL, "main")
    assert result.vars["customer_name"] == "Eva"
    assert result.vars["customer_attr_booking"] == "ES-77"
    assert host.queued[result.interaction_id]["attributes"]["customer_tier"] == "gold"


async def test_interpreter_classification_accumulates_over_set_steps() -> None:
    host = MemoryHost()
    r = runner("""
start: a
steps:
  a: {type: set, topic: billing, call_type: service, next: b}
  b: {type: set, reason: refund, sub_reason: "${dnid}", priority: 3,
      skills: {billing: 2}, next: q}
  q: {type: queue, queue: billing, skills: {spanish: 1}}
""", host)
    result = await r.run(ScriptChannel(), CALL, "main")
    assert host.classifications[result.interaction_id] == {
        "topic": "billing", "reason": "refund", "sub_reason": "900", "question": None,
        "call_type": "service"}
    assert host.queued[result.interaction_id] | {"attributes": {}} == {
        "queue": "billing", "skills": {"billing": 2, "spanish": 1}, "priority": 3,
        "attributes": {}}


async def test_interpreter_time_of_day_uses_the_clock_and_zone() -> None:
    text = """
start: b
steps:
  b: {type: branch, cases: [{when: {time: "08:00-14:00", days: [mon]}, goto: m}], default: h}
  m: {type: hangup, prompt: morning}
  h: {type: hangup}
"""
    from zoneinfo import ZoneInfo

    morning = await runner(text, tz=ZoneInfo("Europe/Madrid"),
                           now=datetime(2026, 11, 23, 12, 30, tzinfo=UTC)).run(
        ScriptChannel(), CALL, "main")
    evening = await runner(text, tz=ZoneInfo("Europe/Madrid"),
                           now=datetime(2026, 11, 23, 13, 30, tzinfo=UTC)).run(
        ScriptChannel(), CALL, "main")
    assert morning.path[0].data == {"case": 0}       # 13:30 in Madrid
    assert evening.path[0].data == {"case": "default"}  # 14:30 in Madrid


async def test_interpreter_stops_a_run_past_max_steps() -> None:
    r = runner("""
start: m
steps:
  m: {type: menu, prompt: p, options: {"1": m}, on_fail: h}
  h: {type: hangup}
""", max_steps=5)
    ch = ScriptChannel(["1"] * 10)
    result = await r.run(ch, CALL, "main")
    assert result.action == "hangup"
    assert result.path[-1].kind == "aborted"
    assert ch.log[-1] == "hangup"


async def test_interpreter_hangup_mid_step_is_recorded_and_ends_the_run() -> None:
    host = MemoryHost()
    r = runner("""
start: p
steps:
  p: {type: play, prompts: [a, b], next: q}
  q: {type: queue, queue: general}
""", host)
    result = await r.run(ScriptChannel(hang_up_at="play b"), CALL, "main")
    assert result.action == "caller_hangup"
    assert [(s.step, s.kind) for s in host.steps] == [("p", "caller_hangup")]
    assert host.queued == {}
