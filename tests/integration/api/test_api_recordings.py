"""Recordings over REST: played only by those who may see the call, each play (and
each refusal) in the audit log; a customer's recordings and personal data erased on
an admin's request."""

from __future__ import annotations

import asyncio
from pathlib import Path

from api_support import api_env, wait_for

BOOKINGS = ["1", "1"]


async def test_a_recording_is_played_by_its_supervisor_audited_and_erased_on_request(
        dsn: str, tmp_path: Path) -> None:
    spool = tmp_path / "monitor"
    spool.mkdir()
    async with api_env(dsn, tmp_path / "config", cti={"recordings": {"dir": str(spool)}},
                       queues={"bookings": {"recording": {"enabled": True}}},
                       sim_options={"recordings_dir": spool}) as api, asyncio.timeout(60):
        service, env = api.service, api.env
        await env.ready("a1001")
        call = env.sim.place_call("612345678", "Juan Perez", "900", digits=BOOKINGS,
                                  talk_seconds=2)
        await call.wait_ended()
        await wait_for(lambda: len(service.calls) == 0, what="call closed")
        await env.flushed()
        iid, file = await service.store.pool.fetchrow(
            "SELECT interaction_id::text, file FROM recordings")
        path = "/api/v1/calls/" + iid + "/recording"

        other = await api.user("pablo", "agent", agent="a1002")
        status, body = await api.rest("GET", path, other)
        assert (status, body["error"]) == (403, "forbidden"), body
        boss = await api.user("carmen", "supervisor", agent="s2001", queues=("bookings",))
        async with api.http.get(api.url + path,
                                headers={"Authorization": f"Bearer {boss}"}) as response:
            assert response.status == 200 and response.content_type == "audio/wav"
            assert await response.read() == (spool / Path(file).name).read_bytes()

        customer = await service.store.customers.create("Juan Perez", phones=["+34612345678"])
        await service.store.interactions.update(iid, customer_id=customer.id)
        forget = f"/api/v1/customers/{customer.id}/forget"
        status, body = await api.rest("POST", forget, boss)
        assert (status, body["error"]) == (403, "forbidden"), body
        admin = await api.user("ana", "admin")
        status, body = await api.rest("POST", forget, admin)
        assert status == 200 and body["recordings_deleted"] == 1, body
        await env.flushed()
        assert list(spool.iterdir()) == []
        status, body = await api.rest("GET", path, boss)
        assert (status, body["error"]) == (404, "no-such-recording"), body

        assert await service.api.audit.flush()
        plays = [(e.actor, e.ok, e.error) for e in reversed(
            await service.store.audit.find(command="recording.play"))]
        assert plays == [("pablo", False, "forbidden"), ("carmen", True, None),
                         ("carmen", False, "no-such-recording")]
        erasures = [(e.actor, e.ok, e.target) for e in reversed(
            await service.store.audit.find(command="customer.forget"))]
        assert erasures == [("carmen", False, str(customer.id)),
                            ("ana", True, str(customer.id))]
