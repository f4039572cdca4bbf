"""Attended transfers: who went where, with or without Asterisk naming the parties.

Asterisk 20 (main/stasis_bridges.c ``ast_attended_transfer_message_create``)
names Transferee / TransferTarget only when the bridge on that side held
exactly two channels (``ast_bridge_peer``); with a third party, or no bridge
on that side (the App case), the fields are missing. The event is published
after the bridges were merged or linked (main/bridge.c
``ast_bridge_transfer_attended``), so its BridgeLeave/BridgeEnter come first.
The sequences below follow that order.
"""

from __future__ import annotations

from cti.ami import events as ev
from cti.ami.tracker import CallTracker

CUST, AGENT1 = ("PJSIP/cust-01", "1.1"), ("PJSIP/1001-02", "1.2")  # call 1.1, bridge B1
AGENT2, TARGET = ("PJSIP/1001-03", "2.1"), ("PJSIP/1002-04", "2.2")  # call 2.1, bridge B2


def msg(event: str, ch: tuple[str, str], **extra: str) -> dict[str, str]:
    linkedid = ch[1].split(".")[0] + ".1"
    return {"Event": event, "Channel": ch[0], "Uniqueid": ch[1], "Linkedid": linkedid,
            "ChannelState": "6", **extra}


def prefixed(prefix: str, ch: tuple[str, str]) -> dict[str, str]:
    linkedid = ch[1].split(".")[0] + ".1"
    return {f"{prefix}Channel": ch[0], f"{prefix}Uniqueid": ch[1],
            f"{prefix}Linkedid": linkedid, f"{prefix}ChannelState": "6"}


def two_calls(*extra_in_b1: tuple[str, str]) -> CallTracker:
    """The customer talks to the agent in B1; the agent's consultation call in B2."""
    t = CallTracker("n")
    for ch in (CUST, AGENT1, *extra_in_b1, AGENT2, TARGET):
        t.feed(msg("Newchannel", ch))
    for ch in (CUST, AGENT1, *extra_in_b1):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid="B1"))
    for ch in (AGENT2, TARGET):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid="B2"))
    return t


def attended(dest_type: str, *, orig: tuple[str, str] = AGENT1,
             second: tuple[str, str] = AGENT2, second_bridge: str | None = "B2",
             **extra: str) -> dict[str, str]:
    out = {"Event": "AttendedTransfer", "Result": "Success", **prefixed("OrigTransferer", orig),
           "OrigBridgeUniqueid": "B1", **prefixed("SecondTransferer", second),
           "IsExternal": "No", "DestType": dest_type, **extra}
    if second_bridge is not None:
        out["SecondBridgeUniqueid"] = second_bridge
    return out


def transfer(t: CallTracker, *events: dict[str, str]) -> ev.AttendedTransferred:
    out = [e for m in events for e in t.feed(m)]
    [xfer] = [e for e in out if isinstance(e, ev.AttendedTransferred)]
    return xfer


def parties(xfer: ev.AttendedTransferred) -> tuple[str | None, str | None]:
    return (xfer.transferee.device if xfer.transferee else None,
            xfer.target.device if xfer.target else None)


def test_named_parties_are_taken_as_asterisk_gives_them() -> None:
    t = two_calls()
    xfer = transfer(t, attended("Bridge", DestBridgeUniqueid="B1",
                                **prefixed("Transferee", CUST),
                                **prefixed("TransferTarget", TARGET)))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")
    assert (xfer.transferer.device, xfer.dest_type, xfer.call_id) == (
        "PJSIP/1001", "Bridge", "n/1.1")


def test_merge_into_the_customers_bridge_without_named_parties() -> None:
    """B2 merged into B1: the target moved over, both agent legs were kicked out."""
    t = two_calls()
    xfer = transfer(t, msg("BridgeLeave", TARGET, BridgeUniqueid="B2"),
                    msg("BridgeEnter", TARGET, BridgeUniqueid="B1"),
                    msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"),
                    msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                    attended("Bridge", DestBridgeUniqueid="B1"))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")  # not the agent's own leg
    assert xfer.call_id == "n/1.1"


def test_merge_into_the_targets_bridge_without_named_parties() -> None:
    t = two_calls()
    xfer = transfer(t, msg("BridgeLeave", CUST, BridgeUniqueid="B1"),
                    msg("BridgeEnter", CUST, BridgeUniqueid="B2"),
                    msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                    msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"),
                    attended("Bridge", DestBridgeUniqueid="B2"))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")


def test_a_third_party_in_the_customers_bridge_is_not_taken_for_the_target() -> None:
    """With three in B1 Asterisk names no transferee: two candidates, none is chosen,
    and the target is still found."""
    supervisor = ("PJSIP/2001-09", "1.9")
    t = two_calls(supervisor)
    xfer = transfer(t, msg("BridgeLeave", TARGET, BridgeUniqueid="B2"),
                    msg("BridgeEnter", TARGET, BridgeUniqueid="B1"),
                    msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"),
                    msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                    attended("Bridge", DestBridgeUniqueid="B1"))
    assert parties(xfer) == (None, "PJSIP/1002")


def test_threeway_keeps_the_transferer_and_names_the_other_two() -> None:
    """The transfer feature: one transferer channel consulted in B2 (the customer
    waited alone in B1), then B2 was merged into B1 with the transferer staying."""
    t = CallTracker("n")
    for ch in (CUST, AGENT1, TARGET):
        t.feed(msg("Newchannel", ch))
    for ch in (CUST, AGENT1):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid="B1"))
    t.feed(msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"))
    for ch in (AGENT1, TARGET):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid="B2"))
    xfer = transfer(t, msg("BridgeLeave", TARGET, BridgeUniqueid="B2"),
                    msg("BridgeEnter", TARGET, BridgeUniqueid="B1"),
                    msg("BridgeLeave", AGENT1, BridgeUniqueid="B2"),
                    msg("BridgeEnter", AGENT1, BridgeUniqueid="B1"),
                    attended("Threeway", second=AGENT1, DestBridgeUniqueid="B1",
                             DestTransfererChannel=AGENT1[0]))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")
    assert xfer.dest_type == "Threeway"


def test_link_by_a_local_pair_names_the_parties_and_they_talk() -> None:
    """Bridges that cannot merge are linked by Local/_attended@transfer: its ;2 takes
    the second leg's place in B2, then its ;1 the first leg's place in B1."""
    one, two = ("Local/_attended@transfer-0001;1", "1.5"), ("Local/_attended@transfer-0001;2",
                                                              "1.6")
    t = two_calls()
    out = [e for m in (msg("Newchannel", one), msg("Newchannel", two),
                       msg("BridgeEnter", two, BridgeUniqueid="B2", SwapUniqueid=AGENT2[1]),
                       msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"),
                       msg("BridgeEnter", one, BridgeUniqueid="B1", SwapUniqueid=AGENT1[1]),
                       msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                       attended("Link", **prefixed("LocalOne", one), **prefixed("LocalTwo", two)))
           for e in t.feed(m)]
    [xfer] = [e for e in out if isinstance(e, ev.AttendedTransferred)]
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")
    last = [e for e in out if isinstance(e, ev.PartiesBridged)][-1]
    assert {p.device for p in last.parties} == {"PJSIP/cust", "PJSIP/1002"}
    assert [p.device for p in t.talking_with(CUST[1])] == ["PJSIP/1002"]


def test_transfer_to_an_application_has_no_target_but_the_app() -> None:
    """The agent's second leg runs VoiceMail (no bridge): the customer goes there."""
    t = two_calls()
    t.feed(msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"))  # B2 never was: leave it
    xfer = transfer(t, msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                    attended("App", second_bridge=None, DestApp="VoiceMail"))
    assert parties(xfer) == ("PJSIP/cust", None)
    assert xfer.dest_app == "VoiceMail"


def test_a_local_agent_leg_is_followed_to_the_phone_behind_it() -> None:
    """The consulted agent is reached through Local/1002@agent-dial: its ;1 sits in
    B2, its ;2 in B3 with the phone. The target is the phone, not the Local half."""
    one, two = ("Local/1002@agent-dial-0007;1", "2.2"), ("Local/1002@agent-dial-0007;2", "2.3")
    phone = ("PJSIP/1002-0a", "2.4")
    t = CallTracker("n")
    for ch in (CUST, AGENT1, AGENT2, one, two, phone):
        t.feed(msg("Newchannel", ch))
    for ch, bridge in ((CUST, "B1"), (AGENT1, "B1"), (AGENT2, "B2"), (one, "B2"),
                       (two, "B3"), (phone, "B3")):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid=bridge))
    xfer = transfer(t, msg("BridgeLeave", one, BridgeUniqueid="B2"),
                    msg("BridgeEnter", one, BridgeUniqueid="B1"),
                    msg("BridgeLeave", AGENT2, BridgeUniqueid="B2"),
                    msg("BridgeLeave", AGENT1, BridgeUniqueid="B1"),
                    attended("Bridge", DestBridgeUniqueid="B1"))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")


def test_a_named_target_that_is_a_local_pipe_is_followed_to_the_phone() -> None:
    one, two = ("Local/1002@agent-dial-0007;1", "2.2"), ("Local/1002@agent-dial-0007;2", "2.3")
    phone = ("PJSIP/1002-0a", "2.4")
    t = CallTracker("n")
    for ch in (CUST, AGENT1, AGENT2, one, two, phone):
        t.feed(msg("Newchannel", ch))
    for ch, bridge in ((CUST, "B1"), (AGENT1, "B1"), (AGENT2, "B2"), (one, "B2"),
                       (two, "B3"), (phone, "B3")):
        t.feed(msg("BridgeEnter", ch, BridgeUniqueid=bridge))
    xfer = transfer(t, attended("Bridge", DestBridgeUniqueid="B1",
                                **prefixed("Transferee", CUST),
                                **prefixed("TransferTarget", one)))
    assert parties(xfer) == ("PJSIP/cust", "PJSIP/1002")
