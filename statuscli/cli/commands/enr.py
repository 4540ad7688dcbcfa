"""statuscli enr — decode and encode Ethereum Node Records (EIP-778 with the Waku keys of RFC 31)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.inputs import SECRET_FORMS
from statuscli.cli.output import emit


@click.group()
def cli() -> None:
    """Decode and encode Ethereum Node Records (EIP-778, Waku RFC 31).

    \b
    Examples:
      statuscli enr decode - < record.txt
      statuscli enr encode --key 0xb71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291 --ip 10.0.0.1 --tcp 60000 --waku2 relay,store
    """


def _render(d: dict) -> str:
    lines = []
    for k, v in d.items():
        if k == "waku2_flags":
            v = ", ".join(name for name, on in v.items() if on) or "-"
        elif k == "shards":
            v = f"cluster {v['cluster_id']}: {', '.join(map(str, v['shards']))} ({v['key']})"
        elif isinstance(v, list):
            v = "\n  ".join([""] + [str(x) for x in v]) if k == "multiaddrs" else ", ".join(map(str, v))
        elif isinstance(v, dict):
            v = ", ".join(f"{a}={b}" for a, b in v.items())
        elif isinstance(v, bool):
            v = "yes" if v else "no"
        lines.append(f"{k + ':':<17} {v}")
    return "\n".join(lines)


@cli.command()
@click.argument("record", metavar="ENR|-")
@click.option("--no-verify", is_flag=True, help="Decode even when the signature does not verify (reported as invalid).")
@pass_app
def decode(app: AppContext, record: str, no_verify: bool) -> None:
    """Decode an ENR ('enr:…' text, or the raw RLP as hex/base64; '-' reads stdin): id, seq,
    public key, node id, libp2p peer id, ip, tcp/udp ports, multiaddrs, waku2 capabilities, shards.

    Exit 4 when the signature does not verify, 3 when the record is malformed.

    \b
    Examples:
      statuscli enr decode enr:-Iu4QMTV1vSz_hVXxnEL-Kyz-OmaXhlXYfbtfcT58oR1xfIZc8Zx-03VijJs6p-BY_hMWEhmmSa58xm-Uj8xc2utdSgBgmlkgnY0gmlwhAAAAACJc2VjcDI1NmsxoQIJIvZxmUAqxvruSndgZqyiVBHXo3D52SnKRa4tj6vejoN0Y3CC6mCFd2FrdTIC
      statuscli --json enr decode - < record.txt
    """
    from statuscli.cli.inputs import decode_bytes, text_arg
    from statuscli.core.waku.enr import decode_enr

    text = text_arg(record).strip()
    value = text if text.startswith("enr:") else decode_bytes(text.encode(), "auto", what="ENR")
    emit(app, decode_enr(value, verify=not no_verify).to_json(), text=_render)


def _parse_shards(spec: str) -> tuple[int, list[int]]:
    """CLUSTER:SHARD[,SHARD…] with ranges, e.g. 16:32,64 or 1:0-7."""
    from statuscli.core.errors import UsageError

    try:
        cluster, rest = spec.split(":", 1)
        shards: list[int] = []
        for part in rest.split(","):
            lo, _, hi = part.partition("-")
            shards += list(range(int(lo), int(hi or lo) + 1))
        return int(cluster), shards
    except ValueError:
        raise UsageError(f"--shards takes CLUSTER:SHARD[,SHARD|A-B…], not {spec!r}") from None


@cli.command()
@click.option("--key", required=True, metavar="HEX", help="The node's secp256k1 private key (signs the record). " + SECRET_FORMS)
@click.option("--seq", type=int, default=1, show_default=True, help="Sequence number.")
@click.option("--ip", default=None, help="IPv4 or IPv6 address.")
@click.option("--tcp", type=int, default=None, help="TCP port.")
@click.option("--udp", type=int, default=None, help="UDP port (discv5).")
@click.option("--waku2", default="", metavar="CAPS", help="Capabilities: relay,store,filter,lightpush,sync (or a number).")
@click.option("--multiaddr", "multiaddrs", multiple=True, help="A multiaddr for the 'multiaddrs' key, e.g. /dns4/host/tcp/443/wss.")
@click.option("--shards", default=None, metavar="CLUSTER:LIST", help="Relay shards, e.g. 16:32,64 or 1:0-7 (rs; rsv from 64 shards).")
@pass_app
def encode(app: AppContext, key, seq, ip, tcp, udp, waku2, multiaddrs, shards) -> None:
    """Build and sign a v4 record for a Waku node; prints 'enr:…' (with --json, the decoded fields too).

    \b
    Examples:
      statuscli enr encode --key 0xb71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291 --ip 127.0.0.1 --udp 30303
      statuscli --json enr encode --key 0x0101010101010101010101010101010101010101010101010101010101010101 --ip 10.0.0.1 --tcp 60000 --waku2 relay,store --shards 16:32,64 \\
          --multiaddr /dns4/node.example.org/tcp/443/wss
    """
    from statuscli.cli.inputs import secret_hex
    from statuscli.core.waku.enr import build_enr, decode_enr, enr_text

    flags = int(waku2, 0) if waku2.strip().isdigit() or waku2.startswith("0x") else [w.strip() for w in waku2.split(",") if w.strip()]
    raw = build_enr(secret_hex(key, option="--key", length=32), seq, ip=ip, tcp=tcp, udp=udp, waku2_flags=flags,
                    multiaddrs=multiaddrs, rs=_parse_shards(shards) if shards else None)
    emit(app, decode_enr(raw).to_json(), text=enr_text(raw))
