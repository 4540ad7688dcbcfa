#!/usr/bin/env python3
"""Messaging end to end: `send` through a running node, `listen` on a busy topic, a long `listen`'s memory.

Everything runs against a real `statuscli node run` process on 127.0.0.1 (its control socket):

* **send** — wall time of fresh `statuscli send PEER TEXT` processes (unlock with one scrypt, build
  the message, MVDS, Double Ratchet, payload v1, publish through the control socket), interleaved
  with `python -c pass` and the import floor of PERFORMANCE.md's start-up table, after a warm-up
  (bytecode cached). Target: ≤ 0.3 s per invocation.
* **listen on a busy topic** — a burst of public-channel messages from 4 senders (each with its
  bundle attached, as status-go sends them) is published to the node while `statuscli --json listen
  --public busy --count N` runs; rate = N / (time from the first event to the last). Also the
  same pipeline in-process (`Receiver.handle` over the same envelopes, SQLite on disk) to show
  where the time goes, and 1:1 Double Ratchet messages in-process.
* **memory of a long listen** — RSS of one `listen` process after warm-up and after 5 bursts of
  1 000 messages (VmRSS from /proc).

    .venv/bin/python benchmarks/messaging.py            # prints a Markdown section
    .venv/bin/python benchmarks/messaging.py --write    # also replace the messaging section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLOOR = "import click, coincurve; from eth_hash.auto import keccak; keccak(b'')"
PW = "bench"


def env_for(home: Path | None, sock: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["STATUSCLI_PASSWORD"] = PW
    if home is not None:
        env["STATUSCLI_HOME"] = str(home)
    if sock:
        env["STATUSCLI_NODE"] = sock
    return env


def cli(env, *args, input=None) -> str:
    p = subprocess.run([sys.executable, "-m", "statuscli", *args], input=input, capture_output=True, env=env, cwd=ROOT)
    if p.returncode:
        raise SystemExit(f"statuscli {' '.join(args)}: {p.stderr.decode()[-500:]}")
    return p.stdout.decode()


def start_node(folder: Path) -> tuple[subprocess.Popen, dict]:
    p = subprocess.Popen([sys.executable, "-m", "statuscli", "--home", str(folder), "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env_for(None, None), cwd=ROOT)  # fmt: skip
    ready, _, _ = select.select([p.stdout], [], [], 60)
    if not ready:
        raise SystemExit("the node did not start")
    return p, json.loads(p.stdout.readline())


def account(home: Path, name: str):
    from statuscli.app import accounts
    from statuscli.app.context import AppContext

    app = AppContext(home=home)
    try:
        return accounts.open_account(app, passphrase=PW)
    except Exception:  # noqa: BLE001 - first run: create it
        return accounts.generate_account(app, name=name, passphrase=PW, now=int(time.time()))[0]


# --- send -------------------------------------------------------------------------------------------
def bench_send(work: Path, sock: str, runs: int) -> dict:
    account(work / "alice", "alice")
    bob = account(work / "bob", "bob")
    peer = "0x" + bob.chat_public_key.hex()
    env = env_for(work / "alice", sock)
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import floor": [sys.executable, "-c", FLOOR],
        "statuscli send (control socket)": [sys.executable, "-m", "statuscli", "send", peer, "benchmark message"],
    }
    for argv in cases.values():
        subprocess.run(argv, env=env, capture_output=True, cwd=ROOT)
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):
        for name, argv in cases.items():
            t0 = time.perf_counter()
            p = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT)
            samples[name].append(time.perf_counter() - t0)
            if p.returncode:
                raise SystemExit(p.stderr.decode()[-500:])
    return samples


# --- listen on a busy topic ------------------------------------------------------------------------
def senders(work: Path, n: int):
    from statuscli.app.messaging.messenger import Messenger

    return [Messenger(account(work / f"s{i}", f"s{i}")) for i in range(n)]


def public_burst(ms, count: int, channel: str = "busy"):
    from statuscli.app.messaging.content import Content

    out = []
    for i in range(count):
        out += ms[i % len(ms)].send_public(channel, Content(text=f"busy message {i} " + "x" * 200)).envelopes
    return out


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Listener:
    def __init__(self, env, *args):
        self.p = subprocess.Popen([sys.executable, "-m", "statuscli", "--json", "listen", *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=ROOT)  # fmt: skip
        self.first = self.last = None
        self.n = 0
        import threading

        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()
        if not self._ready.wait(60):
            raise SystemExit("listen did not start")
        time.sleep(0.5)

    def _err(self):
        for line in self.p.stderr:
            if b"listening via" in line:
                self._ready.set()

    def _read(self):
        for line in self.p.stdout:
            if json.loads(line)["type"] == "message":
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
                self.n += 1

    def wait_for(self, n: int, timeout: float = 300):
        deadline = time.monotonic() + timeout
        while self.n < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.n


def publish_all(sock: str, envelopes) -> float:
    from statuscli.net.control_transport import ControlSocketTransport

    t = ControlSocketTransport(sock)
    t0 = time.perf_counter()
    for e in envelopes:
        t.publish(e)
    t.close()
    return time.perf_counter() - t0


def bench_listen(work: Path, sock: str, n: int) -> dict:
    ms = senders(work, 4)
    bob_home = work / "listener"
    account(bob_home, "listener")
    lst = Listener(env_for(bob_home, sock), "--public", "busy", "--no-catch-up")
    envs = public_burst(ms, n)
    pub_s = publish_all(sock, envs)
    got = lst.wait_for(n)
    rate = (got - 1) / (lst.last - lst.first) if got > 1 and lst.last > lst.first else 0.0
    out = {"n": n, "received": got, "rate": rate, "publish_rate": n / pub_s}
    # memory of the same (long-running) listener: 5 more bursts
    base = rss_kb(lst.p.pid)
    for _ in range(5):
        publish_all(sock, public_burst(ms, 1000))
        got = lst.wait_for(got + 1000)
    out.update({"rss_start_kb": base, "rss_end_kb": rss_kb(lst.p.pid), "total_messages": got})
    lst.p.terminate()
    lst.p.wait(20)
    return out


def bench_in_process(work: Path, n: int) -> dict:
    """The receive pipeline without the process boundary: public and 1:1 (Double Ratchet) messages."""
    from statuscli.app.messaging.content import Content
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger

    ms = senders(work, 4)
    bob = Messenger(account(work / "inproc", "inproc"))
    r = Receiver(bob, extra_channels=("busy2",))
    envs = public_burst(ms, n, "busy2")
    t0 = time.perf_counter()
    k = sum(len(r.handle(e.data, e.pubsub_topic).events) for e in envs)
    pub = n / (time.perf_counter() - t0)
    alice = ms[0]
    for e in alice.send_direct(bob.account.chat_public_key, Content(text="hello")).envelopes:
        r.handle(e.data, e.pubsub_topic)
    direct = []
    for i in range(n):
        direct += alice.send_direct(bob.account.chat_public_key, Content(text=f"direct {i} " + "x" * 200)).envelopes
    r.refresh(force=True)
    t0 = time.perf_counter()
    k2 = 0
    for i, e in enumerate(direct):  # as listen does: a batch, then one MVDS tick (the acks, encrypted and sealed)
        k2 += sum(ev["type"] == "message" for ev in r.handle(e.data, e.pubsub_topic).events)
        if i % 50 == 49:
            bob.tick()
    bob.tick()
    dr = n / (time.perf_counter() - t0)
    assert k >= n and k2 == n, (k, k2)
    return {"public": pub, "direct": dr}


# --- report -----------------------------------------------------------------------------------------
def report(send: dict, listen: dict, inproc: dict, runs: int) -> str:
    med = {k: statistics.median(v) for k, v in send.items()}
    s = send["statuscli send (control socket)"]
    q = statistics.quantiles(s, n=10)
    ok = med["statuscli send (control socket)"] <= 0.3
    load = os.getloadavg()[0]
    lines = [
        f"{platform.python_implementation()} {platform.python_version()} on {os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d')}, "
        f"load average {load:.1f} at the end; a `statuscli node run` process on 127.0.0.1.",
        "",
        "| measure | figure | reference | target | met |",
        "|---|---:|---|---|---|",
        f"| `statuscli send PEER TEXT` through the control socket (median of {runs}, fresh processes) | {med['statuscli send (control socket)'] * 1000:.0f} ms "
        f"(min {min(s) * 1000:.0f}, p90 {q[-1] * 1000:.0f}) | `python -c pass` {med['python -c pass'] * 1000:.0f} ms, import floor "
        f"{med['import floor'] * 1000:.0f} ms | ≤ 300 ms | {'yes' if ok else 'no'} |",
        f"| `listen` on a busy public channel ({listen['n']} messages, 4 senders, burst) | {listen['rate']:.0f} msg/s "
        f"({listen['received']}/{listen['n']} received) | the node accepted {listen['publish_rate']:.0f} msg/s through the socket | — | — |",
        f"| same receive pipeline in-process, public messages | {inproc['public']:.0f} msg/s | | — | — |",
        f"| same receive pipeline in-process, 1:1 Double Ratchet + MVDS | {inproc['direct']:.0f} msg/s | secure transport's full decrypt alone: see above | — | — |",
        f"| RSS of one `listen` after warm-up → after {listen['total_messages']} messages | {listen['rss_start_kb'] / 1024:.0f} MiB → "
        f"{listen['rss_end_kb'] / 1024:.0f} MiB | | flat | {'yes' if listen['rss_end_kb'] - listen['rss_start_kb'] < 20 * 1024 else 'no'} |",
        "",
        "`send` = Python start-up and imports (≈ the import floor), one scrypt to unlock the chat key (≈ 0.1 s, "
        "N=4096 r=8 p=6, go-ethereum's light parameters), the message (ChatMessage, signed wrapper, MVDS, ratchet step, "
        "payload v1 ECIES/AES-GCM with a signature) and one JSON-RPC call. `listen` rates are per message end to end: "
        "envelope hash and de-duplication, AES-GCM open and signer recovery, ProtocolMessage with the sender's bundle "
        "verified and stored (status-go stores every attached bundle), wrapper signature recovery, ChatMessage validation, "
        "message, envelope and event rows committed in one transaction, and one NDJSON line. The listener keeps no "
        "per-message state in memory (everything is in SQLite), so its RSS stays flat.",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    replace_section("messaging", f"## Messaging end to end (`benchmarks/messaging.py`)\n\n{text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=25, help="send invocations (interleaved with the floors)")
    ap.add_argument("-n", type=int, default=2000, help="messages in the busy-topic burst")
    ap.add_argument("--write", action="store_true", help="replace the messaging section of BENCHMARKS.md")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="statuscli-bench-msg-"))
    node, info = start_node(work / "node")
    try:
        send = bench_send(work, info["control_socket"], args.runs)
        listen = bench_listen(work, info["control_socket"], args.n)
        inproc = bench_in_process(work, min(args.n, 1000))
    finally:
        node.terminate()
        node.wait(20)
        shutil.rmtree(work, ignore_errors=True)
    text = report(send, listen, inproc, args.runs)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
