"""Outbound campaigns in PostgreSQL (migration 008): definitions, contact lists,
attempts, do-not-call numbers.

The import writes a list's contacts (and do-not-call numbers) in one
transaction, all rows or none; every later change of a contact or an attempt
comes from the ``campaign.*`` events (cti/campaigns/projection.py). The
campaign service reads back from here what the routing step needs: the
contacts due now, a campaign's past outcomes (the pacer's legal window) and
the attempts a restart left open.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from cti.store.base import Db


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    name: str
    definition: dict[str, Any]
    status: str
    created_at: datetime
    created_by: str | None
    status_at: datetime | None
    status_reason: str | None
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueContact:
    id: uuid.UUID
    number: str
    time_zones: list[str]
    name: str | None
    attributes: dict[str, Any]
    attempts: int
    outcome_attempts: dict[str, int]
    #: the do-not-call scope holding the number ("" the system's), or None
    dnc: str | None


@dataclass(frozen=True, slots=True)
class NewContact:
    id: uuid.UUID
    line: int
    number: str
    time_zones: Sequence[str]
    name: str | None
    attributes: dict[str, str]


_CAMPAIGN = ("name, definition, status, created_at, created_by, status_at, status_reason, "
             "started_at")


def _campaign(row: asyncpg.Record) -> StoredCampaign:
    return StoredCampaign(**{**dict(row), "definition": _obj(row["definition"])})


def _obj(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


class CampaignRecords:
    """``store.campaigns``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # --- campaigns ----------------------------------------------------------------

    async def insert(self, name: str, definition: dict[str, Any], by: str,
                     at: datetime) -> bool:
        """Write a new campaign's row (its campaign.created event follows); False if
        the name is taken."""
        done = await self._db.fetchval(
            "INSERT INTO campaigns (name, definition, created_at, created_by) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name",
            name, definition, at, by)
        return done is not None

    async def get(self, name: str) -> StoredCampaign | None:
        row = await self._db.fetchrow(f"SELECT {_CAMPAIGN} FROM campaigns WHERE name = $1",
                                      name)
        return None if row is None else _campaign(row)

    async def all(self) -> list[StoredCampaign]:
        rows = await self._db.fetch(f"SELECT {_CAMPAIGN} FROM campaigns ORDER BY name")
        return [_campaign(r) for r in rows]

    async def contact_counts(self, name: str | None = None) -> dict[str, dict[str, int]]:
        """campaign -> contact status -> count."""
        rows = await self._db.fetch(
            "SELECT campaign, status, count(*) AS n FROM campaign_contacts "
            "WHERE $1::text IS NULL OR campaign = $1 GROUP BY campaign, status", name)
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["campaign"], {})[r["status"]] = r["n"]
        return out

    async def outcome_counts(self, name: str) -> dict[str, int]:
        rows = await self._db.fetch(
            "SELECT coalesce(outcome, 'in-progress') AS outcome, count(*) AS n "
            "FROM campaign_attempts WHERE campaign = $1 GROUP BY 1", name)
        return {r["outcome"]: r["n"] for r in rows}

    # --- contacts -------------------------------------------------------------------

    async def numbers(self, name: str) -> set[str]:
        rows = await self._db.fetch("SELECT number FROM campaign_contacts WHERE campaign = $1",
                                    name)
        return {r["number"] for r in rows}

    async def numbers_elsewhere(self, name: str, numbers: Iterable[str]) -> dict[str, str]:
        """Numbers another live campaign still has to call: number -> that campaign."""
        rows = await self._db.fetch(
            "SELECT c.number, min(c.campaign) AS campaign FROM campaign_contacts c "
            "JOIN campaigns k ON k.name = c.campaign "
            "WHERE c.number = ANY($2::text[]) AND c.campaign <> $1 "
            "AND c.status IN ('pending', 'dialing') AND k.status IN ('created', 'running', "
            "'paused') GROUP BY c.number", name, list(numbers))
        return {r["number"]: r["campaign"] for r in rows}

    async def import_contacts(self, name: str, contacts: Sequence[NewContact],
                              import_id: uuid.UUID, at: datetime) -> int:
        """Write a list's contacts in one transaction: all of them or none."""
        columns = (
            [c.id for c in contacts], [c.number for c in contacts],
            [",".join(c.time_zones) for c in contacts], [c.name for c in contacts],
            [json.dumps(c.attributes) for c in contacts], [c.line for c in contacts])

        async def write(conn: asyncpg.Connection) -> int:
            await conn.execute(
                "INSERT INTO campaign_contacts (id, campaign, number, time_zones, name, "
                "attributes, line, import_id, created_at) "
                "SELECT v.id, $1, v.number, "
                "coalesce(string_to_array(nullif(v.zones, ''), ','), '{}'), v.name, "
                "v.attributes::jsonb, v.line, $8, $9 FROM unnest($2::uuid[], $3::text[], "
                "$4::text[], $5::text[], $6::text[], $7::int[]) "
                "AS v(id, number, zones, name, attributes, line)",
                name, *columns, import_id, at)
            return len(contacts)

        return await self._db.transaction(write)

    async def due(self, name: str, now: datetime, limit: int,
                  skip: Sequence[uuid.UUID] = ()) -> list[DueContact]:
        """Pending contacts due at ``now`` (the oldest first), with the do-not-call scope
        that holds each number, if any."""
        rows = await self._db.fetch(
            "SELECT c.id, c.number, c.time_zones, c.name, c.attributes, c.attempts, "
            "c.outcome_attempts, (SELECT min(d.scope) FROM dnc_numbers d "
            "WHERE d.number = c.number AND d.scope IN ('', c.campaign)) AS dnc "
            "FROM campaign_contacts c WHERE c.campaign = $1 AND c.status = 'pending' "
            "AND (c.next_at IS NULL OR c.next_at <= $2) AND c.agent_id IS NULL "
            "AND NOT (c.id = ANY($4::uuid[])) "
            "ORDER BY c.next_at NULLS FIRST, c.created_at, c.line LIMIT $3",
            name, now, limit, list(skip))
        return [DueContact(r["id"], r["number"], list(r["time_zones"]), r["name"],
                           _obj(r["attributes"]), r["attempts"], _obj(r["outcome_attempts"]),
                           r["dnc"]) for r in rows]

    async def next_due(self, name: str) -> datetime | None:
        """When the next pending contact comes due (None: none is pending)."""
        return await self._db.fetchval(
            "SELECT min(coalesce(next_at, '-infinity')) FROM campaign_contacts "
            "WHERE campaign = $1 AND status = 'pending'", name)

    async def open_work(self, name: str) -> tuple[int, int]:
        """(contacts still pending or being dialled, contacts in all)."""
        row = await self._db.fetchrow(
            "SELECT count(*) FILTER (WHERE status IN ('pending', 'dialing')) AS open, "
            "count(*) AS total FROM campaign_contacts WHERE campaign = $1", name)
        assert row is not None
        return row["open"], row["total"]

    async def contacts(self, name: str, status: str | None, limit: int,
                       offset: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch(
            "SELECT id, number, name, attributes, line, status, attempts, next_at, "
            "last_outcome, last_attempt_at FROM campaign_contacts WHERE campaign = $1 "
            "AND ($2::text IS NULL OR status = $2) ORDER BY created_at, line "
            "LIMIT $3 OFFSET $4", name, status, limit, offset)
        return [{**dict(r), "id": str(r["id"]), "attributes": _obj(r["attributes"])}
                for r in rows]

    # --- attempts -------------------------------------------------------------------

    async def attempts(self, name: str, limit: int, offset: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch(
            "SELECT a.interaction_id, a.contact_id, a.attempt, a.number, a.mode, a.agent_id, "
            "a.placed_at, a.answered_at, a.amd_status, a.amd_cause, a.connected_at, "
            "a.to_agent_seconds, a.abandoned_at, a.message_left, a.ended_at, a.outcome "
            "FROM campaign_attempts a WHERE a.campaign = $1 "
            "ORDER BY a.placed_at DESC LIMIT $2 OFFSET $3", name, limit, offset)
        return [{**dict(r), "interaction_id": str(r["interaction_id"]),
                 "contact_id": str(r["contact_id"])} for r in rows]

    async def window_outcomes(self, name: str, since: datetime) -> list[tuple[datetime, str]]:
        """The pacer's window: (when, connected | abandoned | machine), oldest first. A
        connect after the rule's seconds counts as abandoned (the law counts seconds)."""
        rows = await self._db.fetch(
            "SELECT CASE WHEN abandoned_at IS NOT NULL THEN 'abandoned' "
            "WHEN connected_at IS NOT NULL THEN 'connected' ELSE 'machine' END AS outcome, "
            "coalesce(abandoned_at, connected_at, ended_at, placed_at) AS at "
            "FROM campaign_attempts WHERE campaign = $1 AND placed_at >= $2 "
            "AND (abandoned_at IS NOT NULL OR connected_at IS NOT NULL "
            "OR amd_status = 'MACHINE') ORDER BY 2", name, since)
        return [(r["at"], r["outcome"]) for r in rows]

    async def open_attempts(self, name: str) -> list[dict[str, Any]]:
        """Attempts a stop of the service left without an end, and contacts left
        'dialing' without an attempt (a preview)."""
        rows = await self._db.fetch(
            "SELECT c.id AS contact_id, c.attempts, c.outcome_attempts, a.interaction_id, "
            "a.attempt FROM campaign_contacts c LEFT JOIN campaign_attempts a "
            "ON a.contact_id = c.id AND a.ended_at IS NULL "
            "WHERE c.campaign = $1 AND c.status = 'dialing'", name)
        return [{"contact_id": str(r["contact_id"]), "attempts": r["attempts"],
                 "outcome_attempts": _obj(r["outcome_attempts"]),
                 "interaction_id": str(r["interaction_id"]) if r["interaction_id"] else None,
                 "attempt": r["attempt"]} for r in rows]

    # --- do not call ----------------------------------------------------------------

    async def add_dnc(self, scope: str, numbers: Iterable[str], by: str, source: str,
                      at: datetime) -> int:
        """Add numbers to a do-not-call list ("" the system's); returns how many were new."""
        unique = sorted(set(numbers))

        async def write(conn: asyncpg.Connection) -> int:
            rows = await conn.fetch(
                "INSERT INTO dnc_numbers (scope, number, added_at, added_by, source) "
                "SELECT $1, n, $3, $4, $5 FROM unnest($2::text[]) AS n "
                "ON CONFLICT DO NOTHING RETURNING number", scope, unique, at, by, source)
            return len(rows)

        return await self._db.transaction(write)

    async def dnc_count(self, scope: str) -> int:
        return await self._db.fetchval("SELECT count(*) FROM dnc_numbers WHERE scope = $1",
                                       scope)

    async def dnc_scope(self, number: str, campaign: str) -> str | None:
        return await self._db.fetchval(
            "SELECT min(scope) FROM dnc_numbers WHERE number = $1 AND scope IN ('', $2)",
            number, campaign)
