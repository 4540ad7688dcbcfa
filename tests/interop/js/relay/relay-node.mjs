// A js-waku relay node (@waku/sdk 0.0.27 + @waku/relay 0.0.14: libp2p 1.9, gossipsub 13.2 with
// StrictNoSign, message id sha256(data), codec /vac/waku/relay/2.0.0) over TCP.
//
// usage: node relay-node.mjs [--dial MULTIADDR]... [--listen MULTIADDR] [options]
//   --cluster N --shard N       the one pubsub topic /waku/2/rs/<cluster>/<shard>
//   --content-topic T --name S  published payloads are "<name>-<i>"
//   --publish N                 how many messages to publish once meshed
//   --expect N                  wait until N messages not published by us have arrived
//   --go-on-stdin               after meshing, wait for one line on stdin before publishing
//                               (lets a test line several nodes up first)
//   --muxer yamux|mplex --mesh-timeout S --timeout S
//
// stderr progress: {"event":"listening","multiaddrs":[...]}, {"event":"meshed","mesh":[...]},
// {"event":"received","payload":...}. stdout: one result line
// {ok, meshed, mesh, published:[...], received:[{payload, content_topic, pubsub_topic, hash}], peers}.
import { createRelayNode } from '@waku/sdk/relay'
import { createEncoder, createDecoder } from '@waku/sdk'
import { messageHash } from '@waku/message-hash'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@chainsafe/libp2p-yamux'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import {
  errorText, failOnCrash, nextStdinLine, parseOptions, progress, sleep, startWatchdog, stopAndFinish, toHex, waitFor
} from '../common.mjs'

const opts = parseOptions({
  dial: { type: 'string', multiple: true, default: [] },
  listen: { type: 'string' },
  cluster: { type: 'string', default: '16' },
  shard: { type: 'string', default: '32' },
  'content-topic': { type: 'string', default: '/statuscli-interop/1/relay/proto' },
  name: { type: 'string', default: 'js-relay' },
  publish: { type: 'string', default: '3' },
  expect: { type: 'string', default: '0' },
  'go-on-stdin': { type: 'boolean', default: false },
  muxer: { type: 'string', default: 'yamux' },
  'mesh-timeout': { type: 'string', default: '15' },
  timeout: { type: 'string', default: '40' }
})

const pubsubTopic = `/waku/2/rs/${opts.cluster}/${opts.shard}`
const result = { ok: false, name: opts.name, pubsub_topic: pubsubTopic, published: [], received: [] }
startWatchdog(Number(opts.timeout), () => result)
failOnCrash(() => result)

const node = await createRelayNode({
  networkConfig: { clusterId: Number(opts.cluster), shards: [Number(opts.shard)] },
  libp2p: {
    addresses: { listen: opts.listen ? [opts.listen] : [] },
    transports: [tcp()],
    streamMuxers: opts.muxer === 'mplex' ? [mplex()] : [yamux(), mplex()],
    filterMultiaddrs: false,
    hideWebSocketInfo: true
  }
})
await node.start()
const gossipsub = node.relay.gossipSub
result.peer_id = node.libp2p.peerId.toString()
result.multiaddrs = node.libp2p.getMultiaddrs().map(String)
result.relay_codecs = gossipsub.multicodecs
result.signature_policy = gossipsub.globalSignaturePolicy
progress('listening', { peer_id: result.peer_id, multiaddrs: result.multiaddrs })

const contentTopic = opts['content-topic']
const encoder = createEncoder({ contentTopic, pubsubTopic })
const decoder = createDecoder(contentTopic, pubsubTopic)
const own = `${opts.name}-`
const expect = Number(opts.expect)
node.relay.subscribe([decoder], (msg) => {
  const payload = Buffer.from(msg.payload).toString()
  const entry = {
    payload,
    content_topic: msg.contentTopic,
    pubsub_topic: msg.pubsubTopic,
    // The hash of the message as received. Hashing the DecodedMessage itself would use its
    // timestamp getter, a Date: whole milliseconds only (see docs/interop.md).
    hash: toHex(messageHash(msg.pubsubTopic, msg.proto)),
    hash_of_decoded: toHex(messageHash(msg.pubsubTopic, msg))
  }
  result.received.push(entry)
  progress('received', entry)
})

result.dial_errors = []
for (const addr of opts.dial) {
  try {
    await node.libp2p.dial(multiaddr(addr))
  } catch (err) {
    result.dial_errors.push({ addr, error: errorText(err) })
  }
}

const mesh = () => gossipsub.getMeshPeers(pubsubTopic).map(String)
result.meshed = Boolean(await waitFor(() => mesh().length > 0, Number(opts['mesh-timeout']) * 1000, 100))
result.mesh = mesh()
progress('meshed', { meshed: result.meshed, mesh: result.mesh })

if (opts['go-on-stdin']) {
  const line = await nextStdinLine()
  progress('go', { line })
}

for (let i = 0; i < Number(opts.publish); i++) {
  const payload = `${own}${i}`
  try {
    const res = await node.relay.send(encoder, { payload: Buffer.from(payload) })
    result.published.push({ payload, recipients: res.successes.map(String), failures: res.failures })
  } catch (err) {
    result.published.push({ payload, recipients: [], failures: [errorText(err)] })
  }
  await sleep(50)
}
progress('published', { count: result.published.length })

const fromOthers = () => result.received.filter((m) => !m.payload.startsWith(own)).length
if (expect > 0) await waitFor(() => fromOthers() >= expect, Number(opts.timeout) * 1000, 50)
// Stay a moment so that what we published leaves the socket before we hang up.
await sleep(500)

result.mesh = mesh()
result.peers = node.libp2p.getPeers().map(String)
result.ok = result.meshed && fromOthers() >= expect
await stopAndFinish(node, result)
