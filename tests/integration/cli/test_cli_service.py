"""The commands that drive a running service, end to end: agent commands on an agent in
a call, pause reasons, `cti explain` by prefix, on an IVR call, with clock times."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from service_env import Env, running_service, wait_for

from cti.calls import Phase
from cti.cli import main


def _url(env: Env) -> str:
    return f"http://127.0.0.1:{env.service.http_port}"


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed on stdout (the service in this process logs there too)."""
    return "".join(line for line in capsys.readouterr().out.splitlines(keepends=True)
                   if not _LOG_LINE.match(line))


async def test_a_pause_on_an_agent_in_a_call_is_pending_and_status_shows_it(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(30):
        await env.ready("a1001")
        call = env.sim.place_call("5551234", "", "900", digits=["1", "1"], talk_seconds=120)
        await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="a1001 on call")
        assert await _cli("agent", "pause", "a1001", "--reason", "lunch",
                          "--url", _url(env)) == 0
        assert _out(capsys) == (
            "a1001: ON_CALL now; NOT_READY (lunch) once its call (and wrap-up) ends\n")
        assert await _cli("status", "--url", _url(env)) == 0
        row = next(line for line in _out(capsys).splitlines()
                   if line.startswith("a1001 "))
        assert row.split()[1] == "ON_CALL" and row.endswith("NOT_READY after this call")
        env.sim.hangup(call.name)
        await wait_for(lambda: env.agent_state("a1001") == "NOT_READY", what="the pause")
        assert env.service.router.engine.agent("a1001").reason == "lunch"


async def test_reasons_login_and_refusals_as_an_operator_sees_them(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(30):
        assert await _cli("agent", "login", "a1002", "--url", _url(env)) == 0
        assert _out(capsys) == "a1002: NOT_READY (login)\n"
        assert await _cli("agent", "login", "a1002", "--url", _url(env)) == 0
        assert _out(capsys) == "a1002: already NOT_READY (login)\n"
        assert await _cli("agent", "pause", "a1002", "--reason", "", "--url", _url(env)) == 2
        assert capsys.readouterr().err.startswith("cti: --reason is empty")
        assert env.service.router.engine.agent("a1002").reason == "login"  # not "break"
        assert await _cli("agent", "pause", "a1002", "--reason", "siesta",
                          "--url", _url(env)) == 2
        err = capsys.readouterr().err
        assert err.startswith("cti: unknown pause reason 'siesta'; known: break (Break), "
                              "lunch (Lunch), training (Training)")
        assert await _cli("agent", "pause", "a1002", "--url", _url(env)) == 0
        assert _out(capsys) == "a1002: NOT_READY (break)\n"
        assert await _cli("agent", "ready", "a1099", "--url", _url(env)) == 2
        assert "InvalidTransition" not in capsys.readouterr().err


async def test_explain_takes_a_prefix_and_says_an_ivr_call_is_not_queued(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(40):
        # no digits: the caller sits in the main menu's prompts and retries a while
        in_ivr = env.sim.place_call("5551234", "", "900", digits=[], patience=60)
        call = await wait_for(lambda: next(iter(env.service.calls), None), what="the call")
        assert call.phase is Phase.IVR
        assert await _cli("explain", call.interaction_id[:8], "--url", _url(env)) == 2
        assert capsys.readouterr().err == (
            f"cti: call {call.interaction_id} is in the IVR, not queued: nobody is offered it "
            "yet; `cti explain` works once it waits in a queue\n")
        env.sim.hangup(in_ivr.name)
        await wait_for(lambda: not list(env.service.calls), what="the IVR call to end")

        await env.ready("a1007")
        await env.service.agent_command("a1007", "pause", "training")
        waiting = env.sim.place_call("5550001", "", "900", digits=["3"])  # billing
        await wait_for(lambda: env.service.status()["calls"]["waiting"] == 1, what="waiting")
        (interaction_id,) = env.service.router.engine.call_ids()
        assert await _cli("explain", interaction_id[:6], "--url", _url(env)) == 0
        out = _out(capsys)
        assert out.startswith(f"{interaction_id}: WAITING in billing")
        assert await _cli("explain", "zzzz", "--url", _url(env)) == 2
        assert "no live call with interaction id 'zzzz'" in capsys.readouterr().err
        env.sim.hangup(waiting.name)


async def test_explain_prints_clock_times_and_the_wait_stops_at_the_answer(
        dsn: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    async with running_service(dsn, tmp_path / "config",
                               queues={"bookings": {"wrapup": 60}}) as env:
        async with asyncio.timeout(40):
            await env.ready("a1001")
            first = env.sim.place_call("5551234", "", "900", digits=["1", "1"],
                                       talk_seconds=120)
            await wait_for(lambda: env.agent_state("a1001") == "ON_CALL", what="on call")
            (talking,) = env.service.live_calls()
            await asyncio.sleep(1.2)  # the wait must not grow while they talk
            (again,) = env.service.live_calls()
            assert again["waited"] == talking["waited"] and again["age"] > talking["age"]
            report = env.service.explain(talking["interaction_id"])
            assert report["waited"] == talking["waited"]
            env.sim.hangup(first.name)
            await wait_for(lambda: env.agent_state("a1001") == "WRAP_UP", what="wrap-up")
            second = env.sim.place_call("5557777", "", "900", digits=["1", "1"])
            await wait_for(lambda: env.service.status()["calls"]["waiting"] == 1,
                           what="a waiting call")
            (interaction_id,) = env.service.router.engine.call_ids()
            assert await _cli("explain", interaction_id, "--url", _url(env)) == 0
            out = _out(capsys)
            env.sim.hangup(second.name)
    row = next(line for line in out.splitlines() if line.startswith("a1001 "))
    until = re.search(r"in wrap-up until (\d\d:\d\d:\d\d)", row)
    assert until, row
    # the centre's time zone (UTC in this config), a minute from now: not the loop clock
    wall = datetime.now(UTC)
    at = datetime.strptime(until.group(1), "%H:%M:%S").replace(
        year=wall.year, month=wall.month, day=wall.day, tzinfo=UTC)
    assert 0 < (at - wall).total_seconds() % 86400 < 70
    assert re.search(r"waited \d+s \(since \d\d:\d\d:\d\d\)", out.splitlines()[0])
