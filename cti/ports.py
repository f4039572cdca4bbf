"""The service's listening ports, bound before it acts.

``cti run`` binds FastAGI and HTTP first thing, before it opens the database,
logs in to AMI and acts on calls: a port another process holds stops the start
with one line and nothing done. Before, the service logged in to AMI, resynced
and closed calls, then failed on the busy port (issue 12).

A host that names several addresses (``localhost``, an empty host) is left to
the server to bind, as asyncio does, when it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


async def bind(host: str, port: int) -> socket.socket | None:
    """A TCP socket bound to ``host:port`` (not listening yet), for a server's
    ``sock=``; None when ``host`` names several addresses.

    Raises:
        OSError: the address is in use or not on this host; the message names it
            as asyncio's would (``error while attempting to bind on address ...``).
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    addresses = list(dict.fromkeys((family, addr) for family, _, _, _, addr in infos))
    if len(addresses) != 1:
        return None
    family, addr = addresses[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"error while attempting to bind on address {addr!r}: "
                                 f"{(exc.strerror or str(exc)).lower()}") from None
    sock.setblocking(False)
    return sock


def close(sock: socket.socket | None) -> None:
    """Close a socket no server took."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()
