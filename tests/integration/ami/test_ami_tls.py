"""AMI over TLS to a remote Asterisk: the client verifies the certificate and its name.

Asterisk's side (manager.conf tlsenable) is played by a TLS front on 127.0.0.1 that
relays to the fake AMI server, with a certificate made for the test by openssl.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ami_fake_server import FakeAmi

from cti.ami.client import AmiClient
from cti.ami.errors import AmiConnectError
from cti.config import AmiNode

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is missing")


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextlib.asynccontextmanager
async def tls_front(cert: Path, key: Path, backend_port: int) -> AsyncIterator[int]:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", backend_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_the_client_logs_in_over_tls_with_the_nodes_ca(
        ami: FakeAmi, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "asterisk")
    node = AmiNode(name="pbx1", host="127.0.0.1", port=5039, username="cti",
                   secret="s3cret", tls=True, ca_file=cert)
    async with asyncio.timeout(20), tls_front(cert, key, ami.port) as port:
        client = AmiClient("pbx1", "127.0.0.1", port, "cti", "s3cret",
                           ssl_context=node.ssl_context())
        await client.start()
        try:
            assert client.connected
            assert (await client.send({"Action": "Ping"}))["Response"] == "Success"
        finally:
            await client.stop()


async def test_a_certificate_the_node_does_not_trust_is_one_clear_error(
        ami: FakeAmi, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "asterisk")
    other, _ = _certificate(tmp_path, "someone-else")
    node = AmiNode(name="pbx1", host="127.0.0.1", port=5039, username="cti",
                   secret="s3cret", tls=True, ca_file=other)
    async with asyncio.timeout(20), tls_front(cert, key, ami.port) as port:
        client = AmiClient("pbx1", "127.0.0.1", port, "cti", "s3cret",
                           ssl_context=node.ssl_context())
        with pytest.raises(AmiConnectError, match=r"TLS failed .*ca_file"):
            await client.start()
        await client.stop()
