"""status-go's Double Ratchet (status-im/doubleratchet v3 with ``EthereumCrypto``), sans-IO.

Everything here is secp256k1, not Curve25519 (spec/status-protocol.md §3.4, §7 rows 1–2):

* ratchet keys: random secp256k1 key pairs; the public half is always the 33-byte compressed point;
  DH output = ECDH_X (the raw 32-byte X coordinate, no hashing).
* KDF_RK(rk, dh) = HKDF-SHA256(ikm=dh, salt=rk, info="rsZUpEuXUqqwXBvSy3EcievAh4cMj6QL", 96)
  → root key [0:32], chain key [32:64], (unused) header key [64:96].
* KDF_CK(ck): next chain key = HMAC-SHA256(ck, 0x0F), message key = HMAC-SHA256(ck, 0x10).
* message key → HKDF-SHA256(ikm=mk, salt=32 zero bytes, info="pcwSByyx2CRdryCffXJwy7xgVZWtW5Sh", 80)
  → encKey [0:32], authKey [32:64], IV [64:80].
  ciphertext = IV ‖ AES-256-CTR(encKey, IV, plaintext) ‖ HMAC-SHA256(authKey, AD ‖ IV ‖ body).
* AD = LE32(N) ‖ LE32(PN) ‖ DH pub (33) = 41 bytes (status-go passes no extra associated data).

State machine (one :class:`RatchetState` per session; every operation is all-or-nothing):

    responder  New(SK, SPK pair):    DHs = SPK, DHr = ∅, RootCK = SendCK = RecvCK = SK, N = PN = 0
    initiator  NewWithRemoteKey(SK, SPK_B): DHs = random, DHr = SPK_B,
               (RootCK, SendCK) = KDF_RK(SK, DH(DHs, SPK_B)), RecvCK = SK
    encrypt    header = (DHs.pub, SendN, PN); mk = KDF_CK(SendCK); SendN += 1
    decrypt    1. a stored skipped key for (header.DH, header.N) → decrypt with it; state unchanged
               2. header.DH ≠ DHr → skip RecvCK up to header.PN (keys kept), DH ratchet:
                  PN = SendN; DHr = header.DH; (RootCK, RecvCK) = KDF_RK(RootCK, DH(DHs, DHr));
                  DHs = random; (RootCK, SendCK) = KDF_RK(RootCK, DH(DHs, DHr)); SendN = RecvN = 0
               3. skip RecvCK up to header.N (keys kept); mk = KDF_CK(RecvCK); RecvN += 1;
                  KeysCount += 1 for the message key itself
               A header.N below RecvN with no stored key is refused (replay, or a key that was deleted);
               more than MAX_SKIP keys to skip in one chain is refused. Nothing changes on failure.

Forged headers are cheap to refuse: anyone can name a session (installation id and bundle id are
public) with N = PN = 1000, and only the MAC tells. So (a) the chain steps a header needs are
known before any work (:meth:`RatchetState.steps_needed`) and the caller may cap them
(``max_steps``, its per-peer allowance for unverified work: beyond it the message is refused with
no derivation, :class:`SkipLimitReached`); (b) skipping only walks the chain key (one HMAC per
step, nothing kept); the skipped message keys are derived after the MAC of the message verified.

Skipped keys are returned to the caller with a sequence number (``KeysCount`` at creation) so a
store can apply status-go's bounds: keep at most MAX_MESSAGE_KEYS_PER_SESSION per session (oldest
first out) and delete keys whose seq ≤ KeysCount − MAX_KEEP.
"""

from __future__ import annotations

import hmac as _hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import coincurve

from statuscli.core.crypto.secp256k1 import generate_private_key
from statuscli.core.crypto.symmetric import aes_ctr, hkdf_sha256
from statuscli.core.errors import DecodeError, DecryptionFailed, HeaderRefused, SkipLimitReached

Rng = Callable[[int], bytes]

ROOT_INFO = b"rsZUpEuXUqqwXBvSy3EcievAh4cMj6QL"
MESSAGE_INFO = b"pcwSByyx2CRdryCffXJwy7xgVZWtW5Sh"
_ZERO_SALT = bytes(32)
_CK_INPUT = b"\x0f"
_MK_INPUT = b"\x10"

#: encryptor.go:defaultEncryptorConfig
MAX_SKIP = 1000
MAX_KEEP = 3000
MAX_MESSAGE_KEYS_PER_SESSION = 2000

TAG_SIZE = 32
IV_SIZE = 16


# --- primitives ----------------------------------------------------------------------------
def _hmac256(key: bytes, msg: bytes) -> bytes:
    return _hmac.digest(key, msg, "sha256")


def kdf_rk(rk: bytes, dh_out: bytes) -> tuple[bytes, bytes, bytes]:
    """(new root key, chain key, header key) = HKDF(dh_out, salt=rk, ROOT_INFO, 96); the header key is unused."""
    out = hkdf_sha256(dh_out, rk, ROOT_INFO, 96)
    return out[:32], out[32:64], out[64:]


def kdf_ck(ck: bytes) -> tuple[bytes, bytes]:
    """(next chain key, message key)."""
    return _hmac.digest(ck, _CK_INPUT, "sha256"), _hmac.digest(ck, _MK_INPUT, "sha256")


def chain_step(ck: bytes) -> bytes:
    """The next chain key alone (what skipping needs before a MAC verified)."""
    return _hmac.digest(ck, _CK_INPUT, "sha256")


def chain_message_key(ck: bytes) -> bytes:
    """The message key of chain key ``ck``."""
    return _hmac.digest(ck, _MK_INPUT, "sha256")


def message_keys(mk: bytes) -> tuple[bytes, bytes, bytes]:
    """(encKey, authKey, IV) = HKDF(mk, salt=32 zero bytes, MESSAGE_INFO, 80)."""
    out = hkdf_sha256(mk, _ZERO_SALT, MESSAGE_INFO, 80)
    return out[:32], out[32:64], out[64:]


_LE32X2 = struct.Struct("<II").pack


def associated_data(n: int, pn: int, dh: bytes) -> bytes:
    """``LE32(N) ‖ LE32(PN) ‖ DH`` — the header encoding used as associated data (41 bytes)."""
    return _LE32X2(n, pn) + dh


def seal(mk: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """``IV ‖ AES-256-CTR ‖ HMAC-SHA256(authKey, AD ‖ IV ‖ body)`` (EthereumCrypto.Encrypt)."""
    enc_key, auth_key, iv = message_keys(mk)
    body = iv + aes_ctr(enc_key, iv, plaintext)
    return body + _hmac256(auth_key, ad + body)


def open_(mk: bytes, data: bytes, ad: bytes) -> bytes:
    """Inverse of :func:`seal`; :class:`DecryptionFailed` on a bad tag or a short input."""
    if len(data) < IV_SIZE + TAG_SIZE:
        raise DecryptionFailed("Double Ratchet ciphertext too short")
    enc_key, auth_key, _ = message_keys(mk)
    body, tag = data[:-TAG_SIZE], data[-TAG_SIZE:]
    if not _hmac.compare_digest(_hmac256(auth_key, ad + body), tag):
        raise DecryptionFailed("Double Ratchet MAC mismatch (tampered message or wrong session)")
    return aes_ctr(enc_key, body[:IV_SIZE], body[IV_SIZE:])


def ecdh_x(priv: bytes, pub: bytes) -> bytes:
    """ECDH X coordinate; a malformed remote key is a decryption failure here."""
    try:
        return coincurve.PublicKey(pub).multiply(priv).format(compressed=True)[1:]
    except (ValueError, TypeError):
        raise DecryptionFailed(f"ratchet key is not a valid secp256k1 point ({len(pub)} bytes)") from None


def generate_dh(rng: Rng) -> tuple[bytes, bytes]:
    """A fresh ratchet key pair (private 32, compressed public 33)."""
    priv = generate_private_key(rng)
    return priv, coincurve.PublicKey.from_valid_secret(priv).format(compressed=True)


# --- state ---------------------------------------------------------------------------------
class Header(NamedTuple):
    dh: bytes  # sender's ratchet public key, compressed (33)
    n: int
    pn: int

    def ad(self) -> bytes:
        return _LE32X2(self.n, self.pn) + self.dh


@dataclass(frozen=True, slots=True)
class SkippedKey:
    dh: bytes
    n: int
    mk: bytes
    seq: int


class RatchetState:
    """One Double Ratchet session (mutable; :meth:`copy` before speculative work)."""

    __slots__ = ("dhs_priv", "dhs_pub", "dhr", "root_ck", "send_ck", "send_n", "recv_ck", "recv_n", "pn", "keys_count")

    def __init__(self, dhs_priv, dhs_pub, dhr, root_ck, send_ck, send_n, recv_ck, recv_n, pn, keys_count=0):
        self.dhs_priv: bytes = dhs_priv
        self.dhs_pub: bytes = dhs_pub
        self.dhr: bytes = dhr
        self.root_ck: bytes = root_ck
        self.send_ck: bytes = send_ck
        self.send_n: int = send_n
        self.recv_ck: bytes = recv_ck
        self.recv_n: int = recv_n
        self.pn: int = pn
        self.keys_count: int = keys_count

    # constructors (doubleratchet session.go)
    @classmethod
    def responder(cls, sk: bytes, spk_priv: bytes, spk_pub: bytes) -> RatchetState:
        """``New(SK, (SPK priv, SPK pub))``: the side that owns the signed prekey."""
        _check_sk(sk)
        return cls(spk_priv, spk_pub, b"", sk, sk, 0, sk, 0, 0)

    @classmethod
    def initiator(cls, sk: bytes, their_spk: bytes, rng: Rng) -> RatchetState:
        """``NewWithRemoteKey(SK, SPK_B)``: the side that ran X3DH against a bundle."""
        _check_sk(sk)
        priv, pub = generate_dh(rng)
        root, send, _ = kdf_rk(sk, ecdh_x(priv, their_spk))
        return cls(priv, pub, bytes(their_spk), root, send, 0, sk, 0, 0)

    def copy(self) -> RatchetState:
        return RatchetState(
            self.dhs_priv, self.dhs_pub, self.dhr, self.root_ck, self.send_ck, self.send_n,
            self.recv_ck, self.recv_n, self.pn, self.keys_count,
        )  # fmt: skip

    def __eq__(self, other) -> bool:
        return isinstance(other, RatchetState) and self.to_bytes() == other.to_bytes()

    def __repr__(self) -> str:
        return f"RatchetState(dhs={self.dhs_pub.hex()[:12]}…, send_n={self.send_n}, recv_n={self.recv_n}, pn={self.pn})"

    # serialization: version 1, fixed layout (see _LAYOUT)
    def to_bytes(self) -> bytes:
        return _LAYOUT.pack(
            1, self.dhs_priv, self.dhs_pub, len(self.dhr), self.dhr, self.root_ck, self.send_ck, self.send_n,
            self.recv_ck, self.recv_n, self.pn, self.keys_count,
        )  # fmt: skip

    @classmethod
    def from_bytes(cls, data: bytes) -> RatchetState:
        if len(data) != _LAYOUT.size or data[0] != 1:
            raise DecodeError(f"not a serialized ratchet state (length {len(data)}, expected {_LAYOUT.size}, version 1)")
        _, dhs_priv, dhs_pub, dhr_len, dhr, root, send, send_n, recv, recv_n, pn, kc = _LAYOUT.unpack(data)
        if dhr_len not in (0, 33):
            raise DecodeError(f"serialized ratchet state has a {dhr_len}-byte remote key")
        return cls(dhs_priv, dhs_pub, dhr[:dhr_len], root, send, send_n, recv, recv_n, pn, kc)

    # operations
    def encrypt(self, plaintext: bytes) -> tuple[Header, bytes]:
        """Symmetric step of the sending chain; returns the header and ``IV ‖ body ‖ tag``."""
        h = Header(self.dhs_pub, self.send_n, self.pn)
        self.send_ck, mk = kdf_ck(self.send_ck)
        self.send_n += 1
        return h, seal(mk, plaintext, h.ad())

    def steps_needed(self, header: Header) -> int:
        """Chain steps decrypting a message with ``header`` takes before its MAC can be checked
        (without a stored skipped key): the rest of the old receiving chain up to PN when the
        header names a new ratchet key, then up to N."""
        if header.dh != self.dhr:
            return max(0, header.pn - self.recv_n) + header.n
        return max(0, header.n - self.recv_n)

    def decrypt(
        self,
        header: Header,
        ciphertext: bytes,
        rng: Rng,
        *,
        skipped_mk: bytes | None = None,
        max_skip: int = MAX_SKIP,
        max_steps: int | None = None,
    ) -> Decrypted:
        """Decrypt without touching ``self``; the caller adopts :attr:`Decrypted.state` on success.

        ``skipped_mk`` is the stored key for ``(header.dh, header.n)`` if the store has one.
        ``max_steps`` caps the chain steps (:meth:`steps_needed`) spent before the MAC is checked.
        """
        ad = header.ad()
        if skipped_mk is not None:
            try:
                return Decrypted(open_(skipped_mk, ciphertext, ad), self, (), True)
            except DecryptionFailed as e:
                raise DecryptionFailed(f"cannot decrypt a skipped message: {e.message}") from None
        if header.dh != self.dhr:
            self._check_gap(self.recv_n, header.pn, max_skip)
            self._check_gap(0, header.n, max_skip)
        else:
            self._check_gap(self.recv_n, header.n, max_skip)
        if max_steps is not None:
            steps = self.steps_needed(header)
            if steps > max_steps:
                raise SkipLimitReached(f"the header asks for {steps} chain steps; {max_steps} allowed for this peer now")
        sc = self.copy()
        gaps: list[tuple[bytes, int, bytes, int]] = []
        if header.dh != sc.dhr:
            gaps.append(sc._advance(header.pn, max_skip))
            sc._dh_ratchet(header.dh, rng)
        gaps.append(sc._advance(header.n, max_skip))
        mk = chain_message_key(sc.recv_ck)
        sc.recv_ck = chain_step(sc.recv_ck)
        sc.recv_n += 1
        plaintext = open_(mk, ciphertext, ad)  # the MAC verified: now the skipped keys are worth keeping
        skipped: list[SkippedKey] = []
        seq = self.keys_count
        for dh, first, ck, count in gaps:
            for n in range(first, first + count):
                skipped.append(SkippedKey(dh, n, chain_message_key(ck), seq))
                ck = chain_step(ck)
                seq += 1
        sc.keys_count = seq + 1  # the message key itself is counted (status-go keeps it until confirmed)
        return Decrypted(plaintext, sc, tuple(skipped), False)

    @staticmethod
    def _check_gap(recv_n: int, until: int, max_skip: int) -> None:
        if until < recv_n:
            raise HeaderRefused(f"message number {until} is below the receiving chain's {recv_n} and its key is gone (replayed or too old)")
        if recv_n + max_skip < until:
            raise HeaderRefused(f"too many skipped messages ({until - recv_n} > {max_skip})")

    def _advance(self, until: int, max_skip: int) -> tuple[bytes, int, bytes, int]:
        """Walk the receiving chain to message ``until`` keeping nothing; returns where the walk
        started (ratchet key, first n, chain key, count) so the skipped keys can be derived later."""
        self._check_gap(self.recv_n, until, max_skip)
        start = (self.dhr, self.recv_n, self.recv_ck, until - self.recv_n)
        ck = self.recv_ck
        for _ in range(until - self.recv_n):
            ck = chain_step(ck)
        self.recv_ck, self.recv_n = ck, until
        return start

    def _dh_ratchet(self, their_dh: bytes, rng: Rng) -> None:
        if len(their_dh) != 33:
            raise DecryptionFailed(f"ratchet key must be a 33-byte compressed point, got {len(their_dh)} bytes")
        self.pn = self.send_n
        self.dhr = bytes(their_dh)
        self.root_ck, self.recv_ck, _ = kdf_rk(self.root_ck, ecdh_x(self.dhs_priv, self.dhr))
        self.recv_n = 0
        self.dhs_priv, self.dhs_pub = generate_dh(rng)
        self.root_ck, self.send_ck, _ = kdf_rk(self.root_ck, ecdh_x(self.dhs_priv, self.dhr))
        self.send_n = 0


class Decrypted(NamedTuple):
    plaintext: bytes
    state: RatchetState
    skipped: tuple[SkippedKey, ...]  # new skipped keys to store
    used_skipped_key: bool  # the stored key for (header.dh, header.n) was used: delete it


# version, dhs_priv, dhs_pub, dhr_len, dhr(33, zero padded), root, send, send_n, recv, recv_n, pn, keys_count
_LAYOUT = struct.Struct("<B32s33sB33s32s32sI32sIIQ")


def _check_sk(sk: bytes) -> None:
    if len(sk) != 32 or sk == bytes(32):
        raise DecryptionFailed("the X3DH shared secret must be 32 non-zero bytes")
