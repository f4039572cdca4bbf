"""Quality reviews of recorded calls (a form of cti.yaml, scored by a supervisor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cti.store.base import Db, as_uuid


@dataclass(frozen=True, slots=True)
class Review:
    id: UUID
    interaction_id: UUID
    agent_id: str | None
    reviewer: str
    form: str
    scores: dict[str, Any]
    score: int
    max_score: int
    comment: str | None
    at: datetime


_REVIEW = ("id, interaction_id, agent_id, reviewer, form, scores, score, max_score, comment, "
           "at")


class Reviews:
    """``store.reviews``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, review_id: UUID, interaction_id: UUID | str, *, agent_id: str | None,
                  reviewer: str, form: str, scores: dict[str, int], max_score: int,
                  comment: str | None) -> Review:
        """Idempotent for ``review_id``."""
        row = await self._db.fetchrow(
            f"INSERT INTO quality_reviews (id, interaction_id, agent_id, reviewer, form, scores, "
            f"score, max_score, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            f"ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING {_REVIEW}",
            review_id, as_uuid(interaction_id, "interaction id"), agent_id, reviewer, form,
            scores, sum(scores.values()), max_score, comment)
        assert row is not None
        return Review(**dict(row))

    async def for_interaction(self, interaction_id: UUID | str) -> list[Review]:
        rows = await self._db.fetch(
            f"SELECT {_REVIEW} FROM quality_reviews WHERE interaction_id = $1 ORDER BY at, id",
            as_uuid(interaction_id, "interaction id"))
        return [Review(**dict(r)) for r in rows]

    async def agent_of(self, interaction_id: UUID | str) -> str | None:
        """The agent who answered the interaction last (None: nobody answered it)."""
        return await self._db.fetchval(
            "SELECT agent_id FROM call_offers WHERE interaction_id = $1 "
            "AND answered_at IS NOT NULL ORDER BY answered_at DESC LIMIT 1",
            as_uuid(interaction_id, "interaction id"))
