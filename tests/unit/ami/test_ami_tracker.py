"""CallTracker on hand-written event sequences the captures do not contain."""

from __future__ import annotations

import logging

import pytest

from cti.ami import events as ev
from cti.ami.channels import device_of
from cti.ami.tracker import CallTracker


def chan(event: str, name: str, uid: str, linkedid: str = "1.0", **extra: str) -> dict:
    return {"Event": event, "Channel": name, "Uniqueid": uid, "Linkedid": linkedid,
            "ChannelState": extra.pop("ChannelState", "6"), **extra}


def feed(tracker: CallTracker, *msgs: dict) -> list[ev.CallEvent]:
    return [e for m in msgs for e in tracker.feed(m)]


@pytest.mark.parametrize(("name", "device"), [
    ("SIP/agent1101-0000000d", "SIP/agent1101"),
    ("PJSIP/1001-0000002a", "PJSIP/1001"),
    ("Local/1001@agents-0000005f;1", "Local/1001@agents"),
    ("SIP/127.0.0.1-0000000c", "SIP/127.0.0.1"),
    ("PJSIP/trunk-a", "PJSIP/trunk"),
    ("DAHDI/1-1", "DAHDI/1"),
])
def test_device_is_the_channel_name_without_its_call_suffix(name: str, device: str) -> None:
    assert device_of(name) == device


def test_phone_hold_and_resume_are_reported() -> None:
    t = CallTracker("n")
    out = feed(t, chan("Newchannel", "PJSIP/1001-01", "1.1"),
               chan("Hold", "PJSIP/1001-01", "1.1", MusicClass="default"),
               chan("Unhold", "PJSIP/1001-01", "1.1"))
    assert [type(e).__name__ for e in out] == ["CallStarted", "CallHeld", "CallResumed"]
    assert out[1].channel.device == "PJSIP/1001"


def test_attended_transfer_names_the_three_parties() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/cust-01", "1.1", "1.1"),
         chan("Newchannel", "PJSIP/1001-02", "1.2", "1.1"),
         chan("Newchannel", "PJSIP/1001-03", "2.1", "2.1"),
         chan("Newchannel", "PJSIP/1002-04", "2.2", "2.1"))
    out = t.feed({"Event": "AttendedTransfer", "Result": "Success", "DestType": "Bridge",
                  "OrigTransfererChannel": "PJSIP/1001-02", "OrigTransfererUniqueid": "1.2",
                  "SecondTransfererChannel": "PJSIP/1001-03",
                  "SecondTransfererUniqueid": "2.1",
                  "TransfereeChannel": "PJSIP/cust-01", "TransfereeUniqueid": "1.1",
                  "TransferTargetChannel": "PJSIP/1002-04", "TransferTargetUniqueid": "2.2"})
    [xfer] = out
    assert isinstance(xfer, ev.AttendedTransferred)
    assert (xfer.transferer.device, xfer.transferee.device, xfer.target.device) == (
        "PJSIP/1001", "PJSIP/cust", "PJSIP/1002")
    assert (xfer.dest_type, xfer.result, xfer.call_id) == ("Bridge", "Success", "n/1.1")


def test_local_optimization_swap_leaves_the_real_parties_talking() -> None:
    """Caller in B1 with Local;1, Local;2 in B2 with the agent; Asterisk swaps the agent
    into B1 and the Local pair goes away."""
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/cust-01", "1.1"),
         chan("Newchannel", "Local/1001@agents-00000001;1", "1.2"),
         chan("Newchannel", "Local/1001@agents-00000001;2", "1.3"),
         chan("Newchannel", "PJSIP/1001-02", "1.4"),
         chan("BridgeEnter", "PJSIP/cust-01", "1.1", BridgeUniqueid="B1"),
         chan("BridgeEnter", "Local/1001@agents-00000001;1", "1.2", BridgeUniqueid="B1"),
         chan("BridgeEnter", "Local/1001@agents-00000001;2", "1.3", BridgeUniqueid="B2"))
    out = feed(t, chan("BridgeEnter", "PJSIP/1001-02", "1.4", BridgeUniqueid="B2"))
    assert {p.device for p in out[-1].parties} == {"PJSIP/cust", "PJSIP/1001"}
    out = feed(t, {"Event": "LocalOptimizationBegin"},
               chan("BridgeLeave", "PJSIP/1001-02", "1.4", BridgeUniqueid="B2"),
               chan("BridgeEnter", "PJSIP/1001-02", "1.4", BridgeUniqueid="B1",
                    SwapUniqueid="1.2"),
               chan("BridgeLeave", "Local/1001@agents-00000001;1", "1.2", BridgeUniqueid="B1"),
               chan("BridgeLeave", "Local/1001@agents-00000001;2", "1.3", BridgeUniqueid="B2"),
               {"Event": "LocalOptimizationEnd", "Success": "Yes"},
               chan("Hangup", "Local/1001@agents-00000001;1", "1.2", Cause="16"),
               chan("Hangup", "Local/1001@agents-00000001;2", "1.3", Cause="16"))
    bridged = [e for e in out if isinstance(e, ev.PartiesBridged)]
    assert {p.device for p in bridged[-1].parties} == {"PJSIP/cust", "PJSIP/1001"}
    assert [p.device for p in t.talking_with("1.1")] == ["PJSIP/1001"]
    assert not [e for e in out if isinstance(e, ev.CallEnded)]


def test_rename_changes_the_name_on_later_snapshots() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/1001-01", "1.1"),
         {"Event": "Rename", "Channel": "PJSIP/1001-01", "Newname": "PJSIP/1001-01<ZOMBIE>",
          "Uniqueid": "1.1"})
    assert t.channel("1.1").name == "PJSIP/1001-01<ZOMBIE>"


def test_events_after_a_hangup_do_not_bring_the_channel_back() -> None:
    t = CallTracker("n")
    out = feed(t, chan("Newchannel", "SIP/a-01", "1.1"),
               chan("Hangup", "SIP/a-01", "1.1", Cause="16"),
               chan("NewCallerid", "SIP/a-01", "1.1", CallerIDNum="5551234"),
               chan("VarSet", "SIP/a-01", "1.1", Variable="CTI_X", Value="1"))
    assert [type(e).__name__ for e in out] == ["CallStarted", "ChannelHungUp", "CallEnded"]
    assert t.channels() == []


def test_hangup_of_an_unknown_channel_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    t = CallTracker("n")
    with caplog.at_level(logging.WARNING):
        assert t.feed(chan("Hangup", "SIP/zz-01", "9.9", Cause="16")) == []
    assert "unknown channel 9.9" in caplog.text


def test_joining_a_running_asterisk_learns_channels_from_any_event() -> None:
    t = CallTracker("n")
    out = feed(t, chan("VarSet", "SIP/a-01", "5.1", "5.0", Variable="CTI_INTERACTION",
                       Value="int-5"),
               chan("Hangup", "SIP/a-01", "5.1", "5.0", Cause="16"))
    assert [type(e).__name__ for e in out] == ["InteractionTagged", "ChannelHungUp", "CallEnded"]
    assert out[1].channel.interaction == "int-5" and out[1].call_id == "n/5.0"


def test_an_event_missing_a_key_field_is_skipped_not_fatal(
        caplog: pytest.LogCaptureFixture) -> None:
    t = CallTracker("n")
    with caplog.at_level(logging.WARNING):
        assert t.feed({"Event": "BridgeEnter", "Channel": "SIP/a-01"}) == []
        assert t.feed({"Event": "Hangup", "Channel": "x", "Uniqueid": "1", "Cause": "abc"}) \
            == []
    assert "BridgeEnter event without a usable" in caplog.text
    assert t.feed(chan("Newchannel", "SIP/b-01", "2.1"))  # still works


def test_repeated_device_states_are_reported_once() -> None:
    t = CallTracker("n")
    out = feed(t, *[{"Event": "DeviceStateChange", "Device": "PJSIP/1001", "State": s}
                    for s in ("INUSE", "INUSE", "RINGING", "NOT_INUSE", "NOT_INUSE")])
    assert [e.state for e in out] == ["INUSE", "RINGING", "NOT_INUSE"]


def test_non_cti_variables_are_not_kept() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "SIP/a-01", "1.1"),
         chan("VarSet", "SIP/a-01", "1.1", Variable="RTPAUDIOQOS", Value="ssrc=1"),
         chan("VarSet", "SIP/a-01", "1.1", Variable="CTI_ACTION", Value="queue"))
    assert t.channel("1.1").cti_vars == {"CTI_ACTION": "queue"}


def test_resync_rebuilds_bridges_and_reports_what_changed() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "SIP/old-01", "7.1", "7.1"))
    out = t.resync([
        {"Channel": "SIP/cust-02", "Uniqueid": "8.1", "Linkedid": "8.1", "BridgeId": "B"},
        {"Channel": "SIP/agent-03", "Uniqueid": "8.2", "Linkedid": "8.1", "BridgeId": "B"},
    ])
    kinds = [type(e).__name__ for e in out]
    assert kinds == ["ChannelHungUp", "CallEnded", "CallStarted", "Resynced"]
    assert out[0].lost and out[1].lost and out[1].call_id == "n/7.1"
    assert out[-1] == ev.Resynced("n", ("n/7.1",), ("n/8.1",), 2)
    assert [p.device for p in t.talking_with("8.1")] == ["SIP/agent"]


def test_calls_lost_while_down_end_when_the_link_went_down_not_at_the_resync() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "SIP/old-01", "7.1", "7.1"))
    out = t.resync([], ended_at=1795442000.25)
    hung, ended, resynced = out
    assert isinstance(hung, ev.ChannelHungUp) and hung.ended_at == 1795442000.25
    assert isinstance(ended, ev.CallEnded) and ended.ended_at == 1795442000.25
    assert resynced == ev.Resynced("n", ("n/7.1",), (), 0, ended_at=1795442000.25)


def test_user_events_of_the_dialplan_contract_are_typed() -> None:
    t = CallTracker("n")
    out = feed(t, chan("UserEvent", "PJSIP/1001-01", "3.1", UserEvent="CTIAgentPause",
                       Endpoint="PJSIP/1001"),
               chan("UserEvent", "PJSIP/1001-01", "3.1", UserEvent="CTIAgentReady",
                    Endpoint="PJSIP/1001"),
               {"Event": "UserEvent", "UserEvent": "CTIAgentLogout", "Endpoint": "PJSIP/1002"})
    features = [(e.feature, e.endpoint) for e in out if isinstance(e, ev.AgentFeatureUsed)]
    assert features == [("pause", "PJSIP/1001"), ("ready", "PJSIP/1001"),
                        ("logout", "PJSIP/1002")]
    assert out[0].fields == {"Endpoint": "PJSIP/1001"}


def test_to_dict_is_json_ready() -> None:
    import json

    t = CallTracker("n")
    [started] = t.feed(chan("Newchannel", "SIP/a-01", "1.1"))
    data = json.loads(json.dumps(ev.to_dict(started)))
    assert data["event"] == "CallStarted" and data["channel"]["device"] == "SIP/a"


# --- recording, supervision, AMD, DTMF (the captures show the common order) ------------


def mixmonitor_start(t: CallTracker, uid: str, file: str, *between: dict) -> list:
    return feed(t, chan("VarSet", "PJSIP/cust-01", uid, Variable="MIXMONITOR_FILENAME",
                        Value=file), *between,
                chan("MixMonitorStart", "PJSIP/cust-01", uid))


def test_recording_of_a_channel_that_hangs_up_stops_with_it() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/cust-01", "1.1", "1.1"))
    [started] = mixmonitor_start(t, "1.1", "/rec/a.wav")
    assert (started.file, started.mixmonitor_id) == ("/rec/a.wav", None)  # no i(): no ID
    out = feed(t, chan("Hangup", "PJSIP/cust-01", "1.1", "1.1", Cause="16"))
    assert [type(e).__name__ for e in out] == ["RecordingStopped", "ChannelHungUp", "CallEnded"]
    assert (out[0].file, out[0].by_hangup) == ("/rec/a.wav", True)


def test_the_id_is_the_variable_set_after_the_file_not_a_bridge_variable() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/cust-01", "1.1", "1.1"))
    [started] = mixmonitor_start(
        t, "1.1", "/rec/a.wav",
        chan("VarSet", "PJSIP/cust-01", "1.1", Variable="BRIDGEPEER", Value="0xnot-it"),
        chan("VarSet", "PJSIP/cust-01", "1.1", Variable="REC_ID", Value="0x55d0c0a8"),
        chan("VarSet", "PJSIP/cust-01", "1.1", Variable="BRIDGEPVTCALLID", Value="x@y"))
    assert started.mixmonitor_id == "0x55d0c0a8"


def test_two_recordings_on_one_channel_stop_newest_first() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", "PJSIP/cust-01", "1.1", "1.1"))
    mixmonitor_start(t, "1.1", "/rec/whole-call.wav")
    mixmonitor_start(t, "1.1", "/rec/this-part.wav")
    [stopped] = feed(t, chan("MixMonitorStop", "PJSIP/cust-01", "1.1"))
    assert (stopped.file, stopped.by_hangup) == ("/rec/this-part.wav", False)
    out = feed(t, chan("Hangup", "PJSIP/cust-01", "1.1", "1.1", Cause="16"))
    assert [(e.file, e.by_hangup) for e in out if isinstance(e, ev.RecordingStopped)] == [
        ("/rec/whole-call.wav", True)]


def spy(event: str, spyer: tuple[str, str], spyee: tuple[str, str] | None) -> dict:
    msg = {"Event": event, "SpyerChannel": spyer[0], "SpyerUniqueid": spyer[1],
           "SpyerLinkedid": spyer[1], "SpyerChannelState": "6"}
    if spyee is not None:
        msg |= {"SpyeeChannel": spyee[0], "SpyeeUniqueid": spyee[1],
                "SpyeeLinkedid": "1.1", "SpyeeChannelState": "6"}
    return msg


SUPERVISOR, AGENT = ("PJSIP/2001-05", "9.1"), ("PJSIP/1001-02", "1.2")


def test_a_spy_stop_without_spyee_fields_names_the_spyee_of_the_start() -> None:
    t = CallTracker("n")
    [started] = feed(t, chan("Newchannel", *AGENT, "1.1"), chan("Newchannel", *SUPERVISOR, "9.1"),
                     spy("ChanSpyStart", SUPERVISOR, AGENT))[2:]
    assert (started.call_id, started.spyer.device, started.spyee.device) == (
        "n/1.1", "PJSIP/2001", "PJSIP/1001")
    [stopped] = feed(t, chan("Hangup", *AGENT, "1.1", Cause="16"),
                     spy("ChanSpyStop", SUPERVISOR, None))[2:]
    assert isinstance(stopped, ev.SpyStopped)
    assert (stopped.call_id, stopped.spyee.device) == ("n/1.1", "PJSIP/1001")


def test_a_spyer_hanging_up_without_spy_stop_stops_spying_once() -> None:
    t = CallTracker("n")
    feed(t, chan("Newchannel", *AGENT, "1.1"), chan("Newchannel", *SUPERVISOR, "9.1"),
         spy("ChanSpyStart", SUPERVISOR, AGENT))
    out = feed(t, chan("Hangup", *SUPERVISOR, "9.1", Cause="16"),
               spy("ChanSpyStop", SUPERVISOR, AGENT))
    assert [type(e).__name__ for e in out] == ["SpyStopped", "ChannelHungUp", "CallEnded"]
    assert out[0].call_id == "n/1.1"


def amd_varsets(uid: str, status: str, cause: str) -> list[dict]:
    return [chan("VarSet", "SIP/trunk-0f", uid, Variable="AMDSTATUS", Value=status),
            chan("VarSet", "SIP/trunk-0f", uid, Variable="AMDCAUSE", Value=cause)]


def test_amd_without_the_user_event_is_decided_from_its_variables() -> None:
    t = CallTracker("n")
    out = feed(t, chan("Newchannel", "SIP/trunk-0f", "4.1", "4.1"),
               chan("VarSet", "SIP/trunk-0f", "4.1", Variable="CTI_INTERACTION", Value="int-4"),
               *amd_varsets("4.1", "HUMAN", "HUMAN-800-800"))
    [amd] = [e for e in out if isinstance(e, ev.AmdDecided)]
    assert (amd.call_id, amd.interaction, amd.status, amd.cause) == (
        "n/4.1", "int-4", "HUMAN", "HUMAN-800-800")


def test_amd_seen_only_as_the_user_event_is_decided_once() -> None:
    """An AMI account without the dialplan read class gets no VarSet at all."""
    t = CallTracker("n")
    out = feed(t, chan("Newchannel", "SIP/trunk-0f", "4.1", "4.1"),
               chan("UserEvent", "SIP/trunk-0f", "4.1", "4.1", UserEvent="CTIAmdResult",
                    Interaction="int-4", AmdStatus="MACHINE", AmdCause="MAXWORDS-3-2"))
    [amd] = [e for e in out if isinstance(e, ev.AmdDecided)]
    assert (amd.interaction, amd.status) == ("int-4", "MACHINE")


def test_amd_that_could_not_run_decides_nothing() -> None:
    t = CallTracker("n")
    out = feed(t, chan("Newchannel", "SIP/trunk-0f", "4.1", "4.1"), *amd_varsets("4.1", "", ""),
               chan("UserEvent", "SIP/trunk-0f", "4.1", "4.1", UserEvent="CTIAmdResult",
                    Interaction="int-4", AmdStatus="", AmdCause=""))
    assert not [e for e in out if isinstance(e, ev.AmdDecided)]


def test_a_digit_is_reported_on_the_channel_that_received_it_only() -> None:
    t = CallTracker("n")
    out = feed(t, chan("DTMFEnd", "PJSIP/1001-02", "1.2", Digit="5", DurationMs="120",
                       Direction="Sent"),
               chan("DTMFEnd", "PJSIP/cust-01", "1.1", Digit="5", DurationMs="120",
                    Direction="Received"))
    [digit] = [e for e in out if isinstance(e, ev.DtmfReceived)]
    assert (digit.channel.device, digit.digit, digit.duration_ms) == ("PJSIP/cust", "5", 120)


# --- Local pairs: the real parties ------------------------------------------------------

PIPE1, PIPE2 = ("Local/1101@agent-dial-0084;1", "1.2"), ("Local/1101@agent-dial-0084;2", "1.3")
PHONE, CUSTOMER = ("PJSIP/1101-0a", "1.4"), ("PJSIP/cust-01", "1.1")


def agent_behind_a_local_pair(t: CallTracker) -> list[ev.CallEvent]:
    """The customer dials Local/1101@agent-dial; its ;2 answers, then Dial()s the phone."""
    return feed(t, *(chan("Newchannel", *ch) for ch in (CUSTOMER, PIPE1, PIPE2)),
                chan("DialBegin", *CUSTOMER, DestChannel=PIPE1[0], DestUniqueid=PIPE1[1],
                     DestLinkedid="1.0"),
                chan("Newexten", *PIPE2, Application="Answer", AppData=""),
                chan("DialEnd", *CUSTOMER, DestChannel=PIPE1[0], DestUniqueid=PIPE1[1],
                     DestLinkedid="1.0", DialStatus="ANSWER"),
                chan("Newexten", *PIPE2, Application="Dial", AppData="PJSIP/1101,30"),
                chan("BridgeEnter", *CUSTOMER, BridgeUniqueid="B1"),
                chan("BridgeEnter", *PIPE1, BridgeUniqueid="B1"),
                chan("Newchannel", *PHONE, ChannelState="0"),
                chan("DialBegin", *PIPE2, DestChannel=PHONE[0], DestUniqueid=PHONE[1],
                     DestLinkedid="1.0", DestChannelState="5"))


def test_a_local_half_bridged_while_the_phone_behind_still_rings_is_no_answer() -> None:
    t = CallTracker("n")
    out = agent_behind_a_local_pair(t)
    assert not [e for e in out if isinstance(e, ev.PartiesBridged)]
    assert t.talking_with(CUSTOMER[1]) == []
    out = feed(t, chan("DialEnd", *PIPE2, DestChannel=PHONE[0], DestUniqueid=PHONE[1],
                       DestLinkedid="1.0", DialStatus="ANSWER"),
               chan("BridgeEnter", *PHONE, BridgeUniqueid="B2"),
               chan("BridgeEnter", *PIPE2, BridgeUniqueid="B2"))
    [bridged] = [e for e in out if isinstance(e, ev.PartiesBridged)]
    assert {p.device for p in bridged.parties} == {"PJSIP/cust", "PJSIP/1101"}


def test_a_phone_that_never_answers_behind_a_local_half_never_talks() -> None:
    t = CallTracker("n")
    out = agent_behind_a_local_pair(t) + feed(
               t, chan("DialEnd", *PIPE2, DestChannel=PHONE[0], DestUniqueid=PHONE[1],
                       DestLinkedid="1.0", DialStatus="NOANSWER"),
               chan("Hangup", *PHONE, Cause="19"),
               chan("Newexten", *PIPE2, Application="Hangup", AppData=""),
               chan("Hangup", *PIPE2, Cause="16"))
    assert not [e for e in out if isinstance(e, ev.PartiesBridged)]


def talking_through_a_local_pair(t: CallTracker) -> None:
    agent_behind_a_local_pair(t)
    feed(t, chan("DialEnd", *PIPE2, DestChannel=PHONE[0], DestUniqueid=PHONE[1],
                 DestLinkedid="1.0", DialStatus="ANSWER"),
         chan("BridgeEnter", *PHONE, BridgeUniqueid="B2"),
         chan("BridgeEnter", *PIPE2, BridgeUniqueid="B2"))


def test_the_phone_hanging_up_behind_a_local_pair_is_who_hung_up() -> None:
    """The phone's BYE tears the pipe down first; its own Hangup event comes last."""
    t = CallTracker("n")
    talking_through_a_local_pair(t)
    out = feed(t, chan("BridgeLeave", *PHONE, BridgeUniqueid="B2"),
               chan("BridgeLeave", *PIPE2, BridgeUniqueid="B2"),
               chan("Hangup", *PIPE2, Cause="16"),
               chan("BridgeLeave", *PIPE1, BridgeUniqueid="B1"),
               chan("Hangup", *PIPE1, Cause="16"),
               chan("BridgeLeave", *CUSTOMER, BridgeUniqueid="B1"),
               chan("Hangup", *CUSTOMER, Cause="16"),
               chan("Hangup", *PHONE, Cause="16"))
    [ended] = [e for e in out if isinstance(e, ev.CallEnded)]
    assert (ended.first_hangup.device, ended.cause) == ("PJSIP/1101", 16)


def test_the_customer_hanging_up_in_front_of_a_local_pair_is_who_hung_up() -> None:
    t = CallTracker("n")
    talking_through_a_local_pair(t)
    out = feed(t, chan("BridgeLeave", *CUSTOMER, BridgeUniqueid="B1"),
               chan("BridgeLeave", *PIPE1, BridgeUniqueid="B1"),
               chan("Hangup", *PIPE1, Cause="16"),
               chan("Hangup", *CUSTOMER, Cause="16"),
               chan("Hangup", *PIPE2, Cause="16"),
               chan("Hangup", *PHONE, Cause="16"))
    [ended] = [e for e in out if isinstance(e, ev.CallEnded)]
    assert ended.first_hangup.device == "PJSIP/cust"


def test_asterisks_unknown_caller_id_is_empty() -> None:
    unknown = {"CallerIDNum": "<unknown>", "CallerIDName": "<unknown>",
               "ConnectedLineNum": "<unknown>", "ConnectedLineName": "<unknown>"}
    t = CallTracker("n")
    [started] = feed(t, chan("Newchannel", "SIP/trunk-01", "1.1", **unknown))
    dest = {f"Dest{k}": v for k, v in unknown.items()}
    [began] = feed(t, chan("DialBegin", "SIP/trunk-01", "1.1", DestChannel="PJSIP/1001-02",
                           DestUniqueid="1.2", DestLinkedid="1.1", **dest))
    t.resync([{"Channel": "SIP/x-03", "Uniqueid": "3.1", "Linkedid": "3.1", **unknown}])
    for snap in (started.channel, began.target, t.channel("3.1")):
        assert (snap.caller_num, snap.caller_name, snap.connected_num,
                snap.connected_name) == ("", "", "", "")
    [known] = feed(t, chan("Newchannel", "SIP/trunk-04", "4.1", CallerIDNum="5551234",
                           CallerIDName="Juan Perez"))
    assert (known.channel.caller_num, known.channel.caller_name) == ("5551234", "Juan Perez")
