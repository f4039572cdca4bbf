"""Helpers of the IVR integration tests (a unique module name: no conftest imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cti.agi.app import IvrApp
from cti.agi.fake_pbx import CallTranscript, FakePbx
from cti.agi.host import Customer
from cti.agi.interpreter import FlowResult
from cti.agi.memory_host import MemoryHost
from cti.agi.server import AgiServer
from cti.config import load_config

ROOT = Path(__file__).resolve().parents[3]
MADRID = ZoneInfo("Europe/Madrid")
OPEN = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)          # a Monday morning
NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=MADRID)
CHRISTMAS = datetime(2026, 12, 25, 10, 0, tzinfo=MADRID)


@dataclass
class Ivr:
    host: MemoryHost
    app: IvrApp
    server: AgiServer
    pbx: FakePbx
    now: list[datetime] = field(default_factory=lambda: [OPEN])
    wall: list[float] = field(default_factory=lambda: [1_800_000_000.0])

    async def call(self, path: str = "ivr?dnid=900", **kw) -> tuple[
            CallTranscript, FlowResult | None]:
        before = len(self.app.results)
        transcript = await self.pbx.call(path, **kw)
        call_id = kw.get("uniqueid", "1795440000.1")
        mine = [r for r in self.app.results[before:] if r.vars["call_id"] == call_id]
        return transcript, (mine[-1] if mine else None)


def customers() -> MemoryHost:
    config = load_config(ROOT / "config")
    host = MemoryHost(hours=config.hours)
    host.customers = [
        Customer("c1", "Juan Perez", "standard", 120, 0),
        Customer("c2", "Ana Ruiz", "vip", 50000, 0),
        Customer("c3", "Luis Gil", "standard", 20000, 2),
    ]
    host.phones = {"5551234": "c1", "5557777": "c2", "5553333": "c3"}
    return host


