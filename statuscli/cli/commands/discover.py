"""statuscli discover — find Waku nodes through Discovery v5 and EIP-1459 DNS trees."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit_event, info

EPILOG = """\b
Output: one JSON object per node found (whatever --output), as soon as it is found:
  {"type": "node", "enr": "enr:…", "node_id": "0x…", "peer_id": "16Uiu2…",
   "multiaddrs": ["/ip4/…/tcp/…/p2p/16Uiu2…"], "capabilities": ["relay", …],
   "shards": {"cluster_id": 16, "shards": [32, 64]} | null, "source": "discv5" | "enrtree"}
A summary goes to stderr. Each node is printed once (the first source that found it).
"""


@click.command(epilog=EPILOG)
@click.option("--discv5", "discv5", multiple=True, metavar="ENR", help="Bootstrap record for a Discovery v5 walk (repeatable).")
@click.option("--enrtree", "enrtree", multiple=True, metavar="URL", help="enrtree://KEY@DOMAIN DNS node list (repeatable).")
@click.option("--rendezvous", metavar="MULTIADDR", help="Rendezvous point (not implemented yet: refused with exit 2).")
@click.option("--count", type=click.IntRange(1), default=None, metavar="N", help="Stop after N nodes.")
@click.option("--timeout", type=click.FloatRange(0), default=10.0, show_default=True, metavar="S", help="Stop after S seconds.")
@click.option("--dns-server", metavar="HOST[:PORT]", help="DNS server for --enrtree. [default: the system resolver]")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Local UDP port for discv5 (0: any).")
@pass_app
def cli(app: AppContext, discv5, enrtree, rendezvous, count, timeout, dns_server, port) -> None:
    """Find Waku nodes through Discovery v5 (from bootstrap ENRs) and DNS node lists (EIP-1459).

    Discovery v5 walks the network from the given records; DNS trees are verified (root
    signature, every hash) and walked lazily. One JSON line per node found.

    \b
    Examples:
      statuscli discover --discv5 enr:-QESuED0qW1BCmF-oH_ARGPr97Nv767bl_43uoy70vrbah3EaCAdK3Q0iRQ6wkSTTpdrg_dU_NC2ydO8leSlRpBX4pxiAYJpZIJ2NIJpcIRA4VDAim11bHRpYWRkcnO4XAArNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQZ2XwAtNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQYfQN4DgnJzkwABCAAAAAEAAgADAAQABQAGAAeJc2VjcDI1NmsxoQOTd-h5owwj-cx7xrmbvQKU8CV3Fomfdvcv1MBc-67T5oN0Y3CCdl-DdWRwgiMohXdha3UyDw --count 20
      statuscli discover --enrtree enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.example.org --count 5
      statuscli discover --discv5 enr:… --timeout 30 | jq -r '.multiaddrs[0]'
    """
    from statuscli.app import discover as appdiscover
    from statuscli.core.errors import UsageError

    if rendezvous:
        raise UsageError("rendezvous discovery is not implemented yet", hint="use --discv5 ENR or --enrtree URL")
    opts = appdiscover.DiscoverOptions(discv5=list(discv5), enrtree=list(enrtree), count=count, timeout=timeout, dns_server=dns_server, port=port)
    summary = appdiscover.discover(opts, lambda node: emit_event(app, {"type": "node", **node}))
    info(app, f"{summary['found']} node(s) found (" + ", ".join(f"{k}: {v}" for k, v in summary["sources"].items()) + ")")
