"""What the IVR asks of the case domain: who is calling, and the call's case.

The service's ``IvrHost`` (cti/ivr_host.py) delegates its ``find_customer`` and
``case_for_call`` here. Both answer within ``timeout`` seconds or give up
(the caller goes on unidentified, or the case waits for the agent's answer):
a slow database never keeps a caller in silence. While PostgreSQL is down
neither waits at all, and each logs one line when it starts skipping and one
when it works again (``Skips``), not a line per caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

import structlog

from cti.agi.host import CaseLink, Customer
from cti.cases.errors import CaseError
from cti.cases.service import CaseService
from cti.errors import CtiError
from cti.store import Store

log = structlog.get_logger(__name__)


class Skips:
    """Says that an IVR lookup is being skipped at most once every ``every`` seconds
    (with how many callers went without it since the last line), and once that it
    works again: an outage at 100 calls a second would otherwise log 100 warnings a
    second, and a slow database one each time a lookup times out."""

    def __init__(self, what: str, consequence: str, *, every: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.consequence, self.every, self._clock = what, consequence, every, clock
        self.count = 0  #: skipped since the last line
        self._warned_at: float | None = None
        self._down = False

    def skipped(self, error: str, **fields: object) -> None:
        self.count += 1
        now = self._clock()
        if self._warned_at is None or now - self._warned_at >= self.every:
            log.warning(f"{self.what} skipped; {self.consequence}", error=error,
                        skipped=self.count, **fields)
            self._warned_at, self._down, self.count = now, True, 0

    def worked(self) -> None:
        if self._down:
            log.info(f"{self.what} works again", skipped_since_warning=self.count)
            self._down, self.count = False, 0


def customer_skips() -> Skips:
    return Skips("customer lookup", "callers go on unidentified until it works again")


def case_skips() -> Skips:
    return Skips("IVR case step", "the agent's answer opens the case")


async def find_customer(store: Store, *, phone: str | None = None, account: str | None = None,
                        document: str | None = None, timeout: float = 1.0,
                        skips: Skips | None = None) -> Customer | None:
    """The customer by phone (the best match), account or document number, with the
    count of its cases not closed; None if nobody matches or the database is slow."""
    skips = skips or customer_skips()
    try:
        async with asyncio.timeout(timeout):
            if account:
                found = await store.customers.find_by_account(account)
            elif document:
                found = await store.customers.find_by_document(document)
            elif phone:
                matches = await store.customers.find_by_phone(phone)
                found = matches[0] if matches else None
            else:
                return None
            open_cases = [] if found is None else \
                await store.cases.open_for_customer(found.id)
    except (TimeoutError, CtiError) as exc:
        skips.skipped(str(exc) or "timed out")
        return None
    skips.worked()
    if found is None:
        return None
    return Customer(id=str(found.id), name=found.name, tier=found.tier,
                    value=int(found.value or 0), open_cases=len(open_cases),
                    attributes=dict(found.attributes))


async def case_for_call(cases: CaseService, interaction_id: str, *, customer_id: str | None,
                        classification: Mapping[str, str | None], link_open: bool,
                        open_now: bool, call_type: str | None,
                        timeout: float = 2.0, skips: Skips | None = None) -> CaseLink | None:
    """The IVR's case step (see ``CaseService.case_for_call``); None when the case is
    left to the agent's answer, or could not be settled in time (at once while the
    database is down: the command would only wait for it)."""
    skips = skips or case_skips()
    if not cases.publisher.database_up:
        skips.skipped("the database is unreachable", interaction_id=interaction_id)
        return None
    try:
        async with asyncio.timeout(timeout):
            found = await cases.case_for_call(
                interaction_id, customer_id=customer_id, classification=classification,
                link_open=link_open, open_now=open_now, call_type=call_type)
    except CaseError as exc:
        log.warning("IVR case step refused; the agent's answer opens the case",
                    interaction_id=interaction_id, error=str(exc))
        return None
    except (TimeoutError, CtiError) as exc:
        skips.skipped(str(exc) or "timed out", interaction_id=interaction_id)
        return None
    skips.worked()
    return None if found is None else CaseLink(found[0], linked=found[1])
