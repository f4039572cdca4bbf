"""REST routes of cases and customers, and `cti case` / `cti customer` through them,
against a real HTTP server on 127.0.0.1 and the real database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
from case_support import FULL, ROOT, Cases

from cti.api import accounts
from cti.api.server import ApiServer
from cti.bus import EventBus
from cti.calls import CallRegistry
from cti.cases.service import CaseService
from cti.cli import main
from cti.config import Config, load_config
from cti.errors import ServiceUnavailable
from cti.store import Store
from cti.stream import EventStream

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class CaseOnly:
    """The parts of the service the case routes use: no routing loop, no PBX."""

    cases: CaseService | None
    store: Store
    stream: EventStream
    router: None = None
    control: None = None
    calls: CallRegistry = field(default_factory=CallRegistry)

    @property
    def config(self) -> Config:
        return load_config(ROOT / "config")

    def status(self) -> dict:
        raise ServiceUnavailable("no routing in this test")


@dataclass
class Api:
    url: str
    http: aiohttp.ClientSession
    cases: Cases
    token: str = ""

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        async with self.http.request(method, self.url + path, json=body,
                                     headers={"Authorization": f"Bearer {self.token}"}
                                     ) as response:
            return response.status, await response.json()


@asynccontextmanager
async def serving(cases: Cases, service: CaseService | None) -> AsyncIterator[Api]:
    """The API over the case service alone, signed in as an admin (who may name 'by')."""
    part = CaseOnly(service, cases.store, cases.stream)
    server = ApiServer(part, EventBus(), None)  # type: ignore[arg-type]
    port = await server.start("127.0.0.1", 0)
    try:
        await accounts.add_user(cases.store, part.config, "root", role="admin",
                                password="correct horse battery")
        async with aiohttp.ClientSession() as http:
            api = Api(f"http://127.0.0.1:{port}", http, cases)
            _, signed = await api.call("POST", "/api/v1/login", {
                "username": "root", "password": "correct horse battery"})
            api.token = signed["token"]  # type: ignore[index]
            yield api
    finally:
        await server.stop()


@pytest.fixture
async def api(cases: Cases) -> AsyncIterator[Api]:
    async with serving(cases, cases.service) as started:
        yield started


async def test_a_case_through_rest_from_opening_to_closing(api: Api) -> None:
    async with asyncio.timeout(30):
        status, ana = await api.call("POST", "/api/v1/customers", {
            "name": "Ana Ruiz", "phones": ["+34 600 11 22 33"], "document": "12345678Z",
            "by": "a1001"})
        assert status == 201 and ana["phones"] == ["+34 600 11 22 33"]
        iid = await api.cases.call(ana["id"])
        status, case = await api.call("POST", "/api/v1/cases", {
            "customer_id": ana["id"], "interaction_id": iid, "by": "a1001",
            "classification": {"topic": "billing", "reason": "refund"}})
        assert status == 201 and case["classification"]["missing"] == ["sub_reason",
                                                                        "question"]
        cid = case["id"]
        status, refused = await api.call("POST", f"/api/v1/cases/{cid}/status",
                                         {"status": "closed", "by": "a1001"})
        assert (status, refused["error"]) == (409, "classification-incomplete")
        assert "lacks sub_reason, question" in refused["message"]
        status, note = await api.call("POST", f"/api/v1/cases/{cid}/notes",
                                      {"text": "wants the deposit back", "by": "a1001"})
        assert (status, note["author"]) == (201, "a1001")
        status, derived = await api.call("POST", f"/api/v1/cases/{cid}/derivations",
                                         {"unit": "finance", "reason": "refund", "by": "a1001"})
        assert (status, derived["status"]) == (201, "pending")
        status, answered = await api.call(
            "POST", f"/api/v1/cases/{cid}/derivations/{derived['made']}/answer",
            {"answer": "refunded on 12/11", "by": "finance"})
        assert (status, answered["status"]) == (200, "open")
        status, classified = await api.call("POST", f"/api/v1/cases/{cid}/classification", {
            "topic": "billing", "reason": "refund", "sub_reason": "refund status",
            "question": "when will i get my refund", "by": "a1001"})
        assert classified["classification"]["answer"].startswith("Refunds are paid within")
        status, typed = await api.call("POST", f"/api/v1/cases/{cid}/classification",
                                       {"call_type": "extraordinary", "by": "s2001"})
        assert (typed["call_type"], typed["question"]) == ("extraordinary",
                                                           "when will i get my refund")
        status, closed = await api.call("POST", f"/api/v1/cases/{cid}/status",
                                        {"status": "closed", "by": "a1001"})
        assert (status, closed["status"], closed["call_type"]) == (200, "closed",
                                                                   "extraordinary")
        status, shown = await api.call("GET", f"/api/v1/cases/{cid}")
    assert shown["customer"]["name"] == "Ana Ruiz"
    assert [n["text"] for n in shown["notes"]] == ["wants the deposit back"]
    assert [i["id"] for i in shown["interactions"]] == [iid]
    assert shown["derivations"][0]["answer"] == "refunded on 12/11"
    assert [e["type"] for e in shown["events"]] == [
        "case.opened", "case.interaction_linked", "case.note_added", "case.derived",
        "case.classified", "case.status_changed", "case.derivation_answered",
        "case.status_changed", "case.classified", "case.classified", "case.status_changed"]


async def test_attachments_upload_with_limits_and_download(api: Api) -> None:
    async with asyncio.timeout(30):
        _, case = await api.call("POST", "/api/v1/cases", {"by": "a1"})
        url = f"{api.url}/api/v1/cases/{case['id']}/attachments"

        async def upload(name: str, kind: str, content: bytes) -> tuple[int, dict]:
            form = aiohttp.FormData()
            form.add_field("by", "a1003")
            form.add_field("file", content, filename=name, content_type=kind)
            async with api.http.post(url, data=form, headers={
                    "Authorization": f"Bearer {api.token}"}) as response:
                return response.status, await response.json()

        status, meta = await upload("invoice.pdf", "application/pdf", PDF)
        assert (status, meta["name"], meta["size"], meta["added_by"]) == (
            201, "invoice.pdf", len(PDF), "a1003")
        limit = api.cases.service.config.service.cases.attachments.max_bytes
        status, big = await upload("big.pdf", "application/pdf", PDF + b"x" * limit)
        assert (status, big["error"]) == (413, "attachment-too-large")
        status, exe = await upload("x.exe", "application/x-msdownload", b"MZ")
        assert (status, exe["error"]) == (415, "attachment-type-refused")
        async with api.http.get(f"{url}/{meta['id']}", headers={
                "Authorization": f"Bearer {api.token}"}) as response:
            assert response.status == 200
            assert await response.read() == PDF
            assert response.headers["Content-Type"] == "application/pdf"


async def test_customers_are_found_by_phone_account_document_and_updated(api: Api) -> None:
    async with asyncio.timeout(30):
        _, ana = await api.call("POST", "/api/v1/customers", {
            "name": "Ana Ruiz", "phones": ["600112233"], "account_number": "AC-9"})
        for query in ("phone=%2B34600112233", "account=AC-9", "name=ruiz"):
            status, found = await api.call("GET", f"/api/v1/customers?{query}")
            assert (status, [c["id"] for c in found]) == (200, [ana["id"]])
        status, updated = await api.call("PATCH", f"/api/v1/customers/{ana['id']}",
                                         {"document": "X1", "tier": "gold", "by": "a1"})
        assert (status, updated["document"], updated["tier"]) == (200, "X1", "gold")
        status, conflict = await api.call("POST", "/api/v1/customers",
                                          {"name": "Eva", "document": "X1"})
        assert (status, conflict["error"]) == (409, "customer-conflict")
        status, missing = await api.call("GET", "/api/v1/customers")
        assert (status, missing["error"]) == (400, "bad-request")


async def test_errors_are_one_json_line_with_a_code(api: Api) -> None:
    async with asyncio.timeout(30):
        status, body = await api.call("GET", "/api/v1/cases/4c7b6a2e-0000-4000-8000-"
                                             "000000000000")
        assert (status, body["error"]) == (404, "no-such-case")
        status, body = await api.call("GET", "/api/v1/cases/not-a-uuid")
        assert (status, body["message"]) == (400, "case id must be a UUID, got 'not-a-uuid'")
        status, body = await api.call("POST", "/api/v1/cases", {"by": "a1",
                                                                "topic": "holidays"})
        assert (status, body["error"]) == (400, "not-in-catalogue")
        status, body = await api.call("GET", "/api/v1/cases?status=lost")
        assert status == 400 and "use open, pending, closed or active" in body["message"]


async def test_without_a_case_service_the_routes_answer_503(cases: Cases) -> None:
    async with asyncio.timeout(10), serving(cases, None) as api:
        status, body = await api.call("GET", "/api/v1/cases")
        assert (status, body["error"]) == (503, "service-unavailable")  # type: ignore[index]


async def test_cti_case_and_cti_customer_print_tables_and_one_line_errors(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    async def cli(*argv: str) -> int:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CTI_API_KEY", api.token)   # the admin's token, as a key would be
            return await asyncio.to_thread(main, [*argv, "--url", api.url])

    async with asyncio.timeout(30):
        assert await cli("customer", "add", "Ana Ruiz", "--phone", "600112233",
                         "--document", "12345678Z") == 0
        assert "created: Ana Ruiz" in capsys.readouterr().out
        assert await cli("customer", "find", "--document", "12345678Z") == 0
        found = capsys.readouterr().out
        assert "Ana Ruiz" in found and "600112233" in found
        ana = json.loads(json.dumps((await api.call("GET", "/api/v1/customers?name=Ana"))[1]))
        _, case = await api.call("POST", "/api/v1/cases", {
            "customer_id": ana[0]["id"], "by": "a1", "classification": FULL})
        assert await cli("case", "note", case["id"], "called back", "--by", "a1001") == 0
        assert "added to case" in capsys.readouterr().out
        assert await cli("case", "close", case["id"], "--by", "a1001") == 0
        assert "closed (perfect)" in capsys.readouterr().out
        assert await cli("case", "show", case["id"][:8]) == 0  # the first characters do
        shown = capsys.readouterr().out
        assert "CLOSED" in shown and "a1001: called back" in shown
        assert "bookings > new booking > package holiday > what is included" in shown
        assert await cli("case", "list", "--status", "closed") == 0
        assert case["id"] in capsys.readouterr().out
        assert await cli("customer", "show", ana[0]["id"]) == 0
        assert "no open cases" in capsys.readouterr().out
        assert await cli("case", "show", "ffffffff") == 2
        assert "none of the 500 newest cases has an id starting with 'ffffffff'" in \
            capsys.readouterr().err
        assert await cli("case", "close", case["id"], "--by", "a1001") == 2
        err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert err.startswith(f"cti: case {case['id']} is already closed")
