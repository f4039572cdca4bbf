"""Notes, attachments and customers on the real database."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import asyncpg
import pytest
from case_support import ROOT, Cases, case_service

from cti.cases.errors import (
    AttachmentTooLarge,
    AttachmentTypeRefused,
    CaseRefused,
    CustomerConflict,
)
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.config import load_config
from cti.errors import BadRequest
from cti.store import Store

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_notes_are_kept_in_order_with_author_and_time_and_never_change(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        await cases.service.add_note(case_id, "asked for the invoice", author="a1003")
        await cases.service.add_note(case_id, "  sent by e-mail  ", author="a1004")
        with pytest.raises(CaseRefused, match="a note needs text"):
            await cases.service.add_note(case_id, "   ", author="a1003")
        notes = await cases.service.notes(case_id)
        assert [(n.author, n.text) for n in notes] == [("a1003", "asked for the invoice"),
                                                       ("a1004", "sent by e-mail")]
        assert notes[0].at <= notes[1].at
        for sql in ("UPDATE case_notes SET text = 'changed'", "DELETE FROM case_notes",
                    "TRUNCATE case_notes CASCADE"):
            with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
                await cases.store.pool.execute(sql)
        assert len(await cases.service.notes(case_id)) == 2


async def test_an_attachment_is_stored_with_its_sha256_and_read_back(cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        added = await cases.service.add_attachment(
            case_id, name="../../invoice.pdf", content_type="application/pdf; x=1",
            content=PDF, by="a1003")
        meta, content = await cases.service.attachment(case_id, added.id)
    assert content == PDF
    assert (meta.name, meta.content_type, meta.size, meta.storage) == (
        "invoice.pdf", "application/pdf", len(PDF), "database")
    assert meta.sha256 == hashlib.sha256(PDF).hexdigest()


async def test_attachment_too_big_or_of_a_refused_type_is_refused_and_nothing_published(
        cases: Cases) -> None:
    async with asyncio.timeout(20):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        before = len(cases.published)
        limit = cases.service.config.service.cases.attachments.max_bytes
        with pytest.raises(AttachmentTooLarge, match=f"larger than {limit} bytes"):
            await cases.service.add_attachment(case_id, name="big.pdf",
                                               content_type="application/pdf",
                                               content=PDF + b"0" * limit, by="a1")
        with pytest.raises(AttachmentTypeRefused, match="'application/x-msdownload' is not "
                                                        "accepted; accepted: application/pdf"):
            await cases.service.add_attachment(case_id, name="run.exe",
                                               content_type="application/x-msdownload",
                                               content=b"MZ\x90\x00", by="a1")
        with pytest.raises(AttachmentTypeRefused, match="declared image/png but its content"):
            await cases.service.add_attachment(case_id, name="photo.png",
                                               content_type="image/png", content=PDF, by="a1")
        assert len(cases.published) == before
        assert await cases.store.pool.fetchval("SELECT count(*) FROM attachment_blobs") == 0


async def test_attachments_can_live_in_a_directory(store: Store, tmp_path: Path) -> None:
    config = load_config(ROOT / "config")
    settings = config.service.cases.attachments.model_copy(
        update={"storage": "directory", "directory": tmp_path / "files"})
    service_cfg = config.service.model_copy(update={"cases": config.service.cases.model_copy(
        update={"attachments": settings})})
    async with asyncio.timeout(20), case_service(store, config.model_copy(
            update={"service": service_cfg})) as cases:
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id
        added = await cases.service.add_attachment(case_id, name="note.txt",
                                                   content_type="text/plain",
                                                   content="café\n".encode(), by="a1")
        meta, content = await cases.service.attachment(case_id, added.id)
    sha = hashlib.sha256("café\n".encode()).hexdigest()
    assert meta.storage == "directory" and content == "café\n".encode()
    assert (tmp_path / "files" / sha[:2] / sha).read_bytes() == content


async def test_customers_are_created_found_and_updated_through_events(cases: Cases) -> None:
    async with asyncio.timeout(20):
        service = cases.service.customers
        ana = (await service.create("Ana Ruiz", by="a1", account_number="AC-77",
                                    document="12345678Z", tier="gold", value=1200.5,
                                    phones=["+34 600 11 22 33"],
                                    attributes={"language": "es"})).id
        assert [c.name for c in await service.find(phone="0034600112233")] == ["Ana Ruiz"]
        assert [str(c.id) for c in await service.find(account="AC-77")] == [ana]
        assert [str(c.id) for c in await service.find(document="12345678Z")] == [ana]
        with pytest.raises(CustomerConflict, match="document '12345678Z' belongs to customer"):
            await service.create("Other", by="a1", document="12345678Z")
        await service.update(ana, {"phones": ["+34 611 00 00 00"], "tier": "vip"}, by="a2")
        assert await service.find(phone="+34600112233") == []
        [found] = await service.find(phone="611000000")
        with pytest.raises(BadRequest, match="customer has no field colour"):
            await service.update(ana, {"colour": "red"}, by="a2")
        with pytest.raises(CaseRefused, match="create a customer instead"):
            await service.update(UNIDENTIFIED_CUSTOMER_ID, {"name": "x"}, by="a2")
        types = [e["type"] for e in await cases.store.pool.fetch(
            "SELECT type FROM events WHERE customer_id = $1 ORDER BY seq", found.id)]
    assert (found.tier, found.document, found.account_number) == ("vip", "12345678Z", "AC-77")
    assert types == ["customer.created", "customer.updated"]
