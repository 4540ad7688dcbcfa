"""The rendezvous point's registry (statuscli.core.rendezvous): namespaces, TTLs, every bound,
cookies. Time is an argument: no clock here."""

from __future__ import annotations

import pytest

from statuscli.core import rendezvous as rz

REC = b"signed-record"


def test_waku_shard_namespaces():
    assert rz.shard_namespace(16, 32) == "rs/16/32"
    assert rz.parse_shard_namespace("rs/16/32") == (16, 32)
    for other in ("rs/16", "rs/16/mix", "rs/70000/1", "rs/16/1024", "xs/16/32", "rs/16/32/relay", "rs/-1/2"):
        assert rz.parse_shard_namespace(other) is None


def test_register_discover_and_expire():
    r = rz.Registry()
    assert r.register("A", "rs/16/32", REC, 60, now=0) == rz.Outcome(rz.OK, "OK", 60)
    assert r.register("B", "rs/16/32", b"b", None, now=1).ttl == rz.DEFAULT_TTL  # no ttl: 2 h (the spec)
    page = r.discover("rs/16/32", None, None, now=30)
    assert [(x.peer, x.record, x.ttl_left(30)) for x in page.registrations] == [("A", REC, 30), ("B", b"b", 7171)]
    assert [x.peer for x in r.discover("rs/16/32", None, None, now=61).registrations] == ["B"]  # A expired
    assert r.stats(61) == {"registrations": 1, "namespaces": 1, "peers": 1}
    assert r.discover("rs/16/64", None, None, now=61).registrations == []


def test_refused_with_the_specs_status():
    r = rz.Registry(rz.RegistryLimits(min_ttl=60, max_ttl=3600, max_record_bytes=16))
    assert r.register("A", "", REC, 60, 0).status == rz.E_INVALID_NAMESPACE
    assert r.register("A", "x" * 256, REC, 60, 0).status == rz.E_INVALID_NAMESPACE
    assert r.register("A", "é" * 128, REC, 60, 0).status == rz.E_INVALID_NAMESPACE  # 256 bytes of UTF-8
    assert r.register("A", "n", REC, 59, 0).status == rz.E_INVALID_TTL
    assert r.register("A", "n", REC, 3601, 0).status == rz.E_INVALID_TTL
    assert r.register("A", "n", b"", 60, 0).status == rz.E_INVALID_SIGNED_PEER_RECORD
    assert r.register("A", "n", b"x" * 17, 60, 0).status == rz.E_INVALID_SIGNED_PEER_RECORD
    assert len(r) == 0


def test_every_bound():
    r = rz.Registry(rz.RegistryLimits(max_per_peer=2, max_per_namespace=2, max_namespaces=3, max_records=5))
    assert r.register("A", "n1", REC, 60, 0).ok and r.register("A", "n2", REC, 60, 0).ok
    assert r.register("A", "n3", REC, 60, 0).status == rz.E_NOT_AUTHORIZED  # 2 namespaces per peer
    assert r.register("A", "n1", REC, 120, 0).ok  # renewing is not a new registration
    assert r.register("B", "n1", REC, 60, 0).ok
    assert r.register("C", "n1", REC, 60, 0).status == rz.E_UNAVAILABLE  # 2 peers per namespace
    assert r.register("C", "n3", REC, 60, 0).ok
    assert r.register("D", "n4", REC, 60, 0).status == rz.E_UNAVAILABLE  # 3 namespaces
    assert r.register("D", "n3", REC, 60, 0).ok  # 5 in all now
    assert r.register("E", "n2", REC, 60, 0).status == rz.E_UNAVAILABLE  # 5 registrations in all
    assert r.register("E", "n2", REC, 60, 61).ok  # ...until some expire (A's n2, B, C, D went at 60)
    assert r.stats(61) == {"registrations": 2, "namespaces": 2, "peers": 2}


def test_unregister_is_a_no_op_for_strangers():
    r = rz.Registry()
    r.register("A", "n", REC, 60, 0)
    assert not r.unregister("B", "n") and not r.unregister("A", "other")
    assert r.unregister("A", "n") and len(r) == 0 and r.stats(0)["namespaces"] == 0


def test_cookies_return_only_newer_registrations():
    r = rz.Registry()
    for p in "ABC":
        r.register(p, "n", REC, 60, 0)
    first = r.discover("n", 2, None, 0)
    assert [x.peer for x in first.registrations] == ["A", "B"]
    second = r.discover("n", 2, first.cookie, 0)
    assert [x.peer for x in second.registrations] == ["C"]
    assert r.discover("n", 2, second.cookie, 0).registrations == []
    r.register("A", "n", REC, 60, 1)  # renewed: new for cookie holders
    r.register("D", "n", REC, 60, 1)
    assert [x.peer for x in r.discover("n", 10, second.cookie, 1).registrations] == ["A", "D"]
    assert [x.peer for x in r.discover("other", 10, second.cookie, 1).registrations] == []  # another namespace's cookie: from the start
    assert r.discover("n", 10, b"\x02" + bytes(8), 1).status == rz.E_INVALID_COOKIE
    assert r.discover("n", 10, b"short", 1).status == rz.E_INVALID_COOKIE


def test_discover_without_namespace_merges_all_in_registration_order():
    r = rz.Registry(rz.RegistryLimits(max_discover=3))
    r.register("A", "n1", REC, 60, 0)
    r.register("B", "n2", REC, 60, 0)
    r.register("C", "n1", REC, 60, 0)
    r.register("D", "n2", REC, 60, 0)
    page = r.discover(None, 100, None, 0)  # limit capped at max_discover
    assert [(x.peer, x.namespace) for x in page.registrations] == [("A", "n1"), ("B", "n2"), ("C", "n1")]
    assert [x.peer for x in r.discover(None, 100, page.cookie, 0).registrations] == ["D"]


def test_limits_must_be_sane():
    with pytest.raises(ValueError):
        rz.RegistryLimits(min_ttl=100, max_ttl=10)


def test_many_registrations_stay_bounded():
    r = rz.Registry(rz.RegistryLimits(max_records=1000, max_per_namespace=1000))
    for i in range(5000):
        r.register(f"P{i}", f"n{i % 10}", REC, 60, now=i * 0.01)
    assert len(r) == 1000
    assert r.stats(1000)["registrations"] == 0  # all expired
