"""Helpers for the network tests: real py-libp2p hosts on 127.0.0.1, bounded in time."""

from __future__ import annotations

import functools
import time

import pytest
import trio

LOCAL = ["/ip4/127.0.0.1/tcp/0"]
TOPIC = "/waku/2/rs/16/32"
TOPIC2 = "/waku/2/rs/16/64"
CT = "/statuscli/1/test/proto"


def trio_test(timeout: float):
    """Run an async test under trio, failing if it takes longer than ``timeout`` seconds."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            async def main():
                with trio.fail_after(timeout):
                    await fn(*args, **kwargs)

            try:
                trio.run(main)
            except BaseExceptionGroup as eg:
                raise _leaf(eg) from eg

        return wrapper

    return deco


def _leaf(e: BaseException) -> BaseException:
    """The first real exception inside nested exception groups (readable test failures)."""
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return e


def make_node(mode: str = "full", *, archive="memory", **kw):
    """A WakuNode on 127.0.0.1 (random port); ``archive="memory"`` gives a fresh in-memory store."""
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    if archive == "memory":
        from statuscli.store.archive import Archive

        archive = Archive(":memory:") if mode == "full" else None
    kw.setdefault("listen", [] if mode == "light" else list(LOCAL))
    kw.setdefault("maintenance_interval", 0.5)
    return WakuNode(NodeConfig(mode=mode, archive=archive, **kw))


def waku_message(i: int = 0, *, payload: bytes | None = None, content_topic: str = CT, ts: int | None = None):
    from statuscli.core.waku.message import WakuMessage

    return WakuMessage(
        payload=payload if payload is not None else b"message %d" % i,
        content_topic=content_topic,
        version=0,
        timestamp=ts if ts is not None else time.time_ns(),
    )


async def wait_until(pred, timeout: float = 10.0, interval: float = 0.02):
    with trio.fail_after(timeout):
        while not pred():
            await trio.sleep(interval)


async def drain(sub, quiet: float = 0.3) -> list:
    """Everything a subscription holds: receive until nothing came for ``quiet`` seconds."""
    got = []
    while True:
        with trio.move_on_after(quiet):
            got.append(await sub.receive())
            continue
        return got


def fetch_span(transport, a: int, b: int) -> list[bytes]:
    """(In a worker thread) what ``listen`` does with a dropped span: page the store for it."""
    out, cursor = [], None
    while True:
        items, cursor = transport.store_query([CT], pubsub_topic=TOPIC, time_start=a, time_end=b, cursor=cursor, limit=100)
        out += [r.data for r in items]
        if cursor is None:
            return out


def big_and_small(base_ns: int) -> tuple[list, object]:
    """Three 4 000-byte messages and a small one, 1 µs apart from ``base_ns`` (a tiny bound drops the big ones)."""
    return [waku_message(i, payload=b"x" * 4000, ts=base_ns + i * 1000) for i in range(3)], waku_message(9, ts=base_ns + 9000)


def read_all(transport, wait: float = 1.0) -> list:
    """(In a worker thread) everything a transport hands over until one ``receive`` brings nothing."""
    got = []
    while batch := transport.receive(wait):
        got += batch
    return got


@pytest.fixture(autouse=True)
def _net_marker(request):
    if request.node.get_closest_marker("net") is None:
        raise AssertionError("tests in tests/net must be marked @pytest.mark.net")
