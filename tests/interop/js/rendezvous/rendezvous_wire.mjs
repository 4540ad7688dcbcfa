// statuscli's rendezvous wire format checked by independent code: the protons codec of the
// libp2p rendezvous protobuf from @canvas-js/libp2p-rendezvous and js-libp2p's signed peer
// records (@libp2p/peer-record). One JSON object in on stdin, one JSON result out on stdout.
//
//   {"op": "make-register", "ns": "rs/16/32", "ttl": 60, "addr": "/ip4/…"}
//     -> {"peer_id", "message": hex of a REGISTER whose record js-libp2p sealed}
//   {"op": "read", "message": hex}
//     -> the message decoded; every signedPeerRecord opened and certified:
//        {"type", "register"?: {ns, ttl, record}, "discoverResponse"?: {status, cookie, registrations: [{ns, ttl, record}]}}
//        record = {peer_id, multiaddrs, seq} or {"error": "..."}
import { generateKeyPair } from "@libp2p/crypto/keys"
import { peerIdFromPrivateKey, peerIdFromPublicKey } from "@libp2p/peer-id"
import { PeerRecord, RecordEnvelope } from "@libp2p/peer-record"
import { multiaddr } from "@multiformats/multiaddr"
import { Message } from "@canvas-js/libp2p-rendezvous/protocol"

setTimeout(() => { console.error("watchdog: 20 s"); process.exit(3) }, 20000).unref()

const hex = (u8) => Buffer.from(u8).toString("hex")
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"))

async function openRecord(bytes) {
  try {
    const envelope = await RecordEnvelope.openAndCertify(bytes, PeerRecord.DOMAIN)
    const record = PeerRecord.createFromProtobuf(envelope.payload)
    if (!record.peerId.equals(peerIdFromPublicKey(envelope.publicKey))) {
      return { error: "record peer is not the signer" }
    }
    return { peer_id: record.peerId.toString(), multiaddrs: record.multiaddrs.map(String), seq: Number(record.seqNumber) }
  } catch (e) {
    return { error: String(e && e.message || e) }
  }
}

async function main() {
  let input = ""
  for await (const chunk of process.stdin) input += chunk
  const req = JSON.parse(input)
  if (req.op === "make-register") {
    const key = await generateKeyPair("secp256k1")
    const peerId = peerIdFromPrivateKey(key)
    const record = new PeerRecord({ peerId, multiaddrs: [multiaddr(req.addr)], seqNumber: BigInt(req.seq ?? 1) })
    const envelope = await RecordEnvelope.seal(record, key)
    const message = Message.encode({
      type: Message.MessageType.REGISTER,
      register: { ns: req.ns, signedPeerRecord: envelope.marshal(), ttl: BigInt(req.ttl) },
    })
    console.log(JSON.stringify({ peer_id: peerId.toString(), message: hex(message) }))
    return
  }
  const msg = Message.decode(unhex(req.message))
  const out = { type: msg.type }
  if (msg.register) {
    out.register = { ns: msg.register.ns, ttl: Number(msg.register.ttl), record: await openRecord(msg.register.signedPeerRecord) }
  }
  if (msg.registerResponse) {
    out.registerResponse = { status: msg.registerResponse.status, text: msg.registerResponse.statusText, ttl: Number(msg.registerResponse.ttl) }
  }
  if (msg.discoverResponse) {
    const d = msg.discoverResponse
    out.discoverResponse = {
      status: d.status, cookie: hex(d.cookie),
      registrations: await Promise.all(d.registrations.map(async (r) => ({ ns: r.ns, ttl: Number(r.ttl), record: await openRecord(r.signedPeerRecord) }))),
    }
  }
  console.log(JSON.stringify(out))
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
