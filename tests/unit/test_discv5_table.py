"""discv5 routing table (buckets, replacements, liveness eviction) and our self-updating record."""

from __future__ import annotations

import os

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.discv5.table import RoutingTable, log_distance
from statuscli.core.waku.enr import decode_enr


def record(seq=1, **kw):
    key = secp256k1.generate_private_key(os.urandom)
    return LocalRecord(key, seq, ip="127.0.0.1", udp=9000, **kw).enr


def test_log_distance():
    assert log_distance(bytes(32), bytes(32)) == 0
    assert log_distance(bytes(32), bytes(31) + b"\x01") == 1
    assert log_distance(b"\x80" + bytes(31), bytes(32)) == 256


def test_full_bucket_keeps_replacements_and_promotes_on_removal():
    # local id 0…0: every id with the top bit set lands in bucket 256 (half of all ids)
    table = RoutingTable(bytes(32), bucket_size=4, replacements=2)
    recs = []
    while len(recs) < 7:
        r = record()
        if r.node_id[0] & 0x80:
            recs.append(r)
    for i, r in enumerate(recs[:4]):
        assert table.add(r, float(i)) is None
    stale = table.add(recs[4], 10.0)
    assert stale is not None and stale.node_id == recs[0].node_id  # least recently seen
    table.add(recs[5], 11.0)
    table.add(recs[6], 12.0)  # replacement list keeps the newest two
    assert len(table) == 4 and recs[4].node_id not in table
    assert table.last_seen(recs[1].node_id) == 1.0 and table.last_seen(recs[4].node_id) is None  # a replacement: not in a bucket
    table.remove(recs[0].node_id)
    assert recs[6].node_id in table and recs[0].node_id not in table and len(table) == 4
    assert {e.node_id for e in table.at_distances([256])} == {r.node_id for r in (recs[1], recs[2], recs[3], recs[6])}


def test_newer_record_replaces_and_closest_orders_by_xor():
    table = RoutingTable(os.urandom(32))
    recs = [record() for _ in range(40)]
    for r in recs:
        table.add(r, 0.0)
    target = os.urandom(32)
    closest = table.closest(target, 5)
    best = sorted((r for r in recs if r.node_id in table), key=lambda r: int.from_bytes(r.node_id, "big") ^ int.from_bytes(target, "big"))[:5]
    assert [r.node_id for r in closest] == [r.node_id for r in best]
    assert table.stalest(100.0, 50.0)[0].last_seen == 0.0


def test_local_record_bumps_seq_only_on_change():
    key = secp256k1.generate_private_key(os.urandom)
    rec = LocalRecord(key, 7, ip="10.0.0.1", udp=9000, waku2_flags=["relay", "store"], rs=(16, [32, 64]))
    assert rec.seq == 7 and rec.enr.waku2 == 0b11 and rec.enr.shards == (16, [32, 64])
    assert not rec.update(udp=9000, rs=(16, [64, 32]))
    assert rec.update(udp=9001) and rec.seq == 8
    assert decode_enr(rec.text).udp == 9001 and decode_enr(rec.text).seq == 8
