"""Protocol ids spoken by the Waku v2 node (spec/waku-protocol.md §0). Cheap to import."""

from __future__ import annotations

RELAY = "/vac/waku/relay/2.0.0"
STORE_V3 = "/vac/waku/store-query/3.0.0"
FILTER_SUBSCRIBE = "/vac/waku/filter-subscribe/2.0.0-beta1"
FILTER_PUSH = "/vac/waku/filter-push/2.0.0-beta1"
LIGHTPUSH_V3 = "/vac/waku/lightpush/3.0.0"
LIGHTPUSH_V2 = "/vac/waku/lightpush/2.0.0-beta1"
METADATA = "/vac/waku/metadata/1.0.0"
PEER_EXCHANGE = "/vac/waku/peer-exchange/2.0.0-alpha1"
#: libp2p rendezvous (the spec's id; go-waku and nwaku up to v0.37 serve it under this id).
RENDEZVOUS = "/rendezvous/1.0.0"
IDENTIFY = "/ipfs/id/1.0.0"
IDENTIFY_PUSH = "/ipfs/id/push/1.0.0"
PING = "/ipfs/ping/1.0.0"

#: Human names for the ids above (used by ``node probe`` and ``node status``).
NAMES = {
    RELAY: "relay",
    STORE_V3: "store",
    FILTER_SUBSCRIBE: "filter",
    FILTER_PUSH: "filter-push",
    LIGHTPUSH_V3: "lightpush",
    LIGHTPUSH_V2: "lightpush-v2",
    METADATA: "metadata",
    PEER_EXCHANGE: "peer-exchange",
    RENDEZVOUS: "rendezvous",
    IDENTIFY: "identify",
    IDENTIFY_PUSH: "identify-push",
    PING: "ping",
}
