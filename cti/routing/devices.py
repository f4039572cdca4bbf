"""Phones and links: device and hint states keep the ACD honest about busy and
unregistered phones; a lost AMI link makes every phone unavailable until the resync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acd import events as acd
from acd.states import DeviceState
from cti.ami import events as ami
from cti.routing.step import log

if TYPE_CHECKING:
    from cti.routing.step import Step

#: Asterisk device states -> what the ACD needs to know.
_DEVICE_STATES = {
    "NOT_INUSE": DeviceState.AVAILABLE,
    "UNKNOWN": DeviceState.AVAILABLE,
    "INUSE": DeviceState.IN_USE,
    "BUSY": DeviceState.IN_USE,
    "RINGING": DeviceState.IN_USE,
    "RINGINUSE": DeviceState.IN_USE,
    "ONHOLD": DeviceState.IN_USE,
    "UNAVAILABLE": DeviceState.UNAVAILABLE,
    "INVALID": DeviceState.UNAVAILABLE,
}

#: ExtensionStatus numbers -> device states (0 idle, 1 in use, 2 busy, 4 unavailable,
#: 8 ringing, 9 in use and ringing, 16 on hold, -1 hint removed).
_HINT_STATES = {0: "NOT_INUSE", 1: "INUSE", 2: "BUSY", 4: "UNAVAILABLE", 8: "RINGING",
                9: "RINGINUSE", 16: "ONHOLD", 17: "INUSE", -1: "UNAVAILABLE"}


def device(state: str) -> DeviceState:
    return _DEVICE_STATES.get(state, DeviceState.AVAILABLE)


def on_device_state(step: Step, change: ami.DeviceStateChanged) -> None:
    agent = step.router.config.agent_by_endpoint(change.device)
    if agent is None:
        return
    step.router.devices[change.device] = change.state
    step.feed(acd.DeviceStateChanged(agent.id, device(change.state)))


def on_extension_state(step: Step, change: ami.ExtensionStateChanged) -> None:
    """A hint's state (ExtensionStatus) for a hint naming an agent's endpoint."""
    agent = step.router.config.agent_by_endpoint(change.hint)
    if agent is None:
        return
    state = _HINT_STATES.get(change.status, "UNAVAILABLE")
    step.router.devices[agent.endpoint] = state
    step.feed(acd.DeviceStateChanged(agent.id, device(state)))


def on_link_up(step: Step, up: ami.LinkUp) -> None:
    step.router.links_up.add(up.node)


def on_link_down(step: Step, down: ami.LinkDown) -> None:
    router = step.router
    router.links_up.discard(down.node)
    if not router.links_up:
        # No PBX to ring anyone through: keep calls in place, offer nothing.
        for agent_id in router.config.agents:
            step.feed(acd.DeviceStateChanged(agent_id, DeviceState.UNAVAILABLE))


def on_resynced(step: Step, resynced: ami.Resynced) -> None:
    router = step.router
    router.links_up.add(resynced.node)
    unknown = []
    for agent in router.config.agents.values():
        state = router.devices.get(agent.endpoint)
        if state in (None, "UNKNOWN"):
            unknown.append(f"{agent.id} ({agent.endpoint})")
        step.feed(acd.DeviceStateChanged(agent.id, device(state or "NOT_INUSE")))
    if unknown and not router.warned_unknown_devices:
        router.warned_unknown_devices = True
        log.warning("Asterisk reports no device state for these agents' phones: an "
                    "unregistered phone would look available and be rung; give each "
                    "endpoint a hint or check the endpoint names in agents.yaml",
                    agents=", ".join(unknown[:20]) + (" ..." if len(unknown) > 20 else ""))
