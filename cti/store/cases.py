"""Cases: read what the case events wrote (cti/cases/projection.py), keep attachment
content, and the queries of the screen-pop and first-contact resolution.

The service changes cases only through events; the one write here is
``save_blob``, the content of an attachment, stored before the event naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from cti.store.base import Db, as_uuid, aware, columns, to_model
from cti.store.models import Interaction


@dataclass(frozen=True, slots=True)
class Case:
    id: UUID
    customer_id: UUID
    subject: str | None
    topic: str | None
    reason: str | None
    sub_reason: str | None
    question: str | None
    call_type: str | None
    status: str
    status_at: datetime
    status_by: str
    resolution: str | None
    unit: str | None
    owner: str | None
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    follow_up_at: datetime | None
    open_derivations: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CaseNote:
    id: UUID
    case_id: UUID
    interaction_id: UUID | None
    author: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseAttachment:
    id: UUID
    case_id: UUID
    name: str
    content_type: str
    size: int
    sha256: str
    storage: str
    added_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseDerivation:
    id: UUID
    case_id: UUID
    unit: str
    reason: str
    derived_by: str
    derived_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class FcrCase:
    """One closed case in the first-contact resolution figures (``cti_fcr_cases``)."""

    case_id: UUID
    customer_id: UUID
    topic: str | None
    closed_at: datetime
    first_contact_at: datetime | None
    contacts: int
    repeat_contacts: int
    resolved: bool


@dataclass(frozen=True, slots=True)
class Fcr:
    eligible: int    #: closed cases of identified customers, improper calls left out
    resolved: int    #: of which: one contact and no repeat contact within the window

    @property
    def rate(self) -> float | None:
        return None if self.eligible == 0 else self.resolved / self.eligible


_CASE = columns(Case)
_INTERACTION = columns(Interaction, "i.")

# One round trip: the open cases and the last contacts, as JSON. Both use an index on
# customer_id (cases_customer_open_idx, interactions_customer_idx) and read a few rows.
_HISTORY = """
SELECT
  (SELECT coalesce(jsonb_agg(c ORDER BY c.opened_at DESC), '[]') FROM (
     SELECT id, status, topic, reason, sub_reason, question, call_type, unit, owner,
            subject, opened_at, follow_up_at, open_derivations
     FROM cases WHERE customer_id = $1 AND status <> 'closed'
     ORDER BY opened_at DESC LIMIT $3) c) AS open_cases,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.created_at DESC), '[]') FROM (
     SELECT i.id, i.created_at, i.channel, i.direction, i.queue, i.agent_id, i.outcome,
            i.disposition, i.case_id, coalesce(k.topic, i.topic) AS topic
     FROM (SELECT * FROM interactions WHERE customer_id = $1
           ORDER BY created_at DESC LIMIT $2) i
     LEFT JOIN cases k ON k.id = i.case_id) x) AS interactions
"""


class Cases:
    """``store.cases``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, case_id: UUID | str) -> Case | None:
        row = await self._db.fetchrow(f"SELECT {_CASE} FROM cases WHERE id = $1",
                                      as_uuid(case_id, "case_id"))
        return None if row is None else to_model(Case, row)

    async def derivations(self, case_id: UUID | str) -> list[CaseDerivation]:
        return await self._list(CaseDerivation, "case_derivations", "derived_at", case_id)

    async def notes(self, case_id: UUID | str) -> list[CaseNote]:
        return await self._list(CaseNote, "case_notes", "at", case_id)

    async def attachments(self, case_id: UUID | str) -> list[CaseAttachment]:
        return await self._list(CaseAttachment, "case_attachments", "at", case_id)

    async def interactions(self, case_id: UUID | str) -> list[Interaction]:
        """The contacts linked to the case, oldest first."""
        rows = await self._db.fetch(
            f"SELECT {_INTERACTION} FROM interactions i WHERE i.case_id = $1 "
            "ORDER BY i.created_at, i.id", as_uuid(case_id, "case_id"))
        return [to_model(Interaction, r) for r in rows]

    async def list(self, *, customer_id: UUID | str | None = None, status: str | None = None,
                   unit: str | None = None, owner: str | None = None,
                   limit: int = 50) -> list[Case]:
        """Cases matching every filter given, newest first (status ``active``: not closed)."""
        where, args = [], []
        if customer_id is not None:
            args.append(as_uuid(customer_id, "customer_id"))
            where.append(f"customer_id = ${len(args)}")
        if status == "active":
            where.append("status <> 'closed'")
        elif status is not None:
            args.append(status)
            where.append(f"status = ${len(args)}")
        for name, value in (("unit", unit), ("owner", owner)):
            if value is not None:
                args.append(value)
                where.append(f"{name} = ${len(args)}")
        args.append(limit)
        sql = (f"SELECT {_CASE} FROM cases {'WHERE ' + ' AND '.join(where) if where else ''} "
               f"ORDER BY opened_at DESC, id LIMIT ${len(args)}")
        return [to_model(Case, r) for r in await self._db.fetch(sql, *args)]

    async def open_for_customer(self, customer_id: UUID | str,
                                topic: str | None = None) -> list[Case]:
        """The customer's cases not closed (of ``topic`` when given), newest first."""
        rows = await self._db.fetch(
            f"SELECT {_CASE} FROM cases WHERE customer_id = $1 AND status <> 'closed' "
            "AND ($2::text IS NULL OR topic = $2) ORDER BY opened_at DESC, id",
            as_uuid(customer_id, "customer_id"), topic)
        return [to_model(Case, r) for r in rows]

    async def history(self, customer_id: UUID | str, *, interactions: int = 5,
                      cases: int = 20) -> dict[str, list[dict[str, Any]]]:
        """The customer's open cases (at most ``cases``) and last ``interactions``
        contacts, newest first, as JSON-ready dicts (instants as ISO 8601 text)."""
        row = await self._db.fetchrow(_HISTORY, as_uuid(customer_id, "customer_id"),
                                      interactions, cases)
        assert row is not None
        return {"open_cases": row["open_cases"], "interactions": row["interactions"]}

    async def interaction_case(self, interaction_id: UUID | str) -> tuple[UUID | None,
                                                                           UUID | None] | None:
        """(case_id, customer_id) of an interaction; None if there is no such interaction."""
        row = await self._db.fetchrow(
            "SELECT case_id, customer_id FROM interactions WHERE id = $1",
            as_uuid(interaction_id, "interaction_id"))
        return None if row is None else (row["case_id"], row["customer_id"])

    # --- attachment content -----------------------------------------------------------

    async def save_blob(self, sha256: str, content: bytes) -> None:
        """Keep ``content`` under its SHA-256 (again: no-op)."""
        await self._db.execute(
            "INSERT INTO attachment_blobs (sha256, size, content) VALUES ($1, $2, $3) "
            "ON CONFLICT (sha256) DO NOTHING", sha256, len(content), content)

    async def blob(self, sha256: str) -> bytes | None:
        return await self._db.fetchval(
            "SELECT content FROM attachment_blobs WHERE sha256 = $1", sha256)

    async def attachment(self, case_id: UUID | str,
                         attachment_id: UUID | str) -> CaseAttachment | None:
        row = await self._db.fetchrow(
            f"SELECT {columns(CaseAttachment)} FROM case_attachments "
            "WHERE case_id = $1 AND id = $2",
            as_uuid(case_id, "case_id"), as_uuid(attachment_id, "attachment_id"))
        return None if row is None else to_model(CaseAttachment, row)

    # --- first-contact resolution -----------------------------------------------------------

    async def fcr_cases(self, since: datetime, until: datetime, days: int) -> list[FcrCase]:
        """Closed cases of [since, until) and whether each was resolved at first
        contact (see ``cti_fcr_cases`` in migration 004), by closing time."""
        rows = await self._db.fetch(
            f"SELECT {columns(FcrCase)} FROM cti_fcr_cases($1, $2, $3) "
            "ORDER BY closed_at, case_id", aware(since, "since"), aware(until, "until"), days)
        return [to_model(FcrCase, r) for r in rows]

    async def fcr(self, since: datetime, until: datetime, days: int) -> Fcr:
        row = await self._db.fetchrow(
            "SELECT count(*) AS eligible, count(*) FILTER (WHERE resolved) AS resolved "
            "FROM cti_fcr_cases($1, $2, $3)", aware(since, "since"), aware(until, "until"),
            days)
        assert row is not None
        return Fcr(row["eligible"], row["resolved"])

    async def _list(self, model: type, table: str, order: str,
                    case_id: UUID | str) -> list[Any]:
        names = ", ".join(f.name for f in fields(model))
        rows: list[asyncpg.Record] = await self._db.fetch(
            f"SELECT {names} FROM {table} WHERE case_id = $1 ORDER BY {order}, id",
            as_uuid(case_id, "case_id"))
        return [to_model(model, r) for r in rows]
