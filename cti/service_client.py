"""The command line's client of a running service's HTTP API.

Whatever answers at the URL, the operator gets one line: the service is
unreachable (exit 1), something else answers there, not the cti API (exit 2),
or the service refused the request with its own message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Iterable
from typing import Any

from cti.errors import NotTheService, RemoteError, ServiceUnreachable

#: Seconds for a whole request; the API answers in milliseconds.
TIMEOUT = 10.0
#: An answer larger than this is not the API's (a status of 10,000 agents is ~2 MB).
MAX_BODY = 64 << 20


#: The key to send to each service URL: the operator key of its --config (or
#: CTI_API_KEY), found when ``service_url`` names the URL.
_KEYS: dict[str, str] = {}
#: What to do about a 401 from the service.
_SIGN_IN_HINT = ("the cti command reads the running service's operator key from "
                 "auth.operator_key_file of --config: run it as the service's user with the "
                 "same --config, or set CTI_API_KEY")


def service_url(args: argparse.Namespace) -> str:
    """--url, else the ``http`` address of cti.yaml in --config (https with http.tls)."""
    from cti.api.cli_key import cli_key

    config_dir = getattr(args, "config", None)
    if getattr(args, "url", None):
        url = args.url.strip().rstrip("/")
        url = url if "://" in url else f"http://{url}"
    else:
        from cti.config import load_config

        http = load_config(args.config).service.http
        host = "127.0.0.1" if http.host in ("0.0.0.0", "::", "") else http.host
        url = f"{'https' if http.tls else 'http'}://{host}:{http.port}"
    key = cli_key(config_dir) if config_dir is not None else None
    if key:
        _KEYS[url] = key
    return url


def call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    """One request to the service named by ``args``; its JSON answer."""
    return asyncio.run(request(service_url(args), method, path, body))


async def request(url: str, method: str, path: str, body: Any = None) -> Any:
    import aiohttp

    key = _KEYS.get(url) or os.environ.get("CTI_API_KEY", "").strip()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
                    as session,
                    session.request(method, url + path, json=body, headers=headers,
                                    allow_redirects=False) as response):
            raw = await response.content.read(MAX_BODY + 1)
            status, kind = response.status, response.content_type
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
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
