"""The secure-transport app layer over real SQLite: sessions, bundles, failures, atomicity."""

from __future__ import annotations

import os
import random
import uuid

import pytest

from statuscli.app import secure
from statuscli.core import hash_ratchet as hr
from statuscli.core.bundles import BUNDLE_REFRESH_MS, Bundle
from statuscli.core.crypto import secp256k1
from statuscli.core.encryption import EncryptedMessage, ProtocolMessage
from statuscli.core.errors import (
    BadSignature,
    CryptoError,
    DecodeError,
    DecryptionFailed,
    DeviceNotFound,
    InvalidInput,
    NotFound,
    SessionNotFound,
)
from statuscli.store import sessions
from statuscli.store.state_db import open_state

T0 = 1_700_000_000_000
HOUR = 3600 * 1000


class Acct:
    """The duck type app.secure needs (an unlocked Account)."""

    def __init__(self, path, priv: bytes | None = None):
        self.chat_private_key = priv or secp256k1.generate_private_key(os.urandom)
        self.chat_public_key = secp256k1.public_key(self.chat_private_key)
        self.installation_id = str(uuid.uuid4())
        self.db = open_state(path / "state.db", os.urandom(32))


@pytest.fixture
def mk(tmp_path):
    n = iter(range(1000))

    def make(priv=None):
        return Acct(tmp_path / f"acct{next(n)}", priv)

    return make


def dump(conn) -> dict:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}


def send(a, b, text: bytes, now: int) -> secure.EncryptResult:
    return secure.encrypt_for_peer(a, b.chat_public_key, text, now_ms=now)


def recv(b, msg: bytes, now: int, **kw) -> secure.DecryptResult:
    return secure.decrypt_protocol_message(b, msg, now_ms=now, **kw)


def handshake(a, b, now=T0):
    """a knows nothing → DH; b replies by X3DH; a answers by DR: the status-go first contact."""
    r = send(a, b, b"hi (dh)", now)
    assert r.paths == {"none": "dh"} and not r.shared_secret_agreed and r.installations == []
    d = recv(b, r.message, now)
    assert (d.path, d.plaintext, d.sender, d.authenticated) == ("dh", b"hi (dh)", a.chat_public_key, False)
    assert d.bundles[0].new_installations == [a.installation_id] and d.secret_recorded
    r = send(b, a, b"hello (x3dh)", now + 1)
    assert r.paths == {a.installation_id: "x3dh"}
    d = recv(a, r.message, now + 1)
    assert (d.path, d.plaintext, d.authenticated) == ("x3dh", b"hello (x3dh)", True)
    r = send(a, b, b"reply (dr)", now + 2)
    assert r.paths == {b.installation_id: "double-ratchet"} and r.shared_secret_agreed
    assert recv(b, r.message, now + 2).plaintext == b"reply (dr)"
    r = send(b, a, b"confirmed", now + 3)
    assert r.paths == {a.installation_id: "double-ratchet"}  # b's X3DH header stopped after a's DR reply
    assert recv(a, r.message, now + 3).plaintext == b"confirmed"


def test_first_contact_paths(mk):
    handshake(mk(), mk())


def test_long_conversation_out_of_order_and_lost(mk):
    a, b = mk(), mk()
    handshake(a, b)
    r = random.Random(1)
    inflight = {id(a): [], id(b): []}
    now = T0 + 10
    lost = 0
    for i in range(150):
        src, dst = (a, b) if r.random() < 0.5 else (b, a)
        now += 1
        res = send(src, dst, f"m{i}".encode(), now)
        inflight[id(dst)].append((res.message, f"m{i}".encode()))
        for acct in (a, b):
            queue = inflight[id(acct)]
            r.shuffle(queue)
            keep = []
            for msg, text in queue:
                x = r.random()
                if x < 0.04:
                    lost += 1
                    continue
                if x < 0.4:
                    keep.append((msg, text))
                    continue
                assert recv(acct, msg, now).plaintext == text
            inflight[id(acct)] = keep
    for acct in (a, b):
        for msg, text in inflight[id(acct)]:
            assert recv(acct, msg, now).plaintext == text
    # every received message's key is gone; what remains are the keys of lost messages
    # (at most: a lost message at the end of a chain that no later message covers leaves none)
    assert 0 < sessions.count_skipped(a.db) + sessions.count_skipped(b.db) <= lost


def _protocol(msg: bytes) -> ProtocolMessage:
    return ProtocolMessage.decode(msg)


def _with_entry(msg: bytes, iid: str, **changes) -> bytes:
    m = _protocol(msg)
    e = m.encrypted[iid]
    fields = {"payload": e.payload, "x3dh": e.x3dh, "dr": e.dr, "dh": e.dh, "hr": e.hr}
    fields.update(changes)
    return ProtocolMessage(m.installation_id, m.bundles, {**m.encrypted, iid: EncryptedMessage(**fields)}, m.public_message).encode()


def test_failures_change_nothing(mk):
    a, b = mk(), mk()
    handshake(a, b)
    first = send(a, b, b"one", T0 + 100)
    assert recv(b, first.message, T0 + 100).plaintext == b"one"
    m = send(a, b, b"two", T0 + 101).message
    e = _protocol(m).encrypted[b.installation_id]
    from dataclasses import replace

    cases = [
        (DecryptionFailed, _with_entry(m, b.installation_id, payload=e.payload[:-1] + bytes([e.payload[-1] ^ 1]))),
        (DecryptionFailed, _with_entry(m, b.installation_id, payload=e.payload[:20] + b"\x00" + e.payload[21:])),
        (DecryptionFailed, _with_entry(m, b.installation_id, dr=replace(e.dr, n=e.dr.n + 1))),
        (DecryptionFailed, _with_entry(m, b.installation_id, dr=replace(e.dr, pn=e.dr.pn + 1))),
        (SessionNotFound, _with_entry(m, b.installation_id, dr=replace(e.dr, id=b"\x02" + bytes(32)))),
        (DecryptionFailed, first.message),  # replay
        (DeviceNotFound, ProtocolMessage(a.installation_id, _protocol(m).bundles, {"other-device": e}).encode()),
        (DecodeError, b"\xff\xff\xff garbage"),
    ]
    bundle = _protocol(m).bundles[0]
    forged = Bundle(bundle.identity, bundle.signed_pre_keys, bundle.signature, bundle.timestamp + 1)
    cases.append((BadSignature, ProtocolMessage(a.installation_id, (forged,), _protocol(m).encrypted).encode()))
    before = dump(b.db)
    for err, data in cases:
        with pytest.raises(err):
            recv(b, data, T0 + 102)
        assert dump(b.db) == before, err
    assert recv(b, m, T0 + 103).plaintext == b"two"


def test_tampered_x3dh_header_changes_nothing(mk):
    a, b = mk(), mk()
    secure.handle_bundle(a, secure.our_bundle(b, now_ms=T0).encode(), now_ms=T0)
    m = send(a, b, b"first", T0).message
    e = _protocol(m).encrypted[b.installation_id]
    assert e.x3dh is not None
    from dataclasses import replace

    other_eph = secp256k1.compress(secp256k1.public_key(secp256k1.generate_private_key(os.urandom)))
    before = dump(b.db)
    with pytest.raises(DecryptionFailed):
        recv(b, _with_entry(m, b.installation_id, x3dh=replace(e.x3dh, key=other_eph)), T0)
    with pytest.raises(SessionNotFound):  # a signed prekey b never had
        recv(b, _with_entry(m, b.installation_id, x3dh=replace(e.x3dh, id=other_eph)), T0)
    assert dump(b.db) == before
    assert recv(b, m, T0).path == "x3dh"


def test_commit_false_writes_nothing(mk):
    a, b = mk(), mk()
    handshake(a, b)
    m = send(a, b, b"peek", T0 + 10).message
    before = dump(b.db)
    d = recv(b, m, T0 + 10, commit=False)
    assert d.plaintext == b"peek" and not d.committed
    assert dump(b.db) == before
    assert recv(b, m, T0 + 10, commit=False).plaintext == b"peek"
    assert recv(b, m, T0 + 10).plaintext == b"peek"
    assert dump(b.db) != before


def test_encrypt_is_atomic(mk, monkeypatch):
    a, b = mk(), mk()
    handshake(a, b)
    before = dump(a.db)

    def boom(*args, **kwargs):
        raise RuntimeError("crash after the ratchet advanced")

    monkeypatch.setattr(sessions, "record_outgoing", boom)
    with pytest.raises(RuntimeError):
        send(a, b, b"lost?", T0 + 20)
    assert dump(a.db) == before
    monkeypatch.undo()
    r = send(a, b, b"after", T0 + 21)
    assert sessions.outgoing(a.db, r.outbox_id) == (r.message, False)
    secure.mark_sent(a, r.outbox_id)
    assert sessions.outgoing(a.db, r.outbox_id) == (r.message, True)
    assert recv(b, r.message, T0 + 21).plaintext == b"after"


def test_bundle_rotation_mid_conversation(mk):
    a, b = mk(), mk()
    handshake(a, b)
    old_spk = secure.bundle_state(a)["current"]["signed_pre_key"]
    late = send(b, a, b"late from before", T0 + 50)  # b still uses the session on a's old prekey... or its own
    later = T0 + BUNDLE_REFRESH_MS + HOUR
    r = send(a, b, b"rotating", later)
    assert r.bundle_rotated
    state = secure.bundle_state(a)
    assert state["current"]["version"] == 2 and state["current"]["signed_pre_key"] != old_spk
    assert recv(b, r.message, later).plaintext == b"rotating"
    # a's old prekey is expired at b; every following message still gets through in both directions
    paths = []
    for i in range(3):
        for src, dst in ((b, a), (a, b)):
            res = send(src, dst, f"after rotation {i}".encode(), later + i)
            paths.append(list(res.paths.values()))
            assert recv(dst, res.message, later + i).plaintext == f"after rotation {i}".encode()
    # b's session hung on a's expired prekey: b starts a new one (X3DH) against a's new prekey;
    # a answers on that session; then the ratchet continues
    assert paths[0] == ["x3dh"] and all(p == ["double-ratchet"] for p in paths[1:])
    assert recv(a, late.message, later + 10).plaintext == b"late from before"


def test_x3dh_after_responder_prekey_rotation(mk):
    """The responder rotates: its sessions keyed to the old prekey stop being used for sending."""
    a, b = mk(), mk()
    secure.handle_bundle(a, secure.our_bundle(b, now_ms=T0).encode(), now_ms=T0)
    assert recv(b, send(a, b, b"x3dh", T0).message, T0).path == "x3dh"
    later = T0 + BUNDLE_REFRESH_MS + 1
    secure.create_bundle(b, now_ms=later)  # rotates
    r = send(b, a, b"from the new prekey era", later)
    assert r.paths == {a.installation_id: "x3dh"}  # b's responder session expired with its prekey
    assert recv(a, r.message, later).plaintext == b"from the new prekey era"


def test_second_device_of_one_side(mk):
    a1, b = mk(), mk()
    a2 = mk(a1.chat_private_key)  # same identity, another installation
    handshake(a1, b)
    r = send(a2, b, b"from a2", T0 + 5)  # a2 knows no bundle of b: DH, carrying a2's bundle
    d = recv(b, r.message, T0 + 5)
    assert d.sender == a1.chat_public_key and d.sender_installation_id == a2.installation_id
    r = send(b, a1, b"to both", T0 + 6)
    assert sorted(r.installations) == sorted([a1.installation_id, a2.installation_id])
    assert recv(a1, r.message, T0 + 6).plaintext == b"to both"
    assert recv(a2, r.message, T0 + 6).plaintext == b"to both"
    # a1's copy is not a2's: each installation reads its own entry only
    with pytest.raises(DecryptionFailed):
        recv(a2, r.message, T0 + 7)
    r2 = send(a2, b, b"a2 again", T0 + 8)
    assert r2.paths == {b.installation_id: "double-ratchet"}
    assert recv(b, r2.message, T0 + 8).plaintext == b"a2 again"


def test_own_message_and_unpaired_device(mk):
    a1, b = mk(), mk()
    a2 = mk(a1.chat_private_key)
    handshake(a1, b)
    r = send(a1, b, b"for b only", T0 + 5)
    with pytest.raises(DeviceNotFound) as e:
        recv(a1, r.message, T0 + 5)
    assert e.value.code == "own-message"
    with pytest.raises(DeviceNotFound) as e:
        recv(a2, r.message, T0 + 5)
    assert e.value.code == "not-paired"


def test_both_sides_initiate_at_once(mk):
    a, b = mk(), mk()
    secure.handle_bundle(a, secure.our_bundle(b, now_ms=T0).encode(), now_ms=T0)
    secure.handle_bundle(b, secure.our_bundle(a, now_ms=T0).encode(), now_ms=T0)
    ra = send(a, b, b"a first", T0)
    rb = send(b, a, b"b first", T0)
    assert ra.paths == {b.installation_id: "x3dh"} and rb.paths == {a.installation_id: "x3dh"}
    assert recv(b, ra.message, T0 + 1).plaintext == b"a first"
    assert recv(a, rb.message, T0 + 1).plaintext == b"b first"
    for i in range(5):
        for src, dst in ((a, b), (b, a)):
            res = send(src, dst, f"{i}".encode(), T0 + 2 + i)
            assert recv(dst, res.message, T0 + 2 + i).plaintext == f"{i}".encode()


def test_dr_message_sender_found_from_session_without_bundle(mk):
    a, b = mk(), mk()
    handshake(a, b)
    m = _protocol(send(a, b, b"bare", T0 + 5).message)
    bare = ProtocolMessage(m.installation_id, (), m.encrypted).encode()
    d = recv(b, bare, T0 + 5)
    assert d.sender == a.chat_public_key and d.authenticated and d.plaintext == b"bare"


def test_x3dh_without_any_sender_hint_needs_sender(mk):
    a, b = mk(), mk()
    secure.handle_bundle(a, secure.our_bundle(b, now_ms=T0).encode(), now_ms=T0)
    m = _protocol(send(a, b, b"who?", T0).message)
    bare = ProtocolMessage(m.installation_id, (), m.encrypted).encode()
    with pytest.raises(InvalidInput):
        recv(b, bare, T0)
    assert recv(b, bare, T0, sender_pub=a.chat_public_key).plaintext == b"who?"


def test_x3dh_init_needs_a_bundle(mk):
    a, b = mk(), mk()
    with pytest.raises(NotFound):
        secure.x3dh_init(a, b.chat_public_key, now_ms=T0)
    bundle = secure.our_bundle(b, now_ms=T0)
    out = secure.x3dh_init(a, b.chat_public_key, bundle=bundle, now_ms=T0)
    assert [s["created"] for s in out.sessions] == [True]
    assert out.negotiated_topic["content_topic"].startswith("/waku/1/0x")
    again = secure.x3dh_init(a, b.chat_public_key, now_ms=T0)
    assert [s["created"] for s in again.sessions] == [False]
    with pytest.raises(InvalidInput):
        secure.x3dh_init(a, a.chat_public_key, bundle=bundle, now_ms=T0)


def test_hash_ratchet_key_exchange_then_group_message(mk):
    a, b = mk(), mk()
    handshake(a, b)
    group, key, ts = b"\x02" + b"\x11" * 32, os.urandom(32), T0 + 30
    keys = hr.HRKeys((hr.HRKey(key, ts, hr.deprecated_key_id(ts)),))
    m = _protocol(send(a, b, hr.encode_hr_keys(keys), T0 + 30).message)
    hdr = hr.HRHeader(seq_no=0, group_id=group, keys=keys)
    ex = ProtocolMessage(m.installation_id, m.bundles, {k: EncryptedMessage(v.payload, v.x3dh, v.dr, v.dh, hdr) for k, v in m.encrypted.items()}).encode()
    d = recv(b, ex, T0 + 30)
    kid = hr.key_id(group, ts, key)
    assert d.hash_ratchet_keys == [(group, kid)]
    gm = ProtocolMessage(a.installation_id, (), {"none": EncryptedMessage(hr.encrypt(key, 3, b"to the group", b"\x05" * 12),
                                                                           hr=hr.HRHeader(seq_no=3, group_id=group, key_id=kid))}).encode()  # fmt: skip
    d = recv(b, gm, T0 + 31)
    assert (d.path, d.plaintext, d.authenticated) == ("hash-ratchet", b"to the group", False)
    unknown = ProtocolMessage(a.installation_id, (), {"none": EncryptedMessage(b"x" * 40, hr=hr.HRHeader(seq_no=1, group_id=group, key_id=b"k" * 32))}).encode()
    with pytest.raises(CryptoError, match="no hash-ratchet key"):
        recv(b, unknown, T0 + 32)


def test_bundle_advertisement_rate_limited(mk):
    a, b = mk(), mk()
    m = secure.bundle_advertisement(a, b.chat_public_key, now_ms=T0)
    assert m is not None
    assert secure.bundle_advertisement(a, b.chat_public_key, now_ms=T0 + HOUR) is None
    assert secure.bundle_advertisement(a, b.chat_public_key, now_ms=T0 + 2 * HOUR) is not None
    d = recv(b, m, T0)
    assert d.path == "dh" and d.plaintext == b"" and d.bundles[0].new_installations == [a.installation_id]


def test_handle_bundle_of_undecryptable_message(mk):
    a, b, c = mk(), mk(), mk()
    handshake(a, c)
    m = send(a, c, b"for c", T0 + 5).message
    with pytest.raises(DeviceNotFound):
        recv(b, m, T0 + 5)
    infos = secure.handle_bundle(b, m, now_ms=T0 + 5)
    assert infos[0].identity == a.chat_public_key and infos[0].new_installations == [a.installation_id]


def test_skipped_key_bounds(mk):
    a = mk()
    from statuscli.core.ratchet import MAX_KEEP, MAX_MESSAGE_KEYS_PER_SESSION, RatchetState, SkippedKey
    from statuscli.store.db import transaction

    s = sessions.Session(b"\x02" * 33, "i", b"\x03" * 33, "initiator", b"k" * 32, RatchetState.responder(b"k" * 32, b"p" * 32, b"\x02" * 33))
    with transaction(a.db):
        sid = sessions.insert(a.db, s, T0)
        keys = [SkippedKey(b"\x02" * 33, n, b"m" * 32, n) for n in range(2500)]
        sessions.add_skipped(a.db, sid, keys, 2500)
    assert sessions.count_skipped(a.db, sid) == MAX_MESSAGE_KEYS_PER_SESSION
    assert a.db.execute("SELECT MIN(seq) FROM secure_skipped_keys").fetchone()[0] == 500
    with transaction(a.db):
        sessions.add_skipped(a.db, sid, [], 2500 + MAX_KEEP - 2000)
    assert a.db.execute("SELECT MIN(seq) FROM secure_skipped_keys").fetchone()[0] == 501


def test_x3dh_header_runs_before_the_dh_header(mk):
    """Dispatch order (spec §3.9): an X3DH header is processed even when a DH header carries the payload."""
    from statuscli.core.encryption import X3DHHeader, dh_encrypt

    a, b = mk(), mk()
    b_bundle = secure.our_bundle(b, now_ms=T0)
    secure.handle_bundle(a, b_bundle.encode(), now_ms=T0)
    real = _protocol(send(a, b, b"x", T0).message).encrypted[b.installation_id].x3dh
    dh = dh_encrypt(b.chat_public_key, b"dh payload", secp256k1.generate_private_key(os.urandom), os.urandom(12))
    bundles = (secure.our_bundle(a, now_ms=T0),)
    ok = ProtocolMessage(a.installation_id, bundles, {b.installation_id: EncryptedMessage(dh.payload, x3dh=real, dh=dh.dh)}).encode()
    unknown = X3DHHeader(real.key, b"\x03" + bytes(32))
    bad = ProtocolMessage(a.installation_id, bundles, {b.installation_id: EncryptedMessage(dh.payload, x3dh=unknown, dh=dh.dh)}).encode()
    with pytest.raises(SessionNotFound):
        recv(b, bad, T0)
    d = recv(b, ok, T0)
    assert (d.path, d.plaintext) == ("dh", b"dh payload")
    assert [s.role for s in sessions.for_peer(b.db, secp256k1.compress(a.chat_public_key))] == ["responder"]


def test_mutated_messages_fail_typed_and_change_nothing(tmp_path):
    """Random byte flips / truncations of real messages: a typed error (or a clean success for flips
    that protobuf ignores), and the receiver's database untouched whenever it fails."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from statuscli.core.errors import StatusCliError

    a, b = Acct(tmp_path / "a"), Acct(tmp_path / "b")
    handshake(a, b)
    samples = [send(a, b, b"sample %d" % i, T0 + 100 + i).message for i in range(3)]
    c = Acct(tmp_path / "c")
    samples.append(send(c, b, b"dh from c", T0 + 200).message)  # DH fallback
    secure.handle_bundle(c, secure.our_bundle(b, now_ms=T0).encode(), now_ms=T0)
    samples.append(send(c, b, b"x3dh from c", T0 + 201).message)  # X3DH + DR

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(samples), st.data())
    def check(msg, data):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
        pos = data.draw(st.integers(0, len(msg) - 1))
        if kind == "flip":
            mutated = msg[:pos] + bytes([msg[pos] ^ data.draw(st.integers(1, 255))]) + msg[pos + 1 :]
        elif kind == "truncate":
            mutated = msg[:pos]
        else:
            mutated = msg[:pos] + data.draw(st.binary(min_size=1, max_size=4)) + msg[pos:]
        before = dump(b.db)
        try:
            secure.decrypt_protocol_message(b, mutated, now_ms=T0 + 300, commit=False)
        except StatusCliError:
            pass
        assert dump(b.db) == before
        try:
            secure.decrypt_protocol_message(b, mutated, now_ms=T0 + 300)
        except StatusCliError:
            assert dump(b.db) == before

    check()
