"""The routing step keeps the ACD honest about phones: device and hint states."""

from __future__ import annotations

from routing_support import at, make_router

from cti.ami import events as ami


def test_device_and_hint_states_map_to_the_agent_by_endpoint() -> None:
    router = make_router()
    agent = router.engine.agent
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1001", "UNAVAILABLE"), at(1.0))
    assert agent("a1001").device.value == "unavailable"
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1001", "NOT_INUSE"), at(2.0))
    assert agent("a1001").device.value == "available"
    router.process(ami.ExtensionStateChanged("pbx1", "1002", "agent-hints", "PJSIP/1002", 1,
                                             "InUse"), at(3.0))
    assert agent("a1002").device.value == "in_use"
    router.process(ami.ExtensionStateChanged("pbx1", "1002", "agent-hints", "PJSIP/1002", 4,
                                             "Unavailable"), at(4.0))
    assert agent("a1002").device.value == "unavailable"
    assert router.process(ami.DeviceStateChanged("pbx1", "PJSIP/9999", "INUSE"),
                          at(5.0)) == []  # nobody's phone


def test_link_down_makes_every_phone_unavailable_and_resync_restores_them() -> None:
    router = make_router()
    router.process(ami.LinkUp("pbx1", reconnect=False), at(0.0))
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1003", "INUSE"), at(0.5))
    router.process(ami.LinkDown("pbx1", "closed by Asterisk"), at(1.0))
    assert {router.engine.agent(a).device.value for a in router.config.agents} == {"unavailable"}
    router.process(ami.Resynced("pbx1", (), (), 0), at(2.0))
    assert router.engine.agent("a1001").device.value == "available"
    assert router.engine.agent("a1003").device.value == "in_use"  # last known state


def test_feature_code_from_an_endpoint_with_a_dash_finds_its_agent() -> None:
    router = make_router()
    agent = router.config.agents["a1001"].model_copy(update={"endpoint": "PJSIP/front-desk"})
    router.config = router.config.model_copy(
        update={"agents": {**router.config.agents, "a1001": agent}})
    phone = ami.ChannelSnapshot("pbx1", "1795441147.9", "1795441147.9",
                                "PJSIP/front-desk-0000001a", "PJSIP/front-desk", 6)
    # ${CUT(CHANNEL,-,1)} gave "PJSIP/front": the channel's device is what counts
    router.process(ami.AgentFeatureUsed("pbx1", "login", "PJSIP/front", phone), at(1.0))
    snap = router.engine.agent("a1001")
    assert (snap.state.value, snap.reason) == ("NOT_READY", "login")  # routing.login_state


def test_after_the_resync_agents_whose_phone_has_no_device_state_are_named_once() -> None:
    from structlog.testing import capture_logs

    router = make_router()
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1001", "NOT_INUSE"), at(0.5))
    with capture_logs() as logs:
        router.process(ami.Resynced("pbx1", (), (), 0), at(1.0))
        router.process(ami.Resynced("pbx1", (), (), 0), at(2.0))
    (warning,) = [entry for entry in logs if entry["log_level"] == "warning"]
    assert "a1002 (PJSIP/1002)" in warning["agents"] and "a1001" not in warning["agents"]
