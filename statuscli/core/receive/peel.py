"""One peel for every receiver: bytes in, a trace of typed layers out (spec §4.2).

    trace = peel(data, ring, pubsub_topic=…, ratchet=port, segments=port)

or in two steps, so a consumer can run the stateless outer layers before it takes a write lock::

    outer = open_message(data, ring, pubsub_topic=…)          # WakuLayer, PayloadV1Layer | Failed
    inner = peel_data(outer[-1].data, Context(ring, …))         # segments, ratchet, MVDS, application

Sans-IO: the two stateful steps are ports the caller passes in — the ratchet step
(:class:`RatchetPort`, prepare-then-apply: it computes and returns its pending writes, which the
consumer applies or throws away) and segment reassembly (:class:`SegmentPort`). Without a ratchet
port an encrypted ProtocolMessage stops the trace; without a segment port a segment does.

Attribution (a message's author is the identity that authenticated it): the application wrapper's
signer must be the identity of the ratchet session that decrypted it, or the Waku payload signer
when no session was involved (public chats, unencrypted payloads); a 1:1 ChatMessage must name our
chat; otherwise the trace ends with ``Failed(code="sender-mismatch")``. status-go takes the wrapper's
signer as the author without comparing (docs/interop.md, "Who sent it").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.encoding import to_hex
from statuscli.core.errors import DecodeError, DecryptionFailed, StatusCliError
from statuscli.core.receive.keyring import KeyRing, TopicKey, could_be_ecies
from statuscli.core.receive.layers import (
    AcceptLayer,
    ActionLayer,
    AppLayer,
    ChatLayer,
    CommandLayer,
    ContactLayer,
    Failed,
    MembershipLayer,
    MvdsLayer,
    OtherLayer,
    PayloadV1Layer,
    ProtocolLayer,
    SegmentLayer,
    WakuLayer,
)

#: payload version of Status messages (WakuMessage.version)
PAYLOAD_VERSION_1 = 1
#: layers inside layers (a segment of a public ProtocolMessage of …): more is refused
MAX_DEPTH = 4
SENDER_MISMATCH = "sender-mismatch"
NO_KEY_TO_TRY = "no key opened it (no key to try)"


@dataclass(frozen=True)
class RatchetStep:
    """What the ratchet port computed for one ProtocolMessage (its writes are in ``pending``)."""

    plaintext: bytes
    path: str
    sender: bytes | None  # 65 bytes: the identity of the session (or bundle) it came from
    authenticated: bool
    committed: bool
    pending: object = None


class RatchetPort(Protocol):
    def decrypt(self, data: bytes, sender: bytes | None) -> RatchetStep:
        """Decrypt a ProtocolMessage (``sender``: the Waku signer); a typed error when it cannot."""


class SegmentPort(Protocol):
    def add(self, segment, signer: bytes) -> bytes | None:
        """Keep a data segment; the reassembled payload once every data segment is there, else None."""


@dataclass(frozen=True)
class Context:
    """What the inner layers need to know about the outer ones."""

    ring: KeyRing
    key: TopicKey | None = None  # the key that opened payload v1
    signer: bytes | None = None  # the Waku payload signer
    waku_ms: int | None = None  # the WakuMessage timestamp in ms (ChatMessage clock checks)
    ratchet: RatchetPort | None = None
    segments: SegmentPort | None = None


# --- outer layers ---------------------------------------------------------------------------
def peel(data: bytes, ring: KeyRing, *, pubsub_topic: str, ratchet: RatchetPort | None = None,
         segments: SegmentPort | None = None) -> tuple:  # fmt: skip
    """The whole trace of an encoded WakuMessage."""
    outer = open_message(data, ring, pubsub_topic=pubsub_topic)
    if isinstance(outer[-1], Failed):
        return outer
    return outer + peel_data(outer[-1].data, context(outer, ring, ratchet=ratchet, segments=segments))


def context(outer: tuple, ring: KeyRing, *, ratchet=None, segments=None) -> Context:
    waku, pv1 = outer[0], outer[-1]
    ms = waku.timestamp // 1_000_000 if waku.timestamp else 0
    return Context(ring, pv1.key, pv1.signer, ms, ratchet, segments)


def open_message(data: bytes, ring: KeyRing, *, pubsub_topic: str) -> tuple:
    """WakuLayer and PayloadV1Layer (or a Failed): the stateless outer layers."""
    waku = decode_message(data, pubsub_topic=pubsub_topic)
    if isinstance(waku, Failed):
        return (waku,)
    return waku, open_waku(waku, ring)


def decode_message(data: bytes, *, pubsub_topic: str) -> WakuLayer | Failed:
    from statuscli.core.waku import message as wm

    try:
        msg = wm.decode(data)
    except StatusCliError as e:
        return Failed("waku-message", e.code, e.message, e)
    return WakuLayer(wm.message_hash(pubsub_topic, msg), pubsub_topic, msg.content_topic, msg.version, msg.timestamp, data, msg)


def open_waku(waku: WakuLayer, ring: KeyRing) -> PayloadV1Layer | Failed:
    if waku.version != PAYLOAD_VERSION_1:
        return Failed("waku-message", "unsupported-version", f"payload version {waku.version}: Status messages use version 1")
    return open_payload(waku.message.payload, ring, waku.content_topic)


def open_payload(payload: bytes, ring: KeyRing, content_topic: str | None) -> PayloadV1Layer | Failed:
    """payload v1 opened with the first of the topic's keys (then the ring's keys for any topic) that opens it."""
    from statuscli.core.waku import payload_v1

    tried: list[str] = []
    ecies = could_be_ecies(payload)
    for key in ring.candidates(content_topic):
        label = key.label or key.kind
        try:
            if key.sym_key is not None:
                tried.append(label)
                opened, how = payload_v1.open_symmetric(payload, key.sym_key), "symmetric"
            else:
                private = ring.ecies_key(key)
                if not ecies or private is None:
                    continue
                tried.append(label)
                opened, how = payload_v1.open_asymmetric(payload, private), "asymmetric"
        except DecryptionFailed:
            continue
        except StatusCliError as e:
            return Failed("payload-v1", e.code, e.message, e)
        return PayloadV1Layer(how, key, opened.signer, len(payload), len(opened.data), len(opened.padding), opened.data)
    why = f"no key opened it (tried: {', '.join(tried)})" if tried else NO_KEY_TO_TRY
    return Failed("payload-v1", DecryptionFailed.code, why, DecryptionFailed(why))


# --- Status layers --------------------------------------------------------------------------
def peel_data(data: bytes, ctx: Context, depth: int = 0) -> tuple:
    """Dispatch the payload data as status-go does: segment, ProtocolMessage, MVDS, application wrapper."""
    from statuscli.core.encryption import sniff_protocol_message
    from statuscli.core.mvds import codec as mvds
    from statuscli.core.payloads import segmentation

    if depth > MAX_DEPTH:
        return (Failed("payload", "too-deep", "layers nested too deeply"),)
    try:
        seg = segmentation.decode_segment(data)
    except DecodeError:
        seg = None
    if seg is not None:
        return _segment(seg, ctx, depth)
    pm = sniff_protocol_message(data)
    if pm is not None:
        return _protocol(data, pm, ctx, depth)
    try:
        payload = mvds.decode_payload(data)
    except DecodeError:
        payload = None
    if payload is not None:
        items = tuple((m.id, application(m.body, ctx)) for m in payload.messages)
        return (MvdsLayer(payload.acks, payload.offers, payload.requests, items, payload),)
    return application(data, ctx)


def _segment(seg, ctx: Context, depth: int) -> tuple:
    def layer(complete: bool) -> SegmentLayer:
        return SegmentLayer(seg.entire_message_hash, seg.index, seg.segments_count, seg.is_parity, len(seg.payload), complete)

    whole = None
    if ctx.segments is not None and not seg.is_parity and ctx.signer is not None:
        whole = ctx.segments.add(seg, ctx.signer)
    if whole is None:
        return layer(False), Failed("segment", "segment-incomplete", "one segment of a larger message: reassembly needs all of its segments")
    if keccak256(whole) != seg.entire_message_hash:
        return layer(False), Failed("segment", "segment-mismatch", "segments do not reassemble to the announced hash")
    return (layer(True),) + peel_data(whole, ctx, depth + 1)


def _protocol(data: bytes, pm, ctx: Context, depth: int) -> tuple:
    head = ProtocolLayer(pm.installation_id, len(pm.bundles), {k: v.path() for k, v in pm.encrypted.items()}, pm.is_public(), data=data)
    if ctx.ratchet is None:
        if pm.is_public():
            return (head,) + peel_data(pm.public_message, ctx, depth + 1)
        return head, Failed("protocol-message", "no-account", "the ratchet layer needs an account to decrypt with")
    try:
        step = ctx.ratchet.decrypt(data, ctx.signer)
    except StatusCliError as e:
        return head, Failed("protocol-message", e.code, e.message, e)
    layer = ProtocolLayer(head.installation_id, head.bundles, head.entries, head.public, step.path, step.sender, step.authenticated,
                          step.committed, data, step.pending)  # fmt: skip
    if not step.plaintext:
        return (layer,)  # a bundle advertisement: nothing inside
    inner = Context(ctx.ring, ctx.key, ctx.signer, ctx.waku_ms, ctx.ratchet, ctx.segments)
    return (layer,) + _with_session(peel_data(step.plaintext, inner, depth + 1), layer)


def _with_session(trace: tuple, proto: ProtocolLayer) -> tuple:
    """Re-check the application layers under a ratchet session against the session's identity."""
    if proto.public or proto.sender is None:
        return trace
    out = []
    for x in trace:
        if isinstance(x, MvdsLayer):
            x = MvdsLayer(x.acks, x.offers, x.requests, tuple((mid, _attributed(sub, proto.sender)) for mid, sub in x.items), x.payload)
        out.append(x)
    return _attributed(tuple(out), proto.sender)


def _attributed(trace: tuple, identity: bytes) -> tuple:
    for i, x in enumerate(trace):
        if isinstance(x, AppLayer) and x.wrapper.signer is not None and x.wrapper.signer != identity:
            return trace[: i + 1] + (_mismatch(x.wrapper.signer, identity, "the ratchet session's identity"),)
    return trace


def _mismatch(signer: bytes, identity: bytes, whose: str) -> Failed:
    return Failed("application", SENDER_MISMATCH,
                  f"signed by 0x{signer.hex()[:16]}… but {whose} is 0x{identity.hex()[:16]}…: not attributed to either")  # fmt: skip


# --- the application layer ------------------------------------------------------------------
def application(raw: bytes, ctx: Context) -> tuple:
    """The signed wrapper and what it carries (AppLayer, then the typed content)."""
    from statuscli.core.payloads import amm, message_types

    if not amm.looks_like_amm(raw):
        return (Failed("application", "unknown-payload", "not an application message (no signed wrapper)", data=raw),)
    try:
        w = amm.unwrap(raw)
    except StatusCliError as e:
        return (Failed("application", e.code, e.message, e),)
    signer = w.signer or ctx.signer
    app = AppLayer(w.type, w.type_name, signer, amm.message_id(signer, raw) if signer is not None else None, w)
    if w.signer is not None and ctx.signer is not None and w.signer != ctx.signer:
        # the payload signer vouches for what it carries; under a ratchet session _with_session also
        # checks the session's identity (which the ratchet port ties to the payload signer when there is one)
        return app, _mismatch(w.signer, ctx.signer, "the Waku payload signer")
    if w.type == message_types.CHAT_MESSAGE:
        return (app,) + _chat(w.payload, ctx, signer)
    if w.type == message_types.MEMBERSHIP_UPDATE_MESSAGE:
        return (app,) + _membership(w.payload, ctx, signer)
    if w.type == message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"]:
        return (app,) + _accept(w.payload)
    if w.type in (message_types.CONTACT_UPDATE, message_types.BY_NAME["RETRACT_CONTACT_REQUEST"]):
        return (app,) + _contact(w.type, w.payload, ctx, signer)
    if w.type in _action_types():
        return app, _action(w.type, w.payload)
    if w.type in (message_types.BY_NAME["REQUEST_TRANSACTION"], message_types.BY_NAME["SEND_TRANSACTION"]):
        return (app,) + _command(w.type, w.payload)
    return app, _other(w.type, w.payload)


def _action_types() -> tuple[int, ...]:
    from statuscli.core.payloads import actions

    return actions.TYPES


def _action(msg_type: int, payload: bytes):
    from statuscli.core.payloads import actions

    try:
        action = actions.decode(msg_type, payload)
    except StatusCliError as e:
        return Failed("message-action", e.code, e.message, e)
    fields, _err = proto_fields(msg_type, payload)
    return ActionLayer(action, fields)


def _chat(payload, ctx: Context, signer: bytes | None) -> tuple:
    from statuscli.core.payloads import chat

    try:
        cm = chat.decode(payload) if isinstance(payload, (bytes, bytearray)) else payload
    except StatusCliError as e:
        return (Failed("chat-message", e.code, e.message, e),)
    invalid = None
    if ctx.waku_ms is not None:
        try:
            chat.validate_received(cm, ctx.waku_ms)
        except StatusCliError as e:
            invalid = (e.code, e.message)
    layer = ChatLayer(cm.chat_id, cm.message_type, cm.content_type, cm.clock, cm.timestamp, cm.text, invalid, cm)
    me = ctx.ring.me
    if cm.message_type == chat.ONE_TO_ONE and me is not None and signer != me and cm.chat_id.lower() != to_hex(me):
        return layer, Failed("chat-message", SENDER_MISMATCH, f"a 1:1 message for chat {cm.chat_id[:20]}…, not for ours")
    key = ctx.key
    if cm.message_type == chat.PUBLIC_GROUP and key is not None and key.kind == "public" and key.channel != cm.chat_id:
        return layer, Failed("chat-message", "chat-mismatch", f"a message for #{cm.chat_id} on the topic of #{key.channel}")
    return (layer,)


def _membership(payload: bytes, ctx: Context, signer) -> tuple:
    from statuscli.core.payloads import membership

    try:
        update = membership.decode_update(payload)
    except StatusCliError as e:
        return (Failed("membership-update", e.code, e.message, e),)
    layer = MembershipLayer(update.chat_id, len(update.events), update)
    if update.message is None:
        return (layer,)
    return (layer,) + _chat(update.message, ctx, signer)


def _accept(payload: bytes) -> tuple:
    from statuscli.core.payloads import contact_requests, message_types

    try:
        acc = contact_requests.decode_accept(payload)
    except StatusCliError as e:
        return (Failed("accept-contact-request", e.code, e.message, e),)
    fields, _err = proto_fields(message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"], payload)
    return (AcceptLayer(acc.request_id, acc.clock, fields),)


def _contact(msg_type: int, payload: bytes, ctx: Context, signer) -> tuple:
    """A ContactUpdate or RetractContactRequest. A ContactUpdate names its recipient (``public_key``):
    one naming someone else than us is refused like a 1:1 message for another chat."""
    from statuscli.core.payloads import contact_requests, message_types

    update = msg_type == message_types.CONTACT_UPDATE
    kind = "contact-update" if update else "retract-contact-request"
    try:
        msg = contact_requests.decode_contact_update(payload) if update else contact_requests.decode_retract(payload)
    except StatusCliError as e:
        return (Failed(kind, e.code, e.message, e),)
    fields, _err = proto_fields(msg_type, payload)
    layer = ContactLayer(kind, msg.clock, msg, fields)
    me = ctx.ring.me
    if update and msg.public_key and me is not None and signer != me and msg.public_key.lower() != to_hex(me):
        return layer, Failed(kind, SENDER_MISMATCH, f"a contact update for {msg.public_key[:20]}…, not for us")
    return (layer,)


def _command(msg_type: int, payload: bytes) -> tuple:
    from statuscli.core.payloads import wallet_commands

    try:
        cmd = wallet_commands.decode(msg_type, payload)
    except StatusCliError as e:
        return (Failed("wallet-command", e.code, e.message, e),)
    return (CommandLayer(cmd.kind, cmd),)


def _other(msg_type: int, payload: bytes) -> OtherLayer:
    from statuscli.core.payloads import message_types

    name = message_types.type_name(msg_type).lower().replace("_", "-")
    fields, err = proto_fields(msg_type, payload)
    return OtherLayer(name, fields, err)


def proto_fields(msg_type: int, payload: bytes) -> tuple[dict, tuple[str, str] | None]:
    """A readable form of an application payload we have the protobuf of (for display only)."""
    import importlib

    from statuscli.core.encryption import parse_pb
    from statuscli.core.payloads import message_types

    if msg_type not in message_types.PAYLOAD_MESSAGES:
        return {"size": len(payload)}, ("no-decoder", f"no decoder for application type {message_types.type_name(msg_type)}")
    module, cls_name = message_types.PAYLOAD_MESSAGES[msg_type]
    from google.protobuf.json_format import MessageToDict

    cls = getattr(importlib.import_module(f"statuscli.pb.{module}"), cls_name)
    try:
        msg = parse_pb(cls(), payload, cls_name)
    except StatusCliError as e:
        return {}, (e.code, e.message)
    return {"message": cls_name, **MessageToDict(msg, preserving_proto_field_name=True)}, None
