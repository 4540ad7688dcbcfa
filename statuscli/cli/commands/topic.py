"""statuscli topic — compute Status/Waku topics, content topics and shards (offline, cheap)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit

KIND_HELP = """\b
KIND and VALUE (and the string that is hashed):
  contact-code  public key    0x<pub hex>-contact-code        bundle/profile adverts
  partitioned   public key    contact-discovery-<X mod 5000>  first contact, 1:1
  negotiated    32-byte hex   <secret hex>                    1:1 after agreement
  public        channel name  <name>                          public chats
  personal      public key    contact-discovery-<pub hex>     personal discovery
  name          any string    <string>                        anything else
Public keys may be 0x04…, 0x02/03… or zQ3…; '-' reads VALUE from stdin.
"""


@click.group()
def cli() -> None:
    """Compute Status/Waku topics, content topics and shards.

    \b
    Examples:
      statuscli topic compute public status
      statuscli --json topic compute partitioned zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB
      statuscli topic shard /toychat/2/huilong/proto --shards 8
    """


@cli.command(epilog=KIND_HELP)
@click.argument("kind", metavar="KIND",
                type=click.Choice(["contact-code", "partitioned", "negotiated", "public", "personal", "name"]))
@click.argument("value", metavar="VALUE|-")
@click.option("--symkey", is_flag=True, help="Also derive the topic's PBKDF2 symmetric key (65356 rounds; slower).")
@pass_app
def compute(app: AppContext, kind: str, value: str, symkey: bool) -> None:
    """Compute the topic of KIND for VALUE: the hashed string (name), the 4-byte topic, the
    Waku v2 content topic, the pubsub topic it is published on, and the Waku v1 bloom filter.

    \b
    Examples:
      statuscli topic compute public status
      statuscli topic compute contact-code zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB
      statuscli --json topic compute negotiated 0x5d3ad8f5b6aa9c2ef1c5e0f2e4a7d0b38b6a0e2f4c1d3e5a7b9c0d2e4f6a8b0c --symkey
      echo -n contact-discovery | statuscli topic compute name -
    """
    from statuscli.cli.inputs import text_arg
    from statuscli.core.topics import chat

    text = text_arg(value)
    if kind in ("contact-code", "partitioned", "personal"):
        from statuscli.core.identity.keytext import parse_public_key_text

        info = chat.compute(kind, parse_public_key_text(text.strip()))
    elif kind == "negotiated":
        from statuscli.core.encoding import from_hex

        info = chat.compute(kind, from_hex(text.strip(), what="the negotiated secret", length=32))
    else:
        info = chat.compute(kind, text)
    data = info.to_json()
    if symkey:
        key = chat.symmetric_key(info)
        data["symmetric_key"] = None if key is None else "0x" + key.hex()
    emit(app, data)


@cli.command()
@click.argument("content_topic", metavar="CONTENT_TOPIC|-")
@click.option("--shards", type=click.IntRange(1, 65536), default=8, show_default=True,
              help="Number of shards in the cluster (The Waku Network: 8).")
@click.option("--cluster", "cluster_id", type=click.IntRange(0, 65535), default=1, show_default=True,
              help="Cluster id for the pubsub topic (The Waku Network: 1; Status: 16).")
@pass_app
def shard(app: AppContext, content_topic: str, shards: int, cluster_id: int) -> None:
    """Autosharding: the shard and pubsub topic of a named content topic
    (/app/version/name/encoding, optionally with a leading /0 generation).

    shard = last 8 bytes of SHA-256(application ‖ version), big-endian, mod SHARDS.
    (Status itself uses static sharding: /waku/2/rs/16/32.)

    \b
    Examples:
      statuscli topic shard /toychat/2/huilong/proto
      statuscli --json topic shard /myapp/1/latest/proto --shards 16 --cluster 16
    """
    from statuscli.cli.inputs import text_arg
    from statuscli.core.topics.sharding import autoshard

    a = autoshard(text_arg(content_topic).strip(), shards=shards, cluster_id=cluster_id)
    ct = a.content_topic
    emit(app, {
        "content_topic": str(ct),
        "generation": ct.generation,
        "application": ct.application,
        "version": ct.version,
        "cluster_id": a.cluster_id,
        "shards": a.shards,
        "shard": a.shard_id,
        "pubsub_topic": a.pubsub_topic,
    })
