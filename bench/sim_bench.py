"""Load the simulator as the load generator: N new calls a second up to M simultaneous.

    python bench/sim_bench.py [--rate 20] [--seconds 15] [--talk 20]

Every call runs the project's dialplan: an IVR over FastAGI (ANSWER, GET DATA
answered by the caller's digit, SET VARIABLE), then hold with the hold AGI
step; one AMI client reads the whole event stream. Printed: calls placed and
their arrival rate, peak simultaneous calls, AMI events per second, FastAGI
sessions, the worst event-loop lag, and whether every channel's events came
in order (Newchannel first, Hangup last, nothing after it).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from cti.ami.codec import AmiParser, Malformed
from cti.sim import SimPbx


async def fastagi(counter: dict[str, int]):
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script = ""
        while line := (await reader.readline()).decode().rstrip("\n"):
            if line.startswith("agi_network_script"):
                script = line
        counter["sessions"] += 1
        commands = (["ANSWER", "GET DATA cti-menu 3000 1", "SET VARIABLE CTI_ACTION queue"]
                    if "ivr" in script else ["STREAM FILE cti-position \"\""])
        for command in commands:
            writer.write(f"{command}\n".encode())
            reply = await reader.readline()
            if not reply.startswith(b"200"):
                counter["bad_replies"] += 1
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def main(rate: float, seconds: float, talk: float) -> None:
    agi_count = {"sessions": 0, "bad_replies": 0}
    agi = await fastagi(agi_count)
    pbx = SimPbx(secret="bench", agi_address=("127.0.0.1", agi.sockets[0].getsockname()[1]))
    await pbx.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", pbx.ami_port)
    writer.write(b"Action: Login\r\nUsername: cti\r\nSecret: bench\r\n\r\n")
    parser = AmiParser()
    events = 0
    order_errors = 0
    alive: set[str] = set()
    ended: set[str] = set()

    async def read() -> None:
        nonlocal events, order_errors
        while data := await reader.read(1 << 16):
            for msg in parser.feed(data):
                if isinstance(msg, Malformed) or "Event" not in msg:
                    continue
                events += 1
                ch = msg.get("Channel")
                if not ch:
                    continue
                if msg["Event"] == "Newchannel":
                    alive.add(ch)
                elif ch in ended or ch not in alive:
                    order_errors += 1
                    if order_errors <= 3:
                        print("out of order:", msg["Event"], ch, msg.get("Context"),
                              msg.get("Application", ""))
                elif msg["Event"] == "Hangup":
                    alive.discard(ch)
                    ended.add(ch)

    reading = asyncio.ensure_future(read())
    loop = asyncio.get_running_loop()
    lag = 0.0

    async def measure_lag() -> None:
        nonlocal lag
        while True:
            t = loop.time()
            await asyncio.sleep(0.05)
            lag = max(lag, loop.time() - t - 0.05)

    lagger = asyncio.ensure_future(measure_lag())
    while events == 0:  # logged in: FullyBooted arrived
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    placed = 0
    peak = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        while placed < elapsed * rate:
            placed += 1
            pbx.place_call(f"555{placed:04d}", f"Caller {placed}", "900", digits=["1"],
                           talk_seconds=talk, patience=talk)
        peak = max(peak, sum(1 for c in pbx.core.channels if c.startswith("PJSIP/trunk")))
        await asyncio.sleep(0.01)
    placing = time.perf_counter() - start
    await asyncio.sleep(1)
    total = time.perf_counter() - start
    print(f"calls placed            {placed} in {placing:.1f} s ({placed / placing:.1f}/s)")
    print(f"peak simultaneous calls {peak}")
    print(f"AMI events received     {events} ({events / total:.0f}/s)")
    print(f"FastAGI sessions        {agi_count['sessions']} "
          f"(non-200 replies: {agi_count['bad_replies']})")
    print(f"worst event-loop lag    {lag * 1000:.0f} ms")
    print(f"per-channel order errors {order_errors}")
    lagger.cancel()
    writer.close()
    reading.cancel()
    await pbx.stop()
    agi.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=20.0, help="new calls a second")
    ap.add_argument("--seconds", type=float, default=15.0, help="how long to place calls")
    ap.add_argument("--talk", type=float, default=30.0,
                    help="caller patience (s): calls stay up this long")
    args = ap.parse_args()
    asyncio.run(main(args.rate, args.seconds, args.talk))
