"""Secure transport use cases: bundles, X3DH sessions, encrypt to a peer, decrypt a ProtocolMessage.

This is the interface the envelope, send and listen layers build on. ``account`` is an unlocked
:class:`statuscli.app.accounts.Account` (``chat_public_key``, ``chat_private_key``,
``installation_id``, ``db``). Times are milliseconds since the epoch; ``rng`` defaults to
``os.urandom`` and is only there to make runs reproducible.

    encrypt_for_peer(account, peer_pub, plaintext, *, now_ms, rng=None, in_transaction=False)
        -> EncryptResult
        One ProtocolMessage for every active installation of the peer (ours skipped): Double
        Ratchet on an existing session, or a new X3DH session from the peer's stored bundle
        (X3DH header while unconfirmed), or the DH fallback ("none") when no installation is
        known. Our bundle (rotated after 24 h, re-signed now) is attached. The ratchet advance,
        any new session and the produced message (outbox) commit in ONE transaction — its own,
        or with ``in_transaction=True`` the caller's (``send`` adds the message row and the MVDS
        state to it). ``result.shared_secret_agreed`` says whether the negotiated topic may be used.
        ``deliver(result)``, when given, runs inside that transaction before the commit: the
        ``encrypt`` command writes the message out there, so a failed write commits nothing.

    decrypt_protocol_message(account, data, *, sender_pub=None, commit=True, now_ms, rng=None)
        -> DecryptResult
        Verifies attached bundles, picks our installation's entry (else "none") and dispatches
        X3DH+DR / DR / DH / HR (spec §3.9). With ``commit=True`` every resulting change (bundles
        and installations, the session and its skipped keys, secret agreement, hash-ratchet keys)
        commits in one transaction; any failure changes nothing. ``commit=False`` computes the
        same result and writes no row (``envelope inspect``; on a fresh account the empty
        secure-transport tables are created first). ``sender_pub`` is the identity the
        outer layer authenticated; without it the sender is taken from the session (DR) or from
        the attached bundle (X3DH, DH), and ``result.authenticated`` says whether the keys prove it.
        ``deliver(result)``, when given, runs before the commit (output before commit: when it
        raises, the ratchet has not moved and the message can be decrypted again).

    prepare_decrypt(account, data, *, sender_pub=None, now_ms, rng=None) -> PendingDecrypt
        The same in two phases inside the CALLER's transaction (``listen``, ``mailserver fetch``):
        ``pending = prepare_decrypt(…)`` reads and raises the typed errors; ``pending.apply()``
        writes the changes in that transaction (``pending.result`` is the DecryptResult); after the
        caller's commit, ``pending.committed()``. The caller stores what the plaintext produced in
        the same transaction, so a crash never separates a ratchet step from its message.

    handle_bundle(account, data_or_bundle, *, now_ms, in_transaction=False) -> list[BundleInfo]
        Verify and store a Bundle (protobuf bytes or :class:`Bundle`), or every bundle attached to
        a ProtocolMessage — also when that message itself cannot be decrypted (status-go stores
        bundles before decrypting).

    our_bundle(account, *, now_ms, rng=None) -> Bundle       our current bundle, signed now
    x3dh_init(account, peer_pub, *, bundle=None, now_ms, rng=None) -> X3DHInit
    bundle_advertisement(account, peer_pub, *, now_ms, force=False, rng=None, in_transaction=False)
        -> bytes | None
        A bundle-only DH message (empty payload) for a peer whose message we could not decrypt
        (DeviceNotFound / SessionNotFound); at most one per peer every 2 hours unless ``force``.
    mark_sent(account, outbox_id)                             the transport delivered it

The bundle functions (``our_bundle``, ``create_bundle``, ``handle_bundle``, ``bundle_state``,
``peer_state``, ``bundles_in``) live in :mod:`statuscli.app.secure_bundles` and are re-exported here;
the decrypt machinery is :mod:`statuscli.app.secure_receive`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from statuscli.app.secure_bundles import (  # noqa: F401  (re-exported: the interface lives here)
    BundleInfo,
    _own_bundle,
    _store,
    bundle_state,
    bundles_in,
    create_bundle,
    agreed_cache,
    handle_bundle,
    our_bundle,
    peer_state,
)
from statuscli.core import x3dh
from statuscli.core.bundles import Bundle
from statuscli.core.crypto import secp256k1
from statuscli.core.encryption import (
    NO_INSTALLATION,
    PATH_DH,
    PATH_DR,
    PATH_X3DH,
    DRHeader,
    EncryptedMessage,
    ProtocolMessage,
    X3DHHeader,
    dh_encrypt,
)
from statuscli.core.errors import InvalidInput, NotFound
from statuscli.core.ratchet import RatchetState
from statuscli.store import peers, sessions
from statuscli.store.db import require_transaction, transaction
from statuscli.store.sessions import INITIATOR, Session

def negotiated_topic(account, peer_pub: bytes) -> dict:
    from statuscli.core.topics import chat

    secret = chat.negotiated_secret(account.chat_private_key, peer_pub)
    return chat.describe(chat.negotiated_chat_id(secret), "negotiated").to_json()


# --- results -------------------------------------------------------------------------------
@dataclass
class EncryptResult:
    message: bytes  # ProtocolMessage
    peer: bytes  # 65 bytes
    installations: list[str]  # installations with an entry (empty: DH fallback to "none")
    paths: dict[str, str]  # map key → "x3dh" | "double-ratchet" | "dh"
    shared_secret_agreed: bool
    outbox_id: int
    bundle_rotated: bool = False

    def to_json(self) -> dict:
        return {
            "peer": "0x" + self.peer.hex(),
            "installations": self.installations,
            "paths": self.paths,
            "shared_secret_agreed": self.shared_secret_agreed,
            "bundle_rotated": self.bundle_rotated,
            "outbox_id": self.outbox_id,
            "message": self.message,
        }


@dataclass
class DecryptResult:
    plaintext: bytes
    sender: bytes | None  # 65 bytes when known
    sender_installation_id: str
    path: str  # "public" | "x3dh" | "double-ratchet" | "dh" | "hash-ratchet"
    authenticated: bool  # the keys used prove the sender (X3DH/DR sessions) or the caller vouched
    bundles: list[BundleInfo] = field(default_factory=list)
    secret_recorded: bool = False
    hash_ratchet_keys: list[tuple[bytes, bytes]] = field(default_factory=list)  # (group id, key id)
    committed: bool = True

    def to_json(self) -> dict:
        return {
            "sender": "0x" + self.sender.hex() if self.sender else None,
            "sender_installation_id": self.sender_installation_id,
            "path": self.path,
            "authenticated": self.authenticated,
            "bundles": [b.to_json() for b in self.bundles],
            "secret_recorded": self.secret_recorded,
            "hash_ratchet_keys": [{"group_id": g, "key_id": k} for g, k in self.hash_ratchet_keys],
            "committed": self.committed,
            "plaintext": self.plaintext,
        }


@dataclass
class X3DHInit:
    peer: bytes
    sessions: list[dict]
    negotiated_topic: dict
    bundle: BundleInfo | None = None

    def to_json(self) -> dict:
        return {
            "peer": "0x" + self.peer.hex(),
            "sessions": self.sessions,
            "negotiated_topic": self.negotiated_topic,
            "bundle": self.bundle.to_json() if self.bundle else None,
        }


# --- X3DH ----------------------------------------------------------------------------------
def _new_initiator_session(account, peer65: bytes, iid: str, spk: bytes, rng) -> Session:
    act = x3dh.perform_active(account.chat_private_key, peer65, spk, rng)
    state = RatchetState.initiator(act.shared_secret, act.their_spk, rng)
    return Session(secp256k1.compress(peer65), iid, act.their_spk, INITIATOR, act.shared_secret, state, act.ephemeral_pub)


def x3dh_init(account, peer_pub: bytes, *, bundle: Bundle | None = None, now_ms: int, rng=None) -> X3DHInit:
    """Start sessions with every active installation of ``peer_pub`` that has none."""
    rng = rng or os.urandom
    peer65 = secp256k1.decompress(peer_pub)
    peer33 = secp256k1.compress(peer65)
    ident = bundle.verify() if bundle is not None else None
    if ident is not None and ident != peer65:
        raise InvalidInput("the bundle belongs to another identity", hint="0x" + ident.hex())
    conn = account.db
    out = []
    with transaction(conn):
        info = _store(conn, account, bundle, ident) if bundle is not None else None
        for inst in peers.active_installations(conn, peer33):
            iid = inst.installation_id
            if iid == account.installation_id:
                continue
            s = sessions.sendable(conn, peer33, iid)
            created = False
            if s is None:
                spk = peers.current_prekey(conn, peer33, iid)
                if spk is None:
                    continue
                s = _new_initiator_session(account, peer65, iid, spk.signed_pre_key, rng)
                sessions.insert(conn, s, now_ms)
                created = True
            out.append({"installation_id": iid, "bundle_id": s.bundle_id, "role": s.role, "created": created,
                        "confirmed": s.our_ephemeral is None})  # fmt: skip
    if not out:
        raise NotFound(
            "no bundle known for this peer",
            hint="give one with --bundle FILE (the peer runs 'statuscli bundle export'), or receive a message from them",
        )
    return X3DHInit(peer65, out, negotiated_topic(account, peer65), info)


# --- encrypt -------------------------------------------------------------------------------
def encrypt_for_peer(account, peer_pub: bytes, plaintext: bytes, *, now_ms: int, rng=None,
                     in_transaction: bool = False, deliver=None) -> EncryptResult:  # fmt: skip
    conn = account.db
    agreed = agreed_cache(conn)
    if in_transaction:  # the cache holds committed agreements only (never removed): safe to read here
        require_transaction(conn)
        return _encrypt(account, conn, peer_pub, plaintext, now_ms, rng or os.urandom, agreed)
    with transaction(conn):
        res = _encrypt(account, conn, peer_pub, plaintext, now_ms, rng or os.urandom, agreed)
        if deliver is not None:
            deliver(res)  # written out before the commit; raising rolls everything back
    if res.shared_secret_agreed:
        agreed.update((secp256k1.compress(res.peer), t) for t in res.installations)  # agreement rows are never removed
    return res


def _encrypt(account, conn, peer_pub: bytes, plaintext: bytes, now_ms: int, rng, agreed_cache: set | None) -> EncryptResult:
    """Inside a transaction. ``agreed_cache`` None: do not trust the per-process cache (the caller's
    transaction may still write or roll back what it holds)."""
    peer65 = secp256k1.decompress(peer_pub)
    peer33 = secp256k1.compress(peer65)
    entries: dict[str, EncryptedMessage] = {}
    paths: dict[str, str] = {}
    for inst in peers.active_installations(conn, peer33):
        iid = inst.installation_id
        if iid == account.installation_id:
            continue
        s = sessions.sendable(conn, peer33, iid)
        if s is None:
            spk = peers.current_prekey(conn, peer33, iid)
            if spk is None:
                continue
            s = _new_initiator_session(account, peer65, iid, spk.signed_pre_key, rng)
        header, ct = s.state.encrypt(plaintext)
        x3 = X3DHHeader(s.our_ephemeral, s.bundle_id) if s.our_ephemeral is not None else None
        entries[iid] = EncryptedMessage(ct, x3, DRHeader(header.dh, header.n, header.pn, s.bundle_id))
        paths[iid] = PATH_X3DH if x3 is not None else PATH_DR
        if s.id is None:
            sessions.insert(conn, s, now_ms)
        else:
            sessions.save_state(conn, s, now_ms)
    if not entries:
        eph = secp256k1.generate_private_key(rng)
        entries[NO_INSTALLATION] = dh_encrypt(peer65, plaintext, eph, rng(12))
        paths[NO_INSTALLATION] = PATH_DH
    bundle, rotated = _own_bundle(conn, account, now_ms, rng)
    message = ProtocolMessage(account.installation_id, (bundle,), entries).encode()
    outbox_id = sessions.record_outgoing(conn, peer33, message, now_ms)
    targets = [k for k in entries if k != NO_INSTALLATION]
    known = agreed_cache is not None and bool(targets) and all((peer33, t) in agreed_cache for t in targets)
    agreed = known or peers.secret_agreed(conn, peer33, targets)
    return EncryptResult(message, peer65, targets, paths, agreed, outbox_id, rotated)


def bundle_advertisement(account, peer_pub: bytes, *, now_ms: int, force: bool = False, rng=None,
                         in_transaction: bool = False, deliver=None) -> bytes | None:  # fmt: skip
    conn = account.db
    if in_transaction:
        require_transaction(conn)
        return _advertisement(account, conn, peer_pub, now_ms, force, rng or os.urandom)
    with transaction(conn):
        message = _advertisement(account, conn, peer_pub, now_ms, force, rng or os.urandom)
        if deliver is not None:
            deliver(message)
        return message


def _advertisement(account, conn, peer_pub: bytes, now_ms: int, force: bool, rng) -> bytes | None:
    peer65 = secp256k1.decompress(peer_pub)
    peer33 = secp256k1.compress(peer65)
    if not force and not peers.should_advertise(conn, peer33, now_ms):
        return None
    entry = dh_encrypt(peer65, b"", secp256k1.generate_private_key(rng), rng(12))
    bundle, _ = _own_bundle(conn, account, now_ms, rng)
    message = ProtocolMessage(account.installation_id, (bundle,), {NO_INSTALLATION: entry}).encode()
    peers.advertised(conn, peer33, now_ms)
    sessions.record_outgoing(conn, peer33, message, now_ms)
    return message


def dh_message(account, peer_pub: bytes, plaintext: bytes, *, now_ms: int, rng=None) -> bytes:
    """Inside the caller's transaction: ``plaintext`` DH-encrypted to ``peer_pub`` under ``"none"`` with
    our bundle attached (``protocol.go:BuildDHMessage``): any installation of the peer can read it.
    status-go sends pairing messages this way, to our own key (``SendPairInstallation``)."""
    conn = account.db
    require_transaction(conn)
    rng = rng or os.urandom
    peer65 = secp256k1.decompress(peer_pub)
    entry = dh_encrypt(peer65, plaintext, secp256k1.generate_private_key(rng), rng(12))
    bundle, _ = _own_bundle(conn, account, now_ms, rng)
    message = ProtocolMessage(account.installation_id, (bundle,), {NO_INSTALLATION: entry}).encode()
    sessions.record_outgoing(conn, secp256k1.compress(peer65), message, now_ms)
    return message


def mark_sent(account, outbox_id: int) -> None:
    with transaction(account.db):
        sessions.mark_sent(account.db, outbox_id)


def prepare_decrypt(account, data: bytes, *, sender_pub: bytes | None = None, now_ms: int, rng=None):
    from statuscli.app.secure_receive import prepare

    return prepare(account, data, sender_pub=sender_pub, now_ms=now_ms, rng=rng or os.urandom)


def decrypt_protocol_message(account, data: bytes, *, sender_pub: bytes | None = None, commit: bool = True, now_ms: int,
                             rng=None, deliver=None) -> DecryptResult:  # fmt: skip
    from statuscli.app.secure_receive import decrypt

    if not commit or deliver is None:
        result = decrypt(account, data, sender_pub=sender_pub, commit=commit, now_ms=now_ms, rng=rng or os.urandom)
        if deliver is not None:
            deliver(result)
        return result
    conn = account.db
    with transaction(conn):  # the ratchet step commits only after the plaintext reached its reader
        pending = prepare_decrypt(account, data, sender_pub=sender_pub, now_ms=now_ms, rng=rng)
        result = pending.apply()
        deliver(result)
    pending.committed()
    return result


__all__ = [
    "BundleInfo", "DecryptResult", "bundle_state", "dh_message", "bundles_in", "create_bundle", "handle_bundle",
    "peer_state", "EncryptResult", "X3DHInit", "bundle_advertisement", "decrypt_protocol_message",
    "encrypt_for_peer", "handle_bundle", "mark_sent", "negotiated_topic", "our_bundle", "prepare_decrypt", "x3dh_init", "PATH_DH", "PATH_DR",
]  # fmt: skip
