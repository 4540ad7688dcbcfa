"""JSON ↔ values for the control socket (no libp2p, no trio). Bytes are ``0x`` hex.

A message in ``publish`` params is either ``{"data": "0x<WakuMessage bytes>"}`` (sent as is) or
``{"message": {"payload": "0x…" | "payload_text": "…", "content_topic": "…", "timestamp": ns?,
"version": n?, "meta": "0x…"?, "ephemeral": bool?}}``; a missing timestamp is "now".
"""

from __future__ import annotations

from statuscli.core.encoding import from_hex
from statuscli.core.errors import InvalidInput
from statuscli.core.waku.message import WakuMessage


def _hex(value, what: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a 0x-hex string")
    return from_hex(value, what=what)


def message_from_params(p: dict, *, now_ns: int) -> WakuMessage | bytes:
    if p.get("data") is not None:
        return _hex(p["data"], "data")
    m = p.get("message")
    if not isinstance(m, dict):
        raise InvalidInput("publish needs 'message' (an object) or 'data' (0x-hex WakuMessage bytes)")
    if m.get("payload_text") is not None:
        payload = str(m["payload_text"]).encode("utf-8")
    else:
        payload = _hex(m.get("payload", ""), "payload") if m.get("payload") else b""
    ct = m.get("content_topic")
    if not isinstance(ct, str) or not ct:
        raise InvalidInput("message.content_topic is required")
    ts = m.get("timestamp")
    if ts is None:
        ts = now_ns
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise InvalidInput("message.timestamp must be an integer (Unix nanoseconds)")
    version = m.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise InvalidInput("message.version must be an integer")
    meta = _hex(m["meta"], "meta") if m.get("meta") else None
    eph = m.get("ephemeral")
    if eph is not None and not isinstance(eph, bool):
        raise InvalidInput("message.ephemeral must be true or false")
    return WakuMessage(payload=payload, content_topic=ct, version=version, timestamp=ts, meta=meta, ephemeral=eph)


def message_to_json(m) -> dict:
    """A received message (``RelayMessage``): topic, hash, decoded fields and exact bytes."""
    return {
        "pubsub_topic": m.pubsub_topic,
        "hash": "0x" + m.hash.hex(),
        "message": m.message.to_json(),
        "data": "0x" + m.data.hex(),
    }


def parse_criteria(p: dict) -> dict:
    """Store query criteria from control params."""
    out: dict = {}
    if p.get("pubsub_topic"):
        out["pubsub_topic"] = str(p["pubsub_topic"])
    cts = p.get("content_topics") or []
    if not isinstance(cts, list) or not all(isinstance(c, str) for c in cts):
        raise InvalidInput("content_topics must be a list of strings")
    out["content_topics"] = cts
    for k, lo, hi in (("time_start", -(2**63), 2**63 - 1), ("time_end", -(2**63), 2**63 - 1), ("limit", 0, 2**64 - 1)):
        v = p.get(k)
        if v is not None:
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise InvalidInput(f"{k} must be an integer from {lo} to {hi}")
            out[k] = v
    hashes = p.get("hashes") or []
    if not isinstance(hashes, list):
        raise InvalidInput("hashes must be a list of 0x-hex strings")
    out["hashes"] = [_hex(h, "hash") for h in hashes]
    if p.get("cursor"):
        out["cursor"] = _hex(p["cursor"], "cursor")
    out["forward"] = bool(p.get("forward", False))
    out["include_data"] = bool(p.get("include_data", True))
    return out
