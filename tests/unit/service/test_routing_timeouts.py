"""A ring that never reports back: the routing loop takes the caller back to hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acd.engine import Engine
from cti.acd_specs import specs
from cti.actions import Actions
from cti.ami import events as ami
from cti.bus import EventBus
from cti.calls import CallRegistry, LiveCall, Phase
from cti.config import load_config
from cti.routing import Enqueue, Router, TimerFired

CONFIG = Path(__file__).resolve().parents[3] / "config"


class _NoRecords:
    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


class _Link:
    """Answers every action with Success and remembers it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, action: dict[str, Any]) -> dict[str, str]:
        self.sent.append(dict(action))
        return {"Response": "Success"}


async def test_offer_timed_out_brings_the_caller_back_to_hold_and_rings_someone_else() -> None:
    config = load_config(CONFIG)
    link = _Link()
    router = Router(config, Engine(*specs(config)), CallRegistry(), _NoRecords(), EventBus(),
                    Actions({"pbx1": link}, config.service.dialplan, report=lambda item: None))
    call = LiveCall("i-1", "pbx1", "PJSIP/trunk-00000001", "1795441147.1",
                    caller_number="5551234")
    router.calls.add(call)
    for agent_id in ("a1001", "a1008"):
        router.agent_command(agent_id, "ready", None, 0.0)
    router.process(Enqueue("i-1", "bookings", {}, 0, {}), 1.0)
    first = call.agent_id
    assert call.phase is Phase.RINGING and first in ("a1001", "a1008")

    deadline = router.engine.next_deadline()
    router.process(TimerFired(), deadline + 0.1)  # no DialEnd, no CTIDialResult came
    await router.actions.wait_idle()

    redirects = [(a["Context"], a["Exten"]) for a in link.sent if a["Action"] == "Redirect"]
    assert redirects == [("cti-connect", "s"), ("cti-hold", "s"), ("cti-connect", "s")]
    assert router.engine.agent(first).reason == "no-answer"
    assert call.phase is Phase.RINGING and call.agent_id not in (None, first)


def _channel(name: str, uniqueid: str, device: str) -> ami.ChannelSnapshot:
    return ami.ChannelSnapshot("pbx1", uniqueid, "1795441147.1", name, device, 6)


async def test_a_late_answer_from_an_agent_whose_offer_was_taken_back_is_not_taken() -> None:
    config = load_config(CONFIG)
    link = _Link()
    router = Router(config, Engine(*specs(config)), CallRegistry(), _NoRecords(), EventBus(),
                    Actions({"pbx1": link}, config.service.dialplan, report=lambda item: None))
    call = LiveCall("i-1", "pbx1", "PJSIP/trunk-00000001", "1795441147.1")
    router.calls.add(call)
    for agent_id in ("a1001", "a1008"):
        router.agent_command(agent_id, "ready", None, 0.0)
    router.process(Enqueue("i-1", "bookings", {}, 0, {}), 1.0)
    first = call.agent_id
    router.process(TimerFired(), router.engine.next_deadline() + 0.1)
    second = call.agent_id
    caller = _channel(call.channel, call.uniqueid, "PJSIP/trunk")
    late = _channel(f"PJSIP/{first[1:]}-00000002", "1795441147.2", f"PJSIP/{first[1:]}")
    router.process(ami.DialEnded("pbx1", "pbx1/1795441147.1", caller, late, "ANSWER"), 30.0)
    assert call.phase is Phase.RINGING and call.agent_id == second
    assert router.engine.agent(second).state.value == "RESERVED"
    ringing = _channel(f"PJSIP/{second[1:]}-00000003", "1795441147.3", f"PJSIP/{second[1:]}")
    router.process(ami.DialEnded("pbx1", "pbx1/1795441147.1", caller, ringing, "ANSWER"), 31.0)
    assert call.phase is Phase.TALKING
    assert router.engine.agent(second).state.value == "ON_CALL"
    await router.actions.wait_idle()
