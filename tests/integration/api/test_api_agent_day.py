"""An agent's day through a real desktop socket, against the running service and the
simulator: sign in, ready, the screen-pop, answer, hold, attended transfer, wrap-up
with a disposition, the case derived to a unit, pause, log out. Checked event by
event at the desktop and row by row in PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_support import ApiEnv, api_env, wait_for

BOOKINGS = ["1", "1"]  # main menu 1 (bookings), then 1 (new booking)


@pytest.fixture
async def api(dsn: str, tmp_path: Path) -> AsyncIterator[ApiEnv]:
    # the wrap-up waits for the disposition (no race with a 1 s wrap-up timer)
    async with api_env(dsn, tmp_path / "config",
                       queues={"bookings": {"wrapup_requires_disposition": True}}) as env:
        yield env


def in_order(seen: list[str], expected: list[str]) -> None:
    """``expected`` is a subsequence of ``seen``."""
    rest = iter(seen)
    for kind in expected:
        assert any(k == kind for k in rest), f"{kind} missing or out of order in {seen}"


def _domain(frames: list[dict]) -> list[str]:
    """The domain events among the frames, as type[:state]."""
    out = []
    for f in frames:
        if "seq" in f and "data" in f:
            state = f["data"].get("state") if f["type"] == "agent.state_changed" else None
            out.append(f"{f['type']}:{state}" if state else f["type"])
    return out


async def test_an_agent_day_event_by_event_and_row_by_row(api: ApiEnv) -> None:
    async with asyncio.timeout(90):
        token = await api.user("lucia", "agent", agent="a1001")
        assert api.env.agent_state("a1001") == "LOGGED_OUT"  # signing in changes nothing
        desk = await api.desk(token)
        snapshot = await desk.next("snapshot")
        assert snapshot["reason"] == "connect"
        assert [a["agent_id"] for a in snapshot["agents"]] == ["a1001"]
        assert snapshot["agents"][0]["state"] == "LOGGED_OUT"
        assert snapshot["agents"][0]["desktops"] == 1
        assert "lunch" in [r["code"] for r in snapshot["options"]["pause_reasons"]]
        assert snapshot["centre"]["mode"] == "normal"

        assert (await desk.command("agent.login"))["result"]["state"] == "NOT_READY"
        assert (await desk.command("agent.ready"))["result"]["state"] == "READY"
        await api.env.ready("a1002")                      # the colleague consulted later
        call = api.env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS)
        offered = await desk.next("call.offered", timeout=20)
        pop = offered["data"]["screen_pop"]
        assert pop["caller_number"] == "5551234" and pop["queue"] == "bookings"
        assert offered["agent_id"] == "a1001" and offered["epoch"] == snapshot["epoch"]
        iid = (await desk.next("call.answered", timeout=20))["interaction_id"]

        assert (await desk.command("call.hold", {"interaction_id": iid}))["ok"]
        assert (await desk.find("call.held"))["data"]["by"] == "a1001"
        assert (await desk.command("call.resume", {"interaction_id": iid}))["ok"]
        await desk.find("call.resumed")
        consult = await desk.command("call.consult", {"interaction_id": iid,
                                                      "to": {"agent": "a1002"}})
        assert consult["ok"], consult
        await desk.find("call.consult_answered", timeout=20)
        done = await desk.command("call.consult_complete", {"interaction_id": iid})
        assert done["ok"], done
        transferred = await desk.find("call.transferred", timeout=20)
        assert transferred["data"]["kind"] == "attended"
        await wait_for(lambda: api.env.agent_state("a1001") == "WRAP_UP", what="wrap-up")

        refused = await desk.command("call.wrap_up", {"interaction_id": iid,
                                                      "disposition": "sold-a-car"})
        assert refused["error"]["code"] == "unknown-disposition"
        wrapped = await desk.command("call.wrap_up", {
            "interaction_id": iid, "disposition": "booked", "notes": "two nights, sea view"})
        assert wrapped["ok"], wrapped
        assert wrapped["result"]["disposition"] == "booked"
        assert (await desk.find("call.wrapped_up"))["data"]["notes"] == "two nights, sea view"

        opened = await desk.find(lambda f: f["type"] == "case.opened"
                                 and f.get("interaction_id") == iid, timeout=20)
        case_id = opened["case_id"]
        derived = await desk.command("case.derive", {"case_id": case_id, "unit": "finance",
                                                     "reason": "refund over 500 EUR"})
        assert derived["ok"], derived
        assert (await desk.find("case.derived"))["data"]["unit"] == "finance"

        refused = await desk.command("agent.pause", {"reason": "nap"})
        assert refused["error"]["code"] == "unknown-pause-reason"
        assert "lunch" in refused["error"]["message"]
        paused = await desk.command("agent.pause", {"reason": "lunch"})
        assert (paused["result"]["state"], paused["result"]["reason"]) == ("NOT_READY", "lunch")
        assert (await desk.command("agent.logout"))["result"]["state"] == "LOGGED_OUT"
        await desk.find(lambda f: f.get("type") == "agent.state_changed"
                        and f["data"]["state"] == "LOGGED_OUT")
        api.env.sim.hangup(call.name)
        await wait_for(lambda: len(api.service.calls) == 0, what="call over")
        await api.env.flushed()

    seqs = [f["seq"] for f in desk.frames if "seq" in f and "data" in f]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    in_order(_domain(desk.frames), [
        "agent.state_changed:NOT_READY", "agent.state_changed:READY", "call.offered",
        "agent.state_changed:RESERVED", "call.answered", "case.opened",
        "agent.state_changed:ON_CALL", "call.held", "call.resumed", "call.consult_started",
        "call.consult_answered", "call.transferred", "agent.state_changed:WRAP_UP",
        "call.wrapped_up", "case.derived", "agent.state_changed:NOT_READY",
        "agent.state_changed:LOGGED_OUT"])
    assert not any(f.get("agent_id") not in (None, "a1001") for f in desk.frames
                   if f.get("type") == "agent.state_changed")   # never another agent's

    store = api.env.store
    states = [(h.state, h.reason) for h in await store.agent_states.history("a1001")]
    in_order([s for s, _ in states], ["NOT_READY", "READY", "RESERVED", "ON_CALL", "WRAP_UP",
                                      "READY", "NOT_READY", "LOGGED_OUT"])
    assert states[0] == ("NOT_READY", "login") and states[-2] == ("NOT_READY", "lunch")
    rows = await store.pool.fetch(
        "SELECT agent_id, holds, outcome FROM call_offers WHERE interaction_id = $1 "
        "ORDER BY offered_at", uuid.UUID(iid))
    assert (rows[0]["agent_id"], rows[0]["holds"]) == ("a1001", 2)  # hold, then the consult's
    interaction = await store.pool.fetchrow(
        "SELECT disposition FROM interactions WHERE id = $1", uuid.UUID(iid))
    assert interaction["disposition"] == "booked"
    derivations = await store.cases.derivations(case_id)
    assert [(d.unit, d.derived_by) for d in derivations] == [("finance", "a1001")]
    assert await api.service.api.audit.flush()
    audit = await store.audit.find(actor="lucia")
    assert [(e.command, e.ok, e.error) for e in reversed(audit)] == [
        ("agent.login", True, None), ("agent.ready", True, None), ("call.hold", True, None),
        ("call.resume", True, None), ("call.consult", True, None),
        ("call.consult_complete", True, None),
        ("call.wrap_up", False, "unknown-disposition"), ("call.wrap_up", True, None),
        ("case.derive", True, None), ("agent.pause", False, "unknown-pause-reason"),
        ("agent.pause", True, None), ("agent.logout", True, None)]
    assert all(e.address == "127.0.0.1" and e.via == "ws" for e in audit)
