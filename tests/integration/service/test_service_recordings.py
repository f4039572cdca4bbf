"""Call recording end to end: started in [cti-connect] for a queue that records, the
file linked to its interaction, served from the recordings directory only, deleted
when its retention passes or when the customer asks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from service_env import running_service, wait_for

from cti.recordings import FORGOTTEN_NAME, NoSuchRecording, purge_expired

BOOKINGS = ["1", "1"]


async def test_a_recorded_queue_records_the_call_and_the_file_is_served_then_erased(
        dsn: str, tmp_path: Path) -> None:
    spool = tmp_path / "monitor"
    spool.mkdir()
    async with running_service(
            dsn, tmp_path / "config", queues={"bookings": {"recording": {"enabled": True}}},
            cti_yaml={"recordings": {"dir": str(spool)}},
            sim={"recordings_dir": spool}) as env, asyncio.timeout(60):
        await env.ready("a1001")
        call = env.sim.place_call("612345678", "Juan Perez", "900", digits=BOOKINGS,
                                  talk_seconds=2)
        await call.wait_ended()
        await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
        await env.flushed()
        (row,) = await env.store.pool.fetch(
            "SELECT interaction_id, file, started_at, stopped_at FROM recordings")
        assert row["file"].endswith(f"cti-{row['interaction_id']}.wav")
        assert row["stopped_at"] is not None and row["stopped_at"] > row["started_at"]
        path = env.service.recording(row["file"])
        assert path.parent == spool and path.stat().st_size > 44  # a WAV with audio
        with pytest.raises(NoSuchRecording):
            env.service.recording("../../etc/passwd")

        # The customer asks to be forgotten: recordings and personal data go.
        customer = await env.store.customers.create("Juan Perez", phones=["+34612345678"])
        await env.store.interactions.update(row["interaction_id"], customer_id=customer.id)
        result = await env.service.forget_customer(str(customer.id), by="admin")
        assert result == {"customer_id": str(customer.id), "interactions": 1,
                          "recordings_deleted": 1}
        await env.flushed()
        assert not path.exists()
        assert (await env.store.customers.get(customer.id)).name == FORGOTTEN_NAME
        interaction = await env.store.interactions.get(row["interaction_id"])
        assert interaction.caller_number is None and interaction.caller_name is None
        opened = await env.store.pool.fetchval(
            "SELECT data FROM events WHERE interaction_id = $1 "
            "AND type = 'interaction.opened'", row["interaction_id"])
        assert "caller_number" not in opened


async def test_recordings_past_their_retention_are_deleted(dsn: str, tmp_path: Path) -> None:
    spool = tmp_path / "monitor"
    spool.mkdir()
    async with running_service(
            dsn, tmp_path / "config", queues={"bookings": {"recording": {"enabled": True}}},
            cti_yaml={"recordings": {"dir": str(spool)}},
            sim={"recordings_dir": spool}) as env, asyncio.timeout(60):
        await env.ready("a1001")
        call = env.sim.place_call("612345678", "", "900", digits=BOOKINGS, talk_seconds=1)
        await call.wait_ended()
        await wait_for(lambda: len(env.service.calls) == 0, what="call closed")
        await env.flushed()
        service = env.service
        assert service.store and service.stream and service.recording_files
        kept = await purge_expired(service.store, service.stream, service.recording_files, 30)
        assert kept == 0 and len(list(spool.iterdir())) == 1
        later = datetime.now(UTC) + timedelta(days=31)
        assert await purge_expired(service.store, service.stream, service.recording_files, 30,
                                   now=later) == 1
        await env.flushed()
        assert list(spool.iterdir()) == []
        deleted = await service.store.pool.fetchval("SELECT deleted_at FROM recordings")
        assert deleted is not None
