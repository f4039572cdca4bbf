"""The IVR's case step and lookups by document, on an in-memory host."""

from __future__ import annotations

import yaml

from cti.agi.host import CallInfo, CaseLink, Customer
from cti.agi.interpreter import FlowRunner
from cti.agi.memory_host import MemoryHost
from cti.agi.models import Flow
from cti.agi.session import Playback

CALL = CallInfo(channel="PJSIP/trunk-1", call_id="1.1", caller_number="5551234")


class Channel:
    """Just enough of a channel for flows that classify, open cases and hang up."""

    def __init__(self) -> None:
        self.vars: dict[str, str] = {}

    async def answer(self) -> None: ...

    async def hangup(self) -> None: ...

    async def stream_file(self, prompt: str, escape_digits: str = "") -> Playback:
        return Playback(None, 0)

    async def set_variable(self, name: str, value: str) -> None:
        self.vars[name] = value


FLOW = """
start: who
vars: {doc: "12345678Z"}
steps:
  who: {type: lookup, by: document, var: doc, found: classify, not_found: classify}
  classify: {type: set, topic: complaints, reason: complaint, next: case}
  case: {type: case, link_open: true, OPEN, next: done}
  done: {type: hangup}
"""


def _flow(open_: str = "open: answer") -> dict[str, Flow]:
    return {"main": Flow.model_validate(yaml.safe_load(FLOW.replace("OPEN", open_)))}


def _host() -> MemoryHost:
    host = MemoryHost(customers=[Customer("c1", "Ana Ruiz")], documents={"12345678Z": "c1"})
    return host


async def test_a_caller_with_an_open_case_of_the_topic_goes_on_with_it() -> None:
    host = _host()
    host.open_cases[("c1", "complaints")] = "case-9"
    result = await FlowRunner(_flow(), host).run(Channel(), CALL, "main")
    step = next(e for e in result.path if e.kind == "case")
    assert step.data == {"customer_id": "c1", "topic": "complaints", "case_id": "case-9",
                         "linked": True}
    assert (result.vars["case_id"], result.vars["case_linked"]) == ("case-9", "1")
    assert next(e for e in result.path if e.kind == "lookup").data["by"] == "document"


async def test_without_an_open_case_the_case_waits_for_the_agent_s_answer() -> None:
    host = _host()
    result = await FlowRunner(_flow(), host).run(Channel(), CALL, "main")
    assert (result.vars["case_id"], result.vars["case_linked"]) == ("", "")
    assert host.cases == {}


async def test_open_now_opens_the_case_in_the_ivr() -> None:
    host = _host()
    result = await FlowRunner(_flow("open: now"), host).run(Channel(), CALL, "main")
    assert host.cases[result.interaction_id] == CaseLink(f"case-{result.interaction_id}")


async def test_a_failing_case_step_lets_the_caller_go_on() -> None:
    class Broken(MemoryHost):
        async def case_for_call(self, *args: object, **kwargs: object) -> CaseLink | None:
            raise RuntimeError("database on fire")

    host = Broken(customers=[Customer("c1", "Ana Ruiz")], documents={"12345678Z": "c1"})
    result = await FlowRunner(_flow(), host).run(Channel(), CALL, "main")
    assert result.action == "hangup"
    assert next(e for e in result.path if e.kind == "case").data["error"] == (
        "RuntimeError: database on fire")
