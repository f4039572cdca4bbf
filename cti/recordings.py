"""Recordings of calls: where the service finds the files, how long they are kept, and
the erasure of a customer's recordings and personal data on request.

Asterisk writes each recording into its monitor spool ([cti-connect]'s
MixMonitor); the service reads the same directory through a shared mount
(``recordings.dir`` in cti.yaml). Only a file's name is taken from what
Asterisk reported, never a path, so a recording can only be served from that
directory. Deleting a recording (its retention passed, or the customer asked)
removes the file and records a ``recording.deleted`` fact.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

import structlog

from cti import events as ev
from cti.cases.events import CustomerUpdated
from cti.errors import CtiError, ServiceUnavailable
from cti.recorder import Recorder
from cti.store import Store
from cti.stream import EventStream

log = structlog.get_logger(__name__)

#: What a forgotten customer's record keeps of them.
FORGOTTEN_NAME = "(erased on request)"


class NoSuchRecording(CtiError):
    status, code = 404, "no-such-recording"

    def __init__(self, what: str) -> None:
        super().__init__(f"no recording {what}: it was never made, was deleted, or "
                         "recordings.dir in cti.yaml does not reach Asterisk's monitor spool")


class RecordingFiles:
    """The recordings directory as the service mounts it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, file: str | None) -> Path:
        """The file Asterisk named, in our directory; raises ``NoSuchRecording``."""
        name = PurePath(file or "").name
        if not name or name in (".", ".."):
            raise NoSuchRecording(repr(file))
        path = self.directory / name
        if not path.is_file():
            raise NoSuchRecording(name)
        return path

    def delete(self, file: str | None) -> bool:
        """Remove a recording's file; False if it was not there."""
        with contextlib.suppress(NoSuchRecording, FileNotFoundError):
            self.path(file).unlink()
            return True
        return False


async def purge_expired(store: Store, stream: EventStream, files: RecordingFiles,
                        retention_days: int, now: datetime | None = None) -> int:
    """Delete the recordings older than the retention period; returns how many."""
    before = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    rows = await store.pool.fetch(
        "SELECT interaction_id, file FROM recordings "
        "WHERE deleted_at IS NULL AND started_at < $1 ORDER BY started_at LIMIT 10000", before)
    return _delete(stream, files, rows, "retention", "system")


async def forget_customer(store: Store, stream: EventStream, recorder: Recorder,
                          files: RecordingFiles | None, customer_id: str,
                          by: str) -> dict[str, Any]:
    """Erase a customer's personal data on their request: the recordings of their
    calls, their name, numbers, document and free attributes, and the caller ids
    their interactions kept (in the tables and in the stored events). Cases, notes
    and figures stay (the business record), linked to an anonymous customer."""
    interactions = [r["id"] for r in await store.pool.fetch(
        "SELECT id FROM interactions WHERE customer_id = $1", _uuid(customer_id))]
    rows = await store.pool.fetch(
        "SELECT interaction_id, file FROM recordings WHERE deleted_at IS NULL "
        "AND interaction_id = ANY($1::uuid[])", interactions)
    deleted = _delete(stream, files, rows, "customer request", by) if files else 0
    facts = [stream.new(CustomerUpdated, customer_id=customer_id, by=by,
                        changes={"name": FORGOTTEN_NAME, "account_number": None,
                                 "document": None, "phones": [], "attributes": {}})]
    facts += [stream.new(ev.InteractionAnonymized, interaction_id=str(i), by=by)
              for i in interactions]
    stream.publish(facts)
    # The copies of the caller's number in earlier facts and records, once the facts
    # above (and every earlier one) are stored.
    if not await recorder.stored(facts[-1].seq, timeout=30):
        raise ServiceUnavailable("the database is not storing events now; the customer's "
                                 "data is only partly erased: ask again once it is back")
    await store.pool.execute(
        "UPDATE events SET data = data - 'caller_number' - 'caller_name' "
        "WHERE interaction_id = ANY($1::uuid[])", interactions)
    await store.pool.execute(
        "UPDATE call_records SET caller = NULL WHERE interaction_id = ANY($1::uuid[])",
        interactions)
    log.info("customer's personal data erased", customer_id=customer_id, by=by,
             interactions=len(interactions), recordings=deleted)
    return {"customer_id": customer_id, "interactions": len(interactions),
            "recordings_deleted": deleted}


def _delete(stream: EventStream, files: RecordingFiles | None, rows: list[Any],
            reason: str, by: str) -> int:
    facts = []
    for row in rows:
        if files is not None:
            files.delete(row["file"])
        facts.append(stream.new(ev.RecordingDeleted, interaction_id=str(row["interaction_id"]),
                                file=row["file"], reason=reason, by=by))
    stream.publish(facts)
    return len(facts)


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(value)
