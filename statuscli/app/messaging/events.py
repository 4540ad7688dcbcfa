"""The events ``listen`` and ``mailserver fetch`` print (one JSON object per line), and their text form.

Every event has ``type`` and ``cursor`` (its place in the account's event log: ``listen --since``).
Events that come from an envelope carry it whole, so it can be fed to ``envelope inspect``:
``envelope`` (0x… WakuMessage bytes), ``hash``, ``pubsub_topic``, ``content_topic``, ``timestamp`` (ns).

=================  ===============================================================================
type               other keys
=================  ===============================================================================
message            ``id``, ``chat`` {kind, id[, name]}, ``from``, ``from_compressed``, ``clock``,
                   ``sent_at`` (ms), ``content_type``, ``text``, [``response_to``, ``sticker``,
                   ``image``/``audio`` {format/type, size, data}], ``layers``
contact_request    same keys as ``message`` (content type CONTACT_REQUEST)
contact_request_   ``id``, ``request_id`` (the request accepted), ``our_request`` (we sent it),
accepted           ``chat``, ``from``, ``from_compressed``, ``clock`` — AcceptContactRequest
delivered          ``id`` (our message), ``to`` (peer key): the peer's MVDS acknowledged it
bundle             ``from``, ``installations``, ``new_installations`` — a peer's prekey bundle
group              ``group`` {chat_id, name, members, admins, …}, ``new_events``, ``from``
application        ``from``, ``id``, ``amm_type`` — a valid message of a type we do not act on
undecryptable      ``layer`` (where it stopped), ``reason`` {code, message}
expired            ``mvds_id``, ``to`` — a message given up on after 16 transmissions
gap                ``from``, ``to`` (ns), ``reason`` {code, message} — a range no store could fetch
=================  ===============================================================================
"""

from __future__ import annotations

import time

MESSAGE_TYPES = ("message", "contact_request")
#: what ``listen --count`` counts: messages, and answers to our contact requests
COUNTED_TYPES = MESSAGE_TYPES + ("contact_request_accepted",)


def hx(b: bytes | None) -> str | None:
    return None if b is None else "0x" + bytes(b).hex()


def envelope_fields(raw: bytes, pubsub_topic: str, msg, h: bytes) -> dict:
    return {"hash": hx(h), "pubsub_topic": pubsub_topic, "content_topic": msg.content_topic if msg is not None else None,
            "timestamp": msg.timestamp if msg is not None else None, "envelope": hx(raw)}  # fmt: skip


def undecryptable(base: dict, layer: str, code: str, message: str) -> dict:
    return {"type": "undecryptable", "layer": layer, "reason": {"code": code, "message": message}, **base}


def short(key_hex: str | None) -> str:
    if not key_hex:
        return "?"
    try:
        from statuscli.core.identity.keytext import compressed_key

        return compressed_key(bytes.fromhex(key_hex[2:]))
    except Exception:
        return key_hex[:12] + "…"


def text_line(ev: dict, names: dict[str, str] | None = None) -> str:
    """One line for people."""
    names = names or {}
    t = ev.get("type")

    def who(k: str | None) -> str:
        return names.get(k or "", None) or short(k)

    when = ""
    ts = ev.get("sent_at")
    if ts:
        when = time.strftime("%H:%M:%S", time.localtime(ts / 1000)) + " "
    if t in MESSAGE_TYPES:
        chat = ev.get("chat") or {}
        where = ""
        if chat.get("kind") == "public":
            where = f"#{chat.get('id')} "
        elif chat.get("kind") == "group":
            where = f"[{chat.get('name') or chat.get('id', '')[:8]}] "
        body = ev.get("text") or ""
        ct = ev.get("content_type")
        if ct == "STICKER":
            body = f"(sticker {ev.get('sticker', {}).get('hash', '')})"
        elif ct in ("IMAGE", "AUDIO"):
            body = f"({ct.lower()}, {ev.get(ct.lower(), {}).get('size', 0)} bytes) {ev.get('text') or ''}".rstrip()
        tag = "contact request from " if t == "contact_request" else ""
        reply = f" (reply to {ev['response_to'][:10]}…)" if ev.get("response_to") else ""
        return f"{when}{where}{tag}{who(ev.get('from'))}: {body}{reply}"
    if t == "contact_request_accepted":
        return f"{who(ev.get('from'))} accepted {'our' if ev.get('our_request') else 'a'} contact request ({(ev.get('request_id') or '')[:10]}…)"
    if t == "delivered":
        return f"delivered {ev.get('id', '')[:10]}… to {who(ev.get('to'))}"
    if t == "bundle":
        return f"bundle from {who(ev.get('from'))} ({len(ev.get('installations') or [])} installation(s))"
    if t == "group":
        g = ev.get("group") or {}
        return f"group {g.get('name')!r}: {len(g.get('members') or [])} member(s), {ev.get('new_events')} new event(s)"
    if t == "undecryptable":
        r = ev.get("reason") or {}
        return f"undecryptable envelope {(ev.get('hash') or '')[:10]}… at {ev.get('layer')}: {r.get('message')}"
    if t == "expired":
        return f"gave up on {ev.get('mvds_id', '')[:10]}… to {who(ev.get('to'))}: {ev.get('reason')}"
    if t == "gap":
        span = ((ev.get("to") or 0) - (ev.get("from") or 0)) / 1e9
        return f"gap of {span:.0f} s not caught up ({(ev.get('reason') or {}).get('message')}): kept, retried by the next listen or fetch"
    if t == "application":
        return f"{who(ev.get('from'))}: {ev.get('amm_type')} message"
    return str(ev)
