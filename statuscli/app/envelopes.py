"""Building Waku envelopes from a payload: payload v1 (encrypt, sign) → WakuMessage or v1 envelope.

Entropy comes from ``rng(n) -> bytes`` (``os.urandom`` or a seeded stream), so results can be
reproduced; the PoW search reports to ``pow_progress(nonces, best_bits) -> stop?``.
"""

from __future__ import annotations

from collections.abc import Callable

from statuscli.core.errors import UsageError
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC


def build_envelope(
    data: bytes,
    *,
    content_topic: str | None,
    topic: bytes | None,
    sym_key: bytes | None = None,
    password: str | None = None,
    recipient: bytes | None = None,
    signing_key: bytes | None = None,
    timestamp_ns: int,
    meta: bytes | None = b"",
    ephemeral: bool = False,
    as_v1: bool = False,
    ttl: int = 15,
    pow_target: float = 0.0,
    padding: bytes | None = None,
    rng: Callable[[int], bytes],
    pubsub_topic: str = STATUS_DEFAULT_PUBSUB_TOPIC,
    pow_progress: Callable[[int, int], bool] | None = None,
) -> dict:
    """The encoded message and what identifies it (``bytes``, hashes, topics)."""
    from statuscli.core.crypto import secp256k1
    from statuscli.core.crypto.symmetric import symkey_from_password
    from statuscli.core.waku import envelope_v1, message, payload_v1

    if topic is None and content_topic is None:
        raise UsageError("give --content-topic or --topic")
    if as_v1:
        if topic is None:
            topic = envelope_v1.bridge_topic(content_topic)
    elif content_topic is None:
        content_topic = envelope_v1.bridge_content_topic(topic)
    if password is not None:
        sym_key = symkey_from_password(password)
    encrypted = sym_key is not None or recipient is not None
    if as_v1 and not encrypted:
        raise UsageError("a Waku v1 envelope always carries an encrypted payload v1 (--sym-key, --password or --to)")
    if encrypted:
        if padding is None:
            padding = payload_v1.auto_padding(len(data), signing_key is not None, rng)
        if sym_key is not None:
            body = payload_v1.seal_symmetric(data, sym_key, padding=padding, nonce=rng(12), signing_key=signing_key)
            how = "symmetric"
        else:
            eph = secp256k1.generate_private_key(rng)
            body = payload_v1.seal_asymmetric(data, recipient, padding=padding, ephemeral_key=eph, iv=rng(16), signing_key=signing_key)
            how = "asymmetric"
    else:
        body, how = data, "clear"
    out: dict = {"encryption": how, "signed": signing_key is not None}
    if signing_key is not None:
        out["signer"] = "0x" + secp256k1.public_key(signing_key).hex()
    if as_v1:
        env = envelope_v1.new_envelope(body, topic, now=timestamp_ns // 1_000_000_000, ttl=ttl)
        env = envelope_v1.seal(env, pow_target, progress=pow_progress)
        raw = envelope_v1.encode(env)
        out.update({"kind": "waku-v1-envelope", "topic": "0x" + topic.hex(), "expiry": env.expiry, "ttl": env.ttl,
                    "nonce": env.nonce, "pow": env.pow(), "envelope_hash": "0x" + env.hash().hex()})
    else:
        msg = message.WakuMessage(body, content_topic, 1 if encrypted else 0, timestamp_ns, meta, None, ephemeral)
        raw = message.encode(msg)
        out.update({"kind": "waku-message", "content_topic": content_topic, "version": msg.version, "timestamp": timestamp_ns,
                    "pubsub_topic": pubsub_topic, "message_hash": "0x" + message.message_hash(pubsub_topic, msg).hex()})
    out["size"] = len(raw)
    out["bytes"] = raw
    return out
