"""The routing loop keeps the ACD honest about phones: device and hint states."""

from __future__ import annotations

from pathlib import Path

from acd.engine import Engine
from cti.acd_specs import specs
from cti.actions import Actions
from cti.ami import events as ami
from cti.bus import EventBus
from cti.calls import CallRegistry
from cti.config import load_config
from cti.routing import Router

CONFIG = Path(__file__).resolve().parents[3] / "config"


class _NoRecords:
    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def _router() -> Router:
    config = load_config(CONFIG)
    engine = Engine(*specs(config))
    actions = Actions({}, config.service.dialplan, report=lambda item: None)
    return Router(config, engine, CallRegistry(), _NoRecords(), EventBus(), actions)


def test_device_and_hint_states_map_to_the_agent_by_endpoint() -> None:
    router = _router()
    agent = router.engine.agent
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1001", "UNAVAILABLE"), 1.0)
    assert agent("a1001").device.value == "unavailable"
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1001", "NOT_INUSE"), 2.0)
    assert agent("a1001").device.value == "available"
    router.process(ami.ExtensionStateChanged("pbx1", "1002", "agent-hints", "PJSIP/1002", 1,
                                             "InUse"), 3.0)
    assert agent("a1002").device.value == "in_use"
    router.process(ami.ExtensionStateChanged("pbx1", "1002", "agent-hints", "PJSIP/1002", 4,
                                             "Unavailable"), 4.0)
    assert agent("a1002").device.value == "unavailable"
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/9999", "INUSE"), 5.0)  # nobody's


def test_link_down_makes_every_phone_unavailable_and_resync_restores_them() -> None:
    router = _router()
    router.process(ami.LinkUp("pbx1", reconnect=False), 0.0)
    router.process(ami.DeviceStateChanged("pbx1", "PJSIP/1003", "INUSE"), 0.5)
    router.process(ami.LinkDown("pbx1", "closed by Asterisk"), 1.0)
    assert {router.engine.agent(a).device.value for a in router.config.agents} == {"unavailable"}
    router.process(ami.Resynced("pbx1", (), (), 0), 2.0)
    assert router.engine.agent("a1001").device.value == "available"
    assert router.engine.agent("a1003").device.value == "in_use"  # last known state


def test_feature_code_from_an_endpoint_with_a_dash_finds_its_agent() -> None:
    router = _router()
    agent = router.config.agents["a1001"].model_copy(update={"endpoint": "PJSIP/front-desk"})
    router.config = router.config.model_copy(
        update={"agents": {**router.config.agents, "a1001": agent}})
    phone = ami.ChannelSnapshot("pbx1", "1795441147.9", "1795441147.9",
                                "PJSIP/front-desk-0000001a", "PJSIP/front-desk", 6)
    # ${CUT(CHANNEL,-,1)} gave "PJSIP/front": the channel's device is what counts
    router.process(ami.AgentFeatureUsed("pbx1", "login", "PJSIP/front", phone), 1.0)
    assert router.engine.agent("a1001").state.value == "READY"
