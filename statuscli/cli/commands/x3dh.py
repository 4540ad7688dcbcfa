"""statuscli x3dh — start an X3DH session with a peer."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit
from statuscli.cli.secure_common import account, now_option, read_data, resolve_peer, rng_from_seed, seed_option, short_key
from statuscli.cli.secure_common import now_ms as _now


@click.group()
def cli() -> None:
    """X3DH key agreement (secp256k1, status-go flavour).

    \b
    Examples:
      statuscli x3dh init zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --bundle bob.bundle
      statuscli --json x3dh init bob
    """


@cli.command()
@click.argument("peer", metavar="PEER")
@click.option("--bundle", "bundle_src", metavar="FILE|-", help="The peer's bundle (else the one stored for PEER).")
@now_option
@seed_option
@pass_app
def init(app: AppContext, peer: str, bundle_src: str | None, now_ms: int | None, seed: str | None) -> None:
    """Start a session with every installation of PEER from its bundle; print the negotiated topic.

    PEER is 0x04…, zQ3… or a contact name. The bundle comes from --bundle (verified and stored)
    or from what this account already stored (bundle import, or received messages), else it is
    fetched from the network's store like 'bundle fetch' does. Exit 7 when no bundle is found.
    Existing sessions are kept.

    \b
    Examples:
      statuscli x3dh init zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --bundle bob.bundle
      statuscli bundle export --account bob | statuscli x3dh init bob --account alice --bundle -
    """
    from statuscli.app.secure import bundles_in, x3dh_init
    from statuscli.core.errors import NotFound, UsageError

    acct = account(app)
    bundle = None
    if bundle_src is not None:
        found = bundles_in(read_data(bundle_src, "bundle"))
        if len(found) != 1:
            raise UsageError("--bundle must hold exactly one bundle")
        bundle = found[0]
    peer_key = resolve_peer(acct, peer)
    try:
        result = x3dh_init(acct, peer_key, bundle=bundle, now_ms=_now(now_ms), rng=rng_from_seed(seed))
    except NotFound as missing:
        if bundle is not None:
            raise
        from statuscli.app.messaging.bundles import network_fallback

        network_fallback(app, acct, peer_key, missing)  # fetch it from the store, or re-raise with why not
        result = x3dh_init(acct, peer_key, now_ms=_now(now_ms), rng=rng_from_seed(seed))
    data = result.to_json()
    data["compressed_key"] = short_key(result.peer)

    def text(d: dict) -> str:
        lines = [f"peer: {d['compressed_key']}"]
        for s in d["sessions"]:
            state = "new session" if s["created"] else "existing session"
            lines.append(f"installation {s['installation_id']}: {state} ({s['role']}, bundle 0x{s['bundle_id'].hex()[:16]}…)")
        t = d["negotiated_topic"]
        lines.append(f"negotiated topic: {t['topic']} ({t['content_topic']})")
        return "\n".join(lines)

    emit(app, data, text=text)
