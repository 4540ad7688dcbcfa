"""Checks for the shared ``waku.json`` ``protobuf_rpc`` vectors: the request/response messages of
filter, lightpush (v3 and legacy), store v3, metadata and peer exchange, against the generated
classes of ``protos/waku_*.proto``.

Each message is built from the vector's inputs, must serialise to exactly the vector's bytes
(explicit presence included, as nwaku writes it) and parse back to the same message. The
vectors name their message only in the description, so that is what selects the builder; a
description we do not know is reported as not checked (skipped), never as passed.
"""

from __future__ import annotations

from statuscli.app.vectors.checking import Mismatch, NotChecked, expect, h
from statuscli.core.protobuf_codec import parse


def _elided(short: str, full: bytes) -> bytes:
    """A hash the vector abbreviates as ``cccab07f...fd37``: take it from the bytes if it matches."""
    head, _, tail = short.partition("...")
    if not (full.hex().startswith(head) and full.hex().endswith(tail)):
        raise Mismatch(f"message_hash: got {full.hex()}, expected {short}")
    return full


def _hash(given: str, parsed: bytes) -> bytes:
    return _elided(given, parsed) if "..." in given else h(given)


def _build(desc: str, i: dict, raw: bytes):
    from statuscli.pb import waku_filter_pb2 as F
    from statuscli.pb import waku_lightpush_pb2 as L
    from statuscli.pb import waku_metadata_pb2 as MD
    from statuscli.pb import waku_peer_exchange_pb2 as PX
    from statuscli.pb import waku_store_pb2 as S

    if desc == "FilterSubscribeRequest SUBSCRIBE":
        return F.FilterSubscribeRequest(request_id=i["request_id"], filter_subscribe_type=i["type"], pubsub_topic=i["pubsub_topic"],
                                        content_topics=i["content_topics"])
    if desc.startswith("FilterSubscribeRequest SUBSCRIBER_PING"):
        return F.FilterSubscribeRequest(request_id=i["request_id"])  # proto3-canonical: type 0 is not written
    if desc.startswith("FilterSubscribeResponse"):
        return F.FilterSubscribeResponse(request_id=i["request_id"], status_code=i["status_code"], status_desc=i["status_desc"])
    if desc.startswith("LightpushRequest v3"):
        return L.LightPushRequestV3(request_id=i["request_id"], pubsub_topic=i["pubsub_topic"], message=h(i["message_hex"]))
    if desc.startswith("LightPushResponse v3"):
        return L.LightPushResponseV3(request_id=i["request_id"], status_code=i["status_code"], relay_peer_count=i["relay_peer_count"])
    if desc.startswith("legacy PushRPC with PushRequest"):
        return L.PushRpc(request_id=i["request_id"], request=L.PushRequest(pubsub_topic=i["pubsub_topic"], message=h(i["message_hex"])))
    if desc.startswith("legacy PushRPC with PushResponse"):
        return L.PushRpc(request_id=i["request_id"], response=L.PushResponse(is_success=i["is_success"], info=i["info"]))
    if desc.startswith("StoreQueryRequest"):
        return S.StoreQueryRequest(request_id=i["request_id"], include_data=i["include_data"],
                                   message_hashes=[h(x) for x in i["message_hashes"]], pagination_forward=i["pagination_forward"])
    if desc.startswith("StoreQueryResponse"):
        parsed = parse(S.StoreQueryResponse, raw, "StoreQueryResponse")
        if len(parsed.messages) != len(i["messages"]):
            raise Mismatch(f"messages: got {len(parsed.messages)}, expected {len(i['messages'])}")
        kvs = [S.WakuMessageKeyValue(message_hash=_hash(m["message_hash"], p.message_hash), message=h(m["message_hex"]),
                                     pubsub_topic=m["pubsub_topic"])
               for m, p in zip(i["messages"], parsed.messages)]
        return S.StoreQueryResponse(request_id=i["request_id"], status_code=i["status_code"], status_desc=i["status_desc"], messages=kvs,
                                    pagination_cursor=h(i["pagination_cursor"]))
    if desc.startswith("WakuMetadataRequest"):
        return MD.WakuMetadataRequest(cluster_id=i["cluster_id"], shards=i["shards"])
    if desc.startswith("PeerExchangeRpc request"):
        return PX.PeerExchangeRPC(query=PX.PeerExchangeQuery(num_peers=i["num_peers"]), response=PX.PeerExchangeResponse(status_code=0))
    raise NotChecked(f"no statuscli message matches {desc!r}")


def protobuf_rpc(v: dict) -> None:
    from statuscli.core.errors import DecodeError

    raw = h(v["expected"]["bytes_hex"])
    try:
        msg = _build(v["description"], v["inputs"], raw)
        parsed = parse(type(msg), raw, type(msg).__name__)
    except DecodeError as e:
        raise Mismatch(f"bytes_hex does not parse as the message: {e.message}") from None
    expect("bytes_hex", msg.SerializeToString().hex(), v["expected"]["bytes_hex"])
    expect("parsed message", parsed, msg)


CHECKS = {("protobuf", "protobuf_rpc"): protobuf_rpc}
