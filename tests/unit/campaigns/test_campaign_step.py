"""Campaign calls on the pure routing step: the pacer's decisions carried out, exactly
the AMI actions and facts of trace 24, the outcomes fed back."""

from __future__ import annotations

from campaign_support import (
    amd,
    answered,
    at,
    command,
    contact,
    install,
    line_up,
    originates,
    ready_with_line,
    router_with_queue,
    step_in_loop,
    tick,
)
from control_support import NODE, ami_sent, events, hangup, kinds, waiting_call

from cti.ami import events as ami
from cti.calls import Phase
from cti.routing import campaign_admin as admin


async def test_a_progressive_line_originates_the_number_into_cti_amd() -> None:
    router, channels = router_with_queue()
    first = contact("+34612345601")
    run = install(router, 0.0, contacts=[first], caller_name="Ventas")
    ready_with_line(router, channels, "a1001", 0.5)
    effects = tick(router, 1.0)
    (sent,) = originates(effects)
    assert sent["Channel"] == "PJSIP/+34612345601@trunk"
    assert (sent["Context"], sent["Exten"], sent["Priority"]) == ("cti-amd", "s", "1")
    assert sent["CallerID"] == '"Ventas" <+34910000000>'
    assert sent["Timeout"] == "25000"
    variables = dict(v.split("=", 1) for v in sent["Variable"])
    attempt = next(iter(run.attempts.values()))
    assert variables == {"CTI_INTERACTION": attempt.interaction_id, "CTI_CAMPAIGN": "renewals",
                         "CTI_ABANDON_MESSAGE": "cti-campaign-abandoned",
                         "CTI_ON_MACHINE": "hangup"}
    assert kinds(effects) == ["interaction.opened", "campaign.call_placed"]
    placed = events(effects, "campaign.call_placed")[0]
    assert (placed.contact_id, placed.attempt, placed.number) == \
        (first.contact_id, 1, "+34612345601")


async def test_a_person_is_bridged_to_the_agents_line_at_once() -> None:
    router, channels = router_with_queue()
    install(router, 0.0, contacts=[contact()])
    line = ready_with_line(router, channels, "a1001", 0.5)
    (sent,) = originates(tick(router, 1.0))
    customer = answered(router, channels, sent, 9.0)
    effects = amd(router, customer, "HUMAN", 10.76)
    assert kinds(effects)[:2] == ["campaign.call_answered", "call.queued"]
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": customer.name, "Variable": "CTI_CONNECTED",
         "Value": "1"},
        {"Action": "Bridge", "Channel1": customer.name, "Channel2": line.name, "Tone": "no"}]
    effects = router.process(ami.PartiesBridged(NODE, customer.call_id, "b-1",
                                                (customer, line)), at(10.8))
    assert "call.answered" in kinds(effects)
    (connected,) = events(effects, "campaign.call_connected")
    assert connected.agent_id == "a1001"
    assert round(connected.to_agent, 3) == 0.04
    hungup = hangup(router, channels, customer, 20.0)
    (ended,) = events(hungup, "campaign.attempt_ended")
    assert (ended.outcome, ended.contact_status) == ("connected", "done")


async def test_the_screen_pop_shows_the_contact_and_the_lists_free_attributes() -> None:
    router, channels = router_with_queue()
    first = contact("+34612345601")
    install(router, 0.0, contacts=[first])
    ready_with_line(router, channels, "a1001", 0.5)
    (sent,) = originates(tick(router, 1.0))
    customer = answered(router, channels, sent, 9.0)
    effects = amd(router, customer, "HUMAN", 10.76)
    (offered,) = events(effects, "call.offered")
    pop = offered.screen_pop
    assert (pop["direction"], pop["caller_number"]) == ("outbound", "+34612345601")
    assert pop["campaign"] == {"campaign": "renewals", "description": pop["campaign"][
        "description"], "contact_id": first.contact_id, "name": "Ana",
        "number": "+34612345601", "attributes": {"plan": "gold"}, "attempt": 1}


async def test_nobody_free_within_two_seconds_plays_the_message_and_locks_the_number_out(
        ) -> None:
    router, channels = router_with_queue()
    install(router, 0.0, contacts=[contact()])
    ready_with_line(router, channels, "a1001", 0.5)
    (sent,) = originates(tick(router, 1.0))
    command(router, "a1001", "pause", 2.0, reason="break")
    customer = answered(router, channels, sent, 9.0)
    amd(router, customer, "HUMAN", 10.0)
    assert not [e for e in tick(router, 11.9) if getattr(e, "TYPE", "") ==
                "campaign.call_abandoned"]
    effects = tick(router, 12.0)
    (abandoned,) = events(effects, "campaign.call_abandoned")
    assert (abandoned.reason, abandoned.waited) == ("no-agent", 2.0)
    assert {"Action": "Redirect", "Channel": customer.name, "Context": "cti-campaign-abandon",
            "Exten": "s", "Priority": "1"} in ami_sent(effects)
    (ended,) = events(effects, "call.ended")
    assert ended.outcome == "abandoned"
    (attempt,) = events(effects, "campaign.attempt_ended")
    assert attempt.contact_status == "pending"
    assert attempt.next_at == at(12.0).wall + 72 * 3600


async def test_a_machine_ends_the_line_and_is_retried_later() -> None:
    router, channels = router_with_queue()
    run = install(router, 0.0, contacts=[contact()])
    ready_with_line(router, channels, "a1001", 0.5)
    (sent,) = originates(tick(router, 1.0))
    customer = answered(router, channels, sent, 5.0)
    effects = amd(router, customer, "MACHINE", 6.54, cause="MAXWORDS-3-2")
    (answered_,) = events(effects, "campaign.call_answered")
    assert (answered_.amd_status, answered_.amd_cause) == ("MACHINE", "MAXWORDS-3-2")
    assert "call.queued" not in kinds(effects)
    effects = hangup(router, channels, customer, 6.54)
    (ended,) = events(effects, "campaign.attempt_ended")
    assert (ended.outcome, ended.contact_status) == ("machine", "pending")
    assert ended.next_at == at(6.54).wall + 14400
    assert run.figures.machines == 1


async def test_a_busy_number_fails_by_the_originates_reason() -> None:
    router, channels = router_with_queue()
    install(router, 0.0, contacts=[contact()])
    ready_with_line(router, channels, "a1001", 0.5)
    (sent,) = originates(tick(router, 1.0))
    effects = router.process(ami.OriginateResult(NODE, sent["ActionID"], False, 5,
                                                 sent["Channel"], "", None), at(1.3))
    assert [(e.TYPE, getattr(e, "outcome", None)) for e in events(effects)] == [
        ("call.ended", "busy"), ("campaign.attempt_ended", "busy")]


async def test_a_number_put_on_the_do_not_call_list_after_the_fetch_is_not_dialled() -> None:
    router, channels = router_with_queue()
    blocked = contact("+34612345609")
    install(router, 0.0, contacts=[blocked])
    ready_with_line(router, channels, "a1001", 0.5)
    step_in_loop(router, lambda step: admin.dnc_added(step, "", {"+34612345609"}, 1, "t", "x"),
                 0.7)
    effects = tick(router, 1.0)
    assert originates(effects) == []
    (fact,) = events(effects, "campaign.contact_blocked")
    assert (fact.contact_id, fact.scope) == (blocked.contact_id, "")


async def test_a_contact_outside_its_window_is_deferred_to_when_it_opens() -> None:
    router, channels = router_with_queue()
    # the test's clock: WALL + mono; a window of one hour that opens later today
    from datetime import UTC, datetime, timedelta
    now = datetime.fromtimestamp(at(1.0).wall, UTC)
    later = now + timedelta(hours=3)
    hours = f"{later.hour:02d}:00-{later.hour:02d}:59"
    install(router, 0.0, contacts=[contact(zones=("UTC",))],
            window={"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "hours": [hours]})
    ready_with_line(router, channels, "a1001", 0.5)
    effects = tick(router, 1.0)
    assert originates(effects) == []
    (fact,) = events(effects, "campaign.contact_deferred")
    opens = later.replace(minute=0, second=0, microsecond=0).timestamp()
    assert fact.next_at == opens


async def test_nothing_is_dialled_while_no_agent_is_logged_in() -> None:
    router, _channels = router_with_queue()
    run = install(router, 0.0, contacts=[contact(), contact("+34612345602")])
    for t in (1.0, 2.0, 3.0):
        assert originates(tick(router, t)) == []
    assert run.explanation is not None and run.explanation.reason.value == "no-agents"


async def test_an_agent_without_its_line_is_not_counted_free() -> None:
    router, _channels = router_with_queue()
    run = install(router, 0.0, contacts=[contact()])
    effects = command(router, "a1001", "ready", 0.5)
    assert [m["Context"] for m in originates(effects)] == ["cti-agent-line"]
    assert originates(tick(router, 1.0)) == []
    assert run.explanation is not None and run.explanation.agents_free == 0


async def test_the_line_keeps_the_phone_busy_yet_available_and_a_logout_hangs_it_up() -> None:
    router, channels = router_with_queue()
    install(router, 0.0)
    effects = command(router, "a1001", "ready", 0.5)
    (sent,) = originates(effects)
    assert (sent["Channel"], sent["Context"]) == ("PJSIP/1001", "cti-agent-line")
    assert dict(v.split("=", 1) for v in sent["Variable"]) == {"CTI_AGENT": "a1001",
                                                              "CTI_AGENT_LINE": "1"}
    leg = line_up(router, channels, "a1001", effects, 1.0)
    router.process(ami.DeviceStateChanged(NODE, "PJSIP/1001", "INUSE"), at(1.1))
    assert router.engine.agent("a1001").device.value == "available"
    effects = command(router, "a1001", "logout", 2.0)
    assert {"Action": "Hangup", "Channel": leg.name, "Cause": "16"} in ami_sent(effects)


async def test_a_line_hung_up_by_the_agent_pauses_it() -> None:
    router, channels = router_with_queue()
    install(router, 0.0)
    leg = ready_with_line(router, channels, "a1001", 0.5)
    effects = hangup(router, channels, leg, 3.0)
    assert "campaign.agent_line" in kinds(effects)
    snap = router.engine.agent("a1001")
    assert (snap.state.value, snap.reason) == ("NOT_READY", "line-down")


async def test_inbound_callers_waiting_too_long_stop_the_dialing() -> None:
    router, channels = router_with_queue()
    run = install(router, 0.0, contacts=[contact(), contact("+34612345602")],
                  pacing={"blending": {"slow_after": 0, "stop_after": 5}})
    line = ready_with_line(router, channels, "a1001", 0.5)
    # the agent talks to a campaign customer; an inbound caller of bookings waits
    (sent,) = originates(tick(router, 1.0))
    customer = answered(router, channels, sent, 3.0)
    amd(router, customer, "HUMAN", 4.0)
    router.process(ami.PartiesBridged(NODE, customer.call_id, "b-1", (customer, line)),
                   at(4.05))
    assert router.engine.agent("a1001").state.value == "ON_CALL"
    waiting_call(router, channels, "in-1", "bookings", mono=4.5)
    tick(router, 8.0)
    assert run.explanation is not None and run.explanation.reason.value != "inbound-first"
    tick(router, 10.0)
    assert run.explanation.reason.value == "inbound-first"
    assert run.explanation.inbound_waiting == 1


async def test_preview_shows_the_contact_then_dials_the_agent_first() -> None:
    router, _channels = router_with_queue()
    command(router, "a1001", "ready", 0.0)
    shown = contact()
    install(router, 0.5, mode="preview", contacts=[shown])
    effects = tick(router, 1.0)
    (preview,) = events(effects, "campaign.contact_previewed")
    assert (preview.agent_id, preview.contact_id, preview.number, preview.attributes) == \
        ("a1001", shown.contact_id, shown.number, {"plan": "gold"})
    assert originates(effects) == []
    from cti.routing.items import PreviewDecision

    effects = router.process(PreviewDecision(agent_id="a1001", decision="dial", by="a1001"),
                             at(3.0))
    (sent,) = originates(effects)
    assert (sent["Channel"], sent["Context"], sent["Exten"]) == \
        ("PJSIP/1001", "cti-outbound", "+34612345601")
    variables = dict(v.split("=", 1) for v in sent["Variable"])
    assert variables["CTI_CALLER_ID"] == "+34910000000"
    assert variables["CTI_DIAL"] == "PJSIP/+34612345601@trunk"
    assert kinds(effects)[:3] == ["campaign.preview_decided", "interaction.opened",
                                  "campaign.call_placed"]


async def test_a_skipped_preview_ends_the_attempt_as_skipped() -> None:
    router, _channels = router_with_queue()
    command(router, "a1001", "ready", 0.0)
    install(router, 0.5, mode="preview", contacts=[contact()],
            preview={"timeout": 5, "on_timeout": "skip"})
    tick(router, 1.0)
    effects = tick(router, 6.5)
    (decided,) = events(effects, "campaign.preview_decided")
    assert decided.decision == "timeout"
    (ended,) = events(effects, "campaign.attempt_ended")
    assert (ended.outcome, ended.interaction_id, ended.contact_status) == \
        ("skipped", None, "pending")


async def test_agentless_plays_the_flow_to_whoever_answers() -> None:
    router, channels = router_with_queue()
    install(router, 0.0, mode="agentless", queue=None, flow="survey",
            contacts=[contact()])
    (sent,) = originates(tick(router, 0.5))
    customer = answered(router, channels, sent, 2.0)
    effects = amd(router, customer, "HUMAN", 3.0)
    assert ami_sent(effects) == [
        {"Action": "Setvar", "Channel": customer.name, "Variable": "CTI_CAMPAIGN_FLOW",
         "Value": "survey"},
        {"Action": "Redirect", "Channel": customer.name, "Context": "cti-campaign-ivr",
         "Exten": "s", "Priority": "1"}]
    assert router.calls.get(customer.cti_vars["CTI_INTERACTION"]).phase is Phase.IVR
    effects = hangup(router, channels, customer, 30.0)
    (ended,) = events(effects, "campaign.attempt_ended")
    assert (ended.outcome, ended.contact_status) == ("completed", "done")
