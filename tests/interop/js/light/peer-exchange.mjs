// A js-waku light node (@waku/sdk 0.0.36) whose only bootstrap peer is one of our nodes and whose
// peer-exchange discovery (the sdk's `discovery: { peerExchange: true }`, i.e. @waku/discovery's
// wakuPeerExchangeDiscovery) must find another of our nodes through it.
//
// usage: node --import ../node20-polyfill.mjs peer-exchange.mjs --bootstrap MULTIADDR --expect PEER_ID
//   --cluster N      the node's cluster (default 16)
//   --timeout S      watchdog for the whole run
//
// Nothing is dialed by hand: the sdk's bootstrap discovery dials --bootstrap, js-waku's peer
// exchange asks it on identify, and js-waku's discovery dialer dials what it learns. The run ends
// as soon as --expect is connected (or at the watchdog). The single stdout line is the result:
// {ok, discovered: [{peer_id, multiaddrs}], connected: [...], expected: {peer store view}, ...}.
import { createLightNode } from '@waku/sdk'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@chainsafe/libp2p-yamux'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { failOnCrash, finish, parseOptions, progress, startWatchdog, stopAndFinish, toHex, waitFor } from '../common.mjs'

const opts = parseOptions({
  bootstrap: { type: 'string' },
  expect: { type: 'string' },
  cluster: { type: 'string', default: '16' },
  timeout: { type: 'string', default: '40' }
})
if (!opts.bootstrap || !opts.expect) {
  finish({ ok: false, error: '--bootstrap MULTIADDR and --expect PEER_ID are required' }, 2)
}

const discovered = []
const connected = []
const result = { ok: false, discovered, connected }
startWatchdog(Number(opts.timeout), () => result)
failOnCrash(() => result)

const bootstrapId = multiaddr(opts.bootstrap).getPeerId()
const expectId = peerIdFromString(opts.expect)

const node = await createLightNode({
  networkConfig: { clusterId: Number(opts.cluster) },
  defaultBootstrap: false,
  bootstrapPeers: [opts.bootstrap],
  discovery: { dns: false, peerExchange: true, peerCache: false },
  libp2p: { transports: [tcp()], streamMuxers: [yamux(), mplex()], filterMultiaddrs: false, hideWebSocketInfo: true }
})
result.peer_id = node.libp2p.peerId.toString()

node.libp2p.addEventListener('peer:discovery', (event) => {
  const entry = { peer_id: event.detail.id.toString(), multiaddrs: event.detail.multiaddrs.map(String) }
  discovered.push(entry)
  progress('discovered', entry)
})
node.libp2p.addEventListener('peer:connect', (event) => {
  connected.push(event.detail.toString())
  progress('connected', { peer_id: event.detail.toString() })
})
await node.start()
progress('started', { peer_id: result.peer_id, bootstrap: bootstrapId })

const reached = await waitFor(() => node.libp2p.getConnections(expectId).length > 0, Number(opts.timeout) * 1000)

async function peerRecord (id) {
  try { return await node.libp2p.peerStore.get(id) } catch { return undefined }
}
const record = await peerRecord(expectId)
result.expected = {
  connected: Boolean(reached),
  connections: node.libp2p.getConnections(expectId).map((c) => c.remoteAddr.toString()),
  in_peer_store: record !== undefined,
  tags: record ? [...record.tags.keys()] : [],
  addresses: record ? record.addresses.map((a) => a.multiaddr.toString()) : [],
  shard_info: record?.metadata.get('shardInfo') ? toHex(record.metadata.get('shardInfo')) : null
}
result.bootstrap_connected = node.libp2p.getConnections(peerIdFromString(bootstrapId)).length > 0
result.ok = true
await stopAndFinish(node, result)
