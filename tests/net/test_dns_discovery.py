"""EIP-1459 DNS discovery against a real DNS server: dnsmasq on 127.0.0.1 serving a zone the test
writes (installed by scripts/dev). Resolve and verify a tree with a branch and a link subtree;
refuse a bad root signature, a tampered leaf (bad branch hash) and a root rollback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature
from statuscli.core.waku import enrtree
from statuscli.core.waku.enr import build_enr, enr_text
from statuscli.net.dns_discovery import RootRollback, TreeHashMismatch, TreeResolver, dnspython_lookup

pytestmark = pytest.mark.net
DNSMASQ = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None)
if DNSMASQ is None and os.environ.get("CI"):
    pytest.fail("dnsmasq is missing: scripts/dev installs it (dnsmasq-base)", pytrace=False)
requires_dnsmasq = pytest.mark.skipif(DNSMASQ is None, reason="dnsmasq not installed (scripts/dev installs it)")


def _txt(name: str, text: str) -> str:
    chunks = [text[i : i + 200] for i in range(0, len(text), 200)] or [""]
    return f"txt-record={name}," + ",".join(f'"{c}"' for c in chunks)


def build_tree(domain: str, key: bytes, enrs: list[str], links: list[str], seq: int, *, tamper_leaf: bool = False, bad_sig: bool = False):
    lines = []
    leaves = [enrtree.entry_label(t) for t in enrs]
    for label, text in zip(leaves, enrs):
        served = text[:-4] + ("AAAA" if text[-4:] != "AAAA" else "BBBB") if tamper_leaf else text
        lines.append(_txt(f"{label}.{domain}", served))
    branch = enrtree.format_branch(leaves)
    e_root = enrtree.entry_label(branch)
    lines.append(_txt(f"{e_root}.{domain}", branch))
    link_labels = [enrtree.entry_label(t) for t in links]
    for label, text in zip(link_labels, links):
        lines.append(_txt(f"{label}.{domain}", text))
    l_branch = enrtree.format_branch(link_labels)
    l_root = enrtree.entry_label(l_branch)
    lines.append(_txt(f"{l_root}.{domain}", l_branch))
    signer = secp256k1.generate_private_key(os.urandom) if bad_sig else key
    lines.append(_txt(domain, enrtree.format_root(enrtree.sign_root(e_root, l_root, seq, signer))))
    return lines


class Dnsmasq:
    def __init__(self, tmp_path, lines):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = tmp_path / "zone.conf"
        conf.write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(
            [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
             f"--port={self.port}", f"--conf-file={conf}", "--user=root", f"--pid-file={tmp_path / 'dnsmasq.pid'}", "--log-facility=-"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                return  # dnsmasq holds the port: it is serving
            finally:
                probe.close()
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.proc.stderr.read().decode()}")
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


def _records(n):
    keys = [secp256k1.generate_private_key(os.urandom) for _ in range(n)]
    return [enr_text(build_enr(k, 1, ip="127.0.0.1", tcp=60000 + i, udp=9000 + i, waku2_flags=["relay"], rs=(16, [32]))) for i, k in enumerate(keys)]


@requires_dnsmasq
def test_resolve_verify_follow_link_and_refuse_tampering(tmp_path):
    main_key, linked_key = (secp256k1.generate_private_key(os.urandom) for _ in range(2))
    linked_url = enrtree.format_link(secp256k1.public_key(linked_key), "linked.test")
    main_enrs, linked_enrs = _records(5), _records(2)
    lines = build_tree("nodes.test", main_key, main_enrs, [linked_url], seq=3)
    lines += build_tree("linked.test", linked_key, linked_enrs, [], seq=1)
    lines += build_tree("tampered.test", main_key, _records(2), [], seq=1, tamper_leaf=True)
    lines += build_tree("forged.test", main_key, _records(2), [], seq=1, bad_sig=True)
    server = Dnsmasq(tmp_path, lines)
    url = enrtree.format_link(secp256k1.public_key(main_key), "nodes.test")

    async def main():
        resolver = TreeResolver(dnspython_lookup("127.0.0.1", server.port))
        found = [e.text async for e in resolver.walk(url)]
        assert set(found) == set(main_enrs) | set(linked_enrs) and len(found) == 7
        assert resolver.roots["nodes.test"].seq == 3
        # lazily: taking two records stops the walk early
        lazy = TreeResolver(dnspython_lookup("127.0.0.1", server.port))
        calls = []
        inner = lazy.lookup

        async def counting(name):
            calls.append(name)
            return await inner(name)

        lazy.lookup = counting
        async for i, _ in _aenumerate(lazy.walk(url)):
            if i == 1:
                break
        assert len(calls) == 4  # root, branch, two leaves
        with pytest.raises(TreeHashMismatch):
            [e async for e in resolver.walk(url.replace("nodes.test", "tampered.test"))]
        with pytest.raises(BadSignature):
            [e async for e in resolver.walk(url.replace("nodes.test", "forged.test"))]
        resolver.roots["nodes.test"] = enrtree.sign_root("A" * 26, "B" * 26, 9, main_key)
        with pytest.raises(RootRollback):
            [e async for e in resolver.walk(url)]

    try:
        trio.run(main)
    finally:
        server.stop()


async def _aenumerate(it):
    i = 0
    async for x in it:
        yield i, x
        i += 1
