"""Which content topics an account sends on and listens to, and the key of each (spec §2.2, §3.6).

Sending to a peer: the **negotiated** topic (symmetric, PBKDF2(hex(ECDH secret))) once the shared
secret is agreed (``EncryptResult.shared_secret_agreed``), else the peer's **partitioned** topic
(ECIES to the peer's identity key). Public channels: the channel's topic and PBKDF2(name).
Contact code: ``0x04…-contact-code`` with PBKDF2 of that string.

Listening (:func:`listen_set`): our partitioned and personal topics (opened with our private key),
our negotiated topic with ourselves once another installation of ours is known (paired devices),
the negotiated and contact-code topics of every 1:1 peer and named contact, every joined
public channel. Private groups have no topic of their own: they are pairwise 1:1.

PBKDF2 keys cost 65 356 rounds each: they are computed once per chat-id string and kept in the
account database (``chat_topic_keys``), as status-go keeps them in ``waku_keys``.
"""

from __future__ import annotations

from statuscli.core.crypto import secp256k1
from statuscli.core.receive.keyring import KeyRing, TopicKey
from statuscli.core.topics import chat, wire
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC
from statuscli.store import chats as chat_store
from statuscli.store.db import savepoint, transaction

PUBSUB_TOPIC = STATUS_DEFAULT_PUBSUB_TOPIC


def _content_topic(name: str) -> str:
    return wire.content_topic(wire.to_topic(name))


def sym_key(conn, name: str) -> bytes:
    """PBKDF2 key of a chat-id string, cached in the account database (and, being a pure function of
    the name, in the connection's memo: one send or envelope does not read it again)."""
    memo = getattr(conn, "memo", None)
    cache = memo.setdefault("topic_keys", {}) if memo is not None else {}
    key = cache.get(name)
    if key is not None:
        return key
    key = chat_store.topic_key(conn, name)
    if key is None:
        from statuscli.core.crypto.symmetric import symkey_from_password

        key = symkey_from_password(name)
        with savepoint(conn, "topic_key") if conn.in_transaction else transaction(conn):  # a dry run's rollback takes it too
            chat_store.set_topic_key(conn, name, key)
    cache[name] = key
    return key


# --- single topics ---------------------------------------------------------------------------
def partitioned(peer: bytes) -> TopicKey:
    name = chat.partitioned_chat_id(peer)
    return TopicKey("partitioned", name, _content_topic(name), peer=secp256k1.decompress(peer))


def personal(peer: bytes) -> TopicKey:
    name = chat.personal_chat_id(peer)
    return TopicKey("personal", name, _content_topic(name), peer=secp256k1.decompress(peer))


def negotiated(account, peer: bytes) -> TopicKey:
    name = chat.negotiated_chat_id(chat.negotiated_secret(account.chat_private_key, peer))
    return TopicKey("negotiated", name, _content_topic(name), sym_key(account.db, name), peer=secp256k1.decompress(peer))


def contact_code(conn, peer: bytes) -> TopicKey:
    name = chat.contact_code_chat_id(peer)
    return TopicKey("contact-code", name, _content_topic(name), sym_key(conn, name), peer=secp256k1.decompress(peer))


def public(conn, channel: str) -> TopicKey:
    name = chat.public_chat_id(channel)
    return TopicKey("public", name, _content_topic(name), sym_key(conn, name), channel=channel)


def for_direct(account, peer: bytes, agreed: bool) -> TopicKey:
    """Where a 1:1 message to ``peer`` goes: negotiated when the secret is agreed, else partitioned."""
    return negotiated(account, peer) if agreed else partitioned(peer)


# --- the listening set: a key ring, built once per account (refreshed when peers change) -----------
def join_channels(account, channels, *, now_ms: int) -> None:
    """Join public channels (one transaction): their topics belong to the account's key ring from now on."""
    with transaction(account.db):
        for name in channels:
            chat_store.join_public(account.db, name, now_ms)


def known_peers(account) -> list[bytes]:
    """1:1 peers and named contacts (65-byte keys), each once."""
    from statuscli.store import peers as peer_store

    conn = account.db
    out = {p: None for p in chat_store.peers(conn)}
    for _name, key in peer_store.contacts(conn):
        out.setdefault(secp256k1.decompress(key), None)
    out.pop(account.chat_public_key, None)
    return list(out)


def listen_set(account, *, extra_channels=()) -> KeyRing:
    """Every topic the account needs to hear (see the module docstring)."""
    conn = account.db
    me = account.chat_public_key
    ts = KeyRing(private_key=account.chat_private_key, me=me)
    ts.add(partitioned(me))
    ts.add(personal(me))
    from statuscli.app.devices import known as own_devices_known

    if own_devices_known(account):  # our other devices write to us there once the secret with ourselves is agreed
        ts.add(negotiated(account, me))
    for peer in known_peers(account):
        ts.add(negotiated(account, peer))
        ts.add(contact_code(conn, peer))
    for name in list(chat_store.public_channels(conn)) + list(extra_channels):
        ts.add(public(conn, name))
    return ts
