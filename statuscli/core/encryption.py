"""The encryption envelope: ProtocolMessage / EncryptedMessageProtocol, the DH fallback, dispatch.

Wire shapes (``protocol_message.proto``, spec/status-protocol.md §3.1, §7 row 17)::

    ProtocolMessage{installation_id=2, bundles=3 (repeated Bundle),
                    encrypted_message=101 (map: recipient installation id or "none" → EncryptedMessageProtocol),
                    public_message=102}
    EncryptedMessageProtocol{X3DH_header=1, DR_header=2, DH_header=101, HR_header=102, payload=3}

Receiving (``encryptor.go:DecryptPayload``, §3.8–3.9): bundles are processed first; a public_message
short-circuits; otherwise take ``encrypted_message[my installation id]``, else ``["none"]``, else the
message is not for this device. For that entry the headers are tried in this order:
(1) X3DH header → passive X3DH with our signed prekey ``id`` (creates the responder session), then
(2) DR header → Double Ratchet decrypt (returns), else (3) DH header → DH decrypt, else (4) HR header
→ hash-ratchet decrypt, else "no key specified".

DH fallback (``encryptWithDH``, §3.5): ephemeral e; key = ECDH_X(e, recipient identity);
payload = AES-256-GCM ``ct ‖ tag ‖ nonce``; ``DH_header.key`` = compressed e.pub; map key ``"none"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


from statuscli.core.bundles import Bundle
from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.symmetric import gcm_open, gcm_seal
from statuscli.core.errors import DecryptionFailed, MalformedKey, StatusCliError
from statuscli.core.hash_ratchet import HRHeader
from statuscli.core.protobuf_codec import parse_into
from statuscli.pb import encryption_pb2 as pb

NO_INSTALLATION = "none"

# header paths reported by a decrypt (which branch of DecryptPayload was taken)
PATH_PUBLIC = "public"
PATH_X3DH = "x3dh"  # X3DH header + DR header: the first messages of a session
PATH_DR = "double-ratchet"
PATH_DH = "dh"
PATH_HR = "hash-ratchet"


def parse_pb(message, data: bytes, what: str):
    """``message.ParseFromString(data)`` through the one codec helper
    (:func:`statuscli.core.protobuf_codec.parse_into`)."""
    return parse_into(message, data, what)


@dataclass(frozen=True, slots=True)
class X3DHHeader:
    key: bytes  # sender's ephemeral key, compressed
    id: bytes  # recipient's signed prekey (bundle id)


@dataclass(frozen=True, slots=True)
class DRHeader:
    key: bytes  # sender's ratchet key, compressed
    n: int
    pn: int
    id: bytes  # bundle id


@dataclass(frozen=True, slots=True)
class DHHeader:
    key: bytes  # ephemeral key, compressed


@dataclass(frozen=True, slots=True)
class EncryptedMessage:
    """EncryptedMessageProtocol (the spec's DirectMessageProtocol)."""

    payload: bytes = b""
    x3dh: X3DHHeader | None = None
    dr: DRHeader | None = None
    dh: DHHeader | None = None
    hr: HRHeader | None = None

    def path(self) -> str | None:
        """The branch DecryptPayload takes for this entry, or None ("no key specified").

        An X3DH header is processed first in every case (it creates the responder session); it
        only names the path when a DR header follows.
        """
        if self.dr is not None:
            return PATH_X3DH if self.x3dh is not None else PATH_DR
        if self.dh is not None:
            return PATH_DH
        if self.hr is not None:
            return PATH_HR
        return None

    def _to_pb(self, m: pb.EncryptedMessageProtocol) -> None:
        if self.x3dh is not None:
            m.X3DH_header.key = self.x3dh.key
            m.X3DH_header.id = self.x3dh.id
            m.X3DH_header.SetInParent()
        if self.dr is not None:
            d = m.DR_header
            d.SetInParent()
            d.key, d.n, d.pn, d.id = self.dr.key, self.dr.n, self.dr.pn, self.dr.id
        if self.dh is not None:
            m.DH_header.SetInParent()
            m.DH_header.key = self.dh.key
        if self.hr is not None:
            m.HR_header.SetInParent()
            self.hr.to_pb(m.HR_header)
        m.payload = self.payload

    @classmethod
    def _from_pb(cls, m: pb.EncryptedMessageProtocol) -> EncryptedMessage:
        x3dh = X3DHHeader(bytes(m.X3DH_header.key), bytes(m.X3DH_header.id)) if m.HasField("X3DH_header") else None
        dr = None
        if m.HasField("DR_header"):
            h = m.DR_header
            dr = DRHeader(bytes(h.key), h.n, h.pn, bytes(h.id))
        dh = DHHeader(bytes(m.DH_header.key)) if m.HasField("DH_header") else None
        hr = HRHeader.from_pb(m.HR_header) if m.HasField("HR_header") else None
        return cls(bytes(m.payload), x3dh, dr, dh, hr)


@dataclass(frozen=True, slots=True)
class ProtocolMessage:
    installation_id: str = ""
    bundles: tuple[Bundle, ...] = ()
    encrypted: Mapping[str, EncryptedMessage] = field(default_factory=dict)
    public_message: bytes = b""

    def encode(self) -> bytes:
        m = pb.ProtocolMessage(installation_id=self.installation_id, public_message=self.public_message)
        for b in self.bundles:
            m.bundles.append(b.to_pb())
        for iid, entry in self.encrypted.items():
            entry._to_pb(m.encrypted_message[iid])
        return m.SerializeToString(deterministic=True)

    @classmethod
    def decode(cls, data: bytes) -> ProtocolMessage:
        m = parse_pb(pb.ProtocolMessage(), data, "ProtocolMessage")
        return cls(
            m.installation_id,
            tuple(Bundle.from_pb(b) for b in m.bundles),
            {k: EncryptedMessage._from_pb(v) for k, v in m.encrypted_message.items()},
            bytes(m.public_message),
        )

    def entry_for(self, installation_id: str) -> EncryptedMessage | None:
        """``encrypted_message[installation_id]``, else ``["none"]`` (``encryptor.go:GetMessage``)."""
        e = self.encrypted.get(installation_id)
        return e if e is not None else self.encrypted.get(NO_INSTALLATION)

    def is_public(self) -> bool:
        return bool(self.public_message)


def sniff_protocol_message(data: bytes) -> ProtocolMessage | None:
    """``data`` as a ProtocolMessage if it parses AND carries something (an encrypted entry, a
    public message or a bundle) — the "parses and looks valid" test of the receive path (spec
    §4.2), since almost any bytes parse as an empty protobuf message. Otherwise None."""
    try:
        pm = ProtocolMessage.decode(data)
    except StatusCliError:
        return None
    return pm if pm.encrypted or pm.public_message or pm.bundles else None


def protocol_version(bundles: tuple[Bundle, ...], installation_id: str) -> int:
    """``getProtocolVersion``: the first bundle decides; 0 if it lacks the installation."""
    if not installation_id:
        return 0
    for b in bundles:
        if b.signed_pre_keys:
            spk = b.signed_pre_keys.get(installation_id)
            return spk.protocol_version if spk is not None else 0
    return 0


# --- DH fallback ---------------------------------------------------------------------------
def dh_encrypt(their_identity_pub: bytes, payload: bytes, ephemeral_priv: bytes, nonce: bytes) -> EncryptedMessage:
    key = secp256k1.ecdh_x(ephemeral_priv, their_identity_pub)
    eph = secp256k1.compress(secp256k1.public_key(ephemeral_priv))
    return EncryptedMessage(payload=gcm_seal(key, nonce, payload), dh=DHHeader(eph))


def dh_decrypt(my_identity_priv: bytes, entry: EncryptedMessage) -> bytes:
    if entry.dh is None:
        raise DecryptionFailed("no DH header")
    try:
        key = secp256k1.ecdh_x(my_identity_priv, entry.dh.key)
    except MalformedKey:
        raise DecryptionFailed("DH header key is not a valid public key") from None
    return gcm_open(key, entry.payload)
