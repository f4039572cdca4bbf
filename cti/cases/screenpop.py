"""The case part of the screen-pop: the customer's open cases and last contacts, and
the catalogue's script for the call's classification.

The history is read from PostgreSQL at enqueue time, in a time budget: a
slow or unreachable database gives a pop without history (``available``
False), never a late one. One round trip reads both lists through indexes on
``customer_id`` (bench/screenpop_bench.py measures it on a million customers).

    pop = await screenpop.for_call(store, config, customer_id, classification)
    # -> {"available": True, "open_cases": [...], "interactions": [...],
    #     "script": {"labels": {...}, "answer": "..."}}
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog

from cti.cases.catalogue import answer, labels
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.config import Catalogue, Config
from cti.errors import CtiError
from cti.store import Store

log = structlog.get_logger(__name__)


def _empty(available: bool) -> dict[str, Any]:
    return {"available": available, "open_cases": [], "interactions": []}


async def history(store: Store, customer_id: str | None, *, interactions: int = 5,
                  timeout: float = 0.1) -> dict[str, Any]:
    """The customer's cases not closed (classification, status, owner, follow-up) and
    last ``interactions`` contacts (time, queue, agent, outcome, topic), newest first.

    The unidentified customer (or none) has no history: its contacts are strangers'.
    Returns ``available: False`` and empty lists when the database does not answer
    within ``timeout`` seconds or fails.
    """
    if not customer_id or customer_id == UNIDENTIFIED_CUSTOMER_ID:
        return _empty(True)
    try:
        async with asyncio.timeout(timeout):
            found = await store.cases.history(customer_id, interactions=interactions)
    except (TimeoutError, CtiError, ValueError) as exc:
        log.warning("screen-pop history skipped", customer_id=customer_id,
                    error=str(exc) or f"no answer within {timeout:g} s")
        return _empty(False)
    return {"available": True, **found}


def script(catalogue: Catalogue, classification: Mapping[str, Any]) -> dict[str, Any]:
    """The labels of the classification's levels and the answer the agent reads (None
    until a question is chosen)."""
    return {"labels": labels(catalogue, classification),
            "answer": answer(catalogue, classification)}


async def for_call(store: Store, config: Config, customer_id: str | None,
                   classification: Mapping[str, Any] | None = None, *,
                   timeout: float | None = None) -> dict[str, Any]:
    """What the routing puts in the pop at enqueue time (``Enqueue.history``): the
    history within ``cases.screen_pop`` (cti.yaml; ``timeout`` overrides its budget)
    and the script."""
    settings = config.service.cases.screen_pop
    found = await history(store, customer_id, interactions=settings.interactions,
                          timeout=settings.timeout if timeout is None else timeout)
    return {**found, "script": script(config.catalogue, classification or {})}
