"""HTTPS and WSS from the config's certificate (made here with openssl)."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest
from api_support import PASSWORD, api_env

from cti.api import accounts

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


async def test_the_api_and_the_socket_speak_tls(dsn: str, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    tls = {"cert_file": str(cert), "key_file": str(key)}
    async with api_env(dsn, tmp_path / "config", cti={"http": {"tls": tls}}) as api:
        service = api.service
        await accounts.add_user(service.store, service.config, "lucia", role="agent",
                                agent_id="a1001", password=PASSWORD)
        trust = ssl.create_default_context(cafile=str(cert))
        url = f"https://127.0.0.1:{service.http_port}"
        async with asyncio.timeout(20), aiohttp.ClientSession() as http:
            async with http.post(url + "/api/v1/login", ssl=trust, json={
                    "username": "lucia", "password": PASSWORD}) as response:
                assert response.status == 200
                token = (await response.json())["token"]
            async with http.ws_connect(f"wss://127.0.0.1:{service.http_port}/api/v1/ws",
                                       ssl=trust) as ws:
                await ws.send_str(json.dumps({"type": "auth", "token": token}))
                assert (await ws.receive_json())["type"] == "welcome"
            with pytest.raises(aiohttp.ClientError):          # plain HTTP is not served
                async with http.get(f"http://127.0.0.1:{service.http_port}/api/v1/health"):
                    pass
