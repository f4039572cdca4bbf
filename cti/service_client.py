"""The command line's client of the running service's HTTP API, kept light.

The standard library's http.client and cti.yaml read without the config
models: a command that asks the service (``cti status``, ``cti watch``,
``cti queues``) answers in well under 200 ms. A service that is down, or an
answer that is an error, becomes one ``CtiError`` line.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cti.errors import CtiError
from cti.yaml_files import read_yaml

TIMEOUT = 10.0


class ServiceUnreachable(CtiError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"cannot reach the service at {url} ({reason}); is `cti run` (or `make demo`) "
            "running, and is --url right?"
        )


def service_url(url: str | None, config_dir: Path) -> str:
    """``url``, or the HTTP address of ``config_dir``/cti.yaml (a wildcard host is
    reached on the loopback)."""
    if url:
        return url.rstrip("/")
    http = read_yaml(Path(config_dir) / "cti.yaml", only="http").get("http") or {}
    host = str(http.get("host") or "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{http.get('port', 8080)}"


def request(url: str, method: str, path: str, body: Any = None,
            timeout: float = TIMEOUT) -> Any:
    """``method path`` on the service at ``url``; the decoded JSON answer.

    Raises:
        ServiceUnreachable: nothing answers at ``url``.
        CtiError: the service answered with an error (its message).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CtiError(f"--url {url!r} is not an http:// address")
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, parts.path.rstrip("/") + path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:  # TimeoutError is an OSError
        raise ServiceUnreachable(url, str(exc) or type(exc).__name__) from None
    finally:
        connection.close()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        raise CtiError(f"the service at {url} answered {path} with something that is not "
                       f"JSON (HTTP {response.status}); is --url the CTI service?") from None
    if response.status >= 400:
        message = payload.get("message") if isinstance(payload, dict) else None
        raise CtiError(message or f"HTTP {response.status} from {url}{path}")
    return payload
