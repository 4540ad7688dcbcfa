"""Generated vectors of the secure-transport family: ``bundles``, ``x3dh`` and ``ratchet``.

Ratchet vectors are whole conversations in delivery order: each party's fresh ratchet keys are
inputs (``*_ratchet_keys``, consumed in order whenever that party steps the DH ratchet), so the
headers and ciphertexts are reproducible. Must-fail vectors: tampered bundles (bad signature),
bundle keys that are not curve points (X3DH), tampered first messages (Double Ratchet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from statuscli.app.vectors.entropy import Entropy
from statuscli.app.vectors.schema import Vector, case, negatives


def _uuid(raw: bytes) -> str:
    b = bytearray(raw[:16])
    b[6], b[8] = (b[6] & 0x0F) | 0x40, (b[8] & 0x3F) | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _pub_hex(priv: bytes) -> str:
    from statuscli.core.crypto import secp256k1

    return secp256k1.compress(secp256k1.public_key(priv)).hex()


# --- bundles ---------------------------------------------------------------------------------
def _bundle(inputs: dict):
    from statuscli.app.vectors.checking import h
    from statuscli.core import bundles

    spks = {iid: bundles.SignedPreKey(h(s["signed_pre_key"]), s["version"], s.get("protocol_version", 1))
            for iid, s in inputs["signed_pre_keys"].items()}
    return bundles.sign_bundle(h(inputs["identity_private"]), spks, inputs["timestamp"])


def compute_bundle(inputs: dict) -> dict:
    b = _bundle(inputs)
    return {"identity": b.identity.hex(), "signature_material": b.signature_material().hex(), "signature": b.signature.hex(),
            "bundle_protobuf": b.encode().hex()}


def _bundle_inputs(ent: Entropy, label: str) -> dict:
    spks = {}
    for k in range(ent.int(label + "/n", 1, 3)):
        spks[_uuid(ent.bytes(f"{label}/iid/{k}", 16))] = {
            "signed_pre_key": _pub_hex(ent.private_key(f"{label}/spk/{k}")), "version": ent.int(f"{label}/ver/{k}", 1, 40),
            "protocol_version": 1,
        }  # fmt: skip
    timestamp = ent.int(label + "/ts", 1_600_000_000_000, 2_000_000_000_000) * 1_000_000
    return {"identity_private": ent.private_key(label + "/ik").hex(), "signed_pre_keys": spks, "timestamp": timestamp}


def _tampered_bundle(ent: Entropy, j: int) -> tuple[str, str]:
    from dataclasses import replace

    from statuscli.core import bundles
    from statuscli.core.crypto import secp256k1

    b = _bundle(_bundle_inputs(ent, f"bad/{j}"))
    kind = j % 4
    if kind == 0:
        b, why = replace(b, timestamp=b.timestamp + 1), "a bundle whose timestamp changed after signing"
    elif kind == 1:
        sig = bytearray(b.signature)
        sig[ent.int(f"bad/{j}/byte", 0, 63)] ^= 1 << ent.int(f"bad/{j}/bit", 0, 7)
        b, why = replace(b, signature=bytes(sig)), "a bundle with one signature bit flipped"
    elif kind == 2:
        other = secp256k1.compress(secp256k1.public_key(ent.private_key(f"bad/{j}/other")))
        b, why = replace(b, identity=other), "a bundle claiming another identity than its signer"
    else:
        iid, spk = sorted(b.signed_pre_keys.items())[0]
        changed = dict(b.signed_pre_keys, **{iid: bundles.SignedPreKey(spk.signed_pre_key, spk.version + 1, spk.protocol_version)})
        b, why = replace(b, signed_pre_keys=changed), "a bundle whose prekey version changed after signing"
    return b.encode().hex(), why


def gen_bundles(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        inputs = _bundle_inputs(ent, str(i))
        yield case(f"bundle with {len(inputs['signed_pre_keys'])} installation(s): signature material, signature, protobuf",
                   inputs, compute_bundle(inputs))
    for j in range(negatives(count)):
        raw, why = _tampered_bundle(ent, j)
        yield case(f"{why} must be refused", {"bundle_protobuf": raw}, {"error": "bad-signature"}, must_fail=True)


# --- x3dh ------------------------------------------------------------------------------------
X3DH_KEYS = ("alice_identity_private", "alice_ephemeral_private", "bob_identity_private", "bob_signed_prekey_private")


def compute_x3dh(inputs: dict) -> dict:
    from statuscli.app.vectors.checking import h
    from statuscli.core import x3dh
    from statuscli.core.crypto import secp256k1

    ika, eka, ikb, spkb = (h(inputs[k]) for k in X3DH_KEYS)
    pub = secp256k1.public_key
    out = {k.replace("_private", "_public"): _pub_hex(h(inputs[k])) for k in X3DH_KEYS}
    out["shared_secret"] = x3dh.x3dh_active(ika, pub(ikb), pub(spkb), eka).hex()
    return out


def gen_x3dh(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        inputs = {k: ent.private_key(f"{i}/{k}").hex() for k in X3DH_KEYS}
        yield case("X3DH shared secret keccak256(DH(IK_A,SPK_B) ‖ DH(EK_A,IK_B) ‖ DH(EK_A,SPK_B)) and the public keys",
                   inputs, compute_x3dh(inputs))
    for j in range(negatives(count)):
        yield case("a bundle prekey that is not a curve point must be refused", {
            "alice_identity_private": ent.private_key(f"bad/{j}/ik").hex(),
            "bob_identity_public": _pub_hex(ent.private_key(f"bad/{j}/bob")),
            "bob_signed_prekey_public": _not_a_point(ent, f"bad/{j}/spk"),
        }, {"error": "malformed-key"}, must_fail=True)  # fmt: skip


def _not_a_point(ent: Entropy, label: str) -> str:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.errors import StatusCliError

    for k in range(256):
        candidate = b"\x02" + ent.bytes(f"{label}/{k}", 32)
        try:
            secp256k1.parse_public_key(candidate)
        except StatusCliError:
            return candidate.hex()
    raise AssertionError("no invalid x found")


def x3dh_with_bad_prekey(inputs: dict):
    from statuscli.app.vectors.checking import h
    from statuscli.core import x3dh

    return x3dh.perform_active(h(inputs["alice_identity_private"]), h(inputs["bob_identity_public"]),
                               h(inputs["bob_signed_prekey_public"]), lambda n: bytes(range(1, n + 1)))


# --- ratchet ---------------------------------------------------------------------------------
def _key_stream(keys: list[str]) -> Callable[[int], bytes]:
    """An rng that hands out the given ratchet keys in order (32 bytes per draw)."""
    from statuscli.app.vectors.checking import h

    pending = [h(k) for k in keys]

    def rng(n: int) -> bytes:
        if n != 32 or not pending:
            raise ValueError("the vector lists too few ratchet keys for this conversation")
        return pending.pop(0)

    return rng


def parties(inputs: dict):
    """(alice, bob) ratchet states at the start of the conversation, and their key streams."""
    from statuscli.app.vectors.checking import h
    from statuscli.core.crypto import secp256k1
    from statuscli.core.ratchet import RatchetState

    spk_priv = h(inputs["bob_signed_prekey_private"])
    spk_pub = secp256k1.compress(secp256k1.public_key(spk_priv))
    rng_a, rng_b = _key_stream(inputs["alice_ratchet_keys"]), _key_stream(inputs.get("bob_ratchet_keys", []))
    alice = RatchetState.initiator(h(inputs["shared_secret"]), spk_pub, rng_a)
    bob = RatchetState.responder(h(inputs["shared_secret"]), spk_priv, spk_pub)
    return {"alice": alice, "bob": bob}, {"alice": rng_a, "bob": rng_b}


def compute_ratchet(inputs: dict) -> dict:
    """Play the conversation in order; every message is decrypted by the other party."""
    from statuscli.app.vectors.checking import Mismatch, h

    state, rngs = parties(inputs)
    out = []
    for m in inputs["messages"]:
        sender = m["from"]
        receiver = "bob" if sender == "alice" else "alice"
        header, ct = state[sender].encrypt(h(m["plaintext"]))
        got = state[receiver].decrypt(header, ct, rngs[receiver])
        if got.plaintext != h(m["plaintext"]):
            raise Mismatch(f"{receiver} decrypted another plaintext")
        state[receiver] = got.state
        out.append({"dh": header.dh.hex(), "n": header.n, "pn": header.pn, "ciphertext": ct.hex()})
    return {"messages": out}


def gen_ratchet(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        senders = ["alice"] + [ent.choice(f"{i}/from/{k}", ("alice", "bob")) for k in range(ent.int(f"{i}/len", 1, 6))]
        messages = [{"from": s, "plaintext": ent.bytes(f"{i}/pt/{k}", ent.int(f"{i}/ptlen/{k}", 0, 80)).hex()}
                    for k, s in enumerate(senders)]
        # one fresh key per DH ratchet step: Alice's first, then one for every chain the other side starts
        turns = sum(1 for a, b in zip(senders, senders[1:]) if a != b)
        inputs = {
            "shared_secret": ent.bytes(f"{i}/sk", 32).hex(),
            "bob_signed_prekey_private": ent.private_key(f"{i}/spk").hex(),
            "alice_ratchet_keys": [ent.private_key(f"{i}/a/{k}").hex() for k in range(1 + (turns + 1) // 2)],
            "bob_ratchet_keys": [ent.private_key(f"{i}/b/{k}").hex() for k in range((turns + 2) // 2)],
            "messages": messages,
        }
        yield case(f"a {len(messages)}-message conversation ({'→'.join(s[0].upper() for s in senders)}): headers and ciphertexts",
                   inputs, compute_ratchet(inputs))
    for j in range(negatives(count)):
        yield _tampered_first_message(ent, j)


def _tampered_first_message(ent: Entropy, j: int) -> Vector:
    from statuscli.app.vectors.checking import h

    inputs = {
        "shared_secret": ent.bytes(f"bad/{j}/sk", 32).hex(),
        "bob_signed_prekey_private": ent.private_key(f"bad/{j}/spk").hex(),
        "alice_ratchet_keys": [ent.private_key(f"bad/{j}/a").hex()],
        "bob_ratchet_keys": [ent.private_key(f"bad/{j}/b").hex()],
    }
    state, _ = parties(inputs)
    header, ct = state["alice"].encrypt(ent.bytes(f"bad/{j}/pt", 24))
    msg = {"dh": header.dh.hex(), "n": header.n, "pn": header.pn, "ciphertext": ct.hex()}
    kind = j % 3
    if kind == 0:
        body = bytearray(ct)
        body[ent.int(f"bad/{j}/pos", 0, len(body) - 1)] ^= 0x01
        msg["ciphertext"], why = bytes(body).hex(), "a first message with one ciphertext bit flipped"
    elif kind == 1:
        msg["pn"], why = header.pn + 1, "a first message whose header PN changed (the header is authenticated)"
    else:
        msg["dh"], why = _pub_hex(ent.private_key(f"bad/{j}/dh")), "a first message under another ratchet key"
    assert h(msg["ciphertext"])  # non-empty
    return case(f"{why} must be refused by the responder", dict(inputs, message=msg), {"error": "decryption-failed"}, must_fail=True)


def decrypt_single(inputs: dict):
    """Bob decrypts ``inputs['message']`` (the must-fail form)."""
    from statuscli.app.vectors.checking import h
    from statuscli.core.ratchet import Header

    state, rngs = parties(inputs)
    m = inputs["message"]
    return state["bob"].decrypt(Header(h(m["dh"]), m["n"], m["pn"]), h(m["ciphertext"]), rngs["bob"])


GENERATORS = {"bundles": gen_bundles, "x3dh": gen_x3dh, "ratchet": gen_ratchet}
