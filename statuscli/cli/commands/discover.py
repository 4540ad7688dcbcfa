"""statuscli discover — find Waku nodes through Discovery v5, EIP-1459 DNS trees and rendezvous."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit_event, info

EPILOG = """\b
Output: one JSON object per node found (whatever --output), as soon as it is found:
  {"type": "node", "enr": "enr:…", "node_id": "0x…", "peer_id": "16Uiu2…",
   "multiaddrs": ["/ip4/…/tcp/…/p2p/16Uiu2…"], "capabilities": ["relay", …],
   "shards": {"cluster_id": 16, "shards": [32, 64]} | null, "source": "discv5" | "enrtree" | "rendezvous"}
A summary goes to stderr. Each node is printed once (the first source that found it).
A rendezvous point hands out signed peer records, not ENRs: for source "rendezvous", "enr" and
"capabilities" are null, "node_id" is derived from the peer id's secp256k1 key, and "shards" are
the rs/CLUSTER/SHARD namespaces the node registered under (asked for: --cluster, --shard).
"""


@click.command(epilog=EPILOG)
@click.option("--discv5", "discv5", multiple=True, metavar="ENR", help="Bootstrap record for a Discovery v5 walk (repeatable).")
@click.option("--enrtree", "enrtree", multiple=True, metavar="URL", help="enrtree://KEY@DOMAIN DNS node list (repeatable).")
@click.option("--rendezvous", "rendezvous", multiple=True, metavar="MULTIADDR",
              help="Rendezvous point, /…/p2p/ID (repeatable): list the nodes registered under rs/CLUSTER/SHARD.")
@click.option("--cluster", "cluster_id", type=click.IntRange(0, 65535), default=16, show_default=True, help="Cluster of the rendezvous namespaces.")
@click.option("--shard", "shards", type=click.IntRange(0, 1023), multiple=True, help="Shard of a rendezvous namespace (repeatable). [default: 32 and 64]")
@click.option("--count", type=click.IntRange(1), default=None, metavar="N", help="Stop after N nodes.")
@click.option("--timeout", type=click.FloatRange(0), default=10.0, show_default=True, metavar="S", help="Stop after S seconds.")
@click.option("--dns-server", metavar="HOST[:PORT]", help="DNS server for --enrtree. [default: the system resolver]")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Local UDP port for discv5 (0: any).")
@pass_app
def cli(app: AppContext, discv5, enrtree, rendezvous, cluster_id, shards, count, timeout, dns_server, port) -> None:
    """Find Waku nodes through Discovery v5 (from bootstrap ENRs), DNS node lists (EIP-1459) and rendezvous points.

    Discovery v5 walks the network from the given records; DNS trees are verified (root
    signature, every hash) and walked lazily; rendezvous points are asked for the signed peer
    records registered under each shard's namespace. One JSON line per node found.

    \b
    Examples:
      statuscli discover --discv5 enr:-QESuED0qW1BCmF-oH_ARGPr97Nv767bl_43uoy70vrbah3EaCAdK3Q0iRQ6wkSTTpdrg_dU_NC2ydO8leSlRpBX4pxiAYJpZIJ2NIJpcIRA4VDAim11bHRpYWRkcnO4XAArNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQZ2XwAtNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQYfQN4DgnJzkwABCAAAAAEAAgADAAQABQAGAAeJc2VjcDI1NmsxoQOTd-h5owwj-cx7xrmbvQKU8CV3Fomfdvcv1MBc-67T5oN0Y3CCdl-DdWRwgiMohXdha3UyDw --count 20
      statuscli discover --enrtree enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.example.org --count 5
      statuscli discover --discv5 enr:… --timeout 30 | jq -r '.multiaddrs[0]'
      statuscli discover --rendezvous /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm… --shard 32
    """
    from statuscli.app import discover as appdiscover

    opts = appdiscover.DiscoverOptions(discv5=list(discv5), enrtree=list(enrtree), count=count, timeout=timeout, dns_server=dns_server, port=port,
                                       rendezvous=list(rendezvous), cluster_id=cluster_id, shards=list(shards) or [32, 64])  # fmt: skip
    summary = appdiscover.discover(opts, lambda node: emit_event(app, {"type": "node", **node}))
    info(app, f"{summary['found']} node(s) found (" + ", ".join(f"{k}: {v}" for k, v in summary["sources"].items()) + ")")
