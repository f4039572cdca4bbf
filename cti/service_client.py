"""The command line's client of a running service's HTTP API.

Whatever answers at the URL, the operator gets one line: the service is
unreachable (exit 1), something else answers there, not the cti API (exit 2),
or the service refused the request with its own message.

Kept light so a command that asks the service answers in well under 200 ms:
the standard library's http.client (no aiohttp, no asyncio), and only the
``http`` section of cti.yaml read (no config models).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cti.errors import BadRequest, NotTheService, RemoteError, ServiceUnreachable

#: Seconds for a whole request; the API answers in milliseconds.
TIMEOUT = 10.0
#: An answer larger than this is not the API's (a status of 10,000 agents is ~2 MB).
MAX_BODY = 64 << 20


#: The key sent to each service URL: the operator key the service wrote for its
#: --config (or CTI_API_KEY), noted when ``service_url`` names the URL.
_KEYS: dict[str, str] = {}
#: What to do about a 401 from the service.
_SIGN_IN_HINT = ("the cti command reads the running service's operator key from "
                 "auth.operator_key_file of --config: run it as the service's user with the "
                 "same --config, or set CTI_API_KEY")


def service_url(args: argparse.Namespace) -> str:
    """--url, else the ``http`` address of cti.yaml in --config; the operator key of
    --config goes with the requests to it."""
    url = _address(args)
    config_dir = getattr(args, "config", None)
    if config_dir is not None:
        from cti.api.cli_key import cli_key

        key = cli_key(Path(config_dir))
        if key:
            _KEYS[url] = key
    return url


def _address(args: argparse.Namespace) -> str:
    if getattr(args, "url", None):
        given = args.url.strip()
        url = given if "://" in given else f"http://{given}"
        if not urlsplit(url).hostname:
            raise BadRequest(f"--url {given!r} names no host; give the service's address, "
                             "e.g. http://127.0.0.1:8080")
        return url.rstrip("/")
    from cti.yaml_files import read_yaml

    directory = Path(args.config)
    if not (directory / "cti.yaml").is_file():  # the full check says what is missing
        check_config(directory)
    section = read_yaml(directory / "cti.yaml", only="http").get("http") or {}
    host = str(section.get("host") or "127.0.0.1")
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{section.get('port', 8080)}"


def check_config(directory: Path) -> None:
    """Raise ``ConfigError`` if the config directory does not validate (the models load:
    only on the way to an error, so a working command stays fast)."""
    from cti.config import load_config

    load_config(directory)


def call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    """One request to the service named by ``args``; its JSON answer."""
    return fetch(service_url(args), method, path, body)


async def request(url: str, method: str, path: str, body: Any = None) -> Any:
    """``fetch`` for callers that run in an event loop (a command is one request at a
    time: it blocks the loop for a few milliseconds)."""
    return fetch(url, method, path, body)


def fetch(url: str, method: str, path: str, body: Any = None) -> Any:
    """``method path`` on the service at ``url``; its JSON answer.

    Raises:
        ServiceUnreachable: nothing answers at ``url`` (or a proxy says so).
        NotTheService: something answers, not the cti API.
        RemoteError: the service refused the request (its own message).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceUnreachable(url, "not an http:// or https:// address")
    kind_of = http.client.HTTPSConnection if parts.scheme == "https" \
        else http.client.HTTPConnection
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    key = _KEYS.get(url) or os.environ.get("CTI_API_KEY", "").strip()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if data is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection = kind_of(parts.hostname, parts.port, timeout=TIMEOUT)
        try:
            connection.request(method, parts.path.rstrip("/") + path, body=data,
                               headers=headers)
            response = connection.getresponse()
            raw = response.read(MAX_BODY + 1)
            status = response.status
            kind = (response.getheader("Content-Type") or "").split(";")[0].strip()
        finally:
            connection.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise ServiceUnreachable(url, _reason(exc)) from None
    if len(raw) > MAX_BODY:
        raise NotTheService(url, f"its answer to {method} {path} is larger than "
                                 f"{MAX_BODY >> 20} MB")
    try:
        payload = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        if status in (502, 503, 504):  # a proxy in front of a service that is down
            raise ServiceUnreachable(url, f"HTTP {status} from a proxy") from None
        raise NotTheService(url, f"it answered {method} {path} with HTTP {status} and "
                                 f"{kind or 'no content type'}, not JSON") from None
    if status >= 400:
        if isinstance(payload, dict) and isinstance(payload.get("message"), str):
            message = payload["message"] + (f" ({_SIGN_IN_HINT})" if status == 401 else "")
            raise RemoteError(status, str(payload.get("error", "error")), message)
        raise NotTheService(url, f"it answered {method} {path} with HTTP {status}")
    return payload


def expect(payload: Any, keys: Iterable[str], url: str, what: str) -> dict[str, Any]:
    """``payload`` if it is an object with ``keys``; else ``NotTheService``."""
    missing = [k for k in keys if not isinstance(payload, dict) or k not in payload]
    if missing:
        raise NotTheService(url, f"its answer to {what} has no {missing[0]!r}")
    return payload


def expect_list(payload: Any, keys: Iterable[str], url: str, what: str) -> list[dict[str, Any]]:
    """``payload`` if it is a list of objects with ``keys``; else ``NotTheService``."""
    if not isinstance(payload, list):
        raise NotTheService(url, f"its answer to {what} is not a list")
    return [expect(item, keys, url, what) for item in payload]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
