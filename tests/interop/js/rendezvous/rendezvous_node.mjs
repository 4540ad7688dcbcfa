// A js-libp2p 2.8 node (TCP + Noise + yamux, identify) running @canvas-js/libp2p-rendezvous's
// client against statuscli's rendezvous point. Canvas's client speaks the spec's wire format
// under its own id, /canvas/rendezvous/1.0.0; it is pointed at the spec's /rendezvous/1.0.0.
// On ONE stream, as canvas does: REGISTER our record under the namespace, then DISCOVER there.
//
//   stdin: {"point": "/ip4/…/tcp/…/p2p/16Uiu2…", "namespace": "rs/16/32", "ttl": 120}
//   stdout: {"peer_id", "multiaddrs", "ttl" (granted), "discovered": [{"peer_id", "multiaddrs"}]}
import { createLibp2p } from "libp2p"
import { tcp } from "@libp2p/tcp"
import { noise } from "@chainsafe/libp2p-noise"
import { yamux } from "@chainsafe/libp2p-yamux"
import { identify } from "@libp2p/identify"
import { multiaddr } from "@multiformats/multiaddr"
import { RendezvousClient, rendezvousClient } from "@canvas-js/libp2p-rendezvous/client"

setTimeout(() => { console.error("watchdog: 30 s"); process.exit(3) }, 30000).unref()
RendezvousClient.protocol = "/rendezvous/1.0.0"

async function main() {
  let input = ""
  for await (const chunk of process.stdin) input += chunk
  const req = JSON.parse(input)
  const node = await createLibp2p({
    addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), rendezvous: rendezvousClient({ autoRegister: { namespaces: [], multiaddrs: [] }, autoDiscover: false }) },
  })
  await node.start()
  const result = { peer_id: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map((a) => a.decapsulateCode(421).toString()) }
  await node.services.rendezvous.connect(multiaddr(req.point), async (point) => {
    const { ttl } = await point.register(req.namespace, { ttl: req.ttl })
    result.ttl = ttl
    const peers = await point.discover(req.namespace)
    result.discovered = peers.map((p) => ({ peer_id: p.id.toString(), multiaddrs: p.addresses.map((a) => a.multiaddr.toString()) }))
  })
  console.log(JSON.stringify(result))
  await node.stop()
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
