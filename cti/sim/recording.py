"""MixMonitor as app_mixmonitor does it: a file of the call, events, channel variables.

``prepare()``/``begin()`` and ``stop()`` are what the MixMonitor()/StopMixMonitor()
applications and the AMI actions of the same names do (23-recording-mixmonitor):

- VarSet ``MIXMONITOR_FILENAME`` (the absolute path: a relative File lands in
  the monitor spool directory, ``SimPbx(recordings_dir=...)``), then VarSet of
  the ``i(VAR)`` variable with the MixMonitorID, then ``MixMonitorStart`` with
  the channel's fields only;
- ``StopMixMonitor`` (by MixMonitorID, or the latest): ``MixMonitorStop``;
- attaching or detaching the recorder on a bridged channel makes the bridge
  set BRIDGEPEER again on its members.

The file is real: 8 kHz 16-bit mono silence as long as the recorded stretch
(with the ``b`` option only the time spent in a bridge counts), written when the
recording stops or the channel hangs up. A hang-up ends a recording without
MixMonitorStop, as in Asterisk.
"""

from __future__ import annotations

import itertools
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cti.sim.apps import STOP, app, parse_options
from cti.sim.channel import Channel
from cti.sim.pbx import Core

#: where Asterisk writes recordings named without a directory
ASTERISK_MONITOR_DIR = "/var/spool/asterisk/monitor"
SAMPLE_RATE = 8000
#: (bytes per sample, byte value of silence) of the formats the simulator writes
_FORMATS = {"wav": (2, 0), "sln": (2, 0), "slin": (2, 0), "raw": (2, 0),
            "ulaw": (1, 0xFF), "ul": (1, 0xFF), "pcm": (1, 0xFF), "alaw": (1, 0xD5),
            "al": (1, 0xD5)}
#: MixMonitorIDs look like the pointer Asterisk prints with %p
_IDS = itertools.count(0x7F6008025F00, 0x130)


class RecordingError(Exception):
    """MixMonitor cannot start or stop; the message is Asterisk's AMI error."""


@dataclass(eq=False)
class Recording:
    """One MixMonitor on one channel.

    Attributes:
        id: the MixMonitorID (``0x7f6008025f00``).
        channel: the recorded channel's name.
        path: the absolute file name (MIXMONITOR_FILENAME).
        bridged_only: the ``b`` option: record only while the channel is bridged.
        seconds: simulated seconds recorded (final once ``done``).
        muted_seconds: of those, seconds muted with MixMonitorMute.
        done: the recording stopped and the file is written.
    """

    id: str
    channel: str
    path: Path
    bridged_only: bool
    #: the ``i(VAR)`` option: the channel variable that receives the ID
    uid_variable: str = ""
    seconds: float = 0.0
    muted_seconds: float = 0.0
    done: bool = False
    _running_since: float | None = None
    _muted_since: float | None = None
    _ch: Channel | None = field(default=None, repr=False)

    def _resume(self, now: float) -> None:
        if self._running_since is None:
            self._running_since = now

    def _pause(self, now: float, speed: float) -> None:
        if self._running_since is not None:
            self.seconds += (now - self._running_since) * speed
            self._running_since = None

    def _set_muted(self, muted: bool, now: float, speed: float) -> None:
        if muted and self._muted_since is None:
            self._muted_since = now
        elif not muted and self._muted_since is not None:
            self.muted_seconds += (now - self._muted_since) * speed
            self._muted_since = None


def recordings_dir(core: Core) -> Path:
    """The monitor spool directory; a fresh temporary one unless SimPbx was given one."""
    if core.recordings_dir is None:
        core.recordings_dir = Path(tempfile.mkdtemp(prefix="cti-sim-monitor-"))
    return core.recordings_dir


def prepare(core: Core, ch: Channel, filename: str, options: str = "") -> Recording:
    """The recording MixMonitor would start on ``ch`` (its ID and path), before any
    event: the AMI action answers first, then ``begin()`` sends the events."""
    if not filename:
        raise RecordingError("Could not start monitoring channel")
    opts = parse_options(options)
    path = Path(filename) if filename.startswith("/") else recordings_dir(core) / filename
    return Recording(id=f"0x{next(_IDS):x}", channel=ch.name, path=path,
                     bridged_only="b" in opts, uid_variable=opts.get("i", ""), _ch=ch)


def begin(core: Core, rec: Recording) -> None:
    """Start ``rec``: VarSets, the (empty) file, MixMonitorStart, the bridge set up again."""
    ch = rec._ch
    assert ch is not None
    core.var_set(ch, "MIXMONITOR_FILENAME", str(rec.path))
    if rec.uid_variable:
        core.var_set(ch, rec.uid_variable, rec.id)
    core.recordings.append(rec)
    _write(core, rec, seconds=0.0)  # Asterisk opens the file at once
    if not rec.bridged_only or ch.bridge is not None:
        rec._resume(core.now())
    ch.on_bridge.append(lambda c, entered: _on_bridge(core, rec, c, entered))
    ch.on_hangup.append(lambda _c: finish(core, rec))
    core.chan_event("MixMonitorStart", ch)
    if ch.bridge is not None:
        core.refresh_bridge_peers(ch.bridge)


def stop(core: Core, rec: Recording) -> None:
    """StopMixMonitor of ``rec`` (see ``find``): the file is written, MixMonitorStop."""
    ch = rec._ch
    assert ch is not None
    finish(core, rec)
    core.chan_event("MixMonitorStop", ch)
    if ch.bridge is not None:
        core.refresh_bridge_peers(ch.bridge)


def mute(core: Core, rec: Recording, muted: bool) -> None:
    """MixMonitorMute: silence is written while muted (the file keeps its length)."""
    rec._set_muted(muted, core.now(), core.speed)


def find(core: Core, ch: Channel, mixmonitor_id: str = "") -> Recording | None:
    """The running recording of ``ch`` with that MixMonitorID, or its latest one."""
    for rec in reversed(core.recordings):
        if rec._ch is ch and not rec.done and mixmonitor_id in ("", rec.id):
            return rec
    return None


def finish(core: Core, rec: Recording) -> None:
    """Close the recording: count the last stretch and write the file."""
    if rec.done:
        return
    now = core.now()
    rec._pause(now, core.speed)
    rec._set_muted(False, now, core.speed)
    rec.done = True
    _write(core, rec)


def _on_bridge(core: Core, rec: Recording, ch: Channel, entered: bool) -> None:
    if rec.done or not rec.bridged_only:
        return
    if entered:
        rec._resume(core.now())
    else:
        rec._pause(core.now(), core.speed)


def _format(path: Path) -> tuple[int, int] | None:
    """(bytes per sample, silence byte) of the file's format; None for formats the
    simulator does not write (``.WAV`` is GSM in Asterisk)."""
    ext = path.suffix[1:] if path.suffix else "raw"
    return None if ext == "WAV" else _FORMATS.get(ext.lower())


def _write(core: Core, rec: Recording, seconds: float | None = None) -> None:
    fmt = _format(rec.path)
    if fmt is None:
        core.count("recordings_failed")  # Asterisk: "Cannot open ..." and no file
        return
    width, silence = fmt
    samples = round((rec.seconds if seconds is None else seconds) * SAMPLE_RATE)
    size = samples * width
    try:
        rec.path.parent.mkdir(parents=True, exist_ok=True)
        with rec.path.open("wb") as f:
            if rec.path.suffix.lower() == ".wav":
                f.write(wav_header(size))
            if silence == 0:
                f.truncate(f.tell() + size)  # zeros, without writing them
            else:
                f.write(bytes([silence]) * size)
    except OSError:
        core.count("recordings_failed")


def wav_header(data_size: int) -> bytes:
    """RIFF/WAVE header of 8 kHz 16-bit mono PCM with ``data_size`` bytes of samples."""
    return (b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
            + b"data" + struct.pack("<I", data_size))


# -- dialplan applications ----------------------------------------------------

@app("MixMonitor")
async def _mixmonitor_app(core: Core, ch: Channel, data: str) -> str | None:
    """MixMonitor(file[,options[,command]]): records on and returns at once."""
    filename, _, rest = data.partition(",")
    try:
        rec = prepare(core, ch, filename.strip(), rest.partition(",")[0].strip())
    except RecordingError:
        return STOP  # the application fails: Asterisk hangs up
    begin(core, rec)
    return None


@app("StopMixMonitor")
async def _stop_mixmonitor_app(core: Core, ch: Channel, data: str) -> str | None:
    rec = find(core, ch, data.strip())
    if rec is not None:  # otherwise Asterisk logs a warning and goes on
        stop(core, rec)
    return None
