"""The centre's mode as a flow sees it: night closes the hours check, emergency is a
variable a branch can test (to play an announcement)."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from cti.agi.host import CallInfo
from cti.agi.interpreter import FlowRunner
from cti.agi.memory_host import MemoryHost
from cti.agi.models import Flow
from cti.agi.session import Playback
from cti.config import HoursConfig

CALL = CallInfo(channel="PJSIP/trunk-1", call_id="1.1", caller_number="5551234", dnid="900")


class Channel:
    """Plays and hangs up, as Asterisk answers (only what the flow below uses)."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def stream_file(self, prompt: str, escape_digits: str = "") -> Playback:
        self.log.append(f"play {prompt}")
        return Playback(None, 8000)

    async def hangup(self) -> None:
        self.log.append("hangup")

    async def set_variable(self, name: str, value: str) -> None:
        self.log.append(f"set {name}")

FLOW = """
start: mode
steps:
  mode:
    type: branch
    cases:
      - when: {var: centre_mode, eq: emergency}
        goto: announcement
      - when: {open: false}
        goto: closed
    default: open
  announcement:
    type: play
    prompts: [emergency-notice]
    next: open
  closed: {type: hangup}
  open: {type: hangup}
"""
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _path(host: MemoryHost) -> list[str]:
    runner = FlowRunner({"main": Flow.model_validate(yaml.safe_load(FLOW))}, host,
                        clock=lambda: MONDAY_10)
    result = await runner.run(Channel(), CALL, "main")  # type: ignore[arg-type]
    return [step.step for step in result.path]


async def test_the_flows_see_the_centre_mode() -> None:
    hours = HoursConfig.model_validate({"timezone": "UTC",
                                        "weekly": {"mon": ["08:00-20:00"]}})
    assert await _path(MemoryHost(hours=hours)) == ["mode", "open"]
    assert await _path(MemoryHost(hours=hours, mode="night")) == ["mode", "closed"]
    assert await _path(MemoryHost(hours=hours, mode="emergency")) == [
        "mode", "announcement", "open"]
