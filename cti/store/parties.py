"""Who a case or a stored call concerns, for the API's access policy: the case's
unit and owner, the units it was derived to, and the agents and queues of its
calls (call_offers)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from cti.store.base import Db


@dataclass(frozen=True, slots=True)
class Parties:
    found: bool
    unit: str | None = None
    owner: str | None = None
    units: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()


class PartiesOf:
    """``store.parties``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def case(self, case_id: UUID) -> Parties:
        row = await self._db.fetchrow(
            """SELECT c.unit, c.owner,
                      (SELECT coalesce(array_agg(DISTINCT d.unit), '{}')
                       FROM case_derivations d WHERE d.case_id = c.id) AS units,
                      (SELECT coalesce(array_agg(DISTINCT o.agent_id), '{}')
                       FROM interactions i JOIN call_offers o ON o.interaction_id = i.id
                       WHERE i.case_id = c.id) AS agents,
                      (SELECT coalesce(array_agg(DISTINCT o.queue)
                                       FILTER (WHERE o.queue IS NOT NULL), '{}')
                       FROM interactions i JOIN call_offers o ON o.interaction_id = i.id
                       WHERE i.case_id = c.id) AS queues
               FROM cases c WHERE c.id = $1""", case_id)
        if row is None:
            return Parties(False)
        return Parties(True, row["unit"], row["owner"], frozenset(row["units"]),
                       frozenset(row["agents"]), frozenset(row["queues"]))

    async def interaction(self, interaction_id: UUID) -> Parties:
        """The agents offered the interaction and the queues it visited."""
        row = await self._db.fetchrow(
            """SELECT EXISTS (SELECT 1 FROM interactions WHERE id = $1) AS found,
                      coalesce(array_agg(DISTINCT o.agent_id), '{}') AS agents,
                      coalesce(array_agg(DISTINCT o.queue) FILTER (WHERE o.queue IS NOT NULL),
                               '{}') AS queues
               FROM call_offers o WHERE o.interaction_id = $1""", interaction_id)
        assert row is not None
        return Parties(bool(row["found"]), agents=frozenset(row["agents"]),
                       queues=frozenset(row["queues"]))
