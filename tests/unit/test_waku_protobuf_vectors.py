"""The waku.json 'protobuf' vectors for the request/response protocols, against protos/waku_*.proto.

(The WakuMessage ones are in test_waku_message.py.) Each message is built from the vector's
inputs with the generated classes and must serialise to exactly the vector's bytes — explicit
presence included (nwaku's required fields) — and parse back to the same values.
"""

from __future__ import annotations

import pytest

from statuscli.pb import waku_filter_pb2 as F
from statuscli.pb import waku_lightpush_pb2 as L
from statuscli.pb import waku_metadata_pb2 as MD
from statuscli.pb import waku_peer_exchange_pb2 as PX
from statuscli.pb import waku_store_pb2 as S
from tests.conftest import vectors

H = bytes.fromhex


def build(desc: str, i: dict):
    if desc == "FilterSubscribeRequest SUBSCRIBE":
        return F.FilterSubscribeRequest(request_id=i["request_id"], filter_subscribe_type=i["type"], pubsub_topic=i["pubsub_topic"],
                                        content_topics=i["content_topics"])
    if desc.startswith("FilterSubscribeRequest SUBSCRIBER_PING"):
        return F.FilterSubscribeRequest(request_id=i["request_id"])  # proto3-canonical: type 0 omitted
    if desc.startswith("FilterSubscribeResponse"):
        return F.FilterSubscribeResponse(request_id=i["request_id"], status_code=i["status_code"], status_desc=i["status_desc"])
    if desc.startswith("LightpushRequest v3"):
        return L.LightPushRequestV3(request_id=i["request_id"], pubsub_topic=i["pubsub_topic"], message=H(i["message_hex"]))
    if desc.startswith("LightPushResponse v3"):
        return L.LightPushResponseV3(request_id=i["request_id"], status_code=i["status_code"], relay_peer_count=i["relay_peer_count"])
    if desc.startswith("legacy PushRPC with PushRequest"):
        return L.PushRpc(request_id=i["request_id"], request=L.PushRequest(pubsub_topic=i["pubsub_topic"], message=H(i["message_hex"])))
    if desc.startswith("legacy PushRPC with PushResponse"):
        return L.PushRpc(request_id=i["request_id"], response=L.PushResponse(is_success=i["is_success"], info=i["info"]))
    if desc.startswith("StoreQueryRequest"):
        return S.StoreQueryRequest(request_id=i["request_id"], include_data=i["include_data"],
                                   message_hashes=[H(h) for h in i["message_hashes"]], pagination_forward=i["pagination_forward"])
    if desc.startswith("StoreQueryResponse"):
        (m,) = i["messages"]
        return S.StoreQueryResponse(request_id=i["request_id"], status_code=i["status_code"], status_desc=i["status_desc"],
                                    messages=[S.WakuMessageKeyValue(message_hash=H(i["pagination_cursor"]),  # the vector elides it; same hash
                                                                    message=H(m["message_hex"]), pubsub_topic=m["pubsub_topic"])],
                                    pagination_cursor=H(i["pagination_cursor"]))
    if desc.startswith("WakuMetadataRequest"):
        return MD.WakuMetadataRequest(cluster_id=i["cluster_id"], shards=i["shards"])
    if desc.startswith("PeerExchangeRpc request"):
        return PX.PeerExchangeRPC(query=PX.PeerExchangeQuery(num_peers=i["num_peers"]), response=PX.PeerExchangeResponse(status_code=0))
    raise AssertionError(f"no builder for {desc!r}")


@pytest.mark.parametrize("v", vectors("waku.json", "protobuf", "protobuf_rpc"), ids=lambda v: v["description"][:45])
def test_rpc_vectors(v):
    msg = build(v["description"], v["inputs"])
    raw = msg.SerializeToString()
    assert raw.hex() == v["expected"]["bytes_hex"]
    assert type(msg).FromString(raw) == msg
