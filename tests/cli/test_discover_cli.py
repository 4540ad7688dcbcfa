"""statuscli discover: Discovery v5 from a bootstrap record (services run in a thread on 127.0.0.1),
EIP-1459 trees served by dnsmasq, and a rendezvous point (a node in a thread, discover as a
subprocess); usage and input errors map to their exit codes."""

from __future__ import annotations

import os
import threading

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.waku import enrtree

KEYS = ("type", "enr", "node_id", "peer_id", "multiaddrs", "capabilities", "shards", "source")


class ServicesInThread:
    """Three discv5 services (b and c know a) running under trio in a background thread."""

    def __enter__(self):
        from statuscli.core.discv5.local_record import LocalRecord
        from statuscli.net.discv5.service import Discv5Service

        self.services = []
        for i in range(3):
            key = secp256k1.generate_private_key(os.urandom)
            self.services.append(Discv5Service(key, LocalRecord(key, 1, tcp=60000 + i, waku2_flags=["relay", "store"], rs=(16, [32, 64]))))
        ready, self.stop = threading.Event(), None

        async def main():
            async with trio.open_nursery() as nursery:
                for svc in self.services:
                    await nursery.start(svc.serve)
                a = self.services[0]
                for svc in self.services[1:]:
                    svc.add_bootstrap(a.enr)
                    await svc.ping(a.enr)
                self.token = trio.lowlevel.current_trio_token()
                self.stop = nursery.cancel_scope.cancel
                ready.set()

        self.thread = threading.Thread(target=trio.run, args=(main,), daemon=True)
        self.thread.start()
        assert ready.wait(20)
        return self

    def __exit__(self, *exc):
        trio.from_thread.run_sync(self.stop, trio_token=self.token)
        self.thread.join(10)


def test_discv5_from_one_bootstrap_record(run_cli):
    with ServicesInThread() as s:
        r = run_cli("discover", "--discv5", s.services[0].enr.text, "--count", "3", "--timeout", "20")
        expected = {"0x" + svc.node_id.hex() for svc in s.services}
    assert r.exit_code == 0, r.stderr
    import json

    nodes = [json.loads(line) for line in r.stdout.splitlines()]
    assert {n["node_id"] for n in nodes} == expected
    for n in nodes:
        assert tuple(n) == KEYS and n["type"] == "node" and n["source"] == "discv5"
        assert n["capabilities"] == ["relay", "store"] and n["shards"] == {"cluster_id": 16, "shards": [32, 64]}
        assert n["multiaddrs"][0].startswith("/ip4/127.0.0.1/tcp/6000") and n["multiaddrs"][0].endswith("/p2p/" + n["peer_id"])
    assert "3 node(s) found" in r.stderr


def test_nothing_found_is_exit_7(run_cli):
    from statuscli.core.discv5.local_record import LocalRecord

    key = secp256k1.generate_private_key(os.urandom)
    silent = LocalRecord(key, 1, ip="127.0.0.1", udp=9).text  # discard port: nobody answers
    r = run_cli("--json", "discover", "--discv5", silent, "--timeout", "1.5")
    assert r.exit_code == 7 and r.json()["error"]["code"] == "not-found"


@pytest.mark.parametrize(
    "args, code, exit_code",
    [
        ((), "usage", 2),
        (("--rendezvous", "/ip4/127.0.0.1/tcp/1"), "invalid-input", 3),
        (("--discv5", "enr:nonsense"), "decode-error", 3),
        (("--enrtree", "enrtree://nope@x"), "decode-error", 3),
    ],
)
def test_bad_arguments(run_cli, args, code, exit_code):
    r = run_cli("--json", "discover", *args, "--timeout", "1")
    assert r.exit_code == exit_code and r.json()["error"]["code"] == code


def test_enrtree_through_dnsmasq(run_cli, tmp_path):
    from tests.net.test_dns_discovery import DNSMASQ, Dnsmasq, _records, build_tree

    if DNSMASQ is None:
        pytest.skip("dnsmasq not installed (scripts/dev installs it)")
    key = secp256k1.generate_private_key(os.urandom)
    good = _records(3)
    lines = build_tree("nodes.test", key, good, [], seq=1) + build_tree("bad.test", key, _records(2), [], seq=1, tamper_leaf=True)
    server = Dnsmasq(tmp_path, lines)
    try:
        url = enrtree.format_link(secp256k1.public_key(key), "nodes.test")
        dns = f"127.0.0.1:{server.port}"
        r = run_cli("discover", "--enrtree", url, "--dns-server", dns, "--timeout", "10", "--count", "3")
        assert r.exit_code == 0, r.stderr
        import json

        assert {json.loads(x)["enr"] for x in r.stdout.splitlines()} == set(good)
        bad = run_cli("--json", "discover", "--enrtree", url.replace("nodes.test", "bad.test"), "--dns-server", dns, "--timeout", "10")
        assert bad.exit_code == 4 and bad.json()["error"]["code"] == "enrtree-hash-mismatch"
    finally:
        server.stop()


class RendezvousInThread:
    """A full node (a rendezvous point) and a relay node registered on it, under trio in a thread."""

    def __enter__(self):
        from tests.net.conftest import make_node, wait_until

        ready, self.stop = threading.Event(), None

        async def main():
            async with trio.open_nursery() as nursery:
                self.point = make_node("full")
                await nursery.start(_enter, self.point)
                self.node = make_node("relay", rendezvous=[self.point.multiaddrs[0]], rendezvous_interval=0.5)
                await nursery.start(_enter, self.node)
                await wait_until(lambda: self.point.rendezvous_point.stats()["registrations"] == 2, timeout=20)
                self.token = trio.lowlevel.current_trio_token()
                self.stop = nursery.cancel_scope.cancel
                ready.set()

        self.thread = threading.Thread(target=trio.run, args=(main,), daemon=True)
        self.thread.start()
        assert ready.wait(30)
        return self

    def __exit__(self, *exc):
        trio.from_thread.run_sync(self.stop, trio_token=self.token)
        self.thread.join(10)


async def _enter(node, task_status=trio.TASK_STATUS_IGNORED):
    async with node:
        task_status.started()
        await trio.sleep_forever()


def test_rendezvous_point_as_a_subprocess(tmp_path):
    import json
    import subprocess
    import sys

    from statuscli.core.waku.enr import decode_enr

    env = {**os.environ, "STATUSCLI_HOME": str(tmp_path / "home")}
    with RendezvousInThread() as s:
        point = s.point.multiaddrs[0]
        p = subprocess.run([sys.executable, "-m", "statuscli", "discover", "--rendezvous", point, "--timeout", "30"],
                           capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
        only64 = subprocess.run([sys.executable, "-m", "statuscli", "discover", "--rendezvous", point, "--shard", "64", "--cluster", "16"],
                                capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
        other = subprocess.run([sys.executable, "-m", "statuscli", "--json", "discover", "--rendezvous", point, "--cluster", "1", "--timeout", "5"],
                               capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
        node_id = "0x" + decode_enr(s.node.enr).node_id.hex()
        peer_id, addrs = s.node.peer_id, s.node.multiaddrs
    assert p.returncode == 0, p.stderr
    (node,) = [json.loads(line) for line in p.stdout.splitlines()]
    assert tuple(node) == KEYS
    assert node == {"type": "node", "enr": None, "node_id": node_id, "peer_id": peer_id, "multiaddrs": addrs, "capabilities": None,
                    "shards": {"cluster_id": 16, "shards": [32, 64]}, "source": "rendezvous"}  # fmt: skip
    assert "1 node(s) found (rendezvous: 1)" in p.stderr
    assert only64.returncode == 0 and json.loads(only64.stdout)["shards"] == {"cluster_id": 16, "shards": [64]}
    assert other.returncode == 7 and json.loads(other.stdout)["error"]["code"] == "not-found"  # nobody in rs/1/…


def test_unreachable_rendezvous_point_is_exit_6(run_cli):
    key = secp256k1.generate_private_key(os.urandom)
    from libp2p.crypto.secp256k1 import create_new_key_pair
    from libp2p.peer.id import ID

    pid = ID.from_pubkey(create_new_key_pair(key).public_key)
    r = run_cli("--json", "discover", "--rendezvous", f"/ip4/127.0.0.1/tcp/9/p2p/{pid}", "--timeout", "10")
    assert r.exit_code == 6, r.stdout + r.stderr
