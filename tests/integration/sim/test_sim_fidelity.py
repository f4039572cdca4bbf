"""The simulator against real Asterisk 20 recordings (shared/asterisk-traces).

Each scenario's recorded AMI actions are replayed against a SimPbx running
the recorded extensions.conf, with a scripted FastAGI server playing the
recorded IVR commands and the recorded phones and customers (sim_replay.configure).
Compared: per channel, the sequence of call events (COMPARED in sim_replay)
with every field name and every value (Privilege included) except ids, times
and counters; every response and list event by ActionID; every line the
FastAGI server receives (ids normalised). Ids include MixMonitorIDs (a pointer
Asterisk prints) and the monitor spool directory in MIXMONITOR_FILENAME.

Accepted differences, on purpose:
- Order across channels is not compared: Asterisk interleaves events of
  different channels by thread scheduling; the simulator has one loop.
- Events without a channel (LocalBridge, BridgeCreate/Destroy,
  OriginateResponse, BlindTransfer, ChanSpyStart/Stop, FullyBooted,
  SuccessfulAuth, RequestBadFormat) are compared as one sequence per type.
- Not compared: chan_sip/RTP variables (SIPCALLID, RTPAUDIOQOS..., no SIP
  dialogue or RTP here), the values of duration variables (ANSWEREDTIME...),
  DeviceStateChange (Asterisk repeats unchanged device states from its cache
  threads; the simulator sends one event per real change), RTCPSent (the
  simulated phones have no RTP session to report on).
- STREAM FILE ``endpos`` after an interruption depends on timing.
- Calls no AMI action made (the SIP trunk call of 15, the feature code dialled
  by a SIP phone in 20) are started by the replay at their recorded time, and
  the trunk's far end hangs up at the recorded time with the recorded cause.
- 21 (restart): the replay reconnects where the recorded client did.
"""

from __future__ import annotations

import asyncio
import re

import pytest
import sim_replay as replay_mod

SCENARIOS = sorted(p.name[: -len(".ami.jsonl")] for p in replay_mod.TRACES.glob("*.ami.jsonl"))

#: scenarios not replayed, and why (none at the moment: all 25 are replayed)
KNOWN_GAPS: dict[str, str] = {}
#: event types left out of one scenario's comparison, and why
ACCEPTED: dict[str, tuple[str, str]] = {
    "22-hold-by-redirect-and-bridge": (
        "NewCallerid", "Asterisk publishes the Local ;1 NewCallerid (the connected line "
        "passed through the pair after the Bridge action) after that channel's Hangup, "
        "from a queued frame; the simulator publishes it when the caller id changes"),
}
SPEED = 3.0


def _norm_agi(line: str) -> str:
    line = re.sub(r"^(agi_threadid|agi_uniqueid): .*", r"\1", line)
    line = re.sub(r"\d{10}\.\d+", "<id>", line)
    return re.sub(r"endpos=\d+", "endpos=N", line) if "result=-1" in line else line


@pytest.fixture(scope="module")
def replays() -> dict[str, replay_mod.Replay]:
    """Run every replayable scenario once, concurrently, each on its own simulator."""
    stems = [s for s in SCENARIOS if s not in KNOWN_GAPS]

    async def run_all() -> list[replay_mod.Replay]:
        async with asyncio.timeout(60):
            return await asyncio.gather(*(replay_mod.replay(s, SPEED) for s in stems))

    return {r.trace.name: r for r in asyncio.run(run_all())}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s not in KNOWN_GAPS])
def test_sim_events_per_channel_match_recording(scenario: str,
                                                replays: dict[str, replay_mod.Replay]) -> None:
    result = replays[scenario]
    left_out = ACCEPTED.get(scenario, ("", ""))[0]
    want = replay_mod.per_channel([m for m in result.trace.received
                                   if m.get("Event") != left_out])
    got = replay_mod.per_channel([m for m in result.received if m.get("Event") != left_out])
    for channel, events in want.items():
        assert got.get(channel) == events, f"{scenario}: events of {channel} differ"
    assert set(got) == set(want), f"{scenario}: channels only in the simulator"


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s not in KNOWN_GAPS])
def test_sim_events_without_channel_match_recording(
        scenario: str, replays: dict[str, replay_mod.Replay]) -> None:
    """LocalBridge, BridgeCreate/Destroy, OriginateResponse, BlindTransfer, ChanSpy*, ...:
    per event type, the same sequence."""
    result = replays[scenario]
    want = replay_mod.others(result.trace.received)
    got = replay_mod.others(result.received)
    for event, messages in want.items():
        assert got.get(event) == messages, f"{scenario}: {event} events differ"
    assert set(got) == set(want), f"{scenario}: event types only in the simulator"


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s not in KNOWN_GAPS])
def test_sim_responses_match_recording(scenario: str,
                                       replays: dict[str, replay_mod.Replay]) -> None:
    result = replays[scenario]
    want = replay_mod.responses(result.trace.received)
    got = replay_mod.responses(result.received)
    for action_id, messages in want.items():
        assert got.get(action_id) == messages, f"{scenario}: answer to {action_id} differs"


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s not in KNOWN_GAPS])
def test_sim_fastagi_lines_match_recording(scenario: str,
                                           replays: dict[str, replay_mod.Replay]) -> None:
    result = replays[scenario]
    assert result.agi is not None
    for number, lines in result.trace.agi_sessions.items():
        want = [_norm_agi(x["line"]) for x in lines if x["dir"] == "in"]
        got = [_norm_agi(x) for x in result.agi.received.get(number, [])]
        assert got == want, f"{scenario}: FastAGI session {number} differs"


def test_sim_known_gaps_name_real_scenarios() -> None:
    assert set(KNOWN_GAPS) | set(ACCEPTED) <= set(SCENARIOS)
