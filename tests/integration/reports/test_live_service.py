"""Live figures, /metrics, health and the live commands on a running service fed by the
simulator; the live figures equal the report's for the same day, before and after a
restart."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from service_env import Env, make_config, start_sim, wait_for

from cti.api.cli_key import cli_key
from cti.app import Service
from cti.calls import Phase
from cti.cli import main
from cti.config import load_config
from cti.reports.run import ReportSpec, run_report

BOOKINGS, BILLING = ["1", "1"], ["3"]
COMPARED = ("offered", "answered", "abandoned", "short_abandoned", "answered_in_sl",
            "service_level", "exited")


def _report_settings(config_dir: Path) -> None:
    cti = yaml.safe_load((config_dir / "cti.yaml").read_text())
    cti["reports"] = {"short_abandon_seconds": 1.0,
                      "alerts": {"pause_seconds": 0.5, "check_every": 0.1,
                                 "service_level_min_calls": 1}}
    (config_dir / "cti.yaml").write_text(yaml.safe_dump(cti))


@contextlib.asynccontextmanager
async def service_on(dsn: str, config_dir: Path, sim: Any) -> AsyncIterator[Service]:
    service = Service(load_config(config_dir), dsn=dsn)
    await service.start()
    assert service.agi is not None
    sim.core.agi_override = ("127.0.0.1", service.agi.port)
    try:
        yield service
    finally:
        await service.stop()


async def _get(service: Service, path: str, **headers: str) -> tuple[int, Any, Any]:
    url = f"http://127.0.0.1:{service.http_port}{path}"
    # the API needs a key: the operator key the service wrote for the cti command
    headers["Authorization"] = f"Bearer {cli_key(service.config.directory)}"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        body = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, body, r.headers


def _metrics(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


async def _queued(env: Env, call: Any) -> Any:
    return await wait_for(
        lambda: (live := env.service.calls.by_uniqueid(call.uniqueid)) is not None
        and live.phase is Phase.WAITING and live, timeout=20, what="call waiting")


async def _abandon_after(env: Env, call: Any, seconds: float) -> None:
    live = await _queued(env, call)
    await wait_for(lambda: time.time() - live.queued_at >= seconds, timeout=20,
                   what=f"{seconds}s of waiting")
    env.sim.hangup(call.name)
    await call.wait_ended()


async def _report(service: Service, kind: str) -> dict[str, dict[str, Any]]:
    today = datetime.now(UTC).date()
    assert service.store is not None
    r = await run_report(service.store.pool, ReportSpec(kind, today, today), service.config,
                         now=datetime.now(UTC))
    key = "queue" if kind == "queues" else "agent"
    return {row[key]: row for row in r.rows} | {"": r.total or {}}


async def test_live_figures_metrics_and_commands_agree_with_the_records(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(120):
        sim = await start_sim()
        config_dir = make_config(tmp_path / "config", sim.ami_port)
        _report_settings(config_dir)
        try:
            async with service_on(dsn, config_dir, sim) as service:
                env = Env(sim, service, config_dir, dsn)
                before = await _traffic_then_check(env, capsys)
            # A restart: the day is read back from the records, queues and agents alike.
            async with service_on(dsn, config_dir, sim) as service:
                status, after, _ = await _get(service, "/api/v1/live")
                assert status == 200
                for name in ("bookings", "billing"):
                    now = next(q for q in after["queues"] if q["name"] == name)["today"]
                    assert {k: now[k] for k in COMPARED} == before[name]
                a1001 = next(a for a in after["agents"] if a["agent_id"] == "a1001")
                assert (a1001["offered"], a1001["answered"]) == before["a1001"]
        finally:
            await sim.stop()


async def _scraped_when_stored(env: Env) -> dict[str, Any]:
    """/metrics after a flush, once the write lag reads 0: an event may come between
    the flush and the scrape (an alert from its timer), so flush again until none did."""
    for _ in range(20):
        await env.flushed()
        scraped = _metrics((await _get(env.service, "/metrics"))[1])
        if scraped["cti_db_write_lag_seconds"][()] == 0.0:
            return scraped
        await asyncio.sleep(0.1)
    raise AssertionError(f"write lag {scraped['cti_db_write_lag_seconds'][()]} s after "
                         "20 flushes: the gauge does not return to 0 once all is stored")


async def _traffic_then_check(env: Env, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    service, sim = env.service, env.sim
    await env.ready("a1001")
    answered = sim.place_call("5550001", "", "900", digits=BOOKINGS, talk_seconds=2)
    short = sim.place_call("5550002", "", "900", digits=BILLING)    # nobody for billing
    long = sim.place_call("5550003", "", "900", digits=BILLING)

    # /metrics while the traffic runs, parsed as Prometheus would
    status, text, headers = await _get(service, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    scraped = _metrics(text)
    assert scraped["cti_ami_link_up"][(("node", "pbx1"),)] == 1.0
    assert (("queue", "bookings"),) in scraped["cti_queue_calls_waiting"]
    assert scraped["cti_queue_longest_wait_seconds"][(("queue", "billing"),)] >= 0
    assert scraped["cti_db_up"][()] == 1.0
    assert scraped["cti_websocket_clients"][()] == 0
    assert sum(scraped["cti_agents"].values()) == len(service.config.agents)

    # `cti queue show` lists the two billing callers waiting, with their positions
    await asyncio.gather(_queued(env, short), _queued(env, long))
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["queue", "show", "billing", "--url",
                                          f"http://127.0.0.1:{service.http_port}",
                                          "--config", str(service.config.directory)]) == 0
    shown = capsys.readouterr().out
    assert "pos" in shown and "est. wait" in shown and "priority" in shown
    rows = [line.split() for line in shown.splitlines() if line.strip()[:2] in ("1 ", "2 ")]
    assert [r[0] for r in rows] == ["1", "2"], shown
    assert sorted(r[2] for r in rows) == ["5550002", "5550003"], shown

    await asyncio.gather(_abandon_after(env, short, 0.0), _abandon_after(env, long, 1.5),
                         answered.wait_ended())
    await wait_for(lambda: len(service.calls) == 0, timeout=20, what="calls closed")
    scraped = await _scraped_when_stored(env)
    assert sum(scraped["cti_events_processed_total"].values()) > 10
    assert scraped["cti_routing_latency_seconds_count"][()] >= 1
    assert scraped["cti_queue_calls_today"][(("kind", "short_abandoned"),
                                              ("queue", "billing"))] == 1.0
    assert scraped["cti_fastagi_sessions"][()] >= 0

    # the live figures and the report of the same records: one definition
    status, doc, headers = await _get(service, "/api/v1/live", **{"X-Request-Id": "abc-123"})
    assert status == 200 and headers["X-Request-Id"] == "abc-123"
    live = {q["name"]: {k: q["today"][k] for k in COMPARED} for q in doc["queues"]}
    report = await _report(service, "queues")
    for name in ("bookings", "billing"):
        assert live[name] == {k: report[name][k] for k in COMPARED}, name
    assert live["billing"]["short_abandoned"] == 1 and live["billing"]["abandoned"] == 1
    assert live["bookings"]["answered"] == 1
    for name in ("bookings", "billing"):              # /metrics counts the same way
        assert scraped["cti_queue_service_level_percent"][(("queue", name),)] == \
            pytest.approx(report[name]["service_level"]), name
    assert scraped["cti_queue_service_level_target_percent"][(("queue", "bookings"),)] == \
        service.config.queues["bookings"].service_level.percent
    assert {labels for labels in scraped["cti_db_pending_events"]} >= {
        (("stage", "recorder"),), (("stage", "journal"),)}
    centre = service.status()["centre"]["today"]
    assert centre["service_level"] == report[""]["service_level"]   # weighted, like the report
    agents = {a["agent_id"]: a for a in doc["agents"]}
    by_agent = await _report(service, "agents")
    assert (agents["a1001"]["offered"], agents["a1001"]["answered"]) == \
        (by_agent["a1001"]["offered"], by_agent["a1001"]["answered"]) == (1, 1)

    # the report over REST, as JSON and CSV
    status, body, _ = await _get(service, "/api/v1/reports/queues")
    assert status == 200 and body["total"]["offered"] == report[""]["offered"]
    status, csv_text, _ = await _get(service, "/api/v1/reports/queues?format=csv&by=hour")
    assert status == 200 and csv_text.startswith("period,queue,sl_target,offered")
    status, body, _ = await _get(service, "/api/v1/reports/teapots")
    assert status == 400 and "unknown report 'teapots'" in body["message"]

    # an agent paused past the limit raises an alert: an event and a metric
    await service.agent_command("a1002", "login", None)
    await service.agent_command("a1002", "pause", "break")
    await wait_for(lambda: service.monitor is not None
                   and ("pause", "a1002") in service.monitor.alerts.active, timeout=10,
                   what="pause alert")
    scraped = _metrics((await _get(service, "/metrics"))[1])
    assert scraped["cti_alerts_active"][(("kind", "pause"),)] >= 1
    await env.flushed()
    assert service.store is not None
    types = await service.store.pool.fetch(
        "SELECT data FROM events WHERE type = 'alert.raised' AND agent_id = 'a1002'")
    assert types and "break" in types[0]["data"]["detail"]

    # health, readiness and the live commands against the running service
    assert (await _get(service, "/health"))[0] == 200
    status, ready, _ = await _get(service, "/ready")
    assert status == 200 and ready["ready"] and ready["ami"] == {"pbx1": "up"}
    url = f"http://127.0.0.1:{service.http_port}"
    capsys.readouterr()
    for argv, says in ((["queues"], "bookings"), (["queue", "show", "bookings"], "nobody"),
                       (["agents"], "a1001"), (["watch", "--once"], "billing"),
                       (["status"], "today: answered")):
        assert await asyncio.to_thread(main, [*argv, "--url", url, "--config",
                                              str(service.config.directory)]) == 0, argv
        assert says in capsys.readouterr().out, argv
    assert await asyncio.to_thread(main, ["queue", "show", "nowhere", "--url", url,
                                          "--config", str(service.config.directory)]) == 2
    assert "no queue named 'nowhere'" in capsys.readouterr().err
    return {**live, "a1001": (agents["a1001"]["offered"], agents["a1001"]["answered"])}

