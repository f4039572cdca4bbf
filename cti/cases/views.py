"""The JSON shapes of cases and customers (REST, the CLI through it, desktops)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from cti.cases.catalogue import answer, labels
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.config import LEVELS, Catalogue
from cti.events import iso
from cti.store.cases import Case
from cti.store.models import Customer


def plain(value: Any) -> Any:
    """Dataclasses, UUIDs, instants and decimals as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return iso(value.timestamp())
    if isinstance(value, Decimal):
        return float(value)
    return value


def case_json(case: Case, catalogue: Catalogue) -> dict[str, Any]:
    """A case with its classification's labels and the catalogue's answer."""
    out = plain(case)
    levels = {level: getattr(case, level) for level in LEVELS}
    out["classification"] = {"labels": labels(catalogue, levels),
                             "answer": answer(catalogue, levels),
                             "missing": [lv for lv in LEVELS if not levels[lv]]}
    return out


def customer_json(customer: Customer) -> dict[str, Any]:
    out = plain(customer)
    out["phones"] = [p["number"] for p in out["phones"]]
    out["unidentified"] = str(customer.id) == UNIDENTIFIED_CUSTOMER_ID
    return out


def details_json(details: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """``CaseService.details`` as JSON."""
    out = case_json(details["case"], catalogue)
    customer = details["customer"]
    out["customer"] = None if customer is None else customer_json(customer)
    for key in ("notes", "attachments", "derivations"):
        out[key] = plain(details[key])
    out["interactions"] = [
        {k: plain(getattr(i, k)) for k in ("id", "channel", "direction", "created_at",
                                           "queue", "agent_id", "outcome", "disposition",
                                           "caller_number", "topic", "status")}
        for i in details["interactions"]]
    out["events"] = [{"seq": e["seq"], "at": plain(e["at"]), "type": e["type"],
                      "interaction_id": plain(e["interaction_id"]),
                      "agent_id": e["agent_id"], "data": e["data"]}
                     for e in details["events"]]
    return out
