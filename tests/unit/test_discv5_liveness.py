"""The liveness-check rules that need no socket: a node heard from during its check is kept
without further PINGs, and the number of checks at once is capped (requests beyond it counted).
PINGs here go to a stand-in that never answers; trio's mock clock makes the waits instant
(the real-UDP checks are in tests/net/test_discv5_liveness.py)."""

from __future__ import annotations

import os
from collections import Counter

import trio
import trio.testing

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.discv5.table import RoutingTable
from statuscli.core.errors import TimeoutExpired
from statuscli.net.discv5.liveness import LivenessChecks, LivenessPolicy


def far_records(n: int):
    out = []
    while len(out) < n:
        rec = LocalRecord(secp256k1.generate_private_key(os.urandom), 1, ip="127.0.0.1", udp=9).enr
        if rec.node_id[0] & 0x80:  # bucket 256 of the local id 0…0
            out.append(rec)
    return out


def silent_checks(policy: LivenessPolicy):
    table = RoutingTable(bytes(32), bucket_size=2)
    pinged: list[bytes] = []

    async def ping(enr, timeout):
        pinged.append(enr.node_id)
        await trio.sleep(timeout)
        raise TimeoutExpired("silent")

    return table, pinged, LivenessChecks(table, ping, Counter(), policy)


def run(main) -> None:
    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_a_node_heard_from_during_its_check_is_kept_without_more_pings():
    table, pinged, checks = silent_checks(LivenessPolicy(attempts=3, timeout=1.0, backoff=0.5))
    old, other = far_records(2)

    async def main():
        table.add(old, trio.current_time())
        table.add(other, trio.current_time())
        async with trio.open_nursery() as nursery:
            checks.start(nursery, old)
            await trio.sleep(1.2)  # first PING unanswered, in the back-off before the retry
            table.seen(old.node_id, trio.current_time())  # it sent us a request meanwhile

    run(main)
    assert pinged == [old.node_id] and old.node_id in table
    assert checks.counters["table.liveness-kept"] == 1 and not checks.counters["table.evicted"]
    assert not checks.counters["table.liveness-retries"]


def test_checks_at_once_are_capped_and_a_silent_node_is_evicted_after_every_attempt():
    table, pinged, checks = silent_checks(LivenessPolicy(attempts=3, timeout=1.0, backoff=0.25, max_running=1))
    a, b = far_records(2)

    async def main():
        table.add(a, 0.0)
        table.add(b, 0.0)
        async with trio.open_nursery() as nursery:
            checks.start(nursery, a)
            checks.start(nursery, a)  # already under check
            checks.start(nursery, b)  # over the cap
            assert checks.running == 1
        # 3 PINGs of 1 s, back-off 0.25 s then 0.5 s
        assert trio.current_time() == 3.75

    run(main)
    c = checks.counters
    assert pinged == [a.node_id] * 3 and c["table.liveness-retries"] == 2
    assert c["table.liveness-busy"] == 1 and c["table.liveness-capped"] == 1 and c["table.liveness-checks"] == 1
    assert c["table.evicted"] == 1 and a.node_id not in table and b.node_id in table and checks.running == 0


def test_a_stopping_service_starts_no_check_and_raises_nothing():
    """An answer that lands while the service stops (its nursery closed) used to raise 'Nursery is
    closed to new arrivals' out of the lookup that received it (seen at the end of a 200-service run)."""
    table, pinged, checks = silent_checks(LivenessPolicy(attempts=3, timeout=1.0, backoff=0.5))
    (old,) = far_records(1)

    async def main():
        table.add(old, trio.current_time())
        async with trio.open_nursery() as nursery:
            pass
        checks.start(nursery, old)  # closed

    run(main)
    assert pinged == [] and checks.running == 0 and checks.counters["table.liveness-stopping"] == 1
    assert not checks.counters["table.liveness-checks"]
