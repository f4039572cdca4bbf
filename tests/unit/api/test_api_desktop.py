"""A desktop's outgoing queue: bounded, replies never dropped, a resync with a fresh
snapshot when it overflowed. The socket here is a stand-in whose writes wait until
the test lets them through (a peer that does not read cannot be forced otherwise)."""

from __future__ import annotations

import asyncio
import json

from cti.api.desktop import CLOSE_TOO_SLOW, Desktop
from cti.api.policy import Principal, Role


class SlowSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.open = asyncio.Event()
        self.closed = False
        self.close_code: int | None = None

    async def send_str(self, text: str) -> None:
        await self.open.wait()
        self.sent.append(text)

    async def close(self, code: int, message: bytes) -> None:
        self.closed, self.close_code = True, code


def _desktop(ws: SlowSocket, limit: int = 5, send_timeout: float = 5.0) -> Desktop:
    return Desktop(ws, Principal("lucia", Role.AGENT, agent_id="a1001"),  # type: ignore[arg-type]
                   address="127.0.0.1", expires_at=None, queue_limit=limit,
                   send_timeout=send_timeout)


async def test_an_overflowing_desktop_keeps_replies_and_resyncs_with_a_snapshot() -> None:
    ws = SlowSocket()
    desktop = _desktop(ws)
    snapshots: list[str] = []

    def snapshot(reason: str) -> str:
        snapshots.append(reason)
        return json.dumps({"type": "snapshot", "reason": reason})

    async with asyncio.timeout(5):
        desktop.start(['{"type":"welcome"}'], snapshot)
        await asyncio.sleep(0)       # the writer waits on the first send
        for i in range(5):
            desktop.send(f'{{"type":"event","n":{i}}}')
        desktop.send('{"type":"reply","id":"c1"}', droppable=False)
        for i in range(5, 12):       # past the limit: events dropped, one resync mark
            desktop.send(f'{{"type":"event","n":{i}}}')
        ws.open.set()
        while not any('"n":11' in t for t in ws.sent):
            await asyncio.sleep(0.01)
    kinds = [json.loads(t).get("type") for t in ws.sent]
    assert kinds[0] == "welcome" and "reply" in kinds
    assert kinds.count("resync") == 1 and snapshots == ["too-slow"]
    after = [json.loads(t).get("n") for t in ws.sent[kinds.index("snapshot") + 1:]]
    assert after and after == sorted(after) and after[-1] == 11  # the newest kept
    assert desktop.dropped > 0 and desktop.resyncs == 1
    await desktop.stop()


async def test_a_desktop_that_never_reads_is_closed_as_too_slow() -> None:
    ws = SlowSocket()
    desktop = _desktop(ws, send_timeout=0.05)
    async with asyncio.timeout(5):
        desktop.start(['{"type":"welcome"}'], lambda reason: "{}")
        while not ws.closed:
            await asyncio.sleep(0.01)
    assert ws.close_code == CLOSE_TOO_SLOW
    await desktop.stop()
