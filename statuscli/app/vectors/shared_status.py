"""Checks for the protocol categories of the shared ``status.json`` vectors (topics, X3DH, the
ratchets, application payloads, MVDS, Waku v1/v2). Same rules as the unit tests."""

from __future__ import annotations

from statuscli.app.vectors.checking import Mismatch, expect, h


def _wire(chat_id: str, x: dict) -> None:
    from statuscli.core.topics import wire

    topic = wire.to_topic(chat_id)
    expect("waku_topic", wire.topic_text(topic), x["waku_topic"])
    expect("content_topic", wire.content_topic(topic), x["content_topic"])
    expect("topic parsed from the content topic", wire.parse_content_topic(x["content_topic"]), topic)
    if "bloom_64_bytes" in x:
        expect("bloom_64_bytes", wire.topic_to_bloom(topic).hex(), x["bloom_64_bytes"])


def topics(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.topics import chat, wire

    i, x = v["inputs"], v["expected"]
    if "bytes_hex" in i:
        expect("topic", wire.topic_text(wire.bytes_to_topic(h(i["bytes_hex"]))), x["topic"])
    elif "private_key" in i:  # partitioned
        pub = secp256k1.public_key(h(i["private_key"]))
        expect("partition", chat.partition(pub), x["partition"])
        expect("chat_id", chat.partitioned_chat_id(pub), x["chat_id"])
    elif "my_private" in i:  # negotiated
        secret = chat.negotiated_secret(h(i["my_private"]), h(i["their_public"]))
        expect("shared_secret", secret.hex(), x["shared_secret"])
        info = chat.compute("negotiated", secret)
        expect("topic_string_hashed", info.name, x["topic_string_hashed"])
        expect("filter_chat_id", chat.negotiated_filter_id(h(i["their_public"])), x["filter_chat_id"])
        _wire(info.name, x)
        expect("symmetric_key_pbkdf2", chat.symmetric_key(info).hex(), x["symmetric_key_pbkdf2"])
    else:
        chat_id = i["chat_id_string"]
        _wire(chat_id, x)
        if chat_id.endswith("-contact-code"):
            expect("contact-code chat id", chat.contact_code_chat_id(h(chat_id[2:-len("-contact-code")])), chat_id)
        elif chat_id.startswith("contact-discovery-"):
            expect("personal chat id", chat.personal_chat_id(h(chat_id[len("contact-discovery-"):])), chat_id)


def symmetric_keys(v: dict) -> None:
    from statuscli.core.topics import chat

    got = chat.symmetric_key(chat.compute("public", v["inputs"]["password"]))
    expect("symmetric_key", got.hex(), v["expected"]["symmetric_key"])


def _x3dh_keys(i: dict) -> tuple[bytes, bytes, bytes, bytes]:
    return tuple(h(i[k]) for k in ("alice_identity_private", "alice_ephemeral_private", "bob_identity_private", "bob_signed_prekey_private"))


def x3dh(v: dict) -> None:
    from statuscli.core import bundles, x3dh as X
    from statuscli.core.crypto import secp256k1

    i, x = v["inputs"], v["expected"]
    if "signature" in x:  # bundle signature
        spks = {k: bundles.SignedPreKey(h(s["signed_pre_key"]), s["version"]) for k, s in i["signed_pre_keys"].items()}
        b = bundles.sign_bundle(h(i["identity_private"]), spks, i["timestamp"])
        expect("signature_material_hex", b.signature_material().hex(), x["signature_material_hex"])
        if "keccak256_of_material" in x:
            from statuscli.core.crypto.hashing import keccak256

            expect("keccak256_of_material", keccak256(b.signature_material()).hex(), x["keccak256_of_material"])
        expect("signature", b.signature.hex(), x["signature"])
        expect("recovered_public_key", b.verify().hex(), x["recovered_public_key"])
        return
    ika, eka, ikb, spkb = _x3dh_keys(i)
    pub = secp256k1.public_key
    if "shared_secret" in x:
        active = X.x3dh_active(ika, pub(ikb), pub(spkb), eka)
        expect("shared_secret (active side)", active.hex(), x["shared_secret"])
        expect("shared_secret (passive side)", X.x3dh_passive(ikb, spkb, pub(ika), pub(eka)).hex(), x["shared_secret"])
        return
    names = ("alice_identity", "alice_ephemeral", "bob_identity", "bob_signed_prekey")
    if not set(x) <= set(names):
        raise Mismatch(f"fields statuscli does not check: {', '.join(sorted(set(x) - set(names)))}")
    for name, priv in zip(names, (ika, eka, ikb, spkb)):
        if name in x:
            expect(f"{name}.uncompressed", pub(priv).hex(), x[name]["uncompressed"])
            expect(f"{name}.compressed", secp256k1.compress(pub(priv)).hex(), x[name]["compressed"])


def double_ratchet(v: dict) -> None:
    from statuscli.core import ratchet
    from statuscli.core.crypto import secp256k1

    i, x = v["inputs"], v["expected"]
    sk, ra, spk_b = h(i["SK_x3dh_shared_secret"]), h(i["alice_ratchet_private"]), h(i["bob_signed_prekey_public_compressed"])
    dh_out = ratchet.ecdh_x(ra, spk_b)
    expect("dh_out", dh_out.hex(), x["dh_out"])
    root, ck, hk = ratchet.kdf_rk(sk, dh_out)
    expect("root_key_1", root.hex(), x["root_key_1"])
    expect("sending_chain_key", ck.hex(), x["sending_chain_key"])
    expect("next_header_key_unused", hk.hex(), x["next_header_key_unused"])
    next_ck, mk = ratchet.kdf_ck(ck)
    expect("message_key_0", mk.hex(), x["message_key_0"])
    expect("next_chain_key", next_ck.hex(), x["next_chain_key"])
    enc, auth, iv = ratchet.message_keys(mk)
    expect("enc_key", enc.hex(), x["enc_key"])
    expect("auth_key", auth.hex(), x["auth_key"])
    expect("iv", iv.hex(), x["iv"])
    ad = ratchet.associated_data(i["n"], i["pn"], secp256k1.compress(secp256k1.public_key(ra)))
    expect("associated_data_header_encoding", ad.hex(), x["associated_data_header_encoding"])
    state = ratchet.RatchetState.initiator(sk, spk_b, lambda n: ra)
    header, ct = state.encrypt(h(i["plaintext"]))
    expect("ciphertext", ct.hex(), x["ciphertext"])
    expect("header (n, pn)", (header.n, header.pn), (i["n"], i["pn"]))


def hash_ratchet(v: dict) -> None:
    from statuscli.core import hash_ratchet as hr
    from statuscli.core.crypto import secp256k1

    pub = secp256k1.public_key(h(v["inputs"]["private_key"]))
    expect("key_uint32", hr.public_key_most_relevant_bytes(pub), v["expected"]["key_uint32"])


def membership_update(v: dict) -> None:
    from statuscli.core.payloads import membership as M

    i, x = v["inputs"], v["expected"]
    ev = M.sign_event(i["chat_id"], h(i["signing_private_key"]), clock=i["clock"], type=i["type"], name=i["name"])
    expect("event_protobuf", ev.raw_payload.hex(), x["event_protobuf"])
    expect("signature", ev.signature.hex(), x["signature"])
    expect("wire_event", ev.wire.hex(), x["wire_event"])
    expect("signer_public_key", M.parse_event(i["chat_id"], h(x["wire_event"])).author, "0x" + x["signer_public_key"])


def mvds(v: dict) -> None:
    from statuscli.core.mvds import codec

    i = v["inputs"]
    got = codec.one_to_one_group_id(h(i["public_key_1"]), h(i["public_key_2"]))
    expect("group_id", got.hex(), v["expected"]["group_id"])


def payloads(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.payloads import amm, chat, message_types

    i, x = v["inputs"], v["expected"]
    payload = chat.encode(chat.build(**i["chat_message_fields"]))
    expect("chat_message_protobuf", payload.hex(), x["chat_message_protobuf"])
    raw = amm.wrap(payload, message_types.CHAT_MESSAGE, h(i["author_private"]))
    expect("application_metadata_message_protobuf", raw.hex(), x["application_metadata_message_protobuf"])
    got = amm.unwrap(raw)
    expect("amm_signature", got.signature.hex(), x["amm_signature"])
    expect("signer", got.signer, secp256k1.public_key(h(i["author_private"])))
    expect("message_id", "0x" + got.message_id.hex(), x["message_id"])


def mailserver(v: dict) -> None:
    from statuscli.core.waku import mailserver as M

    i = v["inputs"]
    key = M.db_key(i["timestamp"], h(i["envelope_hash"]), h(i["topic"]))
    expect("db_key", key.hex(), v["expected"]["db_key"])
    expect("parsed db key", M.parse_db_key(key), (i["timestamp"], h(i["envelope_hash"]), h(i["topic"])))


def waku_v1_envelope(v: dict) -> None:
    from statuscli.core.waku import envelope_v1 as E

    i = v["inputs"]
    env = E.Envelope(i["expiry"], i["ttl"], h(i["topic"]), h(i["data"]), i["nonce"])
    expect("pow", env.pow(), v["expected"]["pow"])


def waku_v1_payload(v: dict) -> None:
    from statuscli.core.waku import payload_v1 as P

    i, x = v["inputs"], v["expected"]
    if "padding_len" in x:
        pad = P.padding_length(i["payload_len"], i["signed"])
        expect("padding_len", pad, x["padding_len"])
        if "len_before_signature" in x:
            expect("len_before_signature", 1 + P.size_field_length(i["payload_len"]) + i["payload_len"] + pad, x["len_before_signature"])
        return
    data = i["data_utf8"].encode()
    expect("plaintext_payload", P.encode_plaintext(data, h(i["padding_hex"]), h(i["signing_private_key"])).hex(), x["plaintext_payload"])
    sealed = P.seal_symmetric(data, h(i["symmetric_key"]), padding=h(i["padding_hex"]), nonce=h(i["gcm_nonce"]),
                              signing_key=h(i["signing_private_key"]))
    expect("encrypted_payload", sealed.hex(), x["encrypted_payload"])
    opened = P.open_symmetric(h(x["encrypted_payload"]), h(i["symmetric_key"]))
    expect("opened data", opened.data, data)
    expect("signer_public_key", opened.signer.hex() if opened.signer else None, x["signer_public_key"])


def waku_v2(v: dict) -> None:
    from statuscli.core.topics import sharding
    from statuscli.core.waku import message as wm

    i, x = v["inputs"], v["expected"]
    if "message_hash" in x:
        msg = wm.WakuMessage(payload=h(i["payload"]), content_topic=i["content_topic"], timestamp=i["timestamp_ns"], meta=h(i["meta"]))
        expect("message_hash", wm.message_hash(i["pubsub_topic"], msg).hex(), x["message_hash"])
    elif "waku_message_protobuf" in x:
        msg = wm.WakuMessage(h(i["payload"]), i["content_topic"], i["version"], i["timestamp_ns"], h(i["meta"]), None, i["ephemeral"])
        expect("waku_message_protobuf", wm.encode(msg).hex(), x["waku_message_protobuf"])
        expect("decoded message", wm.decode(h(x["waku_message_protobuf"])), msg)
    elif "pubsub_topic" in x:
        expect("pubsub_topic", sharding.static_shard_topic(i["cluster"], i["shard"]), x["pubsub_topic"])
    else:
        raise Mismatch(f"no field of this vector is one statuscli checks: {', '.join(x)}")


CHECKS = {
    ("topics", None): topics,
    ("symmetric-keys", None): symmetric_keys,
    ("x3dh", None): x3dh,
    ("double-ratchet", None): double_ratchet,
    ("hash-ratchet", None): hash_ratchet,
    ("membership-update", None): membership_update,
    ("mvds", None): mvds,
    ("payloads", None): payloads,
    ("mailserver", None): mailserver,
    ("waku-v1-envelope", None): waku_v1_envelope,
    ("waku-v1-payload", None): waku_v1_payload,
    ("waku-v2", None): waku_v2,
}
