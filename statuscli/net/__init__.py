"""statuscli.net — the Waku v2 node on py-libp2p (trio). Importing this package is free; every
module below except ``codecs``, ``control_client``, ``control_codec``, ``runner`` and ``node_config``
(those two import only trio) imports py-libp2p (1.5–3 s): import them inside the functions that
need them.

Modules:
  compat          every py-libp2p 0.8.1 work-around (drift-tested in tests/net/test_compat_drift.py)
  host            the libp2p host: secp256k1 key, TCP + WebSocket, Noise, yamux + mplex, identify, ping
  streams         length-prefixed request/response framing and the handler wrapper (counted drops)
  relay           11/WAKU2-RELAY (gossipsub /vac/waku/relay/2.0.0, StrictNoSign, validation)
  lightpush       19/WAKU2-LIGHTPUSH v3 + legacy v2, service and client
  filter          12/WAKU2-FILTER v2 service; filter_client: the client side and push handler
  store_protocol  13/WAKU2-STORE v3 service (over statuscli.store.archive) and client
  metadata        66/WAKU2-METADATA; peer_exchange: 34/WAKU2-PEER-EXCHANGE and the ENR cache
  node            WakuNode (async context manager) composing all of the above; node_config: modes
  control_server  JSON-RPC 2.0 on a Unix socket; control_client: the libp2p-free client
  runner          trio.run with typed errors unwrapped from exception groups
  stats           counters (every drop is counted and logged)
"""
