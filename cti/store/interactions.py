"""Interactions (cases) and their events."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, get_args
from uuid import UUID, uuid4

import asyncpg

from cti.store.base import Db, as_uuid, aware, columns, maybe_aware, to_model
from cti.store.errors import NoSuchInteraction
from cti.store.models import Channel, Direction, EventKind, Interaction, InteractionEvent, Status

_COLUMNS = columns(Interaction)
_EVENT_COLUMNS = columns(InteractionEvent)

#: Fields ``update()`` may change. The id, channel, direction and created_at are fixed.
UPDATABLE = frozenset({
    "customer_id", "caller_number", "caller_name", "dialled_number", "queue", "agent_id",
    "topic", "reason", "sub_reason", "question", "call_type", "status", "outcome", "priority",
    "queued_at", "answered_at", "closed_at", "node", "uniqueid", "linkedid",
})
_INSTANTS = frozenset({"queued_at", "answered_at", "closed_at"})
KIND = re.compile(r"[a-z][a-z0-9_-]*")


class Interactions:
    """``store.interactions``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def create(
        self,
        *,
        interaction_id: UUID | str | None = None,
        channel: Channel = "voice",
        direction: Direction = "inbound",
        created_at: datetime | None = None,
        **fields: Any,
    ) -> UUID:
        """Open a case and return its id. ``fields``: any of ``UPDATABLE``.

        Idempotent for a given ``interaction_id`` (a retried create is a no-op).

        Raises:
            TypeError: an unknown field.
            ValueError: a bad channel, direction or status, or a naive datetime.
        """
        iid = uuid4() if interaction_id is None else as_uuid(interaction_id, "interaction_id")
        check_choice(channel, Channel, "channel")
        check_choice(direction, Direction, "direction")
        values = {"id": iid, "channel": channel, "direction": direction,
                  "created_at": aware(created_at, "created_at"), **checked_fields(fields)}
        names = list(values)
        await self._db.execute(
            f"INSERT INTO interactions ({', '.join(names)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))}) "
            "ON CONFLICT (id) DO NOTHING",
            *values.values())
        return iid

    async def get(self, interaction_id: UUID | str) -> Interaction | None:
        row = await self._db.fetchrow(f"SELECT {_COLUMNS} FROM interactions WHERE id = $1",
                                      as_uuid(interaction_id, "interaction_id"))
        return None if row is None else to_model(Interaction, row)

    async def update(self, interaction_id: UUID | str, **fields: Any) -> Interaction:
        """Set some fields (see ``UPDATABLE``) and return the case as stored.

        Raises:
            NoSuchInteraction: no case with this id.
            TypeError / ValueError: an unknown field or a bad value.
        """
        iid = as_uuid(interaction_id, "interaction_id")
        values = checked_fields(fields)
        if not values:
            found = await self.get(iid)
            if found is None:
                raise NoSuchInteraction(iid)
            return found
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=2))
        row = await self._db.fetchrow(
            f"UPDATE interactions SET {sets}, updated_at = now() WHERE id = $1 "
            f"RETURNING {_COLUMNS}", iid, *values.values())
        if row is None:
            raise NoSuchInteraction(iid)
        return to_model(Interaction, row)

    async def close(self, interaction_id: UUID | str, *, outcome: str | None = None,
                    actor: str | None = None, at: datetime | None = None,
                    event_id: UUID | str | None = None) -> Interaction:
        """Close the case and add its ``closed`` event, in one transaction."""
        iid = as_uuid(interaction_id, "interaction_id")
        when = aware(at, "at")
        eid = uuid4() if event_id is None else as_uuid(event_id, "event_id")

        async def write(conn: asyncpg.Connection) -> asyncpg.Record:
            row = await conn.fetchrow(
                f"""UPDATE interactions
                    SET status = 'closed', closed_at = coalesce(closed_at, $2),
                        outcome = coalesce($3, outcome), updated_at = now()
                    WHERE id = $1 RETURNING {_COLUMNS}""", iid, when, outcome)
            if row is None:
                raise NoSuchInteraction(iid)
            await _insert_event(conn, eid, iid, EventKind.CLOSED, actor,
                                {"outcome": outcome} if outcome else {}, when)
            return row

        return to_model(Interaction, await self._db.transaction(write))

    async def add_event(
        self,
        event_id: UUID | str,
        interaction_id: UUID | str,
        kind: EventKind | str,
        actor: str | None = None,
        data: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Append an event; False if ``event_id`` was already stored (a retry).

        Raises:
            NoSuchInteraction: no case with this id.
            ValueError: ``kind`` is not lowercase words joined by ``-``.
        """
        eid, iid = as_uuid(event_id, "event_id"), as_uuid(interaction_id, "interaction_id")
        when = aware(at, "at")
        return await self._db.run(
            lambda conn: _insert_event(conn, eid, iid, kind, actor, data or {}, when))

    async def add_note(self, interaction_id: UUID | str, text: str, *, actor: str | None,
                       at: datetime | None = None, note_id: UUID | str | None = None) -> UUID:
        """Add a ``note`` event (``data = {"text": text}``); returns its id."""
        eid = uuid4() if note_id is None else as_uuid(note_id, "note_id")
        await self.add_event(eid, interaction_id, EventKind.NOTE, actor, {"text": text}, at)
        return eid

    async def events(self, interaction_id: UUID | str) -> list[InteractionEvent]:
        """The case's events in the order they happened (then in write order)."""
        rows = await self._db.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM interaction_events WHERE interaction_id = $1 "
            "ORDER BY at, seq", as_uuid(interaction_id, "interaction_id"))
        return [to_model(InteractionEvent, r) for r in rows]

    async def open_cases_for_customer(self, customer_id: UUID | str) -> list[Interaction]:
        """The customer's cases not closed yet (open or pending), newest first."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM interactions WHERE customer_id = $1 AND status <> 'closed' "
            "ORDER BY created_at DESC, id", as_uuid(customer_id, "customer_id"))
        return [to_model(Interaction, r) for r in rows]

    async def open_calls(self) -> list[Interaction]:
        """Voice interactions still open (their call had not ended), oldest first: after
        a restart the service closes those it cannot find live any more."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM interactions WHERE status = 'open' AND channel = 'voice' "
            "ORDER BY created_at, id")
        return [to_model(Interaction, r) for r in rows]

    async def between(self, start: datetime, end: datetime, *,
                      queue: str | None = None) -> list[Interaction]:
        """Cases created in [start, end), optionally of one queue, oldest first."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM interactions WHERE created_at >= $1 AND created_at < $2 "
            "AND ($3::text IS NULL OR queue = $3) ORDER BY created_at, id",
            aware(start, "start"), aware(end, "end"), queue)
        return [to_model(Interaction, r) for r in rows]


async def _insert_event(conn: asyncpg.Connection, eid: UUID, iid: UUID, kind: str,
                        actor: str | None, data: Mapping[str, Any], at: datetime) -> bool:
    kind = str(kind)
    if not KIND.fullmatch(kind):
        raise ValueError(f"event kind {kind!r} must be lowercase words joined by '-'")
    try:
        status = await conn.execute(
            """INSERT INTO interaction_events (id, interaction_id, kind, actor, data, at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING""",
            eid, iid, kind, actor, dict(data), at)
    except asyncpg.ForeignKeyViolationError:
        raise NoSuchInteraction(iid) from None
    return status.endswith(" 1")


def checked_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - UPDATABLE)
    if unknown:
        raise TypeError(f"interaction has no updatable field {', '.join(unknown)}; "
                        f"allowed: {', '.join(sorted(UPDATABLE))}")
    values = dict(fields)
    for name in _INSTANTS & set(values):
        values[name] = maybe_aware(values[name], name)
    if "status" in values:
        check_choice(values["status"], Status, "status")
    if values.get("customer_id") is not None:
        values["customer_id"] = as_uuid(values["customer_id"], "customer_id")
    return values


def check_choice(value: object, choices: Any, what: str) -> None:
    allowed = get_args(choices)
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}")
