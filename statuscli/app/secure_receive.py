"""Decrypting a ProtocolMessage (``protocol.go:HandleMessage`` + ``encryptor.go:DecryptPayload``).

Two phases, so that a failure or ``commit=False`` never changes stored state:

1. *compute* (:func:`prepare`, reads only): verify the attached bundles, find the sender, pick
   our entry, run the header path (X3DH+DR / DR / DH / HR) on copies of the session state, and
   collect every write the message implies in a list of pending changes;
2. *apply* (:meth:`PendingDecrypt.apply`): run those writes inside the same ``BEGIN IMMEDIATE``
   transaction, which also makes the read-modify-write atomic against a concurrent process.

:func:`decrypt` runs both in a transaction of its own (``decrypt``, ``envelope inspect``). The
messaging receive path opens the transaction itself and runs both phases inside it, together with
everything the plaintext produces (MVDS state, messages, events): one envelope, one commit, so a
crash never leaves the ratchet ahead of what was stored. After that transaction commits, the
caller calls :meth:`PendingDecrypt.committed` (per-connection caches follow the database).

Sender identity: the caller's ``sender_pub`` (authenticated by an outer layer) wins; otherwise the
identity whose attached bundle lists the sending installation, otherwise the identity owning the
session the DR header names. X3DH and DR decryption prove the sender (the keys involve their
identity or a session only they share); DH and HR payloads do not.
"""

from __future__ import annotations

import contextlib

from statuscli.app.secure import DecryptResult
from statuscli.app.secure_bundles import BundleInfo, _store, agreed_cache
from statuscli.app.skip_allowance import ALLOWANCE
from statuscli.core import encryption as enc
from statuscli.core import hash_ratchet as hr
from statuscli.core import x3dh
from statuscli.core.crypto import secp256k1
from statuscli.core.encryption import ProtocolMessage
from statuscli.core.errors import (
    DecryptionFailed,
    DeviceNotFound,
    InvalidInput,
    MalformedKey,
    NotPaired,
    OwnMessage,
    SenderUnknown,
    SessionNotFound,
    UnknownGroupKey,
)
from statuscli.core.ratchet import Header, HeaderRefused, RatchetState
from statuscli.store import prekeys, sessions
from statuscli.store import peers as peer_store
from statuscli.store.db import require_transaction, savepoint, transaction
from statuscli.store.sessions import RESPONDER, Session


@contextlib.contextmanager
def _read_snapshot(conn):
    """A deferred transaction that is always rolled back: a consistent view; nothing written inside it stays."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")


class PendingDecrypt:
    """A computed decryption (``result``) whose writes are not applied yet."""

    def __init__(self, run: _Receive, result: DecryptResult) -> None:
        self.run, self.result = run, result
        self.applied = False
        result.committed = False

    def apply(self) -> DecryptResult:
        """Write every change, inside the caller's transaction; all or nothing (a savepoint)."""
        run = self.run
        require_transaction(run.conn)
        if self.applied:
            raise RuntimeError("a decryption is applied once")
        with savepoint(run.conn, "decrypt_apply"):
            for change in run.changes:
                change()
        self.applied = True
        self.result.bundles = run.bundle_infos
        self.result.committed = True
        return self.result

    def committed(self) -> None:
        """The caller's transaction committed: remember the secret agreements it recorded."""
        if self.applied:
            self.run.agreed_cache.update(self.run.agreed_pending)


def prepare(account, data: bytes, *, sender_pub: bytes | None, now_ms: int, rng) -> PendingDecrypt:
    """Phase 1, inside the caller's transaction on ``account.db`` (reads only): typed errors when the
    message cannot be decrypted, else the result and the writes it implies (call ``apply``)."""
    msg = ProtocolMessage.decode(data)
    checked = [(b, b.verify()) for b in msg.bundles]  # a bad bundle fails the whole message
    sender = secp256k1.decompress(sender_pub) if sender_pub is not None else None
    conn = account.db
    agreed = agreed_cache(conn)
    require_transaction(conn)
    run = _Receive(account, conn, msg, checked, sender, now_ms, rng, agreed)
    return PendingDecrypt(run, run.compute())


def decrypt(account, data: bytes, *, sender_pub: bytes | None, commit: bool, now_ms: int, rng) -> DecryptResult:
    """Both phases in a transaction of their own (``commit=False``: a read-only snapshot, nothing applied)."""
    conn = account.db
    with transaction(conn) if commit else _read_snapshot(conn):
        pending = prepare(account, data, sender_pub=sender_pub, now_ms=now_ms, rng=rng)
        if commit:
            pending.apply()
    pending.committed()
    return pending.result


class _Receive:
    def __init__(self, account, conn, msg: ProtocolMessage, checked, sender, now_ms: int, rng, agreed_cache: set):
        self.account, self.conn, self.msg, self.checked, self.now_ms, self.rng = account, conn, msg, checked, now_ms, rng
        self.agreed_cache, self.agreed_pending = agreed_cache, []
        self.sender: bytes | None = sender
        self.vouched = sender is not None
        self.changes: list = []
        self.bundle_infos: list[BundleInfo] = []
        self.me33 = secp256k1.compress(account.chat_public_key)

    # --- phase 1 ---------------------------------------------------------------------------
    def compute(self) -> DecryptResult:
        msg = self.msg
        for b, ident in self.checked:
            self.changes.append(lambda b=b, ident=ident: self.bundle_infos.append(_store(self.conn, self.account, b, ident)))
            if self.sender is None and msg.installation_id in b.signed_pre_keys:
                self.sender = ident
        preview = [BundleInfo(ident, sorted(b.signed_pre_keys), [], b.timestamp) for b, ident in self.checked]
        if msg.is_public():
            return self._result(msg.public_message, enc.PATH_PUBLIC, False, preview)
        entry = msg.entry_for(self.account.installation_id)
        if entry is None:
            self._not_for_us()
        path = entry.path()
        # (1) an X3DH header always runs first (status-go stores the ratchet info before looking further)
        started = self._passive_x3dh(entry.x3dh, self.msg.installation_id) if entry.x3dh is not None else None
        if path in (enc.PATH_X3DH, enc.PATH_DR):  # (2) Double Ratchet
            plaintext, authenticated = self._double_ratchet(entry, started)
        else:
            if started is not None and started.id is None:
                self.changes.append(lambda: sessions.insert(self.conn, started, self.now_ms))
            if path == enc.PATH_DH:  # (3)
                plaintext, authenticated = enc.dh_decrypt(self.account.chat_private_key, entry), self.vouched
            elif path == enc.PATH_HR:  # (4)
                plaintext, authenticated = self._hash_ratchet(entry.hr, entry.payload), self.vouched
            else:
                raise DecryptionFailed("no key specified: the entry for this installation has no usable header")
        hr_keys = self._hash_ratchet_keys(entry, plaintext)
        recorded = False
        if self.sender is not None and enc.protocol_version(msg.bundles, msg.installation_id) >= 1:
            pair = (secp256k1.compress(self.sender), msg.installation_id)
            if pair not in self.agreed_cache:  # the row is never removed: write it once per process
                self.changes.append(lambda: peer_store.record_secret(self.conn, *pair))
                self.agreed_pending.append(pair)
            recorded = True
        res = self._result(plaintext, path, authenticated, preview)
        res.secret_recorded, res.hash_ratchet_keys = recorded, hr_keys
        return res

    def _result(self, plaintext: bytes, path: str, authenticated: bool, preview) -> DecryptResult:
        return DecryptResult(plaintext, self.sender, self.msg.installation_id, path, authenticated, preview)

    def _not_for_us(self) -> None:
        iid = self.msg.installation_id
        if self.sender is not None and secp256k1.compress(self.sender) == self.me33:
            if iid == self.account.installation_id:
                raise OwnMessage("this message was encrypted by this installation for its recipients; only they can read it", hint=None)  # fmt: skip
            raise NotPaired(f"message from our own installation {iid} which is not paired with this one",
                                 hint=None)  # fmt: skip
        targets = ", ".join(sorted(self.msg.encrypted)) or "nobody"
        raise DeviceNotFound(f"the message is for other installations ({targets}), not this one ({self.account.installation_id})")

    def _sender33(self, what: str) -> bytes:
        if self.sender is None:
            raise SenderUnknown(f"cannot tell who sent this {what} message",
                               hint="pass the sender's public key (--sender), or import their bundle first")  # fmt: skip
        return secp256k1.compress(self.sender)

    def _double_ratchet(self, entry: enc.EncryptedMessage, session: Session | None) -> tuple[bytes, bool]:
        iid, dr = self.msg.installation_id, entry.dr
        if session is None or session.bundle_id != dr.id:
            if self.sender is None:
                owners = sessions.find_peer(self.conn, iid, dr.id)
                if len(owners) == 1:
                    self.sender = secp256k1.decompress(owners[0])
            if self.sender is None:
                raise SessionNotFound(f"no session with installation {iid} for bundle {dr.id.hex()[:16]}…")
            session = sessions.by_bundle(self.conn, secp256k1.compress(self.sender), iid, dr.id)
            if session is None:
                raise SessionNotFound(f"no session with this sender's installation {iid} for bundle {dr.id.hex()[:16]}…")
        mk = sessions.skipped_key(self.conn, session.id, dr.key, dr.n) if session.id is not None else None
        header = Header(dr.key, dr.n, dr.pn)
        who = (session.peer_identity, session.peer_installation_id, session.bundle_id)
        try:
            out = session.state.decrypt(header, entry.payload, self.rng, skipped_mk=mk, max_steps=ALLOWANCE.available(who))
        except HeaderRefused:
            ALLOWANCE.refuse()  # refused on the header alone, before any derivation
            raise
        except DecryptionFailed:
            if mk is None:  # unverified work was done for nothing: the peer's allowance pays
                ALLOWANCE.charge(who, session.state.steps_needed(header))
            raise
        self._queue_session(session, out, dr)
        return out.plaintext, True

    def _passive_x3dh(self, header: enc.X3DHHeader, iid: str) -> Session:
        s33 = self._sender33("X3DH")
        spk_priv = prekeys.private_key_for(self.conn, header.id)
        if spk_priv is None:
            raise SessionNotFound("the message starts a session with a signed prekey we do not have (another installation's or a forgotten one)")
        existing = sessions.by_bundle(self.conn, s33, iid, header.id)
        if existing is not None and existing.their_ephemeral == header.key:
            return existing
        try:
            sk = x3dh.x3dh_passive(self.account.chat_private_key, spk_priv, self.sender, header.key)
        except MalformedKey:
            raise DecryptionFailed("X3DH header carries an invalid ephemeral key") from None
        state = RatchetState.responder(sk, spk_priv, header.id)
        return Session(s33, iid, header.id, RESPONDER, sk, state, None, header.key)

    def _queue_session(self, session: Session, out, dr: enc.DRHeader) -> None:
        conn, now = self.conn, self.now_ms

        def apply() -> None:
            if session.id is None:
                session.state = out.state
                sessions.insert(conn, session, now)
            elif not out.used_skipped_key:
                session.state = out.state
                sessions.save_state(conn, session, now)
            if session.our_ephemeral is not None:  # RatchetInfoConfirmed: stop sending the X3DH header
                sessions.confirm(conn, session.peer_identity, session.peer_installation_id, dr.id)
            if out.used_skipped_key:
                sessions.delete_skipped(conn, session.id, dr.key, dr.n)
            sessions.add_skipped(conn, session.id, out.skipped, out.state.keys_count)

        self.changes.append(apply)

    def _hash_ratchet(self, header: hr.HRHeader, payload: bytes) -> bytes:
        if header.seq_no == 0:
            return payload
        key = sessions.hr_key(self.conn, header.group_id, header.key_id, header.deprecated_key_id)
        if key is None:
            raise UnknownGroupKey("no hash-ratchet key for this group and key id (keys arrive in a key-exchange message)")  # fmt: skip
        return hr.decrypt(key, header.seq_no, payload)

    def _hash_ratchet_keys(self, entry: enc.EncryptedMessage, plaintext: bytes) -> list[tuple[bytes, bytes]]:
        """Keys carried by a key-exchange entry (HR header with seq_no 0), queued for storage."""
        h = entry.hr
        if h is None or h.seq_no != 0:
            return []
        keys = h.keys if h.keys is not None else hr.decode_hr_keys(plaintext)
        found = []
        for k in keys.keys:
            ts = k.effective_timestamp()
            if h.group_id and ts and k.key:
                found.append((h.group_id, hr.key_id(h.group_id, ts, k.key), ts, k.key))
        if keys.rekey_group is not None and self.sender is not None:
            if keys.rekey_group.timestamp == 0:
                raise InvalidInput("rekey message without a timestamp")
            key = hr.decrypt_rekey_group(self.account.chat_private_key, self.sender, keys.rekey_group)
            if key:
                ts = keys.rekey_group.timestamp
                found.append((h.group_id, hr.key_id(h.group_id, ts, key), ts, key))
        for gid, kid, ts, key in found:
            self.changes.append(lambda gid=gid, kid=kid, ts=ts, key=key: sessions.add_hr_key(self.conn, gid, kid, ts, key))
        return [(gid, kid) for gid, kid, _, _ in found]


class RatchetPort:
    """The ratchet step as the receive peel's port (:class:`statuscli.core.receive.peel.RatchetPort`).

    Phase 1 only, inside the caller's transaction on ``account.db``: the step's writes travel in
    ``RatchetStep.pending`` (a :class:`PendingDecrypt`); the consumer applies them in the same
    transaction (``listen``, ``envelope inspect --commit``) or throws them away (``envelope inspect``).
    """

    def __init__(self, account, *, now_ms: int, rng) -> None:
        self.account, self.now_ms, self.rng = account, now_ms, rng

    def decrypt(self, data: bytes, sender: bytes | None):
        from statuscli.core.receive.peel import RatchetStep

        pending = prepare(self.account, data, sender_pub=sender, now_ms=self.now_ms, rng=self.rng)
        r = pending.result
        return RatchetStep(r.plaintext, r.path, r.sender, r.authenticated, False, pending)
