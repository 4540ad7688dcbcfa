"""``envelope inspect``: the receive peel (``core.receive``) run without committing, rendered as a tree.

Order (spec/status-protocol.md §4.2, outermost first) — the same peel ``listen`` applies:

    Waku v1 envelope (RLP) | WakuMessage (protobuf) | bare payload
    → payload v1 (the account's key ring, then --key/--sym-key/--password; signature → Waku signer)
    → segment | ProtocolMessage (the ratchet step, read-only unless commit) | MVDS payload
    → application wrapper (signer, message id) → ChatMessage / membership update / other types

Each layer is a :class:`Layer`; peeling stops at the first layer that cannot be opened, and that
layer says why (``error`` with a code and message). An envelope this account already received
cannot be decrypted again (its ratchet keys were used up): the stored result is shown instead, with
when it was received and the message ids it brought. Nothing here prints: the command renders.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from statuscli.core.encoding import to_hex as _hx
from statuscli.core.errors import DecodeError, StatusCliError
from statuscli.core.receive import layers as L
from statuscli.core.receive import peel
from statuscli.core.receive.keyring import KeyRing, TopicKey
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC

#: WakuMessage.version of a payload carried in the clear
CLEAR_VERSION = 0


@dataclass
class Layer:
    name: str
    fields: dict = field(default_factory=dict)
    error: dict | None = None
    inner: Layer | None = None
    children: list[Layer] = field(default_factory=list)

    def fail(self, code: str, message: str) -> Layer:
        self.error = {"code": code, "message": message}
        return self

    def to_json(self) -> dict:
        out: dict = {"layer": self.name, **self.fields}
        if self.error is not None:
            out["error"] = self.error
        if self.children:
            out["messages"] = [c.to_json() for c in self.children]
        if self.inner is not None:
            out["inner"] = self.inner.to_json()
        return out


@dataclass
class Keys:
    """What the inspector may use. ``symmetric``/``private`` are (label, key) pairs."""

    symmetric: list[tuple[str, bytes]] = field(default_factory=list)
    private: list[tuple[str, bytes]] = field(default_factory=list)
    account: object | None = None  # an unlocked statuscli.app.accounts.Account
    account_note: str | None = None  # why the account's keys are not available
    commit: bool = False
    now_ms: int = 0
    pubsub_topic: str = STATUS_DEFAULT_PUBSUB_TOPIC


# --- the key ring ----------------------------------------------------------------------------
def key_ring(keys: Keys) -> KeyRing:
    """The account's ring (its listening set, labelled, PBKDF2 keys from the database) + the given keys."""
    acct = keys.account
    ring = KeyRing()
    if acct is not None:
        ring = _account_ring(acct)
    given = [TopicKey("given", label, "", private_key=priv, label=label) for label, priv in keys.private]
    if acct is not None:
        label = f"account {acct.name!r} chat key"
        given.append(TopicKey("given", label, "", private_key=acct.chat_private_key, label=label))
    given += [TopicKey("given", label, "", sym_key=k, label=label) for label, k in keys.symmetric]
    ring.anywhere = given
    return ring


def _account_ring(acct) -> KeyRing:
    from statuscli.app.messaging import topics
    from statuscli.core.crypto import secp256k1

    names = {secp256k1.decompress(k): n for n, k in _contacts(acct)}
    base = topics.listen_set(acct)
    ring = KeyRing(private_key=acct.chat_private_key, me=acct.chat_public_key)
    own = topics.contact_code(acct.db, acct.chat_public_key)
    ring.add(dataclasses.replace(own, label="our contact-code topic key"))
    for ct in base.content_topics:
        for k in base.get(ct):
            who = repr(names[k.peer]) if k.peer in names else (f"0x{k.peer.hex()[:16]}…" if k.peer is not None else "")
            label = {"partitioned": f"account {acct.name!r} chat key", "personal": f"account {acct.name!r} chat key",
                     "negotiated": f"negotiated topic key with {who}", "contact-code": f"{who}'s contact-code topic key",
                     "public": f"public channel #{k.channel} key"}.get(k.kind, k.kind)  # fmt: skip
            ring.add(dataclasses.replace(k, label=label))
    return ring


def _contacts(acct) -> list[tuple[str, bytes]]:
    from statuscli.app.peers import contacts

    try:
        return contacts(acct)
    except StatusCliError:
        return []


# --- outer layers ---------------------------------------------------------------------------
def inspect(data: bytes, keys: Keys) -> Layer:
    """The layer tree of ``data`` (a Waku v1 envelope, a WakuMessage, or a bare payload)."""
    from statuscli.core.waku import envelope_v1, message

    ring = key_ring(keys)
    with _Session(keys) as s:
        try:
            env = envelope_v1.decode(data)
        except DecodeError:
            env = None
        if env is not None:
            layer = Layer("waku-v1-envelope", env.to_json())
            layer.inner = s.payload_v1(env.data, ring, envelope_v1.bridge_content_topic(env.topic), waku_ms=None)
            return layer
        try:
            msg = message.decode(data, strict=True)
        except DecodeError:
            msg = None
        if msg is not None and _plausible_topic(msg.content_topic):
            return s.waku_message(data, msg, ring)
        return s.bare(data, ring)


def _plausible_topic(topic: str) -> bool:
    return topic.startswith("/") and topic.isprintable()


class _Session:
    """One inspection: the account's database in a read snapshot (or a transaction with ``commit``)."""

    def __init__(self, keys: Keys) -> None:
        self.keys, self.acct = keys, keys.account
        self.pending: list = []
        self.received: dict | None = None
        self._cm = None

    def __enter__(self) -> _Session:
        if self.acct is not None:
            from statuscli.app.secure_receive import _read_snapshot
            from statuscli.store.db import transaction

            self._cm = transaction(self.acct.db) if self.keys.commit else _read_snapshot(self.acct.db)
            self._cm.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._cm is None:
            return
        ok = exc[0] is None
        if ok and self.keys.commit:
            for p in self.pending:
                p.apply()
        self._cm.__exit__(*exc)
        if ok and self.keys.commit:
            for p in self.pending:
                p.committed()

    def ratchet(self):
        if self.acct is None:
            return None
        from statuscli.app.secure_receive import RatchetPort

        return RatchetPort(self.acct, now_ms=self.keys.now_ms, rng=os.urandom)  # a new DH ratchet key when the peer's changed

    def segments(self):
        if self.acct is None:
            return None
        from statuscli.app.messaging.incoming import StoredSegments

        return StoredSegments(self.acct.db)  # with the segments this account kept; rolled back unless --commit

    def waku_message(self, data: bytes, msg, ring: KeyRing) -> Layer:
        from statuscli.core.waku import message

        k = self.keys
        fields = msg.to_json()
        del fields["payload"]
        h = message.message_hash(k.pubsub_topic, msg)
        fields.update(payload_size=len(msg.payload), pubsub_topic=k.pubsub_topic, message_hash=_hx(h),
                      relay_message_id=_hx(message.relay_message_id(data)))  # fmt: skip
        layer = Layer("waku-message", fields)
        if self.acct is not None:
            from statuscli.store import messages as msg_store

            self.received = msg_store.envelope_received(self.acct.db, h)
        if msg.version == 1:
            layer.inner = self.payload_v1(msg.payload, ring, msg.content_topic, waku_ms=(msg.timestamp or 0) // 1_000_000)
        elif not msg.version:
            layer.inner = self.status(msg.payload, peel.Context(ring, ratchet=self.ratchet()))
        else:
            layer.fail("unsupported-version", f"payload version {msg.version} is not supported (1 = payload v1, 0 = clear)")
        return layer

    def bare(self, data: bytes, ring: KeyRing) -> Layer:
        """A payload given on its own: encrypted payload v1 if some key opens it, else Status layers."""
        opened = self.payload_v1(data, ring, None, waku_ms=None)
        if opened.error is None:
            return opened
        inner = self.status(data, peel.Context(ring, ratchet=self.ratchet()))
        if inner.error is None or inner.inner is not None or inner.children:
            return inner
        return opened.fail("unrecognised-input", "not a Waku v1 envelope, a WakuMessage, a payload v1 any key opens, or a Status payload")

    def payload_v1(self, data: bytes, ring: KeyRing, content_topic: str | None, *, waku_ms: int | None) -> Layer:
        from statuscli.core.identity.keytext import compressed_key

        layer = Layer("payload-v1", {"size": len(data)})
        pv1 = peel.open_payload(data, ring, content_topic)
        if isinstance(pv1, L.Failed):
            why = pv1.message
            if why == peel.NO_KEY_TO_TRY:
                why = "no key opened it (no keys given: --key, --sym-key, --password, or an account)"
            if self.keys.account_note:
                why += f"; {self.keys.account_note}"
            return layer.fail(pv1.code, why)
        how = "asymmetric (ECIES)" if pv1.encryption == "asymmetric" else "symmetric (AES-256-GCM)"
        layer.fields.update(encryption=how, key=pv1.key.label or pv1.key.kind, signed=pv1.signer is not None, signer=_hx(pv1.signer),
                            signer_compressed=compressed_key(pv1.signer) if pv1.signer else None, data_size=pv1.data_size,
                            padding_size=pv1.padding_size)  # fmt: skip
        layer.inner = self.status(pv1.data, peel.Context(ring, pv1.key, pv1.signer, waku_ms, self.ratchet(), self.segments()))
        return layer

    def status(self, data: bytes, ctx: peel.Context) -> Layer:
        from statuscli.app.inspect_render import render

        trace = peel.peel_data(data, ctx)
        self.pending += [x.pending for x in trace if isinstance(x, L.ProtocolLayer) and x.pending is not None]
        return render(trace, committed=self.keys.commit, received=self.received, account_note=self.keys.account_note)


__all__ = ["Keys", "Layer", "inspect", "key_ring"]
