"""AGISTATUS as res_agi.c's run_agi sets it, built on 19-agi-errors.

In 19 the script's commands got a 510, a 520 usage, a missing prompt
(``200 result=-1 endpos=0``), an unknown application (``200 result=-2``), then
the script hung up the channel itself and finished normally: AGISTATUS was
FAILURE. Only the missing prompt counts as a failure (STREAM FILE's handler
returns RESULT_FAILURE while the channel is up); without it the same session
ends HANGUP, and a failure in a session that ends normally lets the dialplan
go on with FAILURE (where the project's dialplan sends the caller to its
fallback).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sim_ami import Ami, running
from sim_replay import TRACES

from cti.sim import Dialplan, SimPbx

PLAN = """
[in]
exten => 900,1,Answer()
 same => n,AGI(agi://127.0.0.1/ivr)
 same => n,UserEvent(AgiDone,Status: ${AGISTATUS})
 same => n,Hangup()
"""
#: the commands the IVR of 19-agi-errors sent, in order
RECORDED = [json.loads(line)["line"] for line in
            (TRACES / "19-agi-errors.agi.jsonl").read_text().splitlines()
            if json.loads(line)["dir"] == "out"]
MISSING_PROMPT = 'STREAM FILE no-such-prompt ""'
#: the recorded commands that need no caller input
ERRORS = [c for c in RECORDED if not c.startswith(("GET DATA", "HANGUP", "GET VARIABLE CTI"))]


class ScriptServer:
    """FastAGI server sending one list of commands per session, reading each answer."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.answers: list[str] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (await reader.readline()).strip():
            pass
        for command in self.commands:
            writer.write(f"{command}\n".encode())
            while True:
                line = (await reader.readline()).decode().rstrip("\n")
                self.answers.append(line)
                if not line or (line[:3].isdigit() and line[3:4] == " "):
                    break
        writer.close()


@pytest.fixture
async def sim() -> AsyncIterator[tuple[SimPbx, Ami, ScriptServer]]:
    agi = ScriptServer()
    port = await agi.start()
    pbx = SimPbx(secret="s3cret", speed=20.0, dialplan=Dialplan.parse(PLAN),
                 agi_address=("127.0.0.1", port))
    try:
        async with running(pbx) as ami:
            yield pbx, ami, agi
    finally:
        agi.server.close()


async def _run(pbx: SimPbx, ami: Ami, agi: ScriptServer, commands: list[str]) -> str:
    agi.commands = commands
    call = pbx.place_call("5552222", "", "900", context="in")
    async with asyncio.timeout(10):
        await call.wait_ended()
        status = await ami.wait_for(Event="VarSet", Channel=call.name, Variable="AGISTATUS")
    return status["Value"]


def test_sim_the_recorded_session_ended_failure() -> None:
    """The ground truth the cases below vary."""
    recorded = [json.loads(line) for line in
                (TRACES / "19-agi-errors.ami.jsonl").read_text().splitlines()]
    assert any("Variable: AGISTATUS\r\nValue: FAILURE" in r["raw"] for r in recorded)
    assert MISSING_PROMPT in RECORDED and RECORDED[-2] == "HANGUP"


async def test_sim_missing_prompt_then_own_hangup_is_failure(sim) -> None:
    pbx, ami, agi = sim
    assert await _run(pbx, ami, agi, [*ERRORS, "HANGUP"]) == "FAILURE"
    assert "200 result=-1 endpos=0" in agi.answers
    end = next(m for m in ami.messages if m.get("Event") == "AGIExecEnd"
               and m["Command"] == MISSING_PROMPT)
    assert (end["ResultCode"], end["Result"]) == ("-1", "Failure")
    assert not any(m.get("UserEvent") == "AgiDone" for m in ami.messages)


async def test_sim_errors_that_are_not_failures_then_own_hangup_is_hangup(sim) -> None:
    pbx, ami, agi = sim
    commands = [c for c in ERRORS if c != MISSING_PROMPT]
    assert await _run(pbx, ami, agi, [*commands, "HANGUP"]) == "HANGUP"
    assert {"510 Invalid or unknown command", "520 End of proper usage.",
            "200 result=-2"} <= set(agi.answers)


async def test_sim_failure_in_a_session_that_ends_normally_goes_on_in_the_dialplan(sim) -> None:
    pbx, ami, agi = sim
    assert await _run(pbx, ami, agi, ["ANSWER", MISSING_PROMPT, "VERBOSE done 1"]) == "FAILURE"
    done = next(m for m in ami.messages if m.get("UserEvent") == "AgiDone")
    assert done["Status"] == "FAILURE"


async def test_sim_clean_session_is_success(sim) -> None:
    pbx, ami, agi = sim
    assert await _run(pbx, ami, agi, ["ANSWER", 'STREAM FILE cti-welcome ""']) == "SUCCESS"
