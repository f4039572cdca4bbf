"""CaseService: the commands on cases, validated against the stored case, published
as events, awaited until stored (read-your-writes), and the reads the API shows.

Built once by the composition root, next to the recorder:

    cases = CaseService(store, stream, recorder, config)
    cases.reconfigure(new_config)        # on reload

Handlers (REST, CLI through REST, the IVR host) call it; a policy may wrap it.
Every command takes ``by`` (the agent, user, ``ivr`` or ``system`` acting).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cti.cases import events as ce
from cti.cases import rules
from cti.cases.attachments import AttachmentStore, Upload, clean_name, content_type_of
from cti.cases.customers import CustomerService
from cti.cases.errors import CaseRefused, NoSuchCase, NoSuchUnit
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID, CaseState
from cti.cases.publish import Publisher, Receipt
from cti.config import Config
from cti.errors import BadRequest
from cti.store import NoSuchCustomer, NoSuchInteraction, Store
from cti.store.cases import Case, CaseAttachment, CaseDerivation, CaseNote
from cti.store.models import Interaction
from cti.stream import EventStream

if TYPE_CHECKING:
    from cti.recorder import Recorder


def _new_id() -> str:
    return str(uuid.uuid4())


class CaseService:
    """Commands and reads on cases; ``customers`` holds those on customers."""

    def __init__(self, store: Store, stream: EventStream, recorder: Recorder, config: Config,
                 *, new_id: Callable[[], str] = _new_id, store_timeout: float = 5.0) -> None:
        self._store = store
        self._new_id = new_id
        self.publisher = Publisher(stream, recorder, store_timeout=store_timeout)
        self.customers = CustomerService(store, self.publisher, new_id=new_id)
        self.config = config
        self.attachments = self._attachment_store(config)

    def reconfigure(self, config: Config) -> None:
        """A reloaded config: catalogue, units and attachment settings."""
        self.config = config
        self.attachments = self._attachment_store(config)

    def _attachment_store(self, config: Config) -> AttachmentStore:
        settings = config.service.cases.attachments
        return AttachmentStore(self._store, settings, config.path(settings.directory))

    # --- commands -------------------------------------------------------------------

    async def open_case(self, *, customer_id: str | None, by: str,
                        classification: Mapping[str, Any] | None = None,
                        call_type: str | None = None, unit: str | None = None,
                        owner: str | None = None, subject: str | None = None,
                        interaction_id: str | None = None) -> Receipt:
        """A new case of ``customer_id`` (None: the unidentified customer), linked to
        ``interaction_id`` when given; an improper call's case is closed at once."""
        async with self.publisher.command():
            customer = await self._customer(customer_id)
            if interaction_id is not None:
                await self._interaction(interaction_id)
            case_id = self._new_id()
            specs = rules.open_case(
                case_id=case_id, customer_id=customer, by=by, catalogue=self.config.catalogue,
                classification=classification, call_type=call_type,
                unit=self._unit(unit) or self.config.default_unit, owner=owner,
                subject=subject, interaction_id=interaction_id)
            return await self.publisher.publish(specs, made=case_id)

    async def link_interaction(self, case_id: str, interaction_id: str, *, by: str) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            current_case, customer = await self._interaction(interaction_id)
            return await self.publisher.publish(rules.link_interaction(
                state, interaction_id=interaction_id, interaction_customer=customer,
                current_case=current_case, by=by), made=case_id)

    async def classify(self, case_id: str, *, by: str,
                       classification: Mapping[str, Any] | None,
                       call_type: str | None = None) -> Receipt:
        """The four levels as given (absent ones cleared; None keeps them), the call type."""
        async with self.publisher.command():
            state = await self.state(case_id)
            return await self.publisher.publish(rules.classify(
                state, by=by, catalogue=self.config.catalogue, classification=classification,
                call_type=call_type), made=case_id)

    async def set_status(self, case_id: str, status: str, *, by: str,
                         resolution: str | None = None) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            return await self.publisher.publish(
                rules.change_status(state, status, by=by, resolution=resolution), made=case_id)

    async def close(self, case_id: str, *, by: str, resolution: str | None = None) -> Receipt:
        return await self.set_status(case_id, "closed", by=by, resolution=resolution)

    async def add_note(self, case_id: str, text: str, *, author: str,
                       interaction_id: str | None = None) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            note_id = self._new_id()
            return await self.publisher.publish(rules.add_note(
                state, note_id=note_id, text=text, author=author,
                interaction_id=interaction_id), made=note_id)

    async def add_attachment(self, case_id: str, *, name: str, content_type: str,
                             content: bytes, by: str) -> Receipt:
        """Check the file (size, type), keep its content, then publish the attachment."""
        upload = Upload(clean_name(name), content_type_of(content_type), content)
        attachments = self.attachments
        attachments.check(upload)
        async with self.publisher.command():
            state = await self.state(case_id)
            storage = await attachments.keep(upload)
            attachment_id = self._new_id()
            return await self.publisher.publish([(ce.CaseAttachmentAdded, {
                "case_id": state.id, "customer_id": state.customer_id,
                "attachment_id": attachment_id, "name": upload.name,
                "content_type": upload.content_type, "size": len(upload.content),
                "sha256": upload.sha256, "by": by, "storage": storage})], made=attachment_id)

    async def derive(self, case_id: str, *, unit: str, reason: str, by: str) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            self._unit(unit)
            derivation_id = self._new_id()
            return await self.publisher.publish(rules.derive(
                state, derivation_id=derivation_id, unit=unit, reason=reason, by=by),
                made=derivation_id)

    async def answer_derivation(self, case_id: str, derivation_id: str, *, answer: str,
                                by: str) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            return await self.publisher.publish(rules.answer_derivation(
                state, derivation_id=derivation_id, answer=answer, by=by), made=derivation_id)

    async def assign(self, case_id: str, *, unit: str | None, owner: str | None,
                     by: str) -> Receipt:
        async with self.publisher.command():
            state = await self.state(case_id)
            return await self.publisher.publish(rules.assign(
                state, unit=self._unit(unit), owner=owner, by=by), made=case_id)

    async def set_follow_up(self, case_id: str, at: datetime | None, *, by: str) -> Receipt:
        if at is not None and (at.tzinfo is None or at.utcoffset() is None):
            raise CaseRefused("a follow-up date needs a time zone, e.g. "
                              "2026-12-01T09:00:00+01:00")
        async with self.publisher.command():
            state = await self.state(case_id)
            return await self.publisher.publish(rules.set_follow_up(
                state, at=None if at is None else at.timestamp(), by=by), made=case_id)

    async def change_customer(self, case_id: str, customer_id: str, *, by: str) -> Receipt:
        """The case, and every contact linked to it, belong to ``customer_id`` now."""
        async with self.publisher.command():
            state = await self.state(case_id)
            customer = await self._customer(customer_id)
            contacts = [str(i.id) for i in await self._store.cases.interactions(case_id)]
            return await self.publisher.publish(rules.change_customer(
                state, customer_id=customer, interactions=contacts, by=by), made=case_id)

    # --- the IVR ----------------------------------------------------------------------------

    async def case_for_call(self, interaction_id: str, *, customer_id: str | None,
                            classification: Mapping[str, Any] | None, link_open: bool,
                            open_now: bool, call_type: str | None = None,
                            by: str = "ivr") -> tuple[str, bool] | None:
        """The IVR's case step: link the call to the customer's newest open case of the
        same topic (``link_open``; never for the unidentified customer), else open one
        now (``open_now``, or an improper call) or leave it to the agent's answer (None).

        Returns:
            (case id, True if an existing case was linked), or None.
        """
        interaction_id = str(_uuid(interaction_id, "interaction"))
        customer = customer_id or UNIDENTIFIED_CUSTOMER_ID
        topic = (classification or {}).get("topic")
        async with self.publisher.command():
            if link_open and topic and customer != UNIDENTIFIED_CUSTOMER_ID:
                found = await self._store.cases.open_for_customer(customer, str(topic))
                if found:
                    state = await self.state(str(found[0].id))
                    await self.publisher.publish(rules.link_interaction(
                        state, interaction_id=interaction_id, interaction_customer=customer,
                        current_case=None, by=by))
                    return state.id, True
            if not (open_now or call_type == "improper"):
                return None
            case_id = rules.case_id_for_call(interaction_id)
            if await self._store.cases.get(case_id) is None:
                await self.publisher.publish(rules.open_case(
                    case_id=case_id, customer_id=customer, by=by,
                    catalogue=self.config.catalogue, classification=classification,
                    call_type=call_type, unit=self.config.default_unit,
                    interaction_id=interaction_id))
            return case_id, False

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, case_id: str) -> Case:
        case = await self._store.cases.get(_uuid(case_id, "case"))
        if case is None:
            raise NoSuchCase(case_id)
        return case

    async def state(self, case_id: str) -> CaseState:
        """The case as the rules see it, from the database."""
        case = await self.get(case_id)
        derivations = await self._store.cases.derivations(case.id)
        return CaseState(
            id=str(case.id), customer_id=str(case.customer_id), status=case.status,
            topic=case.topic, reason=case.reason, sub_reason=case.sub_reason,
            question=case.question, call_type=case.call_type, unit=case.unit,
            owner=case.owner,
            follow_up_at=case.follow_up_at.timestamp() if case.follow_up_at else None,
            derivations={str(d.id): d.unit for d in derivations if d.answered_at is None},
            answered=frozenset(str(d.id) for d in derivations if d.answered_at is not None),
            derived_ever=bool(derivations))

    async def details(self, case_id: str) -> dict[str, Any]:
        """The case with its customer, notes, attachments, derivations, contacts and
        events: what ``GET /api/v1/cases/{id}`` shows."""
        case = await self.get(case_id)
        cases = self._store.cases
        return {"case": case, "customer": await self._store.customers.get(case.customer_id),
                "notes": await cases.notes(case.id),
                "attachments": await cases.attachments(case.id),
                "derivations": await cases.derivations(case.id),
                "interactions": await cases.interactions(case.id),
                "events": await self._store.events.for_case(case.id)}

    async def list(self, **filters: Any) -> list[Case]:
        return await self._store.cases.list(**filters)

    async def notes(self, case_id: str) -> list[CaseNote]:
        return await self._store.cases.notes((await self.get(case_id)).id)

    async def derivations(self, case_id: str) -> list[CaseDerivation]:
        return await self._store.cases.derivations((await self.get(case_id)).id)

    async def interactions(self, case_id: str) -> list[Interaction]:
        return await self._store.cases.interactions((await self.get(case_id)).id)

    async def attachment(self, case_id: str,
                         attachment_id: str) -> tuple[CaseAttachment, bytes] | None:
        """An attachment and its content (None if the case has no such attachment)."""
        found = await self._store.cases.attachment(_uuid(case_id, "case"),
                                                   _uuid(attachment_id, "attachment"))
        if found is None:
            return None
        content = await self.attachments.read(found.sha256, found.storage)
        return None if content is None else (found, content)

    # --- checks ------------------------------------------------------------------------

    async def _customer(self, customer_id: str | None) -> str:
        if customer_id is None:
            return UNIDENTIFIED_CUSTOMER_ID
        if await self._store.customers.get(_uuid(customer_id, "customer")) is None:
            raise NoSuchCustomer(customer_id)
        return str(uuid.UUID(customer_id))

    async def _interaction(self, interaction_id: str) -> tuple[str | None, str | None]:
        """(its case, its customer)."""
        found = await self._store.cases.interaction_case(_uuid(interaction_id, "interaction"))
        if found is None:
            raise NoSuchInteraction(interaction_id)
        case_id, customer_id = found
        return (None if case_id is None else str(case_id),
                None if customer_id is None else str(customer_id))

    def _unit(self, unit: str | None) -> str | None:
        if unit is not None and unit not in self.config.units:
            raise NoSuchUnit(unit, self.config.units)
        return unit


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadRequest(f"{what} id must be a UUID, got {value!r}") from None
