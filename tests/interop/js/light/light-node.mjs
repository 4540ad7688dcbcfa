// A js-waku light node (@waku/sdk 0.0.36) that uses one service node for lightpush, filter and store.
//
// usage: node --import ../node20-polyfill.mjs light-node.mjs --dial MULTIADDR [options]
//   --transport tcp-yamux | tcp-mplex | ws-default   (ws-default = js-waku's own libp2p stack:
//                                                      websockets + mplex + noise)
//   --cluster N --shard N        static sharding: pubsub topic /waku/2/rs/<cluster>/<shard>
//   --content-topic T --tag S    payloads are "<tag>-<i>"
//   --count N                    lightpush v3 messages (then one over lightpush v2 with --legacy)
//   --page-size N                store page size (both directions)
//   --steps a,b,c                any of filter,lightpush,unsubscribe,store (default: all)
//   --wait S --timeout S         waitForPeers bound, and the watchdog for the whole run
//
// Each step records what js-waku observed; no step throws. The single stdout line is the result:
// {ok, connection, shard_info, filter: {...}, lightpush: [...], store: {...}, ...}. The tests decide
// what is a pass, so the same driver serves the refusal test (another cluster or shard).
import { createLightNode, Protocols, waku as core } from '@waku/sdk'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@chainsafe/libp2p-yamux'
import { mplex } from '@libp2p/mplex'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  errorText, failOnCrash, finish, parseOptions, progress, sleep, startWatchdog, stopAndFinish, toHex, waitFor
} from '../common.mjs'

const opts = parseOptions({
  dial: { type: 'string' },
  transport: { type: 'string', default: 'tcp-yamux' },
  cluster: { type: 'string', default: '16' },
  shard: { type: 'string', default: '32' },
  'content-topic': { type: 'string', default: '/statuscli-interop/1/light/proto' },
  tag: { type: 'string', default: 'js-light' },
  count: { type: 'string', default: '5' },
  'page-size': { type: 'string', default: '2' },
  legacy: { type: 'boolean', default: false },
  steps: { type: 'string', default: 'filter,lightpush,unsubscribe,store' },
  wait: { type: 'string', default: '10' },
  timeout: { type: 'string', default: '45' }
})
if (!opts.dial) {
  finish({ ok: false, error: '--dial MULTIADDR is required' }, 2)
}

const result = { ok: false, transport: opts.transport, steps: opts.steps.split(',') }
startWatchdog(Number(opts.timeout), () => result)
failOnCrash(() => result)

const libp2pOptions = {
  'tcp-yamux': { transports: [tcp()], streamMuxers: [yamux(), mplex()] },
  'tcp-mplex': { transports: [tcp()], streamMuxers: [mplex()] },
  // js-waku's default stack; filterMultiaddrs:false only lifts its "wss only" address filter.
  'ws-default': {}
}[opts.transport]
if (!libp2pOptions) finish({ ok: false, error: `unknown --transport ${opts.transport}` }, 2)

const clusterId = Number(opts.cluster)
const shardId = Number(opts.shard)
const count = Number(opts.count)
const pageSize = Number(opts['page-size'])
const steps = new Set(result.steps)
const target = multiaddr(opts.dial)
const targetId = peerIdFromString(target.getPeerId())

const node = await createLightNode({
  networkConfig: { clusterId },
  defaultBootstrap: false,
  discovery: { dns: false, peerExchange: false, peerCache: false },
  numPeersToUse: 1,
  filter: { keepAliveIntervalMs: 60_000 },
  lightPush: { autoRetry: false },
  libp2p: { ...libp2pOptions, filterMultiaddrs: false, hideWebSocketInfo: true }
})
result.peer_id = node.libp2p.peerId.toString()
progress('started', { peer_id: result.peer_id })

// --- connect -------------------------------------------------------------------------------------
try {
  await node.dial(target)
  const conn = node.libp2p.getConnections(targetId)[0]
  result.connection = conn
    ? { remote_addr: conn.remoteAddr.toString(), multiplexer: conn.multiplexer, encryption: conn.encryption }
    : null
} catch (err) {
  result.dial_error = errorText(err)
}
progress('dialed', { connection: result.connection, error: result.dial_error })

if (result.dial_error) {
  result.wait_for_peers = { ok: false, error: 'not dialed' }
} else {
  try {
    await node.waitForPeers([Protocols.LightPush, Protocols.Filter, Protocols.Store], Number(opts.wait) * 1000)
    result.wait_for_peers = { ok: true }
  } catch (err) {
    result.wait_for_peers = { ok: false, error: errorText(err) }
  }
}

// js stores the service's metadata answer in its peer store; peer selection depends on it.
async function peerRecord () {
  try { return await node.libp2p.peerStore.get(targetId) } catch { return undefined }
}
const shardInfo = await waitFor(async () => (await peerRecord())?.metadata.get('shardInfo'), 3000)
result.shard_info = shardInfo ? toHex(shardInfo) : null
result.remote_protocols = (await peerRecord())?.protocols ?? []
progress('ready', { wait_for_peers: result.wait_for_peers, shard_info: result.shard_info })

const contentTopic = opts['content-topic']
const encoder = node.createEncoder({ contentTopic, shardId })
const decoder = node.createDecoder({ contentTopic, shardId })
result.pubsub_topic = encoder.pubsubTopic

// --- filter subscribe + ping ---------------------------------------------------------------------
// Raw pushes are counted below the SDK's callbacks, so pushes that arrive after an unsubscribe
// (when the SDK has already dropped its callback) are still seen.
const filterCore = node.filter.protocol
const rawPushes = []
const deliverPush = filterCore.handleIncomingMessage
filterCore.handleIncomingMessage = (pubsubTopic, message, peerIdStr) => {
  rawPushes.push({ pubsub_topic: pubsubTopic, payload: Buffer.from(message.payload ?? []).toString() })
  return deliverPush(pubsubTopic, message, peerIdStr)
}
const filtered = []

async function ping () {
  try {
    const res = await filterCore.ping(targetId)
    return res.success ? { ok: true } : { ok: false, error: res.failure?.error }
  } catch (err) {
    return { ok: false, error: errorText(err) }
  }
}

if (steps.has('filter')) {
  result.filter = {}
  try {
    result.filter.subscribe = await node.filter.subscribe(decoder, (msg) => {
      filtered.push({ payload: Buffer.from(msg.payload).toString(), pubsub_topic: msg.pubsubTopic, content_topic: msg.contentTopic })
    })
  } catch (err) {
    result.filter.subscribe = false
    result.filter.subscribe_error = errorText(err)
  }
  result.filter.ping = await ping()
  progress('filter', result.filter)
}

// --- lightpush -----------------------------------------------------------------------------------
const baseMs = Date.now()
const sent = []

async function push (i, payloadText, useLegacy) {
  // Distinct, increasing timestamps keep the store's (timestamp, hash) order equal to send order.
  const message = { payload: Buffer.from(payloadText), timestamp: new Date(baseMs + i) }
  try {
    const res = await node.lightPush.send(encoder, message, { autoRetry: false, useLegacy })
    const entry = {
      payload: payloadText,
      legacy: useLegacy,
      successes: res.successes.map(String),
      failures: res.failures.map((f) => ({ error: f.error, peer: f.peerId ? String(f.peerId) : null }))
    }
    if (entry.successes.length) {
      sent.push(payloadText)
      const proto = await encoder.toProtoObj(message)
      entry.hash = toHex(core.messageHash(encoder.pubsubTopic, proto))
    }
    return entry
  } catch (err) {
    return { payload: payloadText, legacy: useLegacy, successes: [], failures: [{ error: errorText(err) }] }
  }
}

if (steps.has('lightpush')) {
  result.lightpush = []
  for (let i = 0; i < count; i++) {
    result.lightpush.push(await push(i, `${opts.tag}-${i}`, false))
  }
  if (opts.legacy) result.lightpush.push(await push(count, `${opts.tag}-legacy`, true))
  progress('lightpush', { sent: sent.length })
  if (result.filter?.subscribe) {
    await waitFor(() => sent.every((p) => filtered.some((m) => m.payload === p)), 5000)
  }
}
if (result.filter) result.filter.received = filtered

// --- unsubscribe: the service must stop pushing, and answer a ping with an error -----------------
if (steps.has('unsubscribe') && result.filter?.subscribe) {
  try {
    result.filter.unsubscribe = await node.filter.unsubscribe(decoder)
  } catch (err) {
    result.filter.unsubscribe = false
    result.filter.unsubscribe_error = errorText(err)
  }
  // js-waku sends UNSUBSCRIBE without reading the reply; give the service a moment to apply it.
  await sleep(300)
  result.filter.ping_after_unsubscribe = await ping()
  const before = rawPushes.length
  const after = await push(count + 1, `${opts.tag}-after-unsubscribe`, false)
  result.filter.push_after_unsubscribe = after
  await sleep(1000)
  result.filter.raw_pushes_after_unsubscribe = rawPushes.slice(before)
  progress('unsubscribe', { unsubscribe: result.filter.unsubscribe, ping: result.filter.ping_after_unsubscribe })
}
result.raw_pushes = rawPushes.length

// --- store v3: page forward and backward until the service returns an empty page -----------------
const storeCore = node.store.protocol
const getStream = storeCore.streamManager.getStream.bind(storeCore.streamManager)
let storeRequests = 0
storeCore.streamManager.getStream = async (...args) => {
  storeRequests += 1
  return getStream(...args)
}

async function storeQuery (options) {
  const before = storeRequests
  const pages = []
  try {
    for await (const page of node.store.queryGenerator([decoder], options)) {
      const messages = (await Promise.all(page)).filter(Boolean)
      pages.push(messages.map((m) => Buffer.from(m.payload).toString()))
      if (pages.length > 50) throw new Error('more than 50 pages: the service ignores the cursor')
    }
    return { pages, requests: storeRequests - before }
  } catch (err) {
    return { pages, requests: storeRequests - before, error: errorText(err) }
  }
}

if (steps.has('store')) {
  result.store = {
    forward: await storeQuery({ paginationLimit: pageSize, paginationForward: true }),
    backward: await storeQuery({ paginationLimit: pageSize, paginationForward: false })
  }
  const firstHash = result.lightpush?.find((e) => e.hash)?.hash
  if (firstHash) {
    const hashBytes = Buffer.from(firstHash.slice(2), 'hex')
    result.store.by_hash = await storeQuery({ messageHashes: [new Uint8Array(hashBytes)], pubsubTopic: encoder.pubsubTopic })
    result.store.by_hash.hash = firstHash
  }
  progress('store', { forward: result.store.forward.pages.length, backward: result.store.backward.pages.length })
}

result.connections_at_end = node.libp2p.getConnections(targetId).length
result.ok = true
await stopAndFinish(node, result)
