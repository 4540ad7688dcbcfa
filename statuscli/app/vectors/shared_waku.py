"""Checks for the shared ``waku.json`` vectors (message hashes, topics, autosharding, ENR,
enrtree, payload v1, WakuMessage protobuf, Waku v1). Same rules as the unit tests."""

from __future__ import annotations

from statuscli.app.vectors.checking import Mismatch, expect, expect_error, h


def message_hash(v: dict) -> None:
    from statuscli.core.waku import message as wm

    i = v["inputs"]
    msg = wm.WakuMessage(payload=h(i["payload_hex"]), content_topic=i["content_topic"], timestamp=i["timestamp_ns"],
                         meta=None if i["meta_hex"] is None else h(i["meta_hex"]))
    expect("message_hash_hex", wm.message_hash(i["pubsub_topic"], msg).hex(), v["expected"]["message_hash_hex"])


def relay_message_id(v: dict) -> None:
    from statuscli.core.waku import message as wm

    got = wm.relay_message_id(h(v["inputs"]["pubsub_message_data_hex"]))
    expect("message_id_hex", got.hex(), v["expected"]["message_id_hex"])


def protobuf_waku_message(v: dict) -> None:
    from statuscli.core.waku import message as wm

    i, x = v["inputs"], v["expected"]
    if "error" in x:  # meta longer than 64 bytes: refused on decode and on encode
        raw = wm.encode(wm.WakuMessage(b"x", "/t/1/a/proto")) + b"\x5a" + bytes([i["meta_len"]]) + bytes(i["meta_len"])
        expect_error(lambda: wm.decode(raw), contains="meta")
        expect_error(lambda: wm.encode(wm.WakuMessage(b"x", "/t/1/a/proto", meta=bytes(i["meta_len"]))), contains="meta")
        return
    msg = wm.WakuMessage(
        payload=h(i["payload_hex"]), content_topic=i["content_topic"], version=i["version"], timestamp=i["timestamp"],
        meta=h(i["meta_hex"]) if "meta_hex" in i else None, rate_limit_proof=h(i["proof_hex"]) if "proof_hex" in i else None,
        ephemeral=i["ephemeral"],
    )  # fmt: skip
    expect("decoded message", wm.decode(h(x["bytes_hex"])), msg)
    expect("bytes_hex", wm.encode(msg).hex(), x["bytes_hex"])


def _topic_error_keyword(upstream: str) -> str:
    low = upstream.lower()
    if "structure" in low or "format" in low:
        return "content topic"
    for word in ("application", "topic name", "encoding", "generation"):
        if word in low:
            return word
    return ""


def content_topic_parse(v: dict) -> None:
    from statuscli.core.topics import sharding

    text, x = v["inputs"]["content_topic"], v["expected"]
    if "error" in x:
        expect_error(lambda: sharding.parse_named_content_topic(text), "malformed-topic", contains=_topic_error_keyword(x["error"]) or None)
        return
    ct = sharding.parse_named_content_topic(text)
    expect("parts", (ct.generation, ct.application, ct.version, ct.name, ct.encoding),
           (x["generation"], x["application"], x["version"], x["name"], x["encoding"]))
    expect("text again", str(ct), text)


def pubsub_topic_parse(v: dict) -> None:
    from statuscli.core.topics import sharding

    text, x = v["inputs"]["pubsub_topic"], v["expected"]
    if "error" in x:
        expect_error(lambda: sharding.parse_static_shard_topic(text), "malformed-topic")
        return
    shard = sharding.parse_static_shard_topic(text)
    expect("(cluster_id, shard_id)", (shard.cluster_id, shard.shard_id), (x["cluster_id"], x["shard_id"]))
    expect("pubsub topic again", shard.pubsub_topic, text)


def autosharding(v: dict) -> None:
    from statuscli.core.topics import sharding

    i, x = v["inputs"], v["expected"]
    kwargs = {}
    if "num_shards_in_cluster" in i:
        kwargs["shards"] = i["num_shards_in_cluster"]
    if "cluster_id" in i:
        kwargs["cluster_id"] = i["cluster_id"]
    if "error" in x:
        expect_error(lambda: sharding.autoshard(i["content_topic"], **kwargs), "malformed-topic", contains="generation")
        return
    a = sharding.autoshard(i["content_topic"], **kwargs)
    computed = {"shard": a.shard_id, "sha256_app_version_hex": a.hash.hex(), "last8_be_uint64": int.from_bytes(a.hash[24:], "big"),
                "pubsub_topic": a.pubsub_topic}
    for key, want in x.items():
        if key not in computed:
            raise Mismatch(f"{key}: not a field statuscli checks")
        expect(key, computed[key], want)


def enr_decode(v: dict) -> None:
    from statuscli.core.waku import enr as E

    text, x = v["inputs"]["enr"], v["expected"]
    if "error" in x:
        expect_error(lambda: E.decode_enr(text), "decode-error")
        return
    e = E.decode_enr(text)
    expect("rlp_len", len(e.raw), x["rlp_len"])
    expect("seq", e.seq, x["seq"])
    expect("id", e.id, x["id"])
    expect("secp256k1", e.public_key.hex(), x["secp256k1"])
    expect("node_id", e.node_id.hex(), x["node_id"])
    expect("peer_id", e.peer_id, x["peer_id"])
    expect("signature_valid", e.signature_valid, x["signature_valid"])
    expect("keys", list(e.pairs), x["keys"])
    for k in ("ip", "tcp", "udp", "waku2"):
        expect(k, getattr(e, k), x.get(k))
    if "waku2_flags" in x:
        expect("waku2_flags", E.waku2_flags(e.waku2), x["waku2_flags"])
    expect("multiaddrs", e.multiaddrs, x.get("multiaddrs", []))
    if "rs" in x:
        expect("rs", e.shards, (x["rs"]["cluster_id"], x["rs"]["shards"]))
    for k, hexed in x.get("other", {}).items():
        expect(f"other.{k}", e.pairs[k].hex(), hexed)
    expect("text again", e.text, text)


def enr_relay_shards(v: dict) -> None:
    from statuscli.core.waku import enr as E

    i, x = v["inputs"], v["expected"]
    if "error" in x:
        expect_error(lambda: E.decode_rs(h(i["rs_hex"])), "decode-error")
        return
    if "rsv_hex" in i:
        data = h(i["rsv_hex"])
        expect("rsv (nwaku order)", E.decode_rsv(data), (x["cluster_id"], x["shards_nwaku"]))
        expect("rsv (js-waku order)", E.decode_rsv(data, order="js-waku"), (x["cluster_id"], x["shards_jswaku_decoder"]))
        expect("rsv encoded", E.encode_rsv(x["cluster_id"], x["shards_nwaku"]), data)
        return
    data = h(i["rs_hex"])
    expect("rs", E.decode_rs(data), (x["cluster_id"], x["shards"]))
    expect("rs encoded", E.encode_rs(x["cluster_id"], x["shards"]), data)


def enr_waku2_bits(v: dict) -> None:
    from statuscli.core.waku import enr as E

    value = int(v["inputs"]["waku2_hex"], 16)
    expect("flags", E.waku2_flags(value), v["expected"])
    expect("waku2 byte", E.waku2_byte(v["expected"]), value)


def enr_multiaddrs_field(v: dict) -> None:
    from statuscli.core.waku import enr as E

    data = h(v["inputs"]["multiaddrs_hex"])
    expect("multiaddrs", E.decode_multiaddrs(data), v["expected"]["multiaddrs"])
    expect("multiaddrs encoded", E.encode_multiaddrs(v["expected"]["multiaddrs"]), data)


def dns_enrtree(v: dict) -> None:
    from statuscli.core.waku import enrtree

    i, x = v["inputs"], v["expected"]
    if "root_txt" in i:
        root = enrtree.parse_root(i["root_txt"])
        link = enrtree.parse_link(f"enrtree://{i['tree_public_key_base32']}@nodes.example.org")
        expect("signature_valid", root.verify(link.public_key), x["signature_valid"])
        if not x["signature_valid"]:
            expect_error(lambda: root.check(link.public_key))
            return
        expect("(e, l, seq)", (root.enr_root, root.link_root, root.seq), (x["e"], x["l"], x["seq"]))
        expect("signed_text", root.signed_text, x["signed_text"])
        expect("recovery_id", root.signature[64], x["recovery_id"])
        expect("public_key_compressed_hex", link.public_key.hex(), x["public_key_compressed_hex"])
    elif "branch_txt" in i:
        expect("children", enrtree.parse_branch(i["branch_txt"]), x["children"])
    elif "link" in i:
        link = enrtree.parse_link(i["link"])
        expect("(public_key_base32, domain)", (link.public_key_base32, link.domain), (x["public_key_base32"], x["domain"]))
    else:
        expect("label", enrtree.entry_label(i["entry_txt"]), x["label"])


def payload_v1_padding(v: dict) -> None:
    from statuscli.core.waku import payload_v1 as P

    i, x = v["inputs"], v["expected"]
    n, signed = i["payload_len"], i["signed"]
    pad = P.padding_length(n, signed)
    expect("padding_len", pad, x["padding_len"])
    if "plaintext_len_before_encryption" in x:
        total = 1 + P.size_field_length(n) + n + pad + (65 if signed else 0)
        expect("plaintext_len_before_encryption", total, x["plaintext_len_before_encryption"])


def payload_v1_layout(v: dict) -> None:
    from statuscli.core.waku import payload_v1 as P

    i, x = v["inputs"], v["expected"]
    if "payload_utf8" in i:
        data, padding = i["payload_utf8"].encode(), h(i["padding_hex"])
        plain = P.encode_plaintext(data, padding)
        expect("plaintext_hex", plain.hex(), x["plaintext_hex"])
        expect("flags", plain[0], int(x["flags"], 16))
        opened = P.decode_plaintext(plain)
        expect("decoded (data, padding, signer)", (opened.data, opened.padding, opened.signer), (data, padding, None))
        return
    plain = P.encode_plaintext(bytes(i["payload_len"]), b"\x01")
    expect("flags_low2", plain[0] & 3, x["flags_low2"])
    expect("length_field_hex", plain[1:1 + (plain[0] & 3)].hex(), x["length_field_hex"])


def payload_v1_symmetric(v: dict) -> None:
    from statuscli.core.waku import payload_v1 as P

    i = v["inputs"]
    out = P.encrypt_symmetric(h(i["plaintext_hex"]), h(i["key_hex"]), h(i["iv_hex"]))
    expect("payload_hex", out.hex(), v["expected"]["payload_hex"])
    expect("decrypted", P.decrypt_symmetric(h(v["expected"]["payload_hex"]), h(i["key_hex"])), h(i["plaintext_hex"]))


def payload_v1_asymmetric(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.waku import payload_v1 as P

    i = v["inputs"]
    expect("recipient_public_key_hex", secp256k1.public_key(h(i["recipient_private_key_hex"])).hex(), i["recipient_public_key_hex"])
    out = P.encrypt_asymmetric(h(i["plaintext_hex"]), h(i["recipient_public_key_hex"]), h(i["ephemeral_private_key_hex"]), h(i["iv_hex"]))
    expect("payload_hex", out.hex(), v["expected"]["payload_hex"])
    got = P.decrypt_asymmetric(h(v["expected"]["payload_hex"]), h(i["recipient_private_key_hex"]))
    expect("decrypted", got, h(i["plaintext_hex"]))


def waku_v1_pow(v: dict) -> None:
    from statuscli.core.waku import envelope_v1 as E

    i, x = v["inputs"], v["expected"]
    if "hash_hex" in i:
        got = E.calculate_pow(h(i["hash_hex"]), i["size"], i["ttl"])
        expect_true_close("pow", got, x["pow"])
        return
    env = E.Envelope(i["expiry"], i["ttl"], h(i["topic_hex"]), h(i["data_hex"]), i["nonce"])
    expect("short_rlp_hex", env.rlp_without_nonce().hex(), x["short_rlp_hex"])
    expect("short_rlp_len", len(env.rlp_without_nonce()), x["short_rlp_len"])
    expect("pow_hash_hex", env.pow_hash().hex(), x["pow_hash_hex"])
    expect("leading_zero_bits", E.leading_zero_bits(env.pow_hash()), x["leading_zero_bits"])
    expect("pow", env.pow(), x["pow"])
    expect("full_envelope_rlp_hex", E.encode(env).hex(), x["full_envelope_rlp_hex"])
    expect("decoded envelope", E.decode(h(x["full_envelope_rlp_hex"])), env)


def expect_true_close(what: str, got: float, want: float, rel: float = 1e-12) -> None:
    if abs(got - want) > rel * max(abs(got), abs(want)):
        raise Mismatch(f"{what}: got {got!r}, expected {want!r}")


def waku_v1_topic_compat(v: dict) -> None:
    from statuscli.core.waku import envelope_v1 as E

    i, x = v["inputs"], v["expected"]
    if "v1_topic_hex" in i:
        expect("content_topic", E.bridge_content_topic(h(i["v1_topic_hex"])), x["content_topic"])
        expect("v1 topic again", E.bridge_topic(x["content_topic"]), h(i["v1_topic_hex"]))
    else:
        expect("v1_topic_hex", E.bridge_topic(i["content_topic"]).hex(), x["v1_topic_hex"])


def waku_v1_status(v: dict) -> None:
    from statuscli.core.waku import v1_status as S

    ((key, value),) = v["inputs"]["options"]
    if (key, value) != (0, "float64bits(2.05)"):
        raise Mismatch(f"statuscli checks only the pow-requirement option of this vector, not {key}={value!r}")
    raw = S.encode(S.StatusOptions(pow_requirement=2.05))
    expect("rlp_hex", raw.hex(), v["expected"]["rlp_hex"])
    expect("decoded pow requirement", S.decode(raw).pow_requirement, 2.05)


CHECKS = {
    ("message_hash", "message_hash"): message_hash,
    ("message_hash", "relay_message_id"): relay_message_id,
    ("protobuf", "protobuf_waku_message"): protobuf_waku_message,
    ("topics", "content_topic_parse"): content_topic_parse,
    ("topics", "pubsub_topic_parse"): pubsub_topic_parse,
    ("autosharding", "autosharding"): autosharding,
    ("enr_decode", "enr_decode"): enr_decode,
    ("enr_fields", "enr_relay_shards"): enr_relay_shards,
    ("enr_fields", "enr_waku2_bits"): enr_waku2_bits,
    ("enr_fields", "enr_multiaddrs_field"): enr_multiaddrs_field,
    ("dns_enrtree", "dns_enrtree"): dns_enrtree,
    ("payload_v1", "payload_v1_padding"): payload_v1_padding,
    ("payload_v1", "payload_v1_layout"): payload_v1_layout,
    ("payload_v1", "payload_v1_symmetric"): payload_v1_symmetric,
    ("payload_v1", "payload_v1_asymmetric"): payload_v1_asymmetric,
    ("waku_v1", "waku_v1_pow"): waku_v1_pow,
    ("waku_v1", "waku_v1_topic_compat"): waku_v1_topic_compat,
    ("waku_v1", "waku_v1_status"): waku_v1_status,
}
