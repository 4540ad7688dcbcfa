// 14/WAKU2-MESSAGE deterministic hashes as js-waku computes them.
//
// usage: node message-hash.mjs < request.json
// request: {"messages": [{"pubsub_topic": STR, "payload": HEX, "content_topic": STR,
//                         "meta": HEX (optional), "timestamp": NS as a decimal string (optional)}
//                        | {"pubsub_topic": STR, "message": HEX (a WakuMessage protobuf)}]}
// stdout: {"ok": true, "hashes": [{"message_hash": HEX, "core_hash": HEX}, ...]}
//   message_hash is @waku/message-hash's messageHash; core_hash is @waku/core's copy of the same
//   function (the one @waku/sdk 0.0.36 uses for store cursors and filter de-duplication).
import { messageHash } from '@waku/message-hash'
import { waku as core } from '@waku/sdk'
import { WakuMessage } from '@waku/proto'
import { errorText, failOnCrash, finish, fromHex, readStdin, startWatchdog, toHex } from '../common.mjs'

startWatchdog(20)
failOnCrash()

function toMessage (entry) {
  if (entry.message) return WakuMessage.decode(fromHex(entry.message))
  return {
    payload: fromHex(entry.payload),
    contentTopic: entry.content_topic,
    meta: entry.meta ? fromHex(entry.meta) : undefined,
    timestamp: entry.timestamp !== undefined && entry.timestamp !== null ? BigInt(entry.timestamp) : undefined
  }
}

const request = JSON.parse(await readStdin())
const hashes = []
for (const entry of request.messages ?? []) {
  try {
    const message = toMessage(entry)
    hashes.push({
      message_hash: toHex(messageHash(entry.pubsub_topic, message)),
      core_hash: toHex(core.messageHash(entry.pubsub_topic, message))
    })
  } catch (err) {
    hashes.push({ error: errorText(err) })
  }
}
finish({ ok: true, hashes })
