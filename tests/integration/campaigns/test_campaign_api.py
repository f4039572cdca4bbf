"""The campaigns' REST API and ``cti campaign`` against a running service."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from campaign_env import campaign_env, definition, rows, wait_for

from cti.cli import main


async def _cti(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


def _operator_key(env: Any) -> str:
    """The key the service writes at start for the ``cti`` commands (an admin)."""
    config = env.service.config
    return config.path(config.service.auth.operator_key_file).read_text().strip()


async def test_rest_api_creates_imports_whole_lists_only_and_runs_a_campaign(
        dsn: str, tmp_path: Path) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env, \
            aiohttp.ClientSession(f"http://127.0.0.1:{env.service.http_port}", headers={
                "Authorization": f"Bearer {_operator_key(env)}"}) as http:

        async def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            async with http.request(method, "/api/v1" + path, **kwargs) as response:
                return response.status, await response.json()

        async with asyncio.timeout(40):
            status, body = await call("POST", "/campaigns",
                                      json={"name": "Bad Name", "caller_id": "+34911111111"})
            assert (status, body["error"]) == (400, "invalid-campaign")
            assert body["message"].splitlines()[0].startswith("name: must be a lower-case")
            # 'by' is the signed-in user
            status, body = await call("POST", "/campaigns", json=definition(by="alice"))
            assert (status, body["status"]) == (201, "created")
            status, body = await call("POST", "/campaigns", json=definition())
            assert (status, body["error"]) == (409, "campaign-exists")

            bad = "Phone;Name\n612345601;Ana\n612345601;Ana again\nnot a number;X\n"
            status, body = await call("POST", "/campaigns/renewals/contacts?map.number=Phone",
                                      data=bad.encode(), headers={"Content-Type": "text/csv"})
            assert (status, body["error"]) == (400, "import-rejected")
            assert body["message"].splitlines()[:2] == [
                "upload: line 3: +34612345601 is already on line 2 of this list",
                "upload: line 4: 'not a number' is not a phone number (only digits, an "
                "optional leading + and spaces or dashes are allowed in a number to dial)"]
            assert await rows(env, "SELECT id FROM campaign_contacts") == []

            good = "Phone;Name;Debt\n612345601;Ana;120\n612345602;Bob;80\n"
            status, body = await call("POST", "/campaigns/renewals/contacts", json={
                "csv": good, "map": {"number": "Phone"}, "source": "debts.csv"})
            assert (status, body["imported"]) == (201, 2)
            status, body = await call("GET", "/campaigns/renewals/contacts")
            assert [(c["number"], c["attributes"]) for c in body] == [
                ("+34612345601", {"Debt": "120"}), ("+34612345602", {"Debt": "80"})]

            status, body = await call("POST", "/dnc", json={"numbers": ["612 345 602"]})
            assert (status, body["added"]) == (200, 1)
            status, body = await call("POST", "/campaigns/renewals/start", json={"by": "bob"})
            assert (status, body["status"]) == (200, "running")
            status, body = await call("POST", "/campaigns/renewals/start")
            assert (status, body["error"]) == (409, "campaign-state")

            await wait_for(lambda: env.service.campaigns.dialer.runs["renewals"].explanation
                           is not None, what="a pacing step")
            status, body = await call("GET", "/campaigns/renewals/pacing")
            assert status == 200 and body["figures"]["reason"] == "no-agents"
            assert body["explanation"].startswith("renewals progressive: 0 line(s), no-agents")
            status, body = await call("GET", "/campaigns/board")
            (panel,) = body
            assert {"lines_in_use", "answer_rate", "abandon", "agents", "to_agent_p99",
                    "pacing"} <= set(panel)
            assert panel["abandon"]["limit"] == 0.03
            status, body = await call("POST", "/campaigns/renewals/pause",
                                      json={"reason": "lunch"})
            assert (status, body["status"]) == (200, "paused")
            status, body = await call("GET", "/campaigns/nowhere")
            assert (status, body["error"]) == (404, "no-such-campaign")
            status, body = await call("POST", "/campaigns/previews/a1001",
                                      json={"decision": "dial"})
            assert (status, body["error"]) == (404, "no-such-preview")
            await env.flushed()
        (campaign,) = await rows(env, "SELECT status, status_by, status_reason, created_by, "
                                      "started_at IS NOT NULL AS started FROM campaigns")
        assert campaign == {"status": "paused", "status_by": "operator", "status_reason": "lunch",
                            "created_by": "operator", "started": True}


async def test_cti_campaign_commands(dsn: str, tmp_path: Path, capsys: Any,
                                     monkeypatch: Any) -> None:
    async with campaign_env(dsn, tmp_path / "config", agents=1) as env:
        url = f"http://127.0.0.1:{env.service.http_port}"
        monkeypatch.setenv("CTI_API_KEY", _operator_key(env))  # as --config would find it
        spec = tmp_path / "renewals.yaml"
        spec.write_text(yaml.safe_dump(definition()))
        bad = tmp_path / "bad.csv"
        bad.write_text("number\n612345601\nabc\n")
        good = tmp_path / "list.csv"
        good.write_text("Tel,Nombre\n612345601,Ana\n612345602,Bob\n")
        async with asyncio.timeout(30):
            assert await _cti("campaign", "create", str(spec), "--url", url) == 0
            assert "campaign renewals created (progressive, queue outbound" in \
                capsys.readouterr().out
            assert await _cti("campaign", "import", "renewals", str(bad), "--url", url) == 2
            assert capsys.readouterr().err.splitlines() == [
                "cti: bad.csv: line 3: 'abc' is not a phone number (only digits, an optional "
                "leading + and spaces or dashes are allowed in a number to dial)",
                "cti: bad.csv: nothing imported (1 bad row(s)); fix them and import the file "
                "again"]
            assert await _cti("campaign", "import", "renewals", str(good), "--map",
                              "number=Tel", "--map", "name=Nombre", "--url", url) == 0
            assert "list.csv: 2 contact(s) imported into renewals" in capsys.readouterr().out
            assert await _cti("campaign", "dnc", "612345602", "--campaign", "renewals",
                              "--url", url) == 0
            assert "1 number(s) added to the renewals do-not-call list" in \
                capsys.readouterr().out
            assert await _cti("campaign", "start", "renewals", "--url", url) == 0
            assert "campaign renewals: running\n" in capsys.readouterr().out
            assert await _cti("campaign", "status", "--url", url) == 0
            # (the service runs in this process: its log lines are in the output too)
            table = [line.split() for line in capsys.readouterr().out.splitlines()
                     if line.startswith(("campaign ", "renewals "))]
            assert table[0][:4] == ["campaign", "status", "mode", "queue"]
            assert table[1][:5] == ["renewals", "running", "progressive", "outbound", "2"]
            await wait_for(lambda: env.service.campaigns.dialer.runs["renewals"].explanation
                           is not None, what="a pacing step")
            assert await _cti("campaign", "status", "renewals", "--url", url) == 0
            assert "pacing: renewals progressive" in capsys.readouterr().out
            assert await _cti("campaign", "stop", "renewals", "--url", url) == 0
            capsys.readouterr()
            assert await _cti("campaign", "start", "renewals", "--url", url) == 2
            assert "cti: campaign renewals is stopped; create a new campaign to call again\n" \
                in capsys.readouterr().err
