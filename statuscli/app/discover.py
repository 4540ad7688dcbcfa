"""Finding Waku nodes without a running node: Discovery v5 walks from bootstrap records,
EIP-1459 DNS trees and rendezvous points. Each node is reported once (first source wins) as soon
as it is found.

A node report: ``enr``, ``node_id``, ``peer_id``, ``multiaddrs`` (dialable, ``/p2p/``-terminated),
``capabilities`` (waku2 names), ``shards`` ({cluster_id, shards} or null), ``source``
(``discv5``, ``enrtree``, ``rendezvous``). A rendezvous point hands out signed peer records, not
ENRs: there ``enr`` and ``capabilities`` are null, ``node_id`` is derived from the peer id's
secp256k1 key (null for another key type), and ``shards`` are the ``rs/<cluster>/<shard>``
namespaces the node registered under.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from statuscli.core.errors import InvalidInput, NotFound, StatusCliError, UsageError
from statuscli.core.waku.enr import WAKU2_BITS, Enr, decode_enr


@dataclass
class DiscoverOptions:
    discv5: list[str] = field(default_factory=list)
    enrtree: list[str] = field(default_factory=list)
    count: int | None = None
    timeout: float = 10.0
    dns_server: str | None = None  # HOST[:PORT]; system resolver when None
    port: int = 0
    rendezvous: list[str] = field(default_factory=list)  # points: multiaddrs ending in /p2p/<id>
    cluster_id: int = 16
    shards: list[int] = field(default_factory=lambda: [32, 64])


def describe(enr: Enr, source: str) -> dict:
    from statuscli.net.peer_exchange import enr_multiaddrs

    shards = enr.shards
    flags = enr.waku2 or 0
    return {
        "enr": enr.text,
        "node_id": "0x" + enr.node_id.hex(),
        "peer_id": enr.peer_id,
        "multiaddrs": enr_multiaddrs(enr),
        "capabilities": [name for i, name in enumerate(WAKU2_BITS) if flags >> i & 1],
        "shards": {"cluster_id": shards[0], "shards": shards[1]} if shards else None,
        "source": source,
    }


def check_points(points: list[str]) -> None:
    for p in points:
        if "/p2p/" not in p or not p.startswith("/"):
            raise InvalidInput(f"rendezvous point {p!r} is not a multiaddr ending in /p2p/<peer id>",
                               hint="e.g. /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm…")  # fmt: skip


def parse_bootstrap(texts: list[str]) -> list[Enr]:
    out = []
    for t in texts:
        enr = decode_enr(t.strip())
        if enr.udp is None and enr.udp6 is None:
            raise InvalidInput(f"bootstrap record {t[:24]}… has no udp port", hint="discv5 needs a record with ip and udp")
        out.append(enr)
    return out


def dns_lookup_for(server: str | None):
    from statuscli.net.dns_discovery import dnspython_lookup

    if server is None:
        return dnspython_lookup()
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
    try:
        return dnspython_lookup(host or server, int(port or 53))
    except ValueError:
        raise UsageError(f"--dns-server takes HOST[:PORT], not {server!r}") from None


def find_service_node(bootstrap: list[str], enrtree_urls: list[str], need: set[str], *, timeout: float = 20.0,
                      dns_server: str | None = None) -> str:  # fmt: skip
    """The ``enr:`` text of the first node found that serves every capability in ``need``
    (waku2 names) and has a TCP address; NotFound (exit 7) when none turns up within ``timeout``."""
    found: list[dict] = []

    def on_node(node: dict) -> bool:
        if need <= set(node["capabilities"]) and node["multiaddrs"]:
            found.append(node)
            return True
        return False

    opts = DiscoverOptions(discv5=bootstrap, enrtree=enrtree_urls, timeout=timeout, dns_server=dns_server)
    try:
        discover(opts, on_node)
    except NotFound:
        pass
    if not found:
        raise NotFound(f"no node serving {', '.join(sorted(need))} found within {timeout:g} s",
                       hint="give --node MULTIADDR, or other --bootstrap/--enrtree sources")  # fmt: skip
    return found[0]["enr"]


def discover(opts: DiscoverOptions, on_node: Callable[[dict], bool | None]) -> dict:
    """Run discovery until ``count`` nodes or ``timeout`` seconds; report each node via ``on_node``
    (which may return True to stop there)."""
    if not opts.discv5 and not opts.enrtree and not opts.rendezvous:
        raise UsageError("give at least one source: --discv5 ENR, --enrtree URL or --rendezvous MULTIADDR")
    bootstrap = parse_bootstrap(opts.discv5)
    check_points(opts.rendezvous)
    from statuscli.core.waku import enrtree

    for url in opts.enrtree:
        enrtree.parse_link(url)
    import trio

    seen: set[str] = set()
    summary = {"type": "summary", "found": 0, "sources": {}}

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            def report(enr: Enr | dict, source: str) -> None:
                node = describe(enr, source) if isinstance(enr, Enr) else enr
                key = node["node_id"] or node["peer_id"]
                if key in seen:
                    return
                seen.add(key)
                summary["found"] += 1
                summary["sources"][source] = summary["sources"].get(source, 0) + 1
                stop = on_node(node)
                if stop or (opts.count is not None and len(seen) >= opts.count):
                    nursery.cancel_scope.cancel()

            for url in opts.enrtree:
                nursery.start_soon(_walk_tree, url, report)
            if bootstrap:
                nursery.start_soon(_walk_discv5, bootstrap, report, opts.port)
            if opts.rendezvous:
                from statuscli.app.discover_rendezvous import ask_points

                only = not bootstrap and not opts.enrtree

                async def rendezvous_then_stop() -> None:
                    await ask_points(opts.rendezvous, opts.cluster_id, opts.shards, report, only_source=only)
                    if only:  # the points' answers are complete: nothing more will come
                        nursery.cancel_scope.cancel()

                nursery.start_soon(rendezvous_then_stop)
            with trio.move_on_after(opts.timeout):
                await trio.sleep_forever()
            nursery.cancel_scope.cancel()

    async def _walk_tree(url: str, report) -> None:
        from statuscli.net.dns_discovery import TreeResolver

        async for enr in TreeResolver(dns_lookup_for(opts.dns_server)).walk(url):
            report(enr, "enrtree")

    try:
        trio.run(main)
    except BaseExceptionGroup as eg:
        leaf = _first_error(eg)
        raise leaf from eg
    if not seen:
        raise NotFound(f"no node found within {opts.timeout:g} s")
    return summary


async def _walk_discv5(bootstrap: list[Enr], report, port: int) -> None:
    import trio

    from statuscli.core.crypto import secp256k1
    from statuscli.core.discv5.local_record import LocalRecord
    from statuscli.net.discv5.lookup import random_walk
    from statuscli.net.discv5.service import Discv5Service

    key = secp256k1.generate_private_key(os.urandom)
    loopback = all((e.ip or "").startswith("127.") for e in bootstrap)
    svc = Discv5Service(key, LocalRecord(key, 1), host="127.0.0.1" if loopback else "0.0.0.0", port=port)
    async with trio.open_nursery() as nursery:
        await nursery.start(svc.serve)
        for enr in bootstrap:
            svc.add_bootstrap(enr)
        svc.on_discovered = lambda enr: report(enr, "discv5")
        pending = list(bootstrap)
        while True:
            for enr in list(pending):  # the bootstrap nodes' own current records (FINDNODE distance 0)
                try:
                    for own in await svc.find_node(enr, [0]):
                        report(own, "discv5")
                    pending.remove(enr)
                except StatusCliError:
                    pass
            await random_walk(svc)
            await trio.sleep(0.2)


def _first_error(eg: BaseExceptionGroup) -> BaseException:
    for e in eg.exceptions:
        if isinstance(e, BaseExceptionGroup):
            return _first_error(e)
        if isinstance(e, StatusCliError):
            return e
    return eg.exceptions[0]
