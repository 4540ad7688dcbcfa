"""X3DH prekey bundles (``x3dh.go``, ``encryptor.go:CreateBundle``), sans-IO.

A bundle advertises, for one identity, a signed prekey (SPK) per installation (device):

    Bundle{identity = compressed IK, signed_pre_keys = {installation id → SignedPreKey{spk, version,
           protocol_version}}, signature, timestamp (ns)}

Signature material (``buildSignatureMaterial``): for each installation id in byte order,
``UTF-8(id) ‖ spk (33) ‖ ASCII-decimal(version)``, then ``ASCII-decimal(timestamp)`` only when the
timestamp is non-zero. signature = secp256k1 recoverable signature (r‖s‖v, v ∈ {0,1}) of
keccak256(material) with the identity key. protocol_version is NOT signed. Verification recovers
the signer and compares it with ``identity`` (``ExtractIdentity``).

Rules kept by the store/app layers (constants here):
* our SPK rotates when the bundle holding it was created more than 24 h ago (``BundleRefreshInterval``);
  the new SPK's version is the previous highest version for that installation + 1 (first = 1);
* a bundle is re-signed with the current time every time it is attached to a message;
* a bundle lists our installation plus at most 2 other enabled devices of ours (MaxInstallations 3);
* a peer bundle with a higher version for an installation expires that installation's older SPKs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import BadSignature, MalformedKey, StatusCliError
from statuscli.core.protobuf_codec import parse_into
from statuscli.pb import encryption_pb2 as pb

PROTOCOL_VERSION = 1
MAX_INSTALLATIONS = 3
BUNDLE_REFRESH_MS = 24 * 60 * 60 * 1000
_MAX_UINT32 = 0xFFFFFFFF
_INT64 = (-(1 << 63), (1 << 63) - 1)


@dataclass(frozen=True, slots=True)
class SignedPreKey:
    signed_pre_key: bytes  # compressed (33)
    version: int = 0
    protocol_version: int = PROTOCOL_VERSION

    def to_json(self) -> dict:
        return {"signed_pre_key": self.signed_pre_key, "version": self.version, "protocol_version": self.protocol_version}


@dataclass(frozen=True, slots=True)
class Bundle:
    identity: bytes  # compressed identity key (33)
    signed_pre_keys: Mapping[str, SignedPreKey] = field(default_factory=dict)
    signature: bytes = b""
    timestamp: int = 0  # nanoseconds

    # --- codec -----------------------------------------------------------------------------
    def to_pb(self) -> pb.Bundle:
        m = pb.Bundle(identity=self.identity, signature=self.signature, timestamp=self.timestamp)
        for iid, spk in self.signed_pre_keys.items():
            e = m.signed_pre_keys[iid]
            e.signed_pre_key = spk.signed_pre_key
            e.version = spk.version
            e.protocol_version = spk.protocol_version
        return m

    @classmethod
    def from_pb(cls, m: pb.Bundle) -> Bundle:
        spks = {
            iid: SignedPreKey(bytes(s.signed_pre_key), s.version, s.protocol_version) for iid, s in m.signed_pre_keys.items()
        }
        return cls(bytes(m.identity), spks, bytes(m.signature), m.timestamp)

    def encode(self) -> bytes:
        return self.to_pb().SerializeToString(deterministic=True)

    @classmethod
    def decode(cls, data: bytes) -> Bundle:
        return cls.from_pb(parse_into(pb.Bundle(), data, "Bundle"))

    # --- meaning ---------------------------------------------------------------------------
    def signature_material(self) -> bytes:
        return signature_material(self.signed_pre_keys, self.timestamp)

    def verify(self) -> bytes:
        """Check the signature; return the signer's uncompressed identity key (65 bytes)."""
        return verify_bundle(self)

    def to_json(self) -> dict:
        return {
            "identity": self.identity,
            "timestamp": self.timestamp,
            "signature": self.signature,
            "signed_pre_keys": {k: v.to_json() for k, v in sorted(self.signed_pre_keys.items())},
        }


def signature_material(signed_pre_keys: Mapping[str, SignedPreKey], timestamp: int) -> bytes:
    """The exact bytes status-go signs (see the module docstring)."""
    parts = []
    for iid in sorted(signed_pre_keys, key=lambda s: s.encode("utf-8")):
        spk = signed_pre_keys[iid]
        parts.append(iid.encode("utf-8") + spk.signed_pre_key + str(spk.version).encode("ascii"))
    if timestamp != 0:
        parts.append(str(timestamp).encode("ascii"))
    return b"".join(parts)


def sign_bundle(
    identity_priv: bytes, signed_pre_keys: Mapping[str, SignedPreKey], timestamp_ns: int, *, identity_pub: bytes | None = None
) -> Bundle:
    """A bundle for ``identity_priv``'s key, signed at ``timestamp_ns`` (``SignBundle``).

    ``identity_pub`` (the key of ``identity_priv``, 33 or 65 bytes) saves recomputing it.
    """
    _check_fields(signed_pre_keys, timestamp_ns)
    identity = secp256k1.compress(identity_pub if identity_pub is not None else secp256k1.public_key(identity_priv))
    spks = dict(signed_pre_keys)
    digest = keccak256(signature_material(spks, timestamp_ns))
    return Bundle(identity, spks, secp256k1.sign(digest, identity_priv), timestamp_ns)


def verify_bundle(bundle: Bundle) -> bytes:
    """``ExtractIdentity``: the signature must recover to ``bundle.identity``. Returns it uncompressed."""
    try:
        identity = secp256k1.decompress(bundle.identity)
    except MalformedKey:
        raise BadSignature(f"bundle identity is not a valid public key ({len(bundle.identity)} bytes)") from None
    if not bundle.signature:
        raise BadSignature("bundle is not signed")
    try:
        recovered = secp256k1.recover(keccak256(bundle.signature_material()), bundle.signature)
    except StatusCliError:
        raise BadSignature("bundle signature is malformed") from None
    if recovered != identity:  # status-go compares the addresses: the same test for valid keys
        raise BadSignature("bundle signature does not match its identity key (tampered or forged bundle)")
    for iid, spk in bundle.signed_pre_keys.items():
        if len(spk.signed_pre_key) != 33 or spk.signed_pre_key[0] not in (2, 3):
            raise MalformedKey(f"bundle prekey for installation {iid!r} is not a 33-byte compressed key")
    return identity


def needs_rotation(created_ns: int, now_ms: int) -> bool:
    """True when a bundle created at ``created_ns`` is older than 24 h at ``now_ms``."""
    return created_ns < (now_ms - BUNDLE_REFRESH_MS) * 1_000_000


def new_signed_prekey(rng) -> tuple[bytes, bytes]:
    """A fresh signed prekey: (private 32, compressed public 33)."""
    priv = secp256k1.generate_private_key(rng)
    return priv, secp256k1.compress(secp256k1.public_key(priv))


def _check_fields(spks: Mapping[str, SignedPreKey], timestamp: int) -> None:
    if not _INT64[0] <= timestamp <= _INT64[1]:
        raise ValueError("bundle timestamp must fit in int64")
    for iid, spk in spks.items():
        if not (0 <= spk.version <= _MAX_UINT32 and 0 <= spk.protocol_version <= _MAX_UINT32):
            raise ValueError(f"versions of installation {iid!r} must fit in uint32")


# --- BundleContainer (local only: our bundle + the SPK private key) ------------------------
def encode_container(bundle: Bundle, private_spk: bytes) -> bytes:
    return pb.BundleContainer(bundle=bundle.to_pb(), private_signed_pre_key=private_spk).SerializeToString(deterministic=True)


def decode_container(data: bytes) -> tuple[Bundle, bytes]:
    m = parse_into(pb.BundleContainer(), data, "BundleContainer")
    return Bundle.from_pb(m.bundle), bytes(m.private_signed_pre_key)
