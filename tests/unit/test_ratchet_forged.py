"""Forged Double Ratchet headers are cheap to refuse (issue 13.7).

Work is measured by counting the HMAC-SHA256 computations of core/ratchet.py (every chain step
and message key is one), never by timing. Before the fix a header naming N = PN = 1000 made the
receiver derive and keep 2 000 chain steps *and* 2 000 message keys (4 000+ HMACs) before the
MAC failed; now it walks the chain keys only (≤ 2 000 HMACs) and a per-peer allowance refuses the
next forged header with no derivation at all.
"""

from __future__ import annotations

import hmac
import os

import pytest

from statuscli.app.skip_allowance import SkipAllowance
from statuscli.core import ratchet
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import DecryptionFailed
from statuscli.core.ratchet import MAX_SKIP, Header, HeaderRefused, SkipLimitReached
from tests.unit.test_encryption_sessions import mk  # noqa: F401  (fixture)
from tests.core.test_ratchet import _pair, _rng


class _CountingHmac:
    def __init__(self) -> None:
        self.calls = 0

    def digest(self, key, msg, name):
        self.calls += 1
        return hmac.digest(key, msg, name)

    compare_digest = staticmethod(hmac.compare_digest)


@pytest.fixture
def hmacs(monkeypatch):
    counter = _CountingHmac()
    monkeypatch.setattr(ratchet, "_hmac", counter)
    return counter


def _talking_pair():
    alice, bob = _pair(11)
    for i in range(3):
        h, ct = alice.send(b"hello %d" % i)
        assert bob.recv(h, ct) == b"hello %d" % i
    return alice, bob


def _forged(n=MAX_SKIP, pn=MAX_SKIP) -> Header:
    fake_dh = secp256k1.compress(secp256k1.public_key(secp256k1.generate_private_key(os.urandom)))
    return Header(fake_dh, n, pn)


def test_normal_message_work(hmacs):
    alice, bob = _talking_pair()
    h, ct = alice.send(b"x")
    hmacs.calls = 0
    bob.recv(h, ct)
    assert hmacs.calls <= 3  # message key, next chain key, MAC


def test_forged_header_walks_chain_keys_only_and_keeps_nothing(hmacs):
    _, bob = _talking_pair()
    before = bob.state.to_bytes()
    hmacs.calls = 0
    with pytest.raises(DecryptionFailed, match="MAC"):
        bob.state.decrypt(_forged(), os.urandom(120), _rng(5))
    # the old code: 2 HMACs per skipped key (chain + message key), 4 000+ in all
    assert hmacs.calls <= 2 * MAX_SKIP + 3, hmacs.calls
    assert bob.state.to_bytes() == before


def test_max_steps_refuses_before_any_derivation(hmacs):
    _, bob = _talking_pair()
    drawn = []
    hmacs.calls = 0
    with pytest.raises(SkipLimitReached) as e:
        bob.state.decrypt(_forged(), os.urandom(120), lambda n: drawn.append(n) or os.urandom(n), max_steps=500)
    assert e.value.code == "skip-limit"
    assert hmacs.calls == 0 and drawn == []  # no chain step, no DH ratchet key drawn


def test_impossible_headers_are_refused_on_the_header_alone(hmacs):
    alice, bob = _talking_pair()
    hmacs.calls = 0
    with pytest.raises(HeaderRefused, match="too many skipped"):
        bob.state.decrypt(_forged(n=MAX_SKIP + 1, pn=bob.state.recv_n), os.urandom(120), _rng(5))
    same_chain = Header(bob.state.dhr, 0, 0)  # below the receiving chain: a replay
    with pytest.raises(HeaderRefused, match="replayed"):
        bob.state.decrypt(same_chain, os.urandom(120), _rng(5))
    assert hmacs.calls == 0


def test_steps_needed_matches_the_walk(hmacs):
    alice, bob = _talking_pair()
    sent = [alice.send(b"m%d" % i) for i in range(40)]
    h, ct = sent[-1]
    assert bob.state.steps_needed(h) == 39
    hmacs.calls = 0
    out = bob.state.decrypt(h, ct, _rng(1), max_steps=39)
    # 39 chain steps before the MAC, then 39 × (message key + chain step) for the keys kept
    assert out.plaintext == b"m39" and len(out.skipped) == 39
    assert hmacs.calls == 39 + 3 + 2 * 39
    for k, (hh, c) in zip(out.skipped, sent):
        assert ratchet.open_(k.mk, c, hh.ad()).startswith(b"m")


def test_allowance_charges_failures_only_and_refills():
    now = [0.0]
    allow = SkipAllowance(capacity=2000, refill_s=60.0, clock=lambda: now[0])
    who = (b"peer", "inst", b"bundle")
    assert allow.available(who) == 2000
    allow.charge(who, 2000)  # one forged worst case
    assert allow.available(who) == 0 and allow.snapshot() == {"refused": 0, "failures": 1, "wasted_steps": 2000}
    assert allow.available((b"other", "inst", b"bundle")) == 2000  # per peer
    now[0] = 30.0
    assert allow.available(who) == 1000
    now[0] = 600.0
    assert allow.available(who) == 2000


def test_allowance_bounds_its_memory():
    allow = SkipAllowance(capacity=10, max_sessions=3)
    for i in range(10):
        allow.charge((i,), 10)
    assert len(allow._buckets) == 3 and allow.available((0,)) == 10


def test_forged_headers_through_the_receive_path(hmacs, monkeypatch, mk):
    """``decrypt`` of a ProtocolMessage whose DR header names a real session (public installation
    and bundle id) with N = PN = 1000: the first costs chain steps only and is charged to that
    session's allowance; the next is refused with zero derivations and counted; an honest message
    still decrypts, and nothing forged changed the database."""
    import dataclasses

    from statuscli.app import secure_receive
    from statuscli.core.encryption import ProtocolMessage
    from tests.unit.test_encryption_sessions import T0, dump, handshake, recv, send

    allow = SkipAllowance()
    monkeypatch.setattr(secure_receive, "ALLOWANCE", allow)
    a, b = mk(), mk()
    handshake(a, b)
    real = ProtocolMessage.decode(send(a, b, b"real", T0 + 10).message)
    entry = real.encrypted[b.installation_id]
    assert entry.dr is not None

    def forged() -> bytes:
        dr = dataclasses.replace(entry.dr, key=_forged().dh, n=MAX_SKIP, pn=MAX_SKIP)
        e = dataclasses.replace(entry, dr=dr, payload=os.urandom(len(entry.payload)), x3dh=None)
        return dataclasses.replace(real, encrypted={b.installation_id: e}, bundles=()).encode()

    before = dump(b.db)
    hmacs.calls = 0
    with pytest.raises(DecryptionFailed, match="MAC"):
        recv(b, forged(), T0 + 11, sender_pub=a.chat_public_key)
    assert hmacs.calls <= 2 * MAX_SKIP + 3
    first = allow.snapshot()
    assert first["failures"] == 1 and 1900 <= first["wasted_steps"] <= 2 * MAX_SKIP
    hmacs.calls = 0
    with pytest.raises(SkipLimitReached):
        recv(b, forged(), T0 + 12, sender_pub=a.chat_public_key)
    assert hmacs.calls == 0 and allow.snapshot()["refused"] == 1
    assert dump(b.db) == before
    assert recv(b, send(a, b, b"still here", T0 + 13).message, T0 + 13).plaintext == b"still here"
