"""Operators and phones control agents; the HTTP status; configuration reload."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import yaml
from service_env import Env, wait_for

from cti.api.cli_key import cli_key
from cti.cli import main as cli


def _url(env: Env) -> str:
    return f"http://127.0.0.1:{env.service.http_port}"


def _auth(env: Env) -> dict[str, str]:
    """The operator key the service wrote for the cti command (the API needs a key)."""
    return {"Authorization": f"Bearer {cli_key(env.config_dir)}"}


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(cli, list(argv))


async def test_status_json_reports_links_database_calls_and_agents(env: Env) -> None:
    async with asyncio.timeout(20):
        await env.ready("a1001", "a1002")
        async with (aiohttp.ClientSession() as http,
                    http.get(_url(env) + "/api/v1/status", headers=_auth(env)) as response):
            assert response.status == 200
            status = await response.json()
    assert status["ami"] == [{"name": "pbx1", "address": f"127.0.0.1:{env.sim.ami_port}",
                              "link": "up"}]
    assert status["database"] == "up"
    assert status["calls"]["waiting"] == 0
    assert status["agents_by_state"]["READY"] == 2
    assert {q["name"] for q in status["queues"]} >= {"bookings", "billing"}


async def test_cli_drives_agents_and_prints_status_tables(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(20):
        assert await _cli("agent", "login", "a1003", "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        assert env.agent_state("a1003") == "NOT_READY"
        assert await _cli("agent", "ready", "a1003", "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        assert env.agent_state("a1003") == "READY"
        assert await _cli("agent", "pause", "a1003", "--reason", "lunch",
                          "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        assert env.service.router.engine.agent("a1003").reason == "lunch"
        assert await _cli("agent", "logout", "a1003", "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        assert env.agent_state("a1003") == "LOGGED_OUT"
        out = capsys.readouterr().out
        assert "a1003: NOT_READY (lunch)" in out and "a1003: LOGGED_OUT" in out
        assert await _cli("status", "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        table = capsys.readouterr().out
        assert "AMI node" in table and "pbx1" in table and "bookings" in table


async def test_cli_errors_are_one_clear_line(env: Env,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(20):
        assert await _cli("agent", "ready", "nobody", "--url", _url(env),
                          "--config", str(env.config_dir)) == 2
        assert capsys.readouterr().err.strip() == (
            "cti: no agent with id 'nobody'; `cti status` lists the agents")
        assert await _cli("agent", "pause", "a1004", "--url", _url(env),
                          "--config", str(env.config_dir)) == 2
        assert capsys.readouterr().err == (
            "cti: agent a1004 is logged out: log it in first (cti agent login a1004)\n")
        assert await _cli("status", "--url", "http://127.0.0.1:1") == 1  # unreachable
        assert "cannot reach the service at http://127.0.0.1:1" in capsys.readouterr().err


async def test_api_rejects_bad_requests_with_json_errors(env: Env) -> None:
    async with asyncio.timeout(20), aiohttp.ClientSession() as http:
        async with http.post(_url(env) + "/api/v1/agents/a1001/dance",
                             headers=_auth(env)) as response:
            assert response.status == 400
            assert (await response.json())["error"] == "bad-request"
        async with http.post(_url(env) + "/api/v1/agents/a1001/pause", data="{not json",
                             headers={"Content-Type": "application/json",
                                      **_auth(env)}) as response:
            assert response.status == 400
            assert "not valid JSON" in (await response.json())["message"]
        async with http.post(_url(env) + "/api/v1/agents/zz/ready",
                             headers=_auth(env)) as response:
            assert response.status == 404
            assert (await response.json())["error"] == "no-such-agent"


async def test_phone_feature_codes_log_in_pause_and_log_out(env: Env) -> None:
    async with asyncio.timeout(20):
        env.sim.dial_feature("PJSIP/1005", "*45")  # routing.login_state: not_ready
        await wait_for(lambda: env.agent_state("a1005") == "NOT_READY", what="login by *45")
        assert env.service.router.engine.agent("a1005").reason == "login"
        env.sim.dial_feature("PJSIP/1005", "*47")
        await wait_for(lambda: env.agent_state("a1005") == "READY", what="ready by *47")
        env.sim.dial_feature("PJSIP/1005", "*48")
        await wait_for(lambda: env.agent_state("a1005") == "NOT_READY", what="pause by *48")
        env.sim.dial_feature("PJSIP/1005", "*47")
        await wait_for(lambda: env.agent_state("a1005") == "READY", what="ready by *47")
        env.sim.dial_feature("PJSIP/1005", "*46")
        await wait_for(lambda: env.agent_state("a1005") == "LOGGED_OUT", what="logout by *46")


async def test_reload_applies_new_agents_and_refuses_a_bad_config(env: Env) -> None:
    async with asyncio.timeout(30):
        await env.ready("a1001")
        agents = env.config_dir / "agents.yaml"
        doc = yaml.safe_load(agents.read_text())
        doc["agents"].append({"id": "a1099", "name": "New Agent", "endpoint": "PJSIP/1099",
                              "skills": {"bookings": 5}})
        agents.write_text(yaml.safe_dump(doc))
        result = await env.service.reload()
        assert result["agents"] == 12
        await env.service.agent_command("a1099", "ready", None)
        assert env.agent_state("a1099") == "READY"
        assert env.agent_state("a1001") == "READY"  # kept across the reload

        doc["agents"][0]["skills"]["bookings"] = 12
        agents.write_text(yaml.safe_dump(doc))
        async with (aiohttp.ClientSession() as http,
                    http.post(_url(env) + "/api/v1/reload", headers=_auth(env)) as response):
            assert response.status == 400
            body = await response.json()
        assert body["error"] == "invalid-config"
        assert "agents.yaml: agents[0].skills.bookings" in body["message"]
        assert env.agent_state("a1099") == "READY"  # the old config stays


def test_status_table_formatting_is_readable() -> None:
    from cti.service_cli import format_status

    status = json.loads(json.dumps({
        "uptime_seconds": 12.0, "database": "up", "calls": {"waiting": 3, "talking": 1},
        "ami": [{"name": "pbx1", "link": "up", "address": "127.0.0.1:5038"}],
        "queues": [{"name": "bookings", "waiting": 3, "longest_wait": 41.2, "offered": 10,
                    "answered": 8, "abandoned": 1, "service_level": 87.5}],
        "agents_by_state": {"READY": 2, "ON_CALL": 1, "WRAP_UP": 0},
        "agents": [{"agent_id": "a1001", "state": "ON_CALL", "reason": None,
                    "in_state_for": 62.4, "answered": 7},
                   {"agent_id": "a1002", "state": "NOT_READY", "reason": "lunch",
                    "in_state_for": 300.0, "answered": 2},
                   {"agent_id": "a1003", "state": "LOGGED_OUT", "reason": None,
                    "in_state_for": 0.0, "answered": 0}],
    }))
    text = format_status(status)
    assert "waiting 3   talking 1" in text
    assert "bookings        3           41s" in text
    assert "88%" in text
    assert "agents: READY 2, ON_CALL 1" in text  # states nobody is in are left out
    assert "a1002  NOT_READY  lunch   300s" in text and "a1003" not in text


async def test_cti_calls_and_explain_show_why_a_waiting_call_is_not_offered(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(30):
        await env.ready("a1007")
        await env.service.agent_command("a1007", "pause", "training")
        call = env.sim.place_call("5550001", "", "900", digits=["3"])  # billing
        await wait_for(lambda: env.service.status()["calls"]["waiting"] == 1, what="waiting")
        assert await _cli("calls", "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        listing = capsys.readouterr().out
        (interaction_id,) = env.service.router.engine.call_ids()
        assert interaction_id in listing and "waiting" in listing and "billing" in listing
        assert await _cli("explain", interaction_id, "--url", _url(env),
                          "--config", str(env.config_dir)) == 0
        out = capsys.readouterr().out
        assert await _cli("explain", "nope", "--url", _url(env),
                          "--config", str(env.config_dir)) == 2
        assert "no live call with interaction id 'nope'" in capsys.readouterr().err
        env.sim.hangup(call.name)
    assert f"{interaction_id}: WAITING in billing (needs billing>=2)" in out
    rows = {line.split()[0]: line for line in out.splitlines()[3:]}
    assert "a1007" in rows and "no" in rows["a1007"].split()[1]
    assert "training" in rows["a1007"]
    assert "a1001" not in rows  # no billing skill: not a member (shown with --all)
