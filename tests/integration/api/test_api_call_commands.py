"""The commands the agent-day and supervisor tests do not run, over a real socket
against the service and the simulator: blind transfers to an agent, a queue and a
number; a consult cancelled; an escalation (the case's call type: extraordinary);
hang-up; whisper then barge (a new mode replaces the spying leg); a supervisor's
skills change and night mode; callbacks scheduled and cancelled; customers made and
changed; a file uploaded and attached; a case's status; supervisors' stats capped at
api.stats_per_second; a frame over 1 MiB (close 1009)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
from api_support import ApiEnv, Desk, wait_for

from cti.sim.phones import Behaviour

BOOKINGS = ["1", "1"]
CUSTOMER = "+34612345678"


async def answered(api: ApiEnv, desk: Desk, number: str = "5551234") -> tuple[str, str]:
    """A caller for bookings, answered at ``desk`` (the only READY agent): the
    interaction id and the caller's channel."""
    call = api.env.sim.place_call(number, "Juan Perez", "900", digits=BOOKINGS)
    iid = (await desk.next("call.answered", timeout=20))["interaction_id"]
    return iid, call.name


async def test_blind_transfers_to_an_agent_a_queue_and_a_number(api: ApiEnv) -> None:
    api.env.sim.add_phone("PJSIP/trunk", Behaviour.answers(0.5))
    api.env.sim.set_customer(CUSTOMER, Behaviour.human(after=0.5, talk_seconds=30))
    async with asyncio.timeout(90):
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        marc = await api.desk(await api.user("marc", "agent", agent="a1002"))
        ana = await api.desk(await api.user("ana", "agent", agent="a1003"))
        assert (await lucia.command("agent.ready"))["ok"]
        iid, caller = await answered(api, lucia)
        for desk in (marc, ana):
            assert (await desk.command("agent.ready"))["ok"]

        two = await lucia.command("call.transfer", {"interaction_id": iid,
                                                   "to": {"agent": "a1002", "queue": "billing"}})
        assert two["error"]["code"] == "invalid-field", two
        bad = await lucia.command("call.transfer", {"interaction_id": iid,
                                                   "to": {"number": "803 123 456"}})
        assert bad["error"]["code"] == "bad-number", bad
        other = await ana.command("call.transfer", {"interaction_id": iid,
                                                   "to": {"queue": "billing"}})
        assert other["error"]["code"] == "forbidden", other     # not her call (yet)

        assert (await lucia.command("call.transfer", {"interaction_id": iid,
                                                     "to": {"agent": "a1002"}}))["ok"]
        moved = await lucia.find("call.transferred")
        assert (moved["data"]["kind"], moved["data"]["target"]) == ("agent", "a1002")
        await marc.find(lambda f: f["type"] == "call.answered"
                        and f["interaction_id"] == iid, timeout=20)

        assert (await marc.command("call.transfer", {"interaction_id": iid,
                                                    "to": {"queue": "billing"}}))["ok"]
        await ana.find(lambda f: f["type"] == "call.answered"
                       and f["interaction_id"] == iid, timeout=20)

        to_number = await ana.command("call.transfer", {"interaction_id": iid,
                                                       "to": {"number": "612 34 56 78"}})
        assert to_number["ok"], to_number
        out = await ana.find(lambda f: f["type"] == "call.transferred"
                             and f["data"]["kind"] == "number")
        assert out["data"]["target"] == CUSTOMER
        await wait_for(lambda: api.env.agent_state("a1003") in ("WRAP_UP", "READY"),
                       what="ana's leg over")
        api.env.sim.hangup(caller)
        await wait_for(lambda: len(api.service.calls) == 0, timeout=20, what="call over")
        await api.env.flushed()

    moves = [(e["data"]["kind"], e["data"]["target"], e["data"]["by"])
             for e in await api.env.store.events.for_interaction(iid)
             if e["type"] == "call.transferred"]
    assert moves == [("agent", "a1002", "a1001"), ("queue", "billing", "a1002"),
                     ("number", CUSTOMER, "a1003")]


async def test_a_consult_cancelled_then_the_agent_hangs_up(api: ApiEnv) -> None:
    async with asyncio.timeout(60):
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        marc = await api.desk(await api.user("marc", "agent", agent="a1002"))
        assert (await lucia.command("agent.ready"))["ok"]
        iid, _ = await answered(api, lucia)
        assert (await marc.command("agent.ready"))["ok"]
        consult = await lucia.command("call.consult", {"interaction_id": iid,
                                                      "to": {"agent": "a1002"}})
        assert consult["ok"], consult
        await lucia.find("call.consult_answered", timeout=20)
        cancelled = await lucia.command("call.consult_cancel", {"interaction_id": iid})
        assert cancelled["ok"], cancelled
        ended = await lucia.find("call.consult_ended", timeout=20)
        assert (ended["data"]["result"], ended["data"]["by"]) == ("cancelled", "a1001")
        resumed = await lucia.find("call.resumed")
        assert resumed["data"]["held_for"] is not None
        assert api.env.agent_state("a1001") == "ON_CALL"
        await lucia.find("case.opened", timeout=20)
        escalated = await lucia.command("call.escalate", {"interaction_id": iid,
                                                          "reason": "a public authority"})
        assert escalated["ok"], escalated
        case_id = escalated["result"]["case"]["case_id"]   # the extraordinary call
        assert escalated["result"]["case"]["call_type"] == "extraordinary"
        hung = await lucia.command("call.hangup", {"interaction_id": iid})
        assert hung["ok"], hung
        await lucia.find("call.ended", timeout=20)
        await wait_for(lambda: len(api.service.calls) == 0, timeout=20, what="call over")
        repeated = await lucia.command("call.hangup", {"interaction_id": iid})
        assert not repeated["ok"]                         # a clear refusal, not a crash
        assert repeated["error"]["code"] in ("no-such-call", "call-not-in-phase"), repeated
        await api.env.flushed()
    assert (await api.env.store.cases.get(case_id)).call_type == "extraordinary"


async def test_a_supervisor_whispers_then_barges_changes_skills_and_the_mode(
        api: ApiEnv) -> None:
    api.env.sim.add_phone("PJSIP/2001", Behaviour.answers(0.2))
    legs = api.service.router.control.spy_legs

    def spying(mode: str) -> bool:
        return any(leg.started and leg.mode == mode and not leg.stopping
                   for leg in legs.values())

    async with asyncio.timeout(60):
        boss = await api.desk(await api.user("carmen", "supervisor", agent="s2001",
                                             queues=("bookings",)))
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        assert (await boss.command("agent.login"))["ok"]
        assert (await lucia.command("agent.ready"))["ok"]
        iid, caller = await answered(api, lucia)
        for mode in ("whisper", "barge"):
            spied = await boss.command(f"call.{mode}", {"interaction_id": iid})
            assert spied["ok"] and spied["result"]["mode"] == mode, spied
            await wait_for(lambda mode=mode: spying(mode), what=f"spying in {mode} mode")
        assert len(legs) == 1                                  # the whisper leg is gone
        assert (await boss.command("call.stop_spying"))["ok"]
        await wait_for(lambda: not legs, what="spy leg gone")
        modes = [(f["type"], f["data"]["mode"]) for f in boss.frames
                 if f["type"].startswith("supervision.")]
        await boss.find(lambda f: f["type"] == "supervision.stopped"
                        and f["data"]["mode"] == "barge")
        modes = [(f["type"], f["data"]["mode"]) for f in boss.frames
                 if f["type"].startswith("supervision.")]
        assert modes == [("supervision.started", "whisper"), ("supervision.stopped", "whisper"),
                         ("supervision.started", "barge"), ("supervision.stopped", "barge")]
        api.env.sim.hangup(caller)

        skills = await boss.command("agent.set_skills", {"agent_id": "a1001",
                                                         "skills": {"bookings": 3, "vip": 7}})
        assert skills["ok"], skills
        assert api.service.config.agents["a1001"].skills == {"bookings": 3, "vip": 7}
        assert "vip" in api.service.api.hub.board.agent("a1001")["queues"]
        refused = await lucia.command("agent.set_skills", {"agent_id": "a1001",
                                                           "skills": {"vip": 10}})
        assert refused["error"]["code"] == "forbidden", refused

        night = await boss.command("centre.set_mode", {"mode": "night",
                                                       "message": "Closed for the night"})
        assert night["ok"], night
        changed = await lucia.find("centre.mode_changed")
        assert (changed["data"]["mode"], changed["data"]["by"]) == ("night", "s2001")
        assert (await boss.command("centre.set_mode", {"mode": "normal"}))["ok"]
        assert (await lucia.command("centre.set_mode", {"mode": "normal"}))["error"][
            "code"] == "forbidden"


async def test_callbacks_customers_uploads_and_case_status(api: ApiEnv) -> None:
    async with asyncio.timeout(60):
        token = await api.user("lucia", "agent", agent="a1001")
        lucia = await api.desk(token)
        marc = await api.desk(await api.user("marc", "agent", agent="a1002"))

        made = await lucia.command("customer.create", {
            "name": "Rosa Vidal", "phones": ["+34612000111"], "account_number": "ES-7001",
            "document": "12345678Z", "tier": "gold"})
        assert made["ok"], made
        customer_id = made["result"]["id"]
        changed = await lucia.command("customer.update", {"customer_id": customer_id,
                                                          "tier": "vip"})
        assert changed["ok"], changed
        for query in ("phone=%2B34612000111", "account=ES-7001", "document=12345678Z"):
            status, found = await api.rest("GET", f"/api/v1/customers?{query}", token)
            assert status == 200, found
            assert [(c["id"], c["tier"]) for c in found] == [(customer_id, "vip")], query

        due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        naive = await lucia.command("call.schedule_callback", {
            "number": "+34612000111", "at": due.removesuffix("+00:00"), "queue": "bookings"})
        assert naive["error"]["code"] == "bad-request" and "time zone" in naive["error"][
            "message"]
        scheduled = await lucia.command("call.schedule_callback", {
            "number": "+34612000111", "at": due, "queue": "bookings", "agent_id": "a1001",
            "note": "wants a quote"})
        assert scheduled["ok"], scheduled
        callback_id = scheduled["result"]["callback_id"]
        assert [c["callback_id"] for c in api.service.control.callbacks()] == [callback_id]
        refused = await marc.command("call.cancel_callback", {"callback_id": callback_id})
        assert refused["error"]["code"] == "forbidden", refused
        assert (await lucia.command("call.cancel_callback", {"callback_id": callback_id}))["ok"]
        assert api.service.control.callbacks() == []

        opened = await lucia.command("case.open", {"customer_id": customer_id,
                                                   "classification": {"topic": "bookings"}})
        assert opened["ok"], opened
        case_id = opened["result"]["id"]
        status, case = await api.rest("GET", f"/api/v1/cases/{case_id}", token)
        assert status == 200 and case["owner"] == "a1001", case   # hers: she opened it
        form = aiohttp.FormData()
        form.add_field("file", b"two adults, 12-19 May", filename="quote.txt",
                       content_type="text/plain")
        status, upload = await api.rest("POST", "/api/v1/uploads", token, data=form)
        assert status == 201, upload
        attached = await lucia.command("case.attach", {"case_id": case_id,
                                                       "upload_id": upload["upload_id"]})
        assert attached["ok"], attached
        again = await marc.command("case.attach", {"case_id": case_id,
                                                   "upload_id": upload["upload_id"]})
        assert again["error"]["code"] in ("forbidden", "no-such-upload"), again
        early = await lucia.command("case.set_status", {"case_id": case_id,
                                                        "status": "closed"})
        assert early["error"]["code"] == "classification-incomplete", early
        pending = await lucia.command("case.set_status", {"case_id": case_id,
                                                          "status": "pending"})
        assert pending["ok"], pending
        await lucia.find(lambda f: f["type"] == "case.status_changed"
                         and f["case_id"] == case_id)
        await api.env.flushed()

    store = api.env.store
    case = await store.cases.get(case_id)
    assert case.status == "pending"
    assert [(a.name, a.size) for a in await store.cases.attachments(case_id)] == [
        ("quote.txt", 21)]
    row = await store.pool.fetchrow("SELECT status, note, created_by FROM scheduled_callbacks")
    assert (row["status"], row["note"], row["created_by"]) == (
        "cancelled", "wants a quote", "a1001")


async def test_stats_are_pushed_on_change_at_most_n_a_second(api: ApiEnv) -> None:
    per_second = api.service.config.service.api.stats_per_second
    async with asyncio.timeout(30):
        boss = await api.desk(await api.user("carmen", "supervisor", agent="s2001",
                                             queues=("bookings",)))
        lucia = await api.desk(await api.user("lucia", "agent", agent="a1001"))
        await boss.next("snapshot")
        started = asyncio.get_running_loop().time()
        for _ in range(15):                       # 30 changes of her state in ~1.5 s
            assert (await lucia.command("agent.ready"))["ok"]
            assert (await lucia.command("agent.pause", {"reason": "break"}))["ok"]
            await asyncio.sleep(0.05)
        elapsed = asyncio.get_running_loop().time() - started
        await asyncio.sleep(2.0 / per_second)     # anything still on its way
        pushed = [f for f in boss.frames if f["type"] == "stats"]
    hers = [a for f in pushed for a in f["agents"] if a["agent_id"] == "a1001"]
    assert (hers[-1]["state"], hers[-1]["reason"]) == ("NOT_READY", "break")  # the last
    # the changes (and the agent.status pushes) span ``elapsed`` seconds, plus one more
    # period for the last push: never more than the cap allows
    assert 1 <= len(pushed) <= per_second * (elapsed + 2.0 / per_second) + 1, (
        len(pushed), elapsed)
    assert all("seq" not in f for f in pushed)
    assert not any(a["agent_id"] == "a1003" for f in pushed for a in f["agents"])


async def test_a_frame_over_a_mebibyte_closes_with_1009_and_harms_nobody(api: ApiEnv) -> None:
    async with asyncio.timeout(30):
        token = await api.user("lucia", "agent", agent="a1001")
        desk = await api.desk(token)
        await desk.next("snapshot")
        await desk.ws.send_str("x" * (1024 * 1024 + 10))
        assert await desk.closed() == 1009
        other = await api.desk(await api.login("lucia"))
        assert (await other.command("agent.ready"))["ok"]
