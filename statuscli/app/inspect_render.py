"""A receive trace (``core.receive``) as ``envelope inspect``'s layer tree (its JSON shape is a contract).

One renderer per layer type; a :class:`~statuscli.core.receive.layers.Failed` marks the layer it
names as stopped. A ratchet step that fails on an envelope the account already received says so
(when, which messages it brought) instead of reporting the used-up keys as tampering.
"""

from __future__ import annotations

import time

from statuscli.app.inspect import Layer
from statuscli.core.encoding import to_hex as _hx
from statuscli.core.receive import layers as L


def render(trace: tuple, *, committed: bool, received: dict | None, account_note: str | None) -> Layer:
    """The first layer of ``trace`` with the rest nested inside it."""
    ctx = {"committed": committed, "received": received, "note": account_note}
    return _chain(list(trace), ctx)


def _chain(items: list, ctx: dict) -> Layer:
    head = items[0]
    rest = items[1:]
    if isinstance(head, L.Failed):
        return _failed_alone(head)
    layer = _RENDER[type(head)](head, ctx)
    if isinstance(head, L.AppLayer) and not rest:
        return layer
    if rest and isinstance(rest[0], L.Failed):
        return _stopped(layer, head, rest[0], ctx)
    if rest:
        layer.inner = _chain(rest, ctx)
    return layer


def _stopped(layer: Layer, head, f: L.Failed, ctx: dict) -> Layer:
    if isinstance(head, L.ProtocolLayer) and ctx["received"] is not None:
        layer.inner = _received(ctx["received"])
        layer.fields["note"] = f"not decrypted again: this account received it already ({f.message})"
        return layer
    if f.layer == layer.name:
        message = f.message
        if f.code == "no-account" and ctx["note"]:
            message += f" ({ctx['note']})"
        return layer.fail(f.code, message)
    layer.inner = _failed_alone(f)
    return layer


def _received(r: dict) -> Layer:
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r["seen_ms"] / 1000))
    ids = ", ".join(m["id"] for m in r["messages"]) or "none stored"
    return Layer("received", {"received_at": when, "received_at_ms": r["seen_ms"], "message_ids": [m["id"] for m in r["messages"]],
                              "messages": r["messages"], "events": r["events"],
                              "note": f"received at {when}, message id(s) {ids}"})  # fmt: skip


def _failed_alone(f: L.Failed) -> Layer:
    if f.layer == "application" and f.code == "unknown-payload" and f.data:
        layer = Layer("payload", {"size": len(f.data), "data": _hx(f.data)})
        try:
            text = f.data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and text.isprintable():
            layer.fields["text"] = text
        return layer.fail("unknown-payload", "not a segment, ProtocolMessage, MVDS payload or application message")
    name = "application" if f.layer == "application" else f.layer
    return Layer(name, {"size": len(f.data)} if f.data else {}).fail(f.code, f.message)


def _segment(x: L.SegmentLayer, ctx) -> Layer:
    return Layer("segment", {"entire_message_hash": _hx(x.entire_message_hash), "index": x.index, "segments_count": x.segments_count,
                             "parity": x.parity, "size": x.size})  # fmt: skip


def _protocol(x: L.ProtocolLayer, ctx) -> Layer:
    layer = Layer("protocol-message", {"installation_id": x.installation_id, "bundles": x.bundles, "entries": x.entries,
                                       "public": x.public})  # fmt: skip
    if x.path is not None:
        layer.fields.update({"path": x.path, "sender": _hx(x.sender), "sender_installation_id": x.installation_id,
                             "authenticated": x.authenticated, "committed": ctx["committed"]})  # fmt: skip
    if x.pending is not None and not x.pending.result.plaintext:
        layer.fields["note"] = "empty payload (a bundle advertisement)"
    return layer


def _mvds(x: L.MvdsLayer, ctx) -> Layer:
    j = x.payload.to_json()
    layer = Layer("mvds", {"acks": j["acks"], "offers": j["offers"], "requests": j["requests"], "group_offers": j["group_offers"],
                           "message_count": len(x.items)})  # fmt: skip
    for (_mid, sub), mj in zip(x.items, j["messages"]):
        child = Layer("mvds-message", mj)
        child.inner = _chain(list(sub), ctx)
        layer.children.append(child)
    return layer


def _app(x: L.AppLayer, ctx) -> Layer:
    layer = Layer("application", x.wrapper.to_json())
    if x.wrapper.signer is not None:
        from statuscli.core.identity.keytext import compressed_key

        layer.fields["signer_compressed"] = compressed_key(x.wrapper.signer)
    return layer


def _chat(x: L.ChatLayer, ctx) -> Layer:
    from statuscli.core.payloads import chat

    layer = Layer("chat-message", chat.to_json(x.message))
    if x.invalid is not None:
        layer.fields["refused_by_receivers"] = {"code": x.invalid[0], "message": x.invalid[1]}
    return layer


def _membership(x: L.MembershipLayer, ctx) -> Layer:
    from statuscli.core.errors import StatusCliError
    from statuscli.core.payloads import membership

    u = x.update
    layer = Layer("membership-update", {"chat_id": u.chat_id, "events": [e.to_json() for e in u.events]})
    try:
        layer.fields["group"] = membership.Group.from_events(u.chat_id, u.events).to_json()
    except StatusCliError as e:
        layer.fields["group_error"] = e.message
    return layer


def _accept(x: L.AcceptLayer, ctx) -> Layer:
    return Layer("accept-contact-request", dict(x.fields))


def _contact(x: L.ContactLayer, ctx) -> Layer:
    fields = dict(x.fields)
    if x.kind == "contact-update":
        fields["decoded"] = x.message.to_json()  # states by name (status-go's ContactRequestState)
    return Layer(x.kind, fields)


def _action(x: L.ActionLayer, ctx) -> Layer:
    """A reaction, edit, delete or pin: the protobuf's fields and the target it names."""
    kind = {"Reaction": "emoji-reaction", "Edit": "edit-message", "Delete": "delete-message", "Pin": "pin-message"}[type(x.action).__name__]
    return Layer(kind, {**x.fields, "target": x.action.message_id})


def _command(x: L.CommandLayer, ctx) -> Layer:
    return Layer(x.kind.replace("_", "-"), x.command.fields())


def _other(x: L.OtherLayer, ctx) -> Layer:
    layer = Layer(x.name, dict(x.fields))
    return layer.fail(*x.error) if x.error is not None else layer


_RENDER = {L.SegmentLayer: _segment, L.ProtocolLayer: _protocol, L.MvdsLayer: _mvds, L.AppLayer: _app, L.ChatLayer: _chat,
           L.MembershipLayer: _membership, L.AcceptLayer: _accept, L.ContactLayer: _contact, L.ActionLayer: _action, L.CommandLayer: _command,
           L.OtherLayer: _other}  # fmt: skip
