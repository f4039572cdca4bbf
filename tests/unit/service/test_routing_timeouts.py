"""A ring that never reports back: the routing loop takes the caller back to hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acd.engine import Engine
from cti.acd_specs import specs
from cti.actions import Actions
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
