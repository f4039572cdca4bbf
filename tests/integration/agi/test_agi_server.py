"""The FastAGI server against misbehaving and numerous clients, on real sockets."""

from __future__ import annotations

import asyncio
import contextlib

from cti.agi.errors import AgiConnectionLost, AgiTimeout
from cti.agi.server import AgiServer
from cti.agi.session import AgiSession

HEADER = (
    "agi_network: yes\nagi_network_script: ivr?flow=main\n"
    "agi_request: agi://127.0.0.1:4573/ivr?flow=main\n"
    "agi_channel: Local/900@from-pstn-00000001;2\nagi_uniqueid: 1.{n}\n"
    "agi_callerid: {n}\nagi_calleridname: Caller {n}\n\n"
)


async def echo_caller(session: AgiSession) -> None:
    await session.answer()
    number = await session.get_variable("CALLERID(num)")
    await session.set_variable("SEEN", number or "")


async def wait_until(predicate, step: float = 0.005) -> None:
    while not predicate():
        await asyncio.sleep(step)


async def run_client(port: int, n: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HEADER.format(n=n).encode())
    assert await reader.readline() == b"ANSWER\n"
    writer.write(b"200 result=0\n")
    assert await reader.readline() == b"GET VARIABLE CALLERID(num)\n"
    writer.write(f"200 result=1 ({n})\n".encode())
    assert await reader.readline() == f'SET VARIABLE SEEN "{n}"\n'.encode()
    writer.write(b"200 result=1\n")
    assert await reader.read() == b""
    writer.close()


async def test_agi_server_serves_200_concurrent_sessions() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0)
    async with asyncio.timeout(20), server:
        await asyncio.gather(*(run_client(server.port, n) for n in range(200)))
    assert server.stats["completed"] == 200


async def test_agi_half_header_then_disconnect_is_dropped_and_others_go_on() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0, header_timeout=5)
    async with asyncio.timeout(5), server:
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\nagi_chan")
        await writer.drain()
        writer.close()
        await run_client(server.port, 1)
        await wait_until(lambda: server.stats["dropped"] == 1)
    assert server.stats["completed"] == 1


async def test_agi_silent_client_times_out_without_blocking_others() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0, header_timeout=0.3)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\n")
        await run_client(server.port, 2)
        assert server.stats["dropped"] == 0
        assert await reader.read() == b""          # closed by the server
        writer.close()
    assert server.stats == {"sessions": 1, "completed": 1, "hangups": 0, "dropped": 1,
                            "refused": 0,
                            "errors": 0}


async def test_agi_garbage_header_is_dropped() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\n\n")
        assert await reader.read() == b""
        writer.close()
    assert server.stats["dropped"] == 1


async def test_agi_unknown_path_is_closed_and_counted_as_error() -> None:
    server = AgiServer({"hold": echo_caller}, port=0)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        assert await reader.read() == b""
        writer.close()
    assert server.stats["errors"] == 1


async def test_agi_connection_closed_mid_command_raises_connection_lost() -> None:
    raised: list[BaseException] = []

    async def handler(session: AgiSession) -> None:
        try:
            await session.answer()
        except AgiConnectionLost as exc:
            raised.append(exc)
            raise

    server = AgiServer({"ivr": handler}, port=0)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        assert await reader.readline() == b"ANSWER\n"
        writer.write(b"200 res")                    # half a reply, then gone
        writer.close()
        await wait_until(lambda: server.stats["hangups"] == 1)
    assert "closed during 'ANSWER'" in str(raised[0])


async def test_agi_silent_asterisk_mid_session_times_out_the_command() -> None:
    raised: list[BaseException] = []

    async def handler(session: AgiSession) -> None:
        try:
            await session.get_variable("X")
        except AgiTimeout as exc:
            raised.append(exc)
            raise

    server = AgiServer({"ivr": handler}, port=0, reply_timeout=0.2)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        assert await reader.readline() == b"GET VARIABLE X\n"
        assert await reader.read() == b""
        writer.close()
    assert "no reply to 'GET VARIABLE X'" in str(raised[0])
    assert server.stats["errors"] == 1


async def test_agi_truncated_utf8_caller_name_is_replaced_not_fatal() -> None:
    names: list[str] = []

    async def handler(session: AgiSession) -> None:
        names.append(session.env.caller_name)

    server = AgiServer({"ivr": handler}, port=0)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network_script: ivr\nagi_calleridname: Zo\xc3\n\n")
        assert await reader.read() == b""
        writer.close()
    assert names == ["Zo\ufffd"]


async def test_agi_record_file_and_say_commands_are_formatted_and_parsed() -> None:
    seen: dict[str, object] = {}

    async def handler(session: AgiSession) -> None:
        seen["record"] = await session.record_file("/tmp/msg", "wav", "#", 30000,
                                                   silence_s=3)
        seen["alpha"] = await session.say_alpha("ABC 1", "#")
        seen["date"] = await session.say_date(1798113600)
        seen["exec"] = await session.exec("Dial", "PJSIP/1001,20")

    server = AgiServer({"ivr": handler}, port=0)
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        expected = [
            ('RECORD FILE /tmp/msg wav "#" 30000 BEEP s=3', "200 result=35 (dtmf) endpos=9600"),
            ('SAY ALPHA "ABC 1" "#"', "200 result=0"),
            ('SAY DATE 1798113600 ""', "200 result=0"),
            ("EXEC Dial PJSIP/1001,20", "200 result=0"),
        ]
        for command, reply in expected:
            assert (await reader.readline()).decode() == command + "\n"
            writer.write(reply.encode() + b"\n")
        assert await reader.read() == b""
        writer.close()
    assert seen["record"].digit == "#" and seen["record"].reason == "dtmf"
    assert seen["record"].endpos == 9600
    assert seen["exec"] == 0


async def test_agi_stop_lets_running_sessions_finish_within_grace() -> None:
    release = asyncio.Event()
    finished: list[str] = []

    async def handler(session: AgiSession) -> None:
        await release.wait()
        await session.verbose("done")
        finished.append(session.channel)

    server = AgiServer({"ivr": handler}, port=0)
    async with asyncio.timeout(5):
        await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        await wait_until(lambda: server.active_sessions == 1)
        stopping = asyncio.create_task(server.stop(grace=2))
        await asyncio.sleep(0)
        release.set()
        assert await reader.readline() == b'VERBOSE "done" 1\n'
        writer.write(b"200 result=1\n")
        await stopping
        writer.close()
    assert finished == ["Local/900@from-pstn-00000001;2"]
    assert server.stats["completed"] == 1



async def test_agi_connections_from_addresses_not_allowed_are_closed_unread() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0, allowed_peers=["10.9.9.9", "192.0.2.0/24"])
    async with asyncio.timeout(5), server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADER.format(n=1).encode())
        with contextlib.suppress(ConnectionResetError):  # closed with our header unread
            assert await reader.read() == b""        # closed, no command sent
        writer.close()
    assert server.stats["refused"] == 1 and server.stats["sessions"] == 0


async def test_agi_allowed_host_names_and_loopback_are_served() -> None:
    server = AgiServer({"ivr": echo_caller}, port=0, allowed_peers=["localhost", "::1"])
    async with asyncio.timeout(5), server:
        await run_client(server.port, 7)
    assert server.stats == {**server.stats, "completed": 1, "refused": 0}
    assert server.peer_allowed("::ffff:127.0.0.1")   # IPv4 on an IPv6 socket
    assert not server.peer_allowed("10.0.0.1")
