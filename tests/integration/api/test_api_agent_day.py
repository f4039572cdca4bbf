"""An agent's day through a real desktop socket and REST, against the running service
and the simulator: checked event by event and row by row."""

from __future__ import annotations

import asyncio

from api_support import ApiEnv, wait_for

BOOKINGS = ["1", "1"]  # main menu 1 (bookings), then 1 (new booking)


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
            state = f["data"].get("state")
            out.append(f"{f['type']}:{state}" if state else f["type"])
    return out


async def test_an_agent_day_event_by_event_and_row_by_row(api: ApiEnv) -> None:
    async with asyncio.timeout(60):
        token = await api.user("lucia", "agent", agent="a1001")
        assert api.env.agent_state("a1001") == "LOGGED_OUT"  # signing in changes nothing
        desk = await api.desk(token)
        snapshot = await desk.next("snapshot")
        assert snapshot["reason"] == "connect"
        assert [a["agent_id"] for a in snapshot["agents"]] == ["a1001"]
        assert snapshot["agents"][0]["state"] == "LOGGED_OUT"
        assert snapshot["agents"][0]["desktops"] == 1
        assert "lunch" in [r["code"] for r in snapshot["options"]["pause_reasons"]]

        assert (await desk.command("agent.login"))["result"]["state"] == "NOT_READY"
        assert (await desk.command("agent.ready"))["result"]["state"] == "READY"
        call = api.env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS,
                                      talk_seconds=3)
        offered = await desk.next("call.offered", timeout=20)
        pop = offered["data"]["screen_pop"]
        assert pop["caller_number"] == "5551234" and pop["queue"] == "bookings"
        assert offered["agent_id"] == "a1001" and offered["epoch"] == snapshot["epoch"]
        answered = await desk.next("call.answered", timeout=20)
        iid = answered["interaction_id"]
        await call.wait_ended()
        await desk.next("call.ended", timeout=20)
        opened = await desk.find(lambda f: f["type"] == "case.opened"
                                 and f.get("interaction_id") == iid, timeout=20)
        case_id = opened["case_id"]

        derived = await desk.command("case.derive", {"case_id": case_id, "unit": "finance",
                                                     "reason": "refund over 500 EUR"})
        assert derived["ok"], derived
        assert (await desk.find("case.derived"))["data"]["unit"] == "finance"

        await wait_for(lambda: api.env.agent_state("a1001") == "READY", timeout=15,
                       what="ready after wrap-up")
        refused = await desk.command("agent.pause", {"reason": "nap"})
        assert refused["error"]["code"] == "unknown-pause-reason"
        assert "lunch" in refused["error"]["message"]
        paused = await desk.command("agent.pause", {"reason": "lunch"})
        assert (paused["result"]["state"], paused["result"]["reason"]) == ("NOT_READY", "lunch")
        assert (await desk.command("agent.logout"))["result"]["state"] == "LOGGED_OUT"
        await desk.next(lambda f: f.get("type") == "agent.state_changed"
                        and f["data"]["state"] == "LOGGED_OUT")
        await api.env.flushed()

    seqs = [f["seq"] for f in desk.frames if "seq" in f and "data" in f]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    mine = _domain(desk.frames)
    in_order(mine, ["agent.state_changed:NOT_READY", "agent.state_changed:READY",
                    "call.offered", "agent.state_changed:RESERVED", "call.answered",
                    "case.opened", "agent.state_changed:ON_CALL", "call.agent_left",
                    "agent.state_changed:WRAP_UP", "call.ended", "case.derived",
                    "agent.state_changed:READY", "agent.state_changed:NOT_READY",
                    "agent.state_changed:LOGGED_OUT"])
    assert not any(f.get("agent_id") not in (None, "a1001") for f in desk.frames
                   if "seq" in f and "data" in f)

    store = api.env.store
    states = [(h.state, h.reason) for h in await store.agent_states.history("a1001")]
    assert states[:4] == [("NOT_READY", "login"), ("READY", None), ("RESERVED", None),
                          ("ON_CALL", None)]
    assert states[-2:] == [("NOT_READY", "lunch"), ("LOGGED_OUT", None)]
    derivations = await store.cases.derivations(case_id)
    assert [(d.unit, d.derived_by) for d in derivations] == [("finance", "a1001")]
    assert await api.service.api.audit.flush()
    audit = await store.audit.find(actor="lucia")
    assert [(e.command, e.ok, e.error, e.via) for e in reversed(audit)] == [
        ("agent.login", True, None, "ws"), ("agent.ready", True, None, "ws"),
        ("case.derive", True, None, "ws"),
        ("agent.pause", False, "unknown-pause-reason", "ws"),
        ("agent.pause", True, None, "ws"), ("agent.logout", True, None, "ws")]
    assert all(e.address == "127.0.0.1" for e in audit)
