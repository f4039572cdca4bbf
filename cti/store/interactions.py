"""Interactions: one per contact (a call, a callback, later a chat or an email).

The service writes them through the event stream (cti/records.py); these
functions read them, and create or update them for tools and tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, get_args
from uuid import UUID, uuid4

from cti.store.base import Db, as_uuid, aware, columns, maybe_aware, to_model
from cti.store.errors import NoSuchInteraction
from cti.store.models import Channel, Direction, Interaction, Status

_COLUMNS = columns(Interaction)

#: Fields ``update()`` may change. The id, channel, direction and created_at are fixed.
UPDATABLE = frozenset({
    "customer_id", "caller_number", "caller_name", "dialled_number", "queue", "agent_id",
    "topic", "reason", "sub_reason", "question", "call_type", "status", "outcome", "priority",
    "queued_at", "answered_at", "closed_at", "node", "uniqueid", "linkedid", "case_id",
    "disposition", "flow",
})
_INSTANTS = frozenset({"queued_at", "answered_at", "closed_at"})


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
