"""A PBX simulator that speaks real AMI and FastAGI (see docs/sim.md)."""

from cti.sim.callers import CallHandle
from cti.sim.customers import OutboundProfile
from cti.sim.dialplan import Dialplan
from cti.sim.errors import DialplanError, SimError, UnknownEndpoint
from cti.sim.phones import Behaviour, Phone
from cti.sim.recording import Recording
from cti.sim.server import SimPbx
from cti.sim.traffic import Traffic, TrafficProfile

__all__ = ["Behaviour", "CallHandle", "Dialplan", "DialplanError", "OutboundProfile", "Phone",
           "Recording", "SimError", "SimPbx", "Traffic", "TrafficProfile", "UnknownEndpoint"]
