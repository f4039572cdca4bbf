"""Phones and links: device and hint states keep the ACD honest about busy and
unregistered phones; a lost AMI link makes every phone unavailable until the resync."""

from __future__ import annotations

from acd import events as e
from acd.states import DeviceState
from cti.ami import events as ami
from cti.routing.base import RouterBase

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


class Devices(RouterBase):
    def _on_device_state(self, change: ami.DeviceStateChanged, now: float) -> None:
        agent = self.config.agent_by_endpoint(change.device)
        if agent is None:
            return
        self._devices[change.device] = change.state
        self.feed(e.DeviceStateChanged(agent.id, _device(change.state)), now)

    def _on_extension_state(self, change: ami.ExtensionStateChanged, now: float) -> None:
        """A hint's state (ExtensionStatus) for a hint naming an agent's endpoint."""
        agent = self.config.agent_by_endpoint(change.hint)
        if agent is None:
            return
        state = _HINT_STATES.get(change.status, "UNAVAILABLE")
        self._devices[agent.endpoint] = state
        self.feed(e.DeviceStateChanged(agent.id, _device(state)), now)

    def _on_link_up(self, up: ami.LinkUp, now: float) -> None:
        self._links_up.add(up.node)
        self._publish("ami.link", {"node": up.node, "up": True, "reconnect": up.reconnect})

    def _on_link_down(self, down: ami.LinkDown, now: float) -> None:
        self._links_up.discard(down.node)
        self._publish("ami.link", {"node": down.node, "up": False, "reason": down.reason})
        if not self._links_up:
            # No PBX to ring anyone through: keep calls in place, offer nothing.
            for agent_id in self.config.agents:
                self.feed(e.DeviceStateChanged(agent_id, DeviceState.UNAVAILABLE), now)

    def _on_resynced(self, resynced: ami.Resynced, now: float) -> None:
        self._links_up.add(resynced.node)
        for agent in self.config.agents.values():
            state = self._devices.get(agent.endpoint, "NOT_INUSE")
            self.feed(e.DeviceStateChanged(agent.id, _device(state)), now)
        self._publish("ami.resynced", {"node": resynced.node,
                                       "ended_calls": len(resynced.ended_calls),
                                       "appeared_calls": len(resynced.appeared_calls)})


def _device(state: str) -> DeviceState:
    return _DEVICE_STATES.get(state, DeviceState.AVAILABLE)
