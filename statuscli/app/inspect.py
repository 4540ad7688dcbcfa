"""Peel a Status/Waku message layer by layer, with whatever keys the caller and the account have.

Order (the receive path of spec/status-protocol.md §4.2, outermost first):

    Waku v1 envelope (RLP) | WakuMessage (protobuf) | bare payload
    → payload v1 (version 1: try every symmetric and asymmetric key; signature → Waku signer)
    → segment | ProtocolMessage (ratchet decryption, read-only unless commit) | MVDS payload
    → application wrapper (signer, message id) → ChatMessage / membership update / other types

Each layer is a :class:`Layer`; peeling stops at the first layer that cannot be opened, and that
layer says why (``error`` with a code and message). Nothing here prints: the command renders.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from statuscli.core.errors import DecodeError, DecryptionFailed, StatusCliError

DEFAULT_PUBSUB_TOPIC = "/waku/2/rs/16/32"


def _hx(b: bytes | None) -> str | None:
    return None if b is None else "0x" + bytes(b).hex()


@dataclass
class Layer:
    name: str
    fields: dict = field(default_factory=dict)
    error: dict | None = None
    inner: Layer | None = None
    children: list[Layer] = field(default_factory=list)

    def fail(self, err: StatusCliError | str, code: str = "cannot-open") -> Layer:
        if isinstance(err, StatusCliError):
            self.error = {"code": err.code, "message": err.message}
        else:
            self.error = {"code": code, "message": err}
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

    def deepest(self) -> Layer:
        node = self
        while node.inner is not None:
            node = node.inner
        return node


@dataclass
class Keys:
    """What the inspector may use. ``symmetric``/``private`` are (label, key) pairs."""

    symmetric: list[tuple[str, bytes]] = field(default_factory=list)
    private: list[tuple[str, bytes]] = field(default_factory=list)
    account: object | None = None  # an unlocked statuscli.app.accounts.Account
    account_note: str | None = None  # why the account's keys are not available
    commit: bool = False
    now_ms: int = 0
    pubsub_topic: str = DEFAULT_PUBSUB_TOPIC


# --- outer layers ---------------------------------------------------------------------------
def inspect(data: bytes, keys: Keys) -> Layer:
    """The layer tree of ``data`` (a Waku v1 envelope, a WakuMessage, or a bare payload)."""
    from statuscli.core.waku import envelope_v1, message

    try:
        env = envelope_v1.decode(data)
    except DecodeError:
        env = None
    if env is not None:
        layer = Layer("waku-v1-envelope", env.to_json())
        layer.inner = _payload_v1(env.data, keys, content_topic=envelope_v1.bridge_content_topic(env.topic))
        return layer
    try:
        msg = message.decode(data, strict=True)
    except DecodeError:
        msg = None
    if msg is not None and _plausible_topic(msg.content_topic):
        fields = msg.to_json()
        del fields["payload"]
        fields["payload_size"] = len(msg.payload)
        fields["pubsub_topic"] = keys.pubsub_topic
        fields["message_hash"] = _hx(message.message_hash(keys.pubsub_topic, msg))
        fields["relay_message_id"] = _hx(message.relay_message_id(data))
        layer = Layer("waku-message", fields)
        if msg.version == 1:
            layer.inner = _payload_v1(msg.payload, keys, content_topic=msg.content_topic)
        elif not msg.version:
            layer.inner = status_payload(msg.payload, keys)
        else:
            layer.fail(f"payload version {msg.version} is not supported (1 = payload v1, 0 = clear)", "unsupported-version")
        return layer
    return _bare(data, keys)


def _plausible_topic(topic: str) -> bool:
    return topic.startswith("/") and topic.isprintable()


def _bare(data: bytes, keys: Keys) -> Layer:
    """A payload given on its own: encrypted payload v1 if some key opens it, else Status layers."""
    opened = _payload_v1(data, keys, content_topic=None)
    if opened.error is None:
        return opened
    inner = status_payload(data, keys)
    if inner.error is None or inner.inner is not None or inner.children:
        return inner
    return opened.fail(
        "not a Waku v1 envelope, a WakuMessage, a payload v1 any key opens, or a Status payload", "unrecognised-input"
    )


def _candidate_symmetric(keys: Keys, content_topic: str | None) -> list[tuple[str, bytes]]:
    out = list(keys.symmetric)
    acct = keys.account
    if acct is not None and content_topic is not None:
        from statuscli.core.topics import chat, wire

        try:
            topic = wire.parse_content_topic(content_topic)
        except StatusCliError:
            topic = None
        if topic is None:
            return out
        from statuscli.core.crypto.symmetric import symkey_from_password

        own = chat.contact_code_chat_id(acct.chat_public_key)
        if wire.to_topic(own) == topic:
            out.append(("our contact-code topic key", symkey_from_password(own)))
        for name, key in _contacts(acct):
            negotiated = chat.negotiated_chat_id(chat.negotiated_secret(acct.chat_private_key, key))
            if wire.to_topic(negotiated) == topic:
                out.append((f"negotiated topic key with {name!r}", symkey_from_password(negotiated)))
            theirs = chat.contact_code_chat_id(key)
            if wire.to_topic(theirs) == topic:
                out.append((f"{name!r}'s contact-code topic key", symkey_from_password(theirs)))
    return out


def _contacts(acct) -> list[tuple[str, bytes]]:
    try:
        from statuscli.app.peers import contacts
    except ImportError:
        return []
    try:
        return contacts(acct)
    except StatusCliError:
        return []


def _candidate_private(keys: Keys) -> list[tuple[str, bytes]]:
    out = list(keys.private)
    if keys.account is not None:
        out.append((f"account {keys.account.name!r} chat key", keys.account.chat_private_key))
    return out


def _payload_v1(data: bytes, keys: Keys, *, content_topic: str | None) -> Layer:
    from statuscli.core.identity.keytext import compressed_key
    from statuscli.core.waku import payload_v1

    layer = Layer("payload-v1", {"size": len(data)})
    tried: list[str] = []
    opened = how = label = None
    # asymmetric keys first (only if it can be ECIES: the uncompressed ephemeral key, 113 bytes of
    # overhead), then symmetric ones; generators, so no PBKDF2 key is derived once one key opened it
    attempts = itertools.chain(
        ((name, "asymmetric (ECIES)", payload_v1.open_asymmetric, priv) for name, priv in _candidate_private(keys))
        if len(data) > 113 and data[0] == 4 else (),
        ((name, "symmetric (AES-256-GCM)", payload_v1.open_symmetric, key) for name, key in _candidate_symmetric(keys, content_topic)),
    )
    for name, kind, open_with, key in attempts:
        tried.append(name)
        try:
            opened, how, label = open_with(data, key), kind, name
            break
        except DecryptionFailed:
            continue
        except StatusCliError as e:
            return layer.fail(e)
    if opened is None:
        why = "no key opened it" + (f" (tried: {', '.join(tried)})" if tried else " (no keys given: --key, --sym-key, --password, or an account)")
        if keys.account_note:
            why += f"; {keys.account_note}"
        return layer.fail(DecryptionFailed(why))
    layer.fields.update(
        {
            "encryption": how,
            "key": label,
            "signed": opened.signed,
            "signer": _hx(opened.signer),
            "signer_compressed": compressed_key(opened.signer) if opened.signer else None,
            "data_size": len(opened.data),
            "padding_size": len(opened.padding),
        }
    )
    layer.inner = status_payload(opened.data, keys, waku_signer=opened.signer)
    return layer


# --- Status layers --------------------------------------------------------------------------
def status_payload(data: bytes, keys: Keys, *, waku_signer: bytes | None = None, depth: int = 0) -> Layer:
    """Dispatch the Waku payload data as status-go does: segment, ProtocolMessage, MVDS, wrapper."""
    from statuscli.core.mvds import codec as mvds
    from statuscli.core.payloads import amm, segmentation

    if depth > 4:
        return Layer("payload", {"size": len(data)}).fail("layers nested too deeply", "too-deep")
    try:
        seg = segmentation.decode_segment(data)
    except DecodeError:
        seg = None
    if seg is not None:
        return Layer("segment", {"entire_message_hash": _hx(seg.entire_message_hash), "index": seg.index,
                                 "segments_count": seg.segments_count, "parity": seg.is_parity, "size": len(seg.payload)}).fail(
            "one segment of a larger message: reassembly needs all of its segments", "segment-incomplete")
    from statuscli.core.encryption import sniff_protocol_message

    pm = sniff_protocol_message(data)
    if pm is not None:
        return _ratchet(data, pm, keys, waku_signer, depth)
    try:
        payload = mvds.decode_payload(data)
    except DecodeError:
        payload = None
    if payload is not None:
        return _mvds(payload, keys, depth)
    if amm.looks_like_amm(data):
        return application(data)
    layer = Layer("payload", {"size": len(data), "data": _hx(data)})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        layer.fields["text"] = text
    return layer.fail("not a segment, ProtocolMessage, MVDS payload or application message", "unknown-payload")



def _ratchet(data: bytes, pm, keys: Keys, waku_signer: bytes | None, depth: int) -> Layer:
    layer = Layer("protocol-message", {
        "installation_id": pm.installation_id,
        "bundles": len(pm.bundles),
        "entries": {k: v.path() for k, v in pm.encrypted.items()},
        "public": pm.is_public(),
    })
    if pm.is_public():
        layer.inner = status_payload(pm.public_message, keys, depth=depth + 1)
        return layer
    if keys.account is None:
        return layer.fail("the ratchet layer needs an account to decrypt with" + (f" ({keys.account_note})" if keys.account_note else ""),
                          "no-account")
    try:
        from statuscli.app.secure import decrypt_protocol_message
    except ImportError:
        return layer.fail("ratchet decryption is not available in this build", "not-available")
    try:
        res = decrypt_protocol_message(keys.account, data, sender_pub=None, commit=keys.commit, now_ms=keys.now_ms)
    except StatusCliError as e:
        return layer.fail(e)
    layer.fields.update({"path": res.path, "sender": _hx(res.sender), "sender_installation_id": res.sender_installation_id,
                         "authenticated": res.authenticated, "committed": res.committed})
    if not res.plaintext:
        layer.fields["note"] = "empty payload (a bundle advertisement)"
        return layer
    layer.inner = status_payload(res.plaintext, keys, depth=depth + 1)
    return layer


def _mvds(payload, keys: Keys, depth: int) -> Layer:
    j = payload.to_json()
    layer = Layer("mvds", {"acks": j["acks"], "offers": j["offers"], "requests": j["requests"],
                           "group_offers": j["group_offers"], "message_count": len(payload.messages)})
    for m, mj in zip(payload.messages, j["messages"]):
        child = Layer("mvds-message", mj)
        child.inner = application(m.body) if m.body else Layer("empty").fail("empty MVDS message body", "empty")
        layer.children.append(child)
    return layer


def application(data: bytes) -> Layer:
    """The signed wrapper and what it carries."""
    from statuscli.core.payloads import amm

    try:
        wrapped = amm.unwrap(data)
    except StatusCliError as e:
        return Layer("application", {"size": len(data)}).fail(e)
    layer = Layer("application", wrapped.to_json())
    if wrapped.signer is not None:
        from statuscli.core.identity.keytext import compressed_key

        layer.fields["signer_compressed"] = compressed_key(wrapped.signer)
    layer.inner = app_message(wrapped.type, wrapped.payload)
    return layer


def app_message(msg_type: int, payload: bytes) -> Layer:
    import importlib

    from statuscli.core.payloads import chat, membership, message_types

    name = message_types.type_name(msg_type)
    if msg_type == message_types.CHAT_MESSAGE:
        try:
            return Layer("chat-message", chat.to_json(chat.decode(payload)))
        except StatusCliError as e:
            return Layer("chat-message").fail(e)
    if msg_type == message_types.MEMBERSHIP_UPDATE_MESSAGE:
        try:
            update = membership.decode_update(payload)
        except StatusCliError as e:
            return Layer("membership-update").fail(e)
        layer = Layer("membership-update", {"chat_id": update.chat_id, "events": [e.to_json() for e in update.events]})
        try:
            layer.fields["group"] = membership.Group.from_events(update.chat_id, update.events).to_json()
        except StatusCliError as e:
            layer.fields["group_error"] = e.message
        if update.message is not None:
            layer.inner = Layer("chat-message", chat.to_json(update.message))
        return layer
    if msg_type in message_types.PAYLOAD_MESSAGES:
        module, cls_name = message_types.PAYLOAD_MESSAGES[msg_type]
        from google.protobuf.json_format import MessageToDict

        from statuscli.core.encryption import parse_pb

        cls = getattr(importlib.import_module(f"statuscli.pb.{module}"), cls_name)
        try:
            msg = parse_pb(cls(), payload, cls_name)
        except StatusCliError as e:
            return Layer(name.lower().replace("_", "-")).fail(e)
        return Layer(name.lower().replace("_", "-"), {"message": cls_name, **MessageToDict(msg, preserving_proto_field_name=True)})
    return Layer(name.lower().replace("_", "-"), {"size": len(payload)}).fail(f"no decoder for application type {name}", "no-decoder")
