"""Per-channel bookkeeping of features whose facts arrive in several AMI messages.

- MixMonitor (recording): the file path comes only in VarSet
  ``MIXMONITOR_FILENAME`` and the ID only in the VarSet of the variable named
  by ``i(VAR)``, both just before ``MixMonitorStart``, which carries neither
  (apps/app_mixmonitor.c: ``mixmonitor_exec`` sets the file name, then
  ``launch_monitor_thread`` sets the ID variable, then the start is published).
  ``MixMonitorStop`` comes only from StopMixMonitor; a hang-up sends none.
- ChanSpy (supervision): ``ChanSpyStop`` may lack the Spyee fields.
- AMD(): ``AMDSTATUS`` then ``AMDCAUSE`` VarSets, then usually the dialplan's
  ``UserEvent(CTIAmdResult)``: one decision, reported once.

Sans-I/O like the tracker that owns these; keyed by Uniqueid. The tracker
tells each when a channel goes (``forget``, ``Spies.stopped``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.ami.events import ChannelSnapshot

#: Variables the bridge re-sets around MixMonitorStart (from another thread):
#: never the ID variable.
_BRIDGE_VARIABLES = frozenset({"BRIDGEPEER", "BRIDGEPVTCALLID"})


@dataclass(slots=True)
class Recording:
    file: str = ""
    mixmonitor_id: str | None = None


class Recordings:
    """MixMonitor recordings: announced (file, ID) and running, per channel."""

    def __init__(self) -> None:
        self.announced: dict[str, Recording] = {}  # between the file VarSet and the start
        self._running: dict[str, list[Recording]] = {}

    def variable_set(self, uniqueid: str, variable: str, value: str) -> None:
        """A VarSet on a channel: the file name, or the ID right after it.

        The ID variable is the first one set after ``MIXMONITOR_FILENAME`` on
        that channel, other than the bridge's, holding MixMonitor's pointer-like
        ID (``0x7f6008025f00``).
        """
        if variable == "MIXMONITOR_FILENAME":
            self.announced[uniqueid] = Recording(value)
            return
        pending = self.announced.get(uniqueid)
        if (pending is not None and pending.mixmonitor_id is None
                and variable not in _BRIDGE_VARIABLES and value.startswith("0x")):
            pending.mixmonitor_id = value

    def started(self, uniqueid: str) -> Recording:
        recording = self.announced.pop(uniqueid, None) or Recording()
        self._running.setdefault(uniqueid, []).append(recording)
        return recording

    def stopped(self, uniqueid: str) -> Recording:
        """The newest running recording of the channel (StopMixMonitor without ID
        stops the newest); an empty one if none was seen starting."""
        running = self._running.get(uniqueid)
        if not running:
            return Recording()
        recording = running.pop()
        if not running:
            del self._running[uniqueid]
        return recording

    def forget(self, uniqueid: str) -> list[Recording]:
        """The channel is gone: its running recordings ended with it."""
        self.announced.pop(uniqueid, None)
        return self._running.pop(uniqueid, [])


class Spies:
    """Running ChanSpy sessions: spyer Uniqueid -> the spyee's snapshot."""

    def __init__(self) -> None:
        self._spying: dict[str, ChannelSnapshot] = {}

    def started(self, spyer: str, spyee: ChannelSnapshot) -> None:
        self._spying[spyer] = spyee

    def stopped(self, spyer: str) -> ChannelSnapshot | None:
        """The spyee the spyer listened to; None if it was not spying."""
        return self._spying.pop(spyer, None)


@dataclass(slots=True)
class _Amd:
    status: str
    reported: bool = False


class AmdResults:
    """AMD() results per channel, so a decision seen in the VarSets is not
    reported again by the UserEvent that follows it."""

    def __init__(self) -> None:
        self._by_channel: dict[str, _Amd] = {}

    def status_set(self, uniqueid: str, status: str) -> None:
        """AMDSTATUS: a new AMD() run ended (empty when AMD() could not run)."""
        self._by_channel[uniqueid] = _Amd(status)

    def cause_set(self, uniqueid: str) -> str | None:
        """AMDCAUSE, right after AMDSTATUS: the status to report now, or None."""
        amd = self._by_channel.get(uniqueid)
        if amd is None or amd.reported or not amd.status:
            return None
        amd.reported = True
        return amd.status

    def user_event(self, uniqueid: str | None) -> bool:
        """The dialplan's CTIAmdResult: True when it still needs reporting."""
        amd = self._by_channel.pop(uniqueid, None) if uniqueid else None
        return amd is None or not amd.reported

    def forget(self, uniqueid: str) -> None:
        self._by_channel.pop(uniqueid, None)
