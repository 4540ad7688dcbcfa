"""A real node (``statuscli node run``, its own process, 127.0.0.1) under the attacks of issue 13
row "node resources": a filter subscriber that never reads while big messages flow, streams that
hoard nearly complete 1.6 MB frames, a lightpush flood from one peer, and 100 throwaway peers
filling the filter service. Checked: the node's peak RSS stays under 250 MB, every limit hit is
in ``node status`` counters, and an honest light client is still served (lightpush, filter, store).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

import pytest
import trio

from statuscli.core.encoding import uvarint_encode
from tests.net.conftest import CT, TOPIC, make_node, waku_message

pytestmark = pytest.mark.net

RSS_LIMIT_KB = 250 * 1024
FLOOD_VOLUME = FLOOD_RATE_PER_S = 20  # the node's lightpush limit in this test: 20/1s
BIG = 140_000  # payload bytes: a WakuMessage just under relay's 150 KiB


def start_node(tmp_path) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "statuscli", "--home", str(tmp_path / "home"), "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0",
         "--rate-limit", f"lightpush:{FLOOD_VOLUME}/1s"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    line = b""
    while not line.endswith(b"\n"):
        assert time.monotonic() < deadline, "node did not start"
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, f"node exited with {proc.wait()}"
            line += chunk
    return proc, json.loads(line)


def peak_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))


def status(sock: str) -> dict:
    from statuscli.net.control_client import ControlClient

    with ControlClient(sock, timeout=30) as c:
        return c.call("info")


def publish_many(sock: str, n: int) -> None:
    from statuscli.net.control_client import ControlClient

    payload = "0x" + os.urandom(BIG).hex()
    with ControlClient(sock, timeout=30) as c:
        for i in range(n):
            c.call("publish", {"message": {"payload": payload[: 2 + 2 * BIG - 8] + f"{i:08x}", "content_topic": CT}})


async def never_read(stream) -> None:
    await trio.sleep_forever()


async def slow_filter_reader(addr: str, sock: str) -> None:
    from statuscli.net import codecs

    async with make_node("light") as slow:
        slow.host.set_handler(codecs.FILTER_PUSH, never_read)  # accepts push streams, reads nothing
        await slow.filter_subscribe(addr, TOPIC, [CT])
        await trio.to_thread.run_sync(publish_many, sock, 1000)


async def hoard_frames(addr: str, streams: int = 100) -> int:
    """Open ``streams`` lightpush streams, each announcing a 1.6 MB frame and sending 1.5 MB of it."""
    from statuscli.net import codecs
    from statuscli.net.streams import open_stream

    refused = 0
    async with make_node("light") as hoarder:
        pid = await hoarder.connect(addr)
        held = []

        async def one() -> None:
            nonlocal refused
            try:
                s = await open_stream(hoarder.host.host, pid, codecs.LIGHTPUSH_V3)
                held.append(s)
                await s.write(uvarint_encode(1_600_000))
                for _ in range(15):
                    await s.write(b"\0" * 100_000)
            except Exception:
                refused += 1

        with trio.move_on_after(20):
            async with trio.open_nursery() as n:
                for _ in range(streams):
                    n.start_soon(one)
    return refused


async def flood(addr: str, n: int = 400, at_once: int = 16) -> dict:
    """Lightpush as fast as one peer can (``at_once`` requests in flight), never backing off."""
    from statuscli.net import lightpush

    codes: dict = {}
    async with make_node("light") as flooder:
        pid = await flooder.connect(addr)
        todo = iter(range(n))

        async def worker() -> None:
            for i in todo:
                try:
                    r = await lightpush.lightpush(flooder.host.host, pid, TOPIC, _encoded(i), timeout=5)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1
                except Exception:
                    codes["disconnected"] = codes.get("disconnected", 0) + 1
                    return

        async with trio.open_nursery() as nursery:
            for _ in range(at_once):
                nursery.start_soon(worker)
    return codes


def _encoded(i: int) -> bytes:
    from statuscli.core.waku.message import encode

    return encode(waku_message(i, payload=b"flood %d" % i))


async def exhaust_filter(addr: str, n: int = 100, at_once: int = 10) -> int:
    """``n`` throwaway peers each subscribe once and leave (never ping, never unsubscribe)."""
    ok = 0
    limiter = trio.CapacityLimiter(at_once)

    async def one() -> None:
        nonlocal ok
        async with limiter, make_node("light") as throwaway:
            try:
                await throwaway.filter_subscribe(addr, TOPIC, [CT])
                ok += 1
            except Exception:
                pass

    async with trio.open_nursery() as nursery:
        for _ in range(n):
            nursery.start_soon(one)
    return ok


async def honest_client(addr: str) -> None:
    async with make_node("light") as light:
        sub = await light.filter_subscribe(addr, TOPIC, [CT])
        msg = waku_message(7, payload=b"honest")
        r = await light.lightpush_publish(addr, TOPIC, msg)
        assert r.ok, r
        with trio.fail_after(10):
            async for m in sub:
                if m.message.payload == b"honest":
                    break
        page = await light.store_query(addr, pubsub_topic=TOPIC, content_topics=[CT], forward=False, limit=5)
        assert any(s.message is not None and s.message.payload == b"honest" for s in page.messages)


def test_node_under_abuse_stays_bounded_and_serves_an_honest_client(tmp_path):
    proc, rec = start_node(tmp_path)
    addr, sock = rec["multiaddrs"][0], rec["control_socket"]
    results: dict = {}
    try:
        async def main() -> None:
            t = time.monotonic()
            with trio.fail_after(150):
                await slow_filter_reader(addr, sock)
                results["t_slow"] = round(time.monotonic() - t, 1)
                results["hoard_refused"] = await hoard_frames(addr)
                results["t_hoard"] = round(time.monotonic() - t, 1)
                results["flood"] = await flood(addr)
                results["t_flood"] = round(time.monotonic() - t, 1)
                results["subscribed"] = await exhaust_filter(addr)
                results["t_exhaust"] = round(time.monotonic() - t, 1)
                await honest_client(addr)

        trio.run(main)
        info = status(sock)
        peak = peak_rss_kb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    c = info["counters"]
    print("abuse results:", results, "peak RSS MB:", peak // 1024, {k: v for k, v in c.items() if k.startswith(("dropped.", "guard", "filter."))})
    assert peak < RSS_LIMIT_KB, f"peak RSS {peak // 1024} MB"
    assert c.get("dropped.filter.slow-subscriber", 0) >= 1  # the reader that never reads was dropped
    # hoarded frames refused at their length prefix, until the hoarder's score got it banned
    assert c.get("dropped.lightpush.frame-budget", 0) >= 10 and results["hoard_refused"] >= 90
    # the limiter lets through what its bucket allows and no more: the 20-request burst plus 20/s
    # refill over the flood's duration (a slow, loaded machine stretches the flood, so more get
    # through — bounded by the same formula), refuses the rest, and the refusals get the flooder banned
    flood_ok, flood_429 = results["flood"].get(200, 0), results["flood"].get(429, 0)
    flood_s = results["t_flood"] - results["t_hoard"]
    allowed = FLOOD_VOLUME + FLOOD_RATE_PER_S * flood_s
    assert flood_ok <= allowed * 1.1 + 5, (results["flood"], flood_s)
    assert c.get("dropped.ratelimit.lightpush", 0) >= 50 and flood_429 >= 50, results["flood"]
    assert c.get("guard.bans", 0) >= 2  # the hoarder and the flooder
    assert results["subscribed"] == 100 and sum(v for k, v in c.items() if k.startswith("filter.evicted.")) >= 1
    assert info["guard"]["frame_bytes_held"] == 0
