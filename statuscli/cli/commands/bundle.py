"""statuscli bundle — X3DH prekey bundles: create, show, export, verify, import."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, render_text
from statuscli.cli.secure_common import account, now_option, read_data, resolve_peer, rng_from_seed, seed_option, short_key, write_bytes
from statuscli.cli.secure_common import now_ms as _now


@click.group()
def cli() -> None:
    """X3DH prekey bundles: our signed prekey per installation, signed with the chat key.

    A bundle tells peers how to start an encrypted session with this account. It is attached to
    every message 'statuscli encrypt' produces; 'export' writes it for out-of-band exchange. The
    signed prekey rotates every 24 hours (old ones still decrypt late messages).

    \b
    Examples:
      statuscli bundle create
      statuscli bundle export > alice.bundle
      statuscli bundle verify alice.bundle
      statuscli --account bob bundle import alice.bundle --name alice
      statuscli bundle publish              # on the network (contact-code topic)
      statuscli bundle fetch bob            # from the network's store
    """


def _summary(bundle, identity: bytes | None = None) -> dict:
    from statuscli.core.crypto import secp256k1

    ident = identity or secp256k1.decompress(bundle.identity)
    return {
        "identity": "0x" + ident.hex(),
        "compressed_key": short_key(ident),
        "timestamp": bundle.timestamp,
        "installations": {
            iid: {"signed_pre_key": spk.signed_pre_key, "version": spk.version, "protocol_version": spk.protocol_version}
            for iid, spk in sorted(bundle.signed_pre_keys.items())
        },
    }


def _summary_text(d: dict) -> str:
    lines = [f"identity:   {d['compressed_key']}", f"timestamp:  {d['timestamp']}"]
    for iid, spk in d["installations"].items():
        lines.append(f"installation {iid}: prekey 0x{spk['signed_pre_key'].hex()} version {spk['version']}")
    return "\n".join(lines)


@cli.command()
@click.option("--rotate", is_flag=True, help="Replace the signed prekey now instead of after 24 hours.")
@now_option
@seed_option
@pass_app
def create(app: AppContext, rotate: bool, now_ms: int | None, seed: str | None) -> None:
    """Create (or keep) our bundle: a signed prekey for this installation.

    Idempotent: an existing prekey younger than 24 hours is kept; --rotate forces a new one.

    \b
    Examples:
      statuscli bundle create
      statuscli --json bundle create --rotate
    """
    from statuscli.app.secure import create_bundle

    acct = account(app)
    bundle, rotated = create_bundle(acct, now_ms=_now(now_ms), rotate=rotate, rng=rng_from_seed(seed))
    data = _summary(bundle, acct.chat_public_key)
    data["rotated"] = rotated
    emit(app, data, text=lambda d: _summary_text(d) + ("\n(signed prekey rotated)" if d["rotated"] else ""))


@cli.command()
@click.argument("peer", metavar="[PEER]", required=False)
@pass_app
def show(app: AppContext, peer: str | None) -> None:
    """Show our signed prekeys, or what we know of PEER (installations, prekeys, sessions).

    No passphrase needed. PEER is a public key (0x04…, zQ3…) or a contact name.

    \b
    Examples:
      statuscli bundle show
      statuscli --json bundle show bob
    """
    from statuscli.app.secure import bundle_state, peer_state

    acct = account(app, unlock=False)
    if peer is None:
        data = bundle_state(acct)

        def text(d: dict) -> str:
            cur = d["current"]
            head = f"installation: {d['installation_id']}\n"
            if cur is None:
                return head + "no bundle yet (create one with 'statuscli bundle create')"
            old = len(d["prekeys"]) - 1
            return head + f"prekey:       0x{cur['signed_pre_key'].hex()} (version {cur['version']}, created {cur['created_ns']} ns)" + (
                f"\nolder prekeys kept for late messages: {old}" if old > 0 else ""
            )

        emit(app, data, text=text)
        return
    data = peer_state(acct, resolve_peer(acct, peer))

    def ptext(d: dict) -> str:
        lines = [f"identity: {short_key(bytes.fromhex(d['identity'][2:]))}"]
        if not d["installations"]:
            lines.append("no installations known (import their bundle or receive a message)")
        for i in d["installations"]:
            spk = i["signed_pre_key"]
            lines.append(
                f"installation {i['installation_id']}: "
                + (f"prekey v{spk['version']}" if spk else "no current prekey")
                + ("" if i["enabled"] else " (disabled)")
            )
        for s in d["sessions"]:
            lines.append(f"session with {s['peer_installation_id']} as {s['role']}: sent {s['send_n']}, received {s['recv_n']}"
                         + ("" if s["confirmed"] else " (unconfirmed)"))  # fmt: skip
        lines.append(f"shared secret agreed: {'yes' if d['shared_secret_agreed'] else 'no'}")
        return "\n".join(lines)

    emit(app, data, text=ptext)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["hex", "base64", "raw"]), default="hex", show_default=True,
              help="How to write the protobuf.")  # fmt: skip
@now_option
@seed_option
@pass_app
def export(app: AppContext, fmt: str, now_ms: int | None, seed: str | None) -> None:
    """Write our bundle (a signed Bundle protobuf) for a peer to import.

    The bundle is signed now; the prekey is created or rotated first when needed.

    \b
    Examples:
      statuscli bundle export > my.bundle
      statuscli bundle export --format raw > my.bundle.pb
      statuscli --json bundle export | jq -r .bundle
    """
    from statuscli.app.secure import create_bundle

    acct = account(app)
    bundle, _ = create_bundle(acct, now_ms=_now(now_ms), rng=rng_from_seed(seed))
    data = bundle.encode()
    if app.json:
        out = _summary(bundle, acct.chat_public_key)
        out["bundle"] = data
        emit(app, out)
    else:
        write_bytes(data, fmt)


@cli.command()
@click.argument("source", metavar="FILE|-")
@pass_app
def verify(app: AppContext, source: str) -> None:
    """Check a bundle's signature (exit 4 when it does not match its identity key).

    Reads a Bundle protobuf (hex, base64 or raw), or a ProtocolMessage carrying bundles.
    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli bundle verify alice.bundle
      statuscli bundle export | statuscli bundle verify -
    """
    from statuscli.app.secure import bundles_in

    found = bundles_in(read_data(source, "bundle", allow_inline=True))
    results = [_summary(b, b.verify()) for b in found]
    data = results[0] if len(results) == 1 else {"bundles": results}
    for r in results:
        r["valid"] = True

    def text(d: dict) -> str:
        items = d.get("bundles", [d])
        return "\n".join("valid bundle\n" + _summary_text(x) for x in items)

    emit(app, data, text=text)


@cli.command(name="import")
@click.argument("source", metavar="FILE|-")
@click.option("--name", help="Also remember the bundle's identity under this contact name.")
@now_option
@pass_app
def import_(app: AppContext, source: str, name: str | None, now_ms: int | None) -> None:
    """Verify a peer's bundle and store it, so 'x3dh init' / 'encrypt' can start a session.

    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli --account bob bundle import alice.bundle --name alice
      statuscli bundle export --account alice | statuscli bundle import - --account bob
    """
    from statuscli.app.peers import add_contact
    from statuscli.app.secure import handle_bundle
    from statuscli.core.errors import UsageError

    data = read_data(source, "bundle", allow_inline=True)
    acct = account(app, unlock=False)
    now = _now(now_ms)
    infos = handle_bundle(acct, data, now_ms=now)
    if name:
        idents = {i.identity for i in infos}
        if len(idents) != 1:
            raise UsageError("--name needs exactly one identity in the input")
        add_contact(acct, name, idents.pop(), now)
    out = [i.to_json() for i in infos]
    for o in out:
        o["compressed_key"] = short_key(bytes.fromhex(o["identity"][2:]))
    data = out[0] if len(out) == 1 else {"bundles": out}
    if name:
        data["contact"] = name

    def text(d: dict) -> str:
        items = d.get("bundles", [d])
        lines = [
            f"imported bundle of {x['compressed_key']}: {len(x['installations'])} installation(s), {len(x['new_installations'])} new"
            for x in items
        ]
        if name:
            lines.append(f"contact: {name}")
        return "\n".join(lines) if lines else render_text(d)

    emit(app, data, text=text)


# --- over the network (statuscli.app.messaging.bundles) -------------------------------------------
def _network_options(f):
    from statuscli.cli.messaging_common import transport_options

    return transport_options(f)


@cli.command()
@_network_options
@pass_app
def publish(app: AppContext, node, relay) -> None:
    """Publish our bundle on our contact-code topic, where peers (and stores) find it.

    What status-go publishes every 6 hours ('statuscli listen' does it too): a contact-code
    advertisement carrying our bundle, encrypted with the contact-code topic's key, signed.

    \b
    Examples:
      statuscli bundle publish
      statuscli --json bundle publish --node /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm…
    """
    from statuscli.app.messaging.bundles import publish_now

    data = publish_now(app, account(app), node=node, relay=relay)
    emit(app, data, text=f"bundle published on {data['content_topic']} ({data['envelopes'][0]['hash']})")


@cli.command()
@click.argument("peer", metavar="PEER")
@click.option("--peer-node", "store_peer", metavar="MULTIADDR", help="Store node to ask. [default: the node in use]")
@click.option("--name", help="Also remember PEER under this contact name.")
@_network_options
@pass_app
def fetch(app: AppContext, peer: str, store_peer, name: str | None, node, relay) -> None:
    """Fetch PEER's bundles from the network's store (their contact-code topic), verify and store them.

    Every installation (device) of PEER found on the store page keeps its newest bundle, so a
    rotated prekey replaces the old one and a second device is learnt too.
    Exit 7 when the store holds no bundle of PEER, 6 when no node is reachable.

    \b
    Examples:
      statuscli bundle fetch zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --name bob
      statuscli bundle fetch bob && statuscli x3dh init bob
    """
    from statuscli.app.messaging.bundles import fetch_now
    from statuscli.app.peers import add_contact

    acct = account(app)
    info, _msg = fetch_now(app, acct, resolve_peer(acct, peer), node=node, relay=relay, store_peer=store_peer)
    data = info.to_json()
    data["compressed_key"] = short_key(info.identity)
    if name:
        add_contact(acct, name, info.identity, _now(None))
        data["contact"] = name
    emit(app, data, text=f"fetched bundle of {data['compressed_key']}: {len(data['installations'])} installation(s), "
                         f"{len(data['new_installations'])} new" + (f"; contact: {name}" if name else ""))  # fmt: skip
