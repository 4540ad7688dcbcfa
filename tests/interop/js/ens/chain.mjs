// A local Ethereum node for statuscli's ENS tests: ganache on 127.0.0.1, an ephemeral port.
//
//   node chain.mjs [watchdog-seconds]
//
// Prints one JSON line on stdout once it listens: {"rpc": "http://127.0.0.1:PORT", "accounts": [...]}
// (unlocked accounts: eth_sendTransaction from them needs no signing). It stops by itself when its
// stdin closes (the test process went away) or after the watchdog (default 120 s), whichever first.
// ganache's command line refuses port 0, hence this script and its programmatic server.
import ganache from "ganache";

const watchdog = Number(process.argv[2] ?? 120);
const server = ganache.server({
  logging: { quiet: true },
  wallet: { deterministic: true, totalAccounts: 3 },
  chain: { chainId: 1337 },
  miner: { instamine: "eager" },
});

let listening = false;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (listening) {
    try { await server.close(); } catch { /* already closed */ }
  }
  process.exit(code);
}

setTimeout(() => stop(0), watchdog * 1000).unref();
process.stdin.on("end", () => stop(0));
process.stdin.on("error", () => stop(0));
process.stdin.resume();
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));

try {
  await server.listen(0, "127.0.0.1");
  listening = true;
  const accounts = await server.provider.request({ method: "eth_accounts", params: [] });
  process.stdout.write(JSON.stringify({ rpc: `http://127.0.0.1:${server.address().port}`, accounts }) + "\n");
} catch (err) {
  // one line, not ganache's minified bundle
  process.stderr.write(`chain.mjs: ${err && err.message ? err.message : err}\n`);
  if (!stopping) process.exit(1);
}
