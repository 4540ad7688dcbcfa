"""Reactions, edits, deletes and pins (core.payloads.actions): sending them, and applying received ones.

Receiving (inside the envelope's transaction, called by the incoming handler):

* the chat is the one the action names, as for a chat message: 1:1 → the signer's chat; public →
  the channel; group → a group we know whose member the signer is (else refused);
* the target is looked up among stored messages. An **edit or a delete from anyone but the
  target's author is refused** and reported (``undecryptable`` at layer ``message-action``, code
  ``not-the-author``); an edit replaces the stored text, a delete empties it. A target we have
  not seen is still reported (``target_known: false``): its author cannot be checked yet;
* the event is ``reaction`` / ``edited`` / ``deleted`` / ``pinned`` with ``target``, ``chat`` and
  ``from`` (the identity that signed the action).

Sending: :func:`send` wraps the action like a chat message (signed application message of its own
type) and sends it the way the chat sends messages — 1:1 and groups pairwise through MVDS, public
channels on the channel's topic. ``delete --for-me`` sends nothing: the message is emptied here
and a ``deleted`` event (``for_me: true``) is logged.
"""

from __future__ import annotations

from statuscli.app.messaging import events as ev
from statuscli.core.crypto import secp256k1
from statuscli.core.payloads import actions as codec
from statuscli.core.payloads import chat as chat_payload
from statuscli.store import chats as chat_store
from statuscli.store import messages as msg_store

EVENT_TYPE = {codec.Reaction: "reaction", codec.Edit: "edited", codec.Delete: "deleted", codec.Pin: "pinned"}


def _key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


def _target(conn, message_id: str) -> tuple[str, str, bytes] | None:
    """(chat kind, chat id, author 65-byte key) of a stored message."""
    r = conn.execute("SELECT chat_kind, chat_id, sender FROM msg_messages WHERE id = ?", (bytes.fromhex(message_id[2:]),)).fetchone()
    return (r[0], r[1], bytes(r[2])) if r else None


def details(a: codec.Action) -> dict:
    if isinstance(a, codec.Reaction):
        return {"emoji": a.emoji_name.lower().replace("_", "-"), "retracted": a.retracted}
    if isinstance(a, codec.Edit):
        return {"text": a.text}
    if isinstance(a, codec.Delete):
        return {"for_me": False}
    return {"pinned": a.pinned}


def apply_received(handler, layer, app, layers: list[str]) -> list:
    """Inside the envelope's transaction: check, apply and report one received action."""
    from statuscli.app.messaging import groups

    conn, a = handler.conn, layer.action
    sender = _key_text(app.signer)
    refuse = lambda code, why: [ev.Undecryptable("message-action", code, why, handler.env)]  # noqa: E731
    if a.message_type == chat_payload.ONE_TO_ONE:
        chat = {"kind": "one-to-one", "id": sender}
    elif a.message_type == chat_payload.PUBLIC_GROUP:
        chat = {"kind": "public", "id": a.chat_id}
    elif a.message_type == chat_payload.PRIVATE_GROUP:
        if a.chat_id not in {cid for cid, _ in chat_store.groups(conn)}:
            return refuse("unknown-group", f"an action in a group we do not know ({a.chat_id[:12]}…)")
        g = groups.load(handler.account, a.chat_id)
        if sender not in g.members:
            return refuse("not-a-member", "the sender is not a member of the group")
        chat = {"kind": "group", "id": a.chat_id, "name": g.name}
    else:
        return refuse("unsupported-chat", f"message type {a.message_type} is not supported")
    target = _target(conn, a.message_id)
    extra = details(a)
    if target is not None and isinstance(a, (codec.Edit, codec.Delete)):
        if target[2] != secp256k1.decompress(app.signer):
            what = "edit" if isinstance(a, codec.Edit) else "delete"
            return refuse("not-the-author", f"a {what} of {a.message_id[:10]}… by {sender[:12]}…, who did not write it")
        _rewrite(conn, a)
    handler.store_action(app, chat["kind"], chat["id"], a.clock, extra.get("text", ""))
    extra["target_known"] = target is not None
    return [ev.MessageAction(EVENT_TYPE[type(a)], ev.hx(app.id), a.message_id, chat, sender, a.clock, extra, tuple(layers), handler.env)]


def _rewrite(conn, a) -> None:
    text = a.text if isinstance(a, codec.Edit) else ""
    conn.execute("UPDATE msg_messages SET text = ? WHERE id = ?", (text, bytes.fromhex(a.message_id[2:])))


# --- sending ---------------------------------------------------------------------------------------
def send(messenger, chat_kind: str, chat_id: str, make) -> object:
    """Send the action ``make(clock) -> Action`` to a chat (``one-to-one``: chat_id is the peer's
    0x04… key; ``public``: the channel; ``group``: its chat id); returns the messenger's ``Sent``."""
    from statuscli.app.messaging import groups

    m = messenger
    if chat_kind == "one-to-one":
        peer = secp256k1.decompress(bytes.fromhex(chat_id[2:]))
        return m._send_pairwise([peer], "one-to-one", chat_id, lambda clock: codec.encode(make(clock))[1], _type(make), "")
    if chat_kind == "group":
        members = groups.recipients(m.account, groups.load(m.account, chat_id))
        return m._send_pairwise(members, "group", chat_id, lambda clock: codec.encode(make(clock))[1], _type(make), "")
    return _send_public(m, chat_id, make)


def _type(make) -> int:
    return codec.encode(make(0))[0]


def _send_public(m, channel: str, make):
    from statuscli.app.messaging import topics
    from statuscli.app.messaging.messenger import Sent
    from statuscli.app.messaging.waku_layer import seal_all
    from statuscli.app.secure_bundles import _own_bundle
    from statuscli.core.encryption import ProtocolMessage
    from statuscli.app.messaging.content import wrap
    from statuscli.core.payloads.clock import next_clock

    conn, acct, now = m.account.db, m.account, m.now_ms()
    topic = topics.public(conn, channel)
    with m._tx():
        clock, _ = next_clock(chat_store.last_clock(conn, channel), now)
        chat_store.set_clock(conn, channel, clock)
        amm_type, body = codec.encode(make(clock))
        wrapped, mid = wrap(body, amm_type, acct.chat_private_key, acct.chat_public_key)
        msg_store.add_message(conn, message_id=mid, direction="out", chat_kind="public", chat_id=channel, sender=acct.chat_public_key,
                              amm_type=amm_type, clock=clock, timestamp_ms=now, text="", envelope=None, now_ms=now)  # fmt: skip
        bundle, _ = _own_bundle(conn, acct, now, m.rng)
    pm = ProtocolMessage(acct.installation_id, (bundle,), {}, wrapped).encode()
    envs = seal_all(pm, topic, signing_key=acct.chat_private_key, now_ns=m.now_ns(), rng=m.rng)
    return Sent(mid, "public", channel, envs, [{"channel": channel, "topic": "public", "content_topic": topic.content_topic}])


def delete_for_me(messenger, message_id: str) -> dict:
    """Empty a stored message here only and log a ``deleted`` event (``for_me``); nothing is sent."""
    from statuscli.core.errors import NotFound
    from statuscli.store.db import transaction

    conn = messenger.account.db
    with transaction(conn):
        target = _target(conn, message_id)
        if target is None:
            raise NotFound(f"no stored message {message_id}")
        _rewrite(conn, codec.Delete(0, target[1], message_id, 0))
        e = ev.MessageAction("deleted", message_id, message_id, {"kind": target[0], "id": target[1]}, _key_text(messenger.account.chat_public_key),
                             0, {"for_me": True, "target_known": True}, (), None).to_json()  # fmt: skip
        e["cursor"] = msg_store.append_event(conn, e, messenger.now_ms())
    return e
