"""A supervisor's desktop: its agents and queues, statistics pushed on change, listening
to a call and taking over an escalated one, messages to agents, other agents' state."""

from __future__ import annotations

import asyncio

from api_support import ApiEnv, wait_for

from cti.sim.phones import Behaviour

BOOKINGS = ["1", "1"]


async def test_a_supervisor_listens_then_takes_over_an_escalated_call(api: ApiEnv) -> None:
    api.env.sim.add_phone("PJSIP/2001", Behaviour.answers(0.2))
    async with asyncio.timeout(60):
        boss = await api.desk(await api.user("carmen", "supervisor", agent="s2001",
                                             queues=("bookings",)))
        snapshot = await boss.next("snapshot")
        assert [q["name"] for q in snapshot["queues"]] == ["bookings"]
        mine = {a["agent_id"] for a in snapshot["agents"]}
        assert {"a1001", "s2001"} <= mine and "a1003" not in mine   # a1003: billing only
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        await boss.command("agent.login")                 # carmen's own phone, for take-over
        await lucia.command("agent.ready")
        call = api.env.sim.place_call("5551234", "Juan Perez", "900", digits=BOOKINGS)
        iid = (await lucia.next("call.answered", timeout=20))["interaction_id"]
        await boss.find(lambda f: f["type"] == "call.answered" and f["interaction_id"] == iid)
        stats = await boss.find(lambda f: f["type"] == "stats" and any(
            q["name"] == "bookings" and q["answered"] >= 1 for q in f["queues"]))
        assert "seq" not in stats and all(q["name"] == "bookings" for q in stats["queues"])

        listen = await boss.command("call.listen", {"interaction_id": iid})
        assert listen["ok"], listen
        await boss.find("supervision.started", timeout=20)
        escalated = await lucia.command("call.escalate", {"interaction_id": iid,
                                                          "reason": "wants a manager"})
        assert escalated["ok"], escalated
        flagged = await boss.find("call.supervisor_escalated")
        assert flagged["data"]["reason"] == "wants a manager"
        assert (await boss.command("call.stop_spying"))["ok"]
        await boss.find("supervision.stopped", timeout=20)
        await wait_for(lambda: api.service.router.engine.agent("s2001").device.value
                       == "available", what="carmen's phone free again")
        taken = await boss.command("call.take_over", {"interaction_id": iid})
        assert taken["ok"], taken
        await wait_for(lambda: api.env.agent_state("s2001") == "ON_CALL", timeout=20,
                       what="carmen on the call")
        assert api.env.agent_state("a1001") in ("WRAP_UP", "READY")
        kinds = [f["data"]["kind"] for f in boss.frames if f["type"] == "call.transferred"]
        assert kinds == ["takeover"]
        assert "supervision.started" not in lucia.types()   # listening is not shown to her
        api.env.sim.hangup(call.name)
        await wait_for(lambda: len(api.service.calls) == 0, what="call over")
        await api.env.flushed()

        scores = {"greeting": 5, "understanding": 4, "solution": 8, "closing": 5}
        short = await boss.command("call.review", {"interaction_id": iid, "form": "standard",
                                                   "scores": {"greeting": 9}})
        assert short["error"]["code"] == "bad-request"
        assert "greeting: 9 is above the item's maximum 5" in short["error"]["message"]
        assert "solution: missing" in short["error"]["message"]
        reviewed = await boss.command("call.review", {"interaction_id": iid,
                                                      "form": "standard", "scores": scores,
                                                      "comment": "calm under pressure"})
        assert reviewed["ok"], reviewed
        assert (reviewed["result"]["score"], reviewed["result"]["max_score"]) == (22, 25)
        token = await api.login("carmen")
        status, listed = await api.rest("GET", f"/api/v1/calls/{iid}/reviews", token)
        assert status == 200
        assert [(r["reviewer"], r["form"], r["score"], r["comment"]) for r in listed] == [
            ("carmen", "standard", 22, "calm under pressure")]
        assert listed[0]["agent_id"] in ("a1001", "s2001")   # who answered it last


async def test_a_supervisor_moves_its_agents_messages_them_and_nobody_else(
        api: ApiEnv) -> None:
    async with asyncio.timeout(60):
        boss = await api.desk(await api.user("carmen", "supervisor", agent="s2001",
                                             queues=("bookings",)))
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        ana = await api.desk(await api.user("ana", "agent", agent="a1003"))
        await lucia.command("agent.ready")
        paused = await boss.command("agent.pause", {"agent_id": "a1001", "reason": "meeting"})
        assert paused["ok"] and paused["result"]["reason"] == "meeting"
        status = await lucia.find(lambda f: f["type"] == "agent.status"
                                  and f["reason"] == "meeting")
        assert status["agent_id"] == "a1001"
        refused = await boss.command("agent.logout", {"agent_id": "a1003"})
        assert refused["error"]["code"] == "forbidden"
        assert "not one of its agents" in refused["error"]["message"]
        sent = await boss.command("message.send", {"text": "Briefing at 15:00",
                                                   "queue": "bookings"})
        assert sent["ok"] and "a1001" in sent["result"]["agents"]
        notice = await lucia.next("notice")
        assert (notice["from"], notice["text"]) == ("carmen", "Briefing at 15:00")
        refused = await boss.command("message.send", {"text": "hi", "agents": ["a1003"]})
        assert refused["error"]["code"] == "forbidden"
        await asyncio.sleep(0.2)
        assert "notice" not in ana.types()
        closed = await boss.command("queue.close", {"queue": "bookings"})
        assert closed["ok"], closed
        assert (await lucia.find("queue.closed"))["queue"] == "bookings"  # she serves it
        other = await boss.command("queue.close", {"queue": "billing"})
        assert other["error"]["code"] == "forbidden"
        assert (await boss.command("queue.open", {"queue": "bookings"}))["ok"]
