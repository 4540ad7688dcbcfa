"""statuscli discover: Discovery v5 from a bootstrap record (services run in a thread on 127.0.0.1)
and EIP-1459 trees served by dnsmasq; usage and input errors map to their exit codes."""

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
        (("--rendezvous", "/ip4/127.0.0.1/tcp/1"), "usage", 2),
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
