"""Health and readiness: for a load balancer, systemd and a container engine.

- ``GET /health``: the process answers (its event loop runs). 200, or nothing.
- ``GET /ready``: the service takes calls: started and not stopping, an AMI
  link logged in, FastAGI listening. 200 or 503, with each check in the body;
  the database is reported but does not make the service unready (calls are
  routed and journaled while PostgreSQL is away).
- systemd (``Type=notify``): ``READY=1`` once ready, ``STOPPING=1`` at stop,
  ``WATCHDOG=1`` pings when ``WatchdogSec`` is set (the unit in
  docs/operations.md); ``CTI_READY_FILE``: a file written once ready and
  removed at stop, for supervisors without sd_notify.

``python -m cti.health URL`` asks URL and exits 0 or 1 without loading the
service (the Docker HEALTHCHECK): the standard library only.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any, Protocol


class Probe(Protocol):
    """What readiness reads of the running service."""

    started: bool
    stopping: bool

    def links(self) -> dict[str, bool]: ...

    def agi_listening(self) -> bool: ...

    def database_up(self) -> bool: ...


def readiness(probe: Probe) -> tuple[bool, dict[str, Any]]:
    """(ready, checks): ready when started, not stopping, one AMI link up and FastAGI
    listening."""
    links = probe.links()
    checks = {
        "started": probe.started, "stopping": probe.stopping,
        "ami": {node: "up" if up else "down" for node, up in links.items()},
        "fastagi": "listening" if probe.agi_listening() else "down",
        "database": "up" if probe.database_up() else "down",
    }
    ready = (probe.started and not probe.stopping and any(links.values())
             and checks["fastagi"] == "listening")
    return ready, checks


def sd_notify(message: str, environ: dict[str, str] | None = None) -> bool:
    """Send ``message`` (``READY=1``, ...) to systemd's notify socket, if there is one."""
    address = (environ if environ is not None else os.environ).get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        return False
    return True


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """Seconds between WATCHDOG=1 pings (half systemd's WatchdogSec), or None."""
    usec = (environ if environ is not None else os.environ).get("WATCHDOG_USEC")
    try:
        return int(usec) / 2e6 if usec else None
    except ValueError:
        return None


def ready_file(environ: dict[str, str] | None = None) -> Path | None:
    path = (environ if environ is not None else os.environ).get("CTI_READY_FILE")
    return Path(path) if path else None


def check_url(url: str, timeout: float = 3.0) -> int:
    """0 when ``url`` answers 200, else 1 (and one line saying why on stderr)."""
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=timeout) as response:
            return 0 if response.status == 200 else 1
    except HTTPError as exc:
        print(f"{url}: HTTP {exc.code}", file=sys.stderr)
    except (URLError, OSError) as exc:
        print(f"{url}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(check_url(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/health"))
