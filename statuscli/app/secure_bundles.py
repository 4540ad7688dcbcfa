"""Bundles for the secure transport: our signed prekey and bundle, peers' bundles (see app.secure).

    our_bundle(account, *, now_ms, rng=None) -> Bundle
    create_bundle(account, *, now_ms, rotate=False, rng=None) -> (Bundle, rotated)
    handle_bundle(account, data_or_bundle, *, now_ms, in_transaction=False) -> list[BundleInfo]
    bundle_state(account) / peer_state(account, peer_pub) -> dict     (no passphrase needed)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from statuscli.core import bundles as core_bundles
from statuscli.core.bundles import Bundle, SignedPreKey
from statuscli.core.crypto import secp256k1
from statuscli.core.encryption import ProtocolMessage
from statuscli.core.errors import InvalidInput
from statuscli.store import peers, prekeys, sessions
from statuscli.store.db import require_transaction, transaction


def agreed_cache(conn) -> set:
    """This connection's (compressed identity, installation) pairs known to be recorded as agreed."""
    return conn.memo.setdefault("secure.agreed", set())


@dataclass
class BundleInfo:
    identity: bytes  # 65 bytes, verified
    installations: list[str]
    new_installations: list[str]
    timestamp: int

    def to_json(self) -> dict:
        return {
            "identity": "0x" + self.identity.hex(),
            "installations": self.installations,
            "new_installations": self.new_installations,
            "timestamp": self.timestamp,
        }


# --- our bundle ----------------------------------------------------------------------------
def _own_bundle(conn, account, now_ms: int, rng) -> tuple[Bundle, bool]:
    """Inside a transaction: our current SPK (rotating after 24 h), signed at ``now_ms``."""
    me = account.installation_id
    cur = prekeys.current(conn, me)
    rotated = False
    if cur is not None and core_bundles.needs_rotation(cur.created_ns, now_ms):
        prekeys.expire_all(conn, now_ms)
        prekeys.prune(conn, now_ms)
        cur, rotated = None, True
    if cur is None:
        priv, pub = core_bundles.new_signed_prekey(rng)
        cur = prekeys.add(conn, me, pub, priv, now_ms * 1_000_000)
    entries = {me: SignedPreKey(cur.spk, cur.version, core_bundles.PROTOCOL_VERSION)}
    my33 = secp256k1.compress(account.chat_public_key)
    for inst in peers.active_installations(conn, my33):  # paired devices of ours
        if len(entries) >= core_bundles.MAX_INSTALLATIONS:
            break
        spk = peers.current_prekey(conn, my33, inst.installation_id)
        if inst.installation_id != me and spk is not None:
            entries[inst.installation_id] = SignedPreKey(spk.signed_pre_key, spk.version, inst.protocol_version)
    bundle = core_bundles.sign_bundle(account.chat_private_key, entries, now_ms * 1_000_000, identity_pub=account.chat_public_key)
    return bundle, rotated


def create_bundle(account, *, now_ms: int, rotate: bool = False, rng=None) -> tuple[Bundle, bool]:
    """Our bundle, rotating the signed prekey when asked or when 24 h old; returns (bundle, rotated)."""
    conn = account.db
    with transaction(conn):
        if rotate and prekeys.current(conn, account.installation_id) is not None:
            prekeys.expire_all(conn, now_ms)
            bundle, _ = _own_bundle(conn, account, now_ms, rng or os.urandom)
            return bundle, True
        return _own_bundle(conn, account, now_ms, rng or os.urandom)


def bundle_state(account) -> dict:
    """Our signed prekeys (no passphrase needed)."""
    conn = account.db
    rows = prekeys.all_prekeys(conn)
    current = [r for r in rows if r.installation_id == account.installation_id and not r.expired]
    return {
        "identity": "0x" + account.chat_public_key.hex(),
        "installation_id": account.installation_id,
        "current": current[-1].to_json() if current else None,
        "prekeys": [r.to_json() for r in rows],
    }


def peer_state(account, peer_pub: bytes) -> dict:
    """What we know of a peer: installations, current prekeys, sessions (no passphrase needed)."""
    conn = account.db
    p33 = secp256k1.compress(peer_pub)
    insts = []
    for inst in peers.installations(conn, p33):
        spk = peers.current_prekey(conn, p33, inst.installation_id)
        d = inst.to_json()
        d["signed_pre_key"] = spk.to_json() if spk else None
        insts.append(d)
    return {
        "identity": "0x" + secp256k1.decompress(peer_pub).hex(),
        "installations": insts,
        "sessions": [s.to_json() for s in sessions.for_peer(conn, p33)],
        "shared_secret_agreed": peers.secret_agreed(conn, p33, [i["installation_id"] for i in insts if i["enabled"]][:3]),
    }


def our_bundle(account, *, now_ms: int, rng=None) -> Bundle:
    conn = account.db
    with transaction(conn):
        return _own_bundle(conn, account, now_ms, rng or os.urandom)[0]


# --- peers' bundles ------------------------------------------------------------------------
def verify(bundle: Bundle) -> bytes:
    return bundle.verify()


def _store(conn, account, bundle: Bundle, identity: bytes) -> BundleInfo:
    new = peers.store_bundle(
        conn, bundle, own_identity=secp256k1.compress(account.chat_public_key), own_installation_id=account.installation_id
    )
    return BundleInfo(identity, sorted(bundle.signed_pre_keys), new, bundle.timestamp)


def handle_bundle(account, data, *, now_ms: int, in_transaction: bool = False) -> list[BundleInfo]:
    """Verify every bundle first, then store them — in a transaction of its own, or the caller's."""
    if isinstance(data, Bundle):
        found = [data]
    else:
        found = bundles_in(bytes(data))
    checked = [(b, b.verify()) for b in found]
    conn = account.db
    if in_transaction:
        require_transaction(conn)
        return [_store(conn, account, b, ident) for b, ident in checked]
    with transaction(conn):
        return [_store(conn, account, b, ident) for b, ident in checked]


def bundles_in(data: bytes) -> list[Bundle]:
    """A Bundle, or the bundles of a ProtocolMessage (whichever the bytes parse as, bundle first)."""
    from statuscli.core.errors import DecodeError

    try:
        b = Bundle.decode(data)
        if b.identity and b.signature:
            return [b]
    except DecodeError:
        pass
    msg = ProtocolMessage.decode(data)
    if not msg.bundles:
        raise InvalidInput("no bundle found: the data is neither a Bundle nor a ProtocolMessage carrying one")
    return list(msg.bundles)
