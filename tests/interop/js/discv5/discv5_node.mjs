// A @chainsafe/discv5 node driven line by line for statuscli's discv5 interop test.
//
//   node discv5_node.mjs PORT
//
// Binds 127.0.0.1:PORT (UDP), prints {"event":"ready","enr":"enr:…","node_id":"…"} on stdout, then
// reads one JSON command per line on stdin and answers with one JSON line on stdout:
//   {"cmd":"add","enr":E}                     -> {"ok":true}
//   {"cmd":"ping","enr":E}                    -> {"ok":true,"enr_seq":N,"ip":…,"port":N}
//   {"cmd":"findnode","enr":E,"distances":[…]} -> {"ok":true,"enrs":["enr:…"]}
//   {"cmd":"lookup"}                          -> {"ok":true,"enrs":[…]}   (a random-target lookup)
//   {"cmd":"table"}                           -> {"ok":true,"enrs":[…]}   (the routing table)
// Errors answer {"ok":false,"error":"…"}. Exits when stdin closes, or after 90 s (watchdog).
import readline from "node:readline";

import { Discv5 } from "@chainsafe/discv5";
import { ENR, SignableENR } from "@chainsafe/enr";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";

const port = Number(process.argv[2]);
const watchdog = setTimeout(() => process.exit(3), 90_000);

const privateKey = await generateKeyPair("secp256k1");
const enr = SignableENR.createFromPrivateKey(privateKey);
enr.ip = "127.0.0.1";
enr.udp = port;
const discv5 = Discv5.create({
  enr,
  privateKey,
  bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
  config: { enrUpdate: false, requestTimeout: 2000 },
});
await discv5.start();
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
out({ event: "ready", enr: discv5.enr.encodeTxt(), node_id: discv5.enr.nodeId });

const texts = (list) => list.map((e) => e.encodeTxt());
const handlers = {
  add: async (c) => { discv5.addEnr(c.enr); return {}; },
  ping: async (c) => {
    const pong = await discv5.sendPing(ENR.decodeTxt(c.enr));
    return { enr_seq: Number(pong.enrSeq), ip: pong.addr?.ip, port: pong.addr?.port };
  },
  findnode: async (c) => ({ enrs: texts(await discv5.sendFindNode(ENR.decodeTxt(c.enr), c.distances)) }),
  lookup: async () => ({ enrs: texts(await discv5.findRandomNode()) }),
  table: async () => ({ enrs: texts(discv5.kadValues()) }),
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  try {
    const c = JSON.parse(line);
    out({ ok: true, ...(await handlers[c.cmd](c)) });
  } catch (err) {
    out({ ok: false, error: String(err?.message ?? err) });
  }
}
clearTimeout(watchdog);
await discv5.stop();
process.exit(0);
