"""Double Ratchet (status-go's construction) against the vector and through conversations."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core import ratchet
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import DecodeError, DecryptionFailed, StatusCliError
from statuscli.core.ratchet import Header, RatchetState
from tests.conftest import vector_id, vectors

DR = vectors("status.json", "double-ratchet")


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


@pytest.mark.parametrize("v", DR, ids=vector_id)
def test_vector_intermediates(v):
    i, e = v["inputs"], v["expected"]
    sk, ra = _h(i["SK_x3dh_shared_secret"]), _h(i["alice_ratchet_private"])
    spk_b = _h(i["bob_signed_prekey_public_compressed"])
    dh_out = ratchet.ecdh_x(ra, spk_b)
    assert dh_out.hex() == e["dh_out"]
    root, ck, hk = ratchet.kdf_rk(sk, dh_out)
    assert (root.hex(), ck.hex(), hk.hex()) == (e["root_key_1"], e["sending_chain_key"], e["next_header_key_unused"])
    next_ck, mk = ratchet.kdf_ck(ck)
    assert (mk.hex(), next_ck.hex()) == (e["message_key_0"], e["next_chain_key"])
    enc, auth, iv = ratchet.message_keys(mk)
    assert (enc.hex(), auth.hex(), iv.hex()) == (e["enc_key"], e["auth_key"], e["iv"])
    ad = ratchet.associated_data(i["n"], i["pn"], secp256k1.compress(secp256k1.public_key(ra)))
    assert len(ad) == 41 and ad.hex() == e["associated_data_header_encoding"]


@pytest.mark.parametrize("v", DR, ids=vector_id)
def test_vector_initiator_first_message(v):
    i, e = v["inputs"], v["expected"]
    state = RatchetState.initiator(_h(i["SK_x3dh_shared_secret"]), _h(i["bob_signed_prekey_public_compressed"]), lambda n: _h(i["alice_ratchet_private"]))
    assert state.root_ck.hex() == e["root_key_1"] and state.send_ck.hex() == e["sending_chain_key"]
    header, ct = state.encrypt(_h(i["plaintext"]))
    assert (header.n, header.pn) == (i["n"], i["pn"])
    assert ct.hex() == e["ciphertext"]
    assert state.send_ck.hex() == e["next_chain_key"] and state.send_n == 1


@pytest.mark.parametrize("v", DR, ids=vector_id)
def test_vector_responder_decrypts(v):
    """Bob (who owns SPK_B = "333…3") rebuilds the chain from SK and the first message."""
    i, e = v["inputs"], v["expected"]
    spk_priv = b"3" * 32
    assert secp256k1.compress(secp256k1.public_key(spk_priv)).hex() == i["bob_signed_prekey_public_compressed"]
    bob = RatchetState.responder(_h(i["SK_x3dh_shared_secret"]), spk_priv, _h(i["bob_signed_prekey_public_compressed"]))
    alice_pub = secp256k1.compress(secp256k1.public_key(_h(i["alice_ratchet_private"])))
    out = bob.decrypt(Header(alice_pub, i["n"], i["pn"]), _h(e["ciphertext"]), _rng(1))
    assert out.plaintext.hex() == i["plaintext"]
    assert out.state.recv_ck.hex() == e["next_chain_key"] and out.state.dhr == alice_pub
    assert out.skipped == () and not out.used_skipped_key
    assert bob.recv_n == 0 and bob.dhr == b""  # the original is untouched until adopted


# --- a tiny in-memory session (state + skipped keys) to drive the core --------------------
def _rng(seed: int):
    r = random.Random(seed)
    return lambda n: bytes(r.getrandbits(8) for _ in range(n))


class Peer:
    def __init__(self, state: RatchetState, seed: int):
        self.state, self.skipped, self.rng = state, {}, _rng(seed)

    def send(self, text: bytes):
        return self.state.encrypt(text)

    def recv(self, header: Header, ct: bytes) -> bytes:
        mk = self.skipped.get((header.dh, header.n))
        out = self.state.decrypt(header, ct, self.rng, skipped_mk=mk)
        self.state = out.state
        if out.used_skipped_key:
            del self.skipped[(header.dh, header.n)]
        for k in out.skipped:
            self.skipped[(k.dh, k.n)] = k.mk
        return out.plaintext


def _pair(seed=0):
    sk = bytes(range(1, 33))
    spk_priv = secp256k1.generate_private_key(_rng(seed + 100))
    spk_pub = secp256k1.compress(secp256k1.public_key(spk_priv))
    return Peer(RatchetState.initiator(sk, spk_pub, _rng(seed + 1)), seed + 2), Peer(RatchetState.responder(sk, spk_priv, spk_pub), seed + 3)


def test_long_conversation_out_of_order_and_lost():
    alice, bob = _pair()
    r = random.Random(7)
    pending = {"a": [], "b": []}  # messages in flight towards alice / bob
    delivered = 0
    for step in range(400):
        who = r.choice("ab")
        if who == "a" or not bob.state.dhr:  # bob cannot speak before hearing from alice
            h, ct = alice.send(f"a{step}".encode())
            pending["b"].append((h, ct, f"a{step}".encode()))
        else:
            h, ct = bob.send(f"b{step}".encode())
            pending["a"].append((h, ct, f"b{step}".encode()))
        for dest, peer in (("a", alice), ("b", bob)):
            r.shuffle(pending[dest])
            keep = []
            for h, ct, text in pending[dest]:
                roll = r.random()
                if roll < 0.05:
                    continue  # lost for good
                if roll < 0.35:
                    keep.append((h, ct, text))  # delayed
                    continue
                assert peer.recv(h, ct) == text
                delivered += 1
            pending[dest] = keep
    for dest, peer in (("a", alice), ("b", bob)):
        for h, ct, text in pending[dest]:
            assert peer.recv(h, ct) == text
    assert delivered > 200


def test_replay_and_tamper_are_refused_without_state_change():
    alice, bob = _pair(3)
    h, ct = alice.send(b"one")
    assert bob.recv(h, ct) == b"one"
    before = bob.state.to_bytes()
    with pytest.raises(DecryptionFailed):
        bob.recv(h, ct)  # replay: N below the chain, no stored key
    h2, ct2 = alice.send(b"two")
    bad = ct2[:-1] + bytes([ct2[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        bob.recv(h2, bad)
    with pytest.raises(DecryptionFailed):
        bob.recv(Header(h2.dh, h2.n, h2.pn + 1), ct2)  # header is authenticated (AD)
    assert bob.state.to_bytes() == before
    assert bob.recv(h2, ct2) == b"two"


def test_skipped_key_is_used_once():
    alice, bob = _pair(5)
    msgs = [alice.send(f"m{i}".encode()) for i in range(5)]
    assert bob.recv(*msgs[4]) == b"m4"
    assert len(bob.skipped) == 4
    assert bob.recv(*msgs[1]) == b"m1"
    assert len(bob.skipped) == 3
    with pytest.raises(DecryptionFailed):
        bob.recv(*msgs[1])


def test_max_skip_boundary():
    alice, bob = _pair(9)
    for _ in range(ratchet.MAX_SKIP):
        alice.send(b"x")
    h, ct = alice.send(b"just within")  # N = 1000 = RecvN + MaxSkip
    assert bob.recv(h, ct) == b"just within"
    alice2, bob2 = _pair(11)
    for _ in range(ratchet.MAX_SKIP + 1):
        alice2.send(b"x")
    h, ct = alice2.send(b"too far")
    with pytest.raises(DecryptionFailed, match="too many"):
        bob2.recv(h, ct)


def test_skipped_keys_of_previous_chain_on_dh_ratchet():
    alice, bob = _pair(13)
    m0 = alice.send(b"0")
    assert bob.recv(*m0) == b"0"
    assert alice.recv(*bob.send(b"reply")) == b"reply"
    late = [alice.send(f"late{i}".encode()) for i in range(3)]  # new alice chain
    assert bob.recv(*late[2]) == b"late2"
    assert alice.recv(*bob.send(b"r2")) == b"r2"
    fresh = alice.send(b"fresh")  # PN = 3 → bob keeps keys of the late chain
    assert bob.recv(*fresh) == b"fresh"
    assert bob.recv(*late[0]) == b"late0" and bob.recv(*late[1]) == b"late1"


def test_keys_count_counts_every_derived_receive_key():
    alice, bob = _pair(17)
    msgs = [alice.send(b"x") for _ in range(4)]
    bob.recv(*msgs[3])
    assert bob.state.keys_count == 4  # three skipped + the message key itself


def test_serialization_roundtrip_mid_conversation():
    alice, bob = _pair(19)
    bob.recv(*alice.send(b"a"))
    for p in (alice, bob):
        blob = p.state.to_bytes()
        assert RatchetState.from_bytes(blob).to_bytes() == blob
        assert RatchetState.from_bytes(blob) == p.state
    # a restored state keeps talking
    bob.state = RatchetState.from_bytes(bob.state.to_bytes())
    assert alice.recv(*bob.send(b"b")) == b"b"


@given(st.binary(max_size=200))
@settings(max_examples=200)
def test_state_decode_garbage_is_typed(data):
    try:
        RatchetState.from_bytes(data)
    except StatusCliError:
        pass


def test_state_decode_rejects_wrong_version():
    alice, _ = _pair()
    blob = bytearray(alice.state.to_bytes())
    blob[0] = 2
    with pytest.raises(DecodeError):
        RatchetState.from_bytes(bytes(blob))


@given(
    st.tuples(
        st.binary(min_size=32, max_size=32), st.binary(min_size=33, max_size=33), st.sampled_from([b"", bytes(33)]),
        st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32), st.integers(0, 2**32 - 1),
        st.binary(min_size=32, max_size=32), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1),
    )
)
def test_state_codec_property(fields):
    s = RatchetState(*fields)
    assert RatchetState.from_bytes(s.to_bytes()).to_bytes() == s.to_bytes()


@given(st.binary(max_size=300), st.binary(min_size=32, max_size=32))
def test_seal_open_property(pt, mk):
    ad = ratchet.associated_data(3, 1, b"\x02" + bytes(32))
    ct = ratchet.seal(mk, pt, ad)
    assert len(ct) == 16 + len(pt) + 32
    assert ratchet.open_(mk, ct, ad) == pt
    with pytest.raises(DecryptionFailed):
        ratchet.open_(mk, ct, ad[:-1] + b"\x01")


def test_open_short_input_is_typed():
    with pytest.raises(DecryptionFailed):
        ratchet.open_(bytes(32), b"\x00" * 40, b"")


def test_bad_ratchet_key_in_header_is_decryption_failure():
    alice, bob = _pair(21)
    h, ct = alice.send(b"x")
    with pytest.raises(DecryptionFailed):
        bob.recv(Header(b"\x02" + b"\xff" * 32, h.n, h.pn), ct)
    with pytest.raises(DecryptionFailed):
        bob.recv(Header(b"\x04" * 65, h.n, h.pn), ct)
