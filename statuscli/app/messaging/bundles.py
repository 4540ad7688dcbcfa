"""Bundles over the network: our contact-code advertisement, and a peer's bundle from the store.

* :func:`advertisement` — what status-go publishes on the contact-code topic (every 6 h): an
  ApplicationMetadataMessage CONTACT_CODE_ADVERTISEMENT (an empty ContactCodeAdvertisement) in
  ``ProtocolMessage.public_message`` with our bundle attached, sealed with PBKDF2 of
  ``0x04…-contact-code`` and signed with the chat key.
* :func:`fetch` — the newest advertisement of each of a peer's installations in the store: opened with the
  peer's contact-code key, signed by that peer, its bundle verified and stored (``handle_bundle``).
  Nothing found is :class:`NotFound` (exit 7).
"""

from __future__ import annotations

from statuscli.app.messaging import topics
from statuscli.app.messaging.content import wrap
from statuscli.app.messaging.waku_layer import Envelope, seal_all
from statuscli.core.bundles import Bundle
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import NotFound, StatusCliError
from statuscli.core.payloads import message_types
from statuscli.store import messages as msg_store
from statuscli.store.db import transaction

CONTACT_CODE_ADVERTISEMENT = message_types.BY_NAME["CONTACT_CODE_ADVERTISEMENT"]
PUBLISHED_MARK = "bundle_published_ms"
REPUBLISH_MS = 6 * 3600 * 1000  # publisher.go publishInterval


def advertisement(messenger) -> list[Envelope]:
    from statuscli.app.secure import our_bundle
    from statuscli.core.encryption import ProtocolMessage

    acct, now = messenger.account, messenger.now_ms()
    wrapped, _ = wrap(b"", CONTACT_CODE_ADVERTISEMENT, acct.chat_private_key, acct.chat_public_key)
    bundle = our_bundle(acct, now_ms=now, rng=messenger.rng)
    pm = ProtocolMessage(acct.installation_id, (bundle,), {}, wrapped).encode()
    topic = topics.contact_code(acct.db, acct.chat_public_key)
    return seal_all(pm, topic, signing_key=acct.chat_private_key, now_ns=messenger.now_ns(), rng=messenger.rng)


def publish(messenger, transport) -> dict:
    envs = advertisement(messenger)
    results = [transport.publish(e) for e in envs]
    messenger.published(envs)
    with transaction(messenger.account.db):
        msg_store.set_mark(messenger.account.db, PUBLISHED_MARK, messenger.now_ms())
    return {"content_topic": envs[0].content_topic, "envelopes": [e.to_json() for e in envs], "results": results,
            "transport": getattr(transport, "description", transport.kind)}  # fmt: skip


def due(messenger) -> bool:
    last = msg_store.get_mark(messenger.account.db, PUBLISHED_MARK)
    return last is None or messenger.now_ms() - last >= REPUBLISH_MS


def fetch(messenger, transport, peer: bytes, *, peer_node: str | None = None, limit: int = 50):
    """The peer's bundles from the store: for every installation the newest verified bundle that
    names it is stored (a store page is not in newest-first order, and each of the peer's devices
    advertises its own bundle). Returns (BundleInfo over all those installations, the newest message)."""
    from statuscli.app.secure import handle_bundle
    from statuscli.app.secure_bundles import BundleInfo
    from statuscli.core.encryption import ProtocolMessage
    from statuscli.core.receive import layers as L
    from statuscli.core.receive import peel
    from statuscli.core.receive.keyring import KeyRing

    acct = messenger.account
    peer = secp256k1.decompress(peer)
    topic = topics.contact_code(acct.db, peer)
    ring = KeyRing(private_key=acct.chat_private_key)
    ring.add(topic)
    items, _ = transport.store_query([topic.content_topic], pubsub_topic=topic.pubsub_topic, limit=limit, forward=False, peer=peer_node)
    problems = []
    newest: dict[str, Bundle] = {}  # installation id -> the newest verified bundle naming it
    newest_msg = None
    for r in items:
        try:
            outer = peel.open_message(r.data, ring, pubsub_topic=r.pubsub_topic or topic.pubsub_topic)
            if isinstance(outer[-1], L.Failed):
                problems.append(outer[-1].message)
                continue
            msg, opened = outer[0].message, outer[-1]
            if opened.signer != peer:
                problems.append("signed by someone else")
                continue
            bundles = [b for b in ProtocolMessage.decode(opened.data).bundles if b.verify() == peer]
            if not bundles:
                problems.append("no bundle of that peer in it")
                continue
        except StatusCliError as e:
            problems.append(e.message)
            continue
        for b in bundles:
            if newest_msg is None or b.timestamp > newest_msg[0]:
                newest_msg = (b.timestamp, msg)
            for iid in b.signed_pre_keys:
                if iid not in newest or b.timestamp > newest[iid].timestamp:
                    newest[iid] = b
    if not newest:
        why = f" ({len(items)} message(s) on the topic: {'; '.join(sorted(set(problems)))})" if items else ""
        raise NotFound(f"no bundle of this peer in the store{why}",
                       hint="the peer publishes it with 'statuscli bundle publish' (listen does it every 6 hours)")  # fmt: skip
    chosen = sorted({id(b): b for b in newest.values()}.values(), key=lambda b: b.timestamp)  # oldest first: newest stored last
    with transaction(acct.db):
        infos = [info for b in chosen for info in handle_bundle(acct, b, now_ms=messenger.now_ms(), in_transaction=True)]
    new = sorted({i for info in infos for i in info.new_installations})
    return BundleInfo(infos[-1].identity, sorted(newest), new, chosen[-1].timestamp), newest_msg[1]


# --- one-shot use from a command -------------------------------------------------------------------
def publish_now(app, account, *, node: str | None = None, relay: bool = False) -> dict:
    """Open a transport, publish our advertisement, close."""
    from statuscli.app.messaging.messenger import Messenger
    from statuscli.app.messaging.transport import open_transport

    transport = open_transport(app, node=node, relay=relay)
    try:
        return publish(Messenger(account), transport)
    finally:
        transport.close()


def fetch_now(app, account, peer: bytes, *, node: str | None = None, relay: bool = False, store_peer: str | None = None):
    """Open a transport, fetch and store the peer's bundle from the store, close; (BundleInfo, WakuMessage)."""
    from statuscli.app.messaging.messenger import Messenger
    from statuscli.app.messaging.transport import open_transport

    transport = open_transport(app, node=node, relay=relay)
    try:
        return fetch(Messenger(account), transport, peer, peer_node=store_peer)
    finally:
        transport.close()


def network_fallback(app, account, peer: bytes, missing: StatusCliError) -> None:
    """``x3dh init`` found no stored bundle: fetch one from the store, else re-raise ``missing`` saying why not."""
    from statuscli.core.errors import NetworkError

    try:
        fetch_now(app, account, peer)
    except NetworkError as e:
        missing.hint = f"{missing.hint}; fetching it from the network failed too: {e.message}"
        raise missing from None
    except NotFound as e:
        missing.message = f"{missing.message}, stored or in the network's store"
        missing.hint = e.hint
        raise missing from None
