// 26/WAKU2-PAYLOAD (version 1) with @waku/message-encryption 0.0.38: js-waku's own encoders and
// decoders, driven by JSON on stdin.
//
// usage: node encryption.mjs < request.json
// request: {"ops": [op, ...]}; each op is one of
//   {"op": "encrypt", "mode": "ecies"|"symmetric", "payload": HEX,
//    "public_key": HEX (ecies) | "sym_key": HEX (symmetric), "sig_priv_key": HEX (optional: sign),
//    "content_topic": STR, "cluster": N, "shard": N, "timestamp_ms": N (optional)}
//     -> {"ok": true, "message": HEX (WakuMessage protobuf), "payload": HEX (encrypted payload),
//         "version": 1, "content_topic": STR, "timestamp": NS}
//   {"op": "decrypt", "mode": ..., "message": HEX (WakuMessage protobuf) | "payload": HEX,
//    "private_key": HEX (ecies) | "sym_key": HEX, "content_topic": STR, "cluster": N, "shard": N,
//    "expected_signer": HEX (optional, 65-byte uncompressed public key)}
//     -> {"ok": true, "payload": HEX, "signature": HEX|null, "signer": HEX|null, "verified": BOOL|null}
//        or {"ok": false, "error": ...} when js-waku refuses the message (it returns undefined).
//   {"op": "public_key", "private_key": HEX} -> {"ok": true, "public_key": HEX (uncompressed)}
// stdout: one line {"ok": true, "results": [...]}. HEX may carry a 0x prefix.
import { ecies, symmetric, getPublicKey } from '@waku/message-encryption'
import { WakuMessage } from '@waku/proto'
import { createRoutingInfo } from '@waku/utils'
import { errorText, failOnCrash, finish, fromHex, readStdin, startWatchdog, toHex } from '../common.mjs'

startWatchdog(20)
failOnCrash()

function routing (op) {
  return createRoutingInfo(
    { clusterId: Number(op.cluster ?? 16) },
    { contentTopic: op.content_topic, shardId: Number(op.shard ?? 32) }
  )
}

function scheme (op) {
  if (op.mode === 'ecies') return ecies
  if (op.mode === 'symmetric') return symmetric
  throw new Error(`unknown mode ${op.mode}`)
}

async function encrypt (op) {
  scheme(op) // validates the mode
  const routingInfo = routing(op)
  const common = {
    contentTopic: op.content_topic,
    routingInfo,
    sigPrivKey: op.sig_priv_key ? fromHex(op.sig_priv_key) : undefined
  }
  const encoder = op.mode === 'ecies'
    ? ecies.createEncoder({ ...common, publicKey: fromHex(op.public_key) })
    : symmetric.createEncoder({ ...common, symKey: fromHex(op.sym_key) })
  const message = { payload: fromHex(op.payload) }
  if (op.timestamp_ms !== undefined) message.timestamp = new Date(Number(op.timestamp_ms))
  const proto = await encoder.toProtoObj(message)
  const wire = WakuMessage.encode(proto)
  return {
    ok: true,
    message: toHex(wire),
    payload: toHex(proto.payload),
    version: proto.version,
    content_topic: proto.contentTopic,
    timestamp: proto.timestamp
  }
}

async function decrypt (op) {
  const routingInfo = routing(op)
  const key = fromHex(op.mode === 'ecies' ? op.private_key : op.sym_key)
  const decoder = scheme(op).createDecoder(op.content_topic, routingInfo, key)
  const proto = op.message
    ? await decoder.fromWireToProtoObj(fromHex(op.message))
    : { payload: fromHex(op.payload), contentTopic: op.content_topic, version: 1 }
  if (!proto) return { ok: false, error: 'not a WakuMessage' }
  const decoded = await decoder.fromProtoObj(routingInfo.pubsubTopic, proto)
  if (!decoded) return { ok: false, error: 'js-waku could not decrypt or decode the payload' }
  return {
    ok: true,
    payload: toHex(decoded.payload),
    signature: decoded.signature ? toHex(decoded.signature) : null,
    signer: decoded.signaturePublicKey ? toHex(decoded.signaturePublicKey) : null,
    verified: op.expected_signer ? decoded.verifySignature(fromHex(op.expected_signer)) : null
  }
}

async function run (op) {
  try {
    if (op.op === 'encrypt') return await encrypt(op)
    if (op.op === 'decrypt') return await decrypt(op)
    if (op.op === 'public_key') return { ok: true, public_key: toHex(getPublicKey(fromHex(op.private_key))) }
    return { ok: false, error: `unknown op ${op.op}` }
  } catch (err) {
    return { ok: false, error: errorText(err) }
  }
}

const request = JSON.parse(await readStdin())
const results = []
for (const op of request.ops ?? []) results.push(await run(op))
finish({ ok: true, results })
