"""``discover --rendezvous``: ask rendezvous points for the nodes registered under our shards.

A throw-away libp2p host (fresh key, listening nowhere) dials each point and pages through each
``rs/<cluster>/<shard>`` namespace with the point's cookies. Records that fail to verify are
skipped. A node registered under several namespaces is reported once, with all its shards.
A point that is unreachable or refuses is logged and the next one asked; when every point failed
and rendezvous is the only source, the first error ends the command (exit 6). The answers of the
points are complete, so :func:`ask_points` returns once all were asked.
"""

from __future__ import annotations

import logging
import os

from statuscli.core.errors import StatusCliError
from statuscli.core.rendezvous import parse_shard_namespace, shard_namespace

log = logging.getLogger("statuscli.discover")

PAGE = 100


def node_id_of(peer_id: str) -> str | None:
    """The discv5 node id (keccak256 of the uncompressed key) of a secp256k1 peer id."""
    from libp2p.crypto.keys import KeyType
    from libp2p.peer.id import ID

    from statuscli.core.crypto import secp256k1
    from statuscli.core.crypto.hashing import keccak256

    try:
        key = ID.from_base58(peer_id).extract_public_key()
    except Exception:
        return None
    if key is None or key.get_type() != KeyType.Secp256k1:
        return None
    return "0x" + keccak256(secp256k1.decompress(key.to_bytes())[1:]).hex()


def describe_found(peer_id: str, multiaddrs: list[str], namespaces: set[str]) -> dict:
    shards = sorted({cs for cs in (parse_shard_namespace(ns) for ns in namespaces) if cs is not None})
    clusters = {c for c, _ in shards}
    return {
        "enr": None,
        "node_id": node_id_of(peer_id),
        "peer_id": peer_id,
        "multiaddrs": multiaddrs,
        "capabilities": None,
        "shards": {"cluster_id": shards[0][0], "shards": [s for _, s in shards]} if len(clusters) == 1 else None,
        "source": "rendezvous",
    }


async def ask_points(points: list[str], cluster_id: int, shards: list[int], report, *, only_source: bool) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.net import rendezvous as rdv
    from statuscli.net.host import WakuHost
    from statuscli.net.stats import Counters

    host = WakuHost(secp256k1.generate_private_key(os.urandom), [], agent="statuscli-discover")
    counters = Counters()
    namespaces = [shard_namespace(cluster_id, s) for s in shards]
    errors: list[StatusCliError] = []
    async with host.run():
        for point in points:
            try:
                pid = await host.connect(point, timeout=10.0)
                seen: dict[str, tuple[list[str], set[str]]] = {}
                for ns in namespaces:
                    cookie = b""
                    while True:
                        found, cookie = await rdv.discover(host.host, pid, ns, limit=PAGE, cookie=cookie, counters=counters)
                        for f in found:
                            seen.setdefault(f.peer_id, (f.multiaddrs, set()))[1].add(ns)
                        if len(found) < PAGE:
                            break
                for peer_id, (addrs, in_ns) in seen.items():
                    report(describe_found(peer_id, addrs, in_ns), "rendezvous")
            except StatusCliError as e:
                log.warning("rendezvous point %s: %s", point, e.message)
                errors.append(e)
    if only_source and errors and len(errors) == len(points):
        raise errors[0]
