"""BIP-32 hierarchical keys (status-go ``extkeys/hdkey.go``) via bip-utils, and the Status keys.

* Master = HMAC-SHA512("Bitcoin seed", seed), seed 16..64 bytes; standard child derivation
  (private key data always left-padded to 32 bytes — bip-utils does this right).
* xprv/xpub use the mainnet version bytes 0488ADE4 / 0488B21E.
* keyUID = ``"0x" + hex(SHA-256(uncompressed master public key))`` (``account/generator``).

bip-utils costs ~0.3–0.5 s to import, so it is imported inside the functions that need it, never
at module level: commands that only handle public keys must not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto.hashing import sha256
from statuscli.core.errors import InvalidPath, InvalidSeed, MalformedKey
from statuscli.core.identity import paths as _paths


@dataclass(frozen=True)
class DerivedKey:
    """One node of the tree. ``private_key``/``xprv`` are None for a public-only node."""

    path: str
    public_key: bytes  # 65 bytes, uncompressed
    chain_code: bytes
    depth: int
    xpub: str
    private_key: bytes | None = None  # 32 bytes
    xprv: str | None = None

    def __repr__(self) -> str:  # never show secrets in logs or tracebacks
        return f"DerivedKey(path={self.path!r}, public_key=0x{self.public_key.hex()}, private={'yes' if self.private_key else 'no'})"


@dataclass(frozen=True)
class StatusKeys:
    """The keys of a Status account, all from one seed (empty BIP-39 passphrase for Status)."""

    key_uid: str
    master: DerivedKey
    chat: DerivedKey
    encryption: DerivedKey
    wallet: DerivedKey

    def __repr__(self) -> str:
        return f"StatusKeys(key_uid={self.key_uid!r}, chat=0x{self.chat.public_key.hex()})"


def _bip32():
    from bip_utils import Bip32Secp256k1

    return Bip32Secp256k1


def _node(ctx, path: str) -> DerivedKey:
    pub = ctx.PublicKey()
    public_only = ctx.IsPublicOnly()
    return DerivedKey(
        path=path,
        public_key=pub.RawUncompressed().ToBytes(),
        chain_code=ctx.ChainCode().ToBytes(),
        depth=int(ctx.Depth().ToInt()),
        xpub=pub.ToExtended(),
        private_key=None if public_only else ctx.PrivateKey().Raw().ToBytes(),
        xprv=None if public_only else ctx.PrivateKey().ToExtended(),
    )


def _master_ctx(seed: bytes):
    if not 16 <= len(seed) <= 64:
        raise InvalidSeed(f"a BIP-32 seed is 16 to 64 bytes, got {len(seed)}")
    return _bip32().FromSeed(bytes(seed))


def _walk(ctx, indexes: list[int]):
    from bip_utils.bip.bip32 import Bip32KeyError

    for i in indexes:
        try:
            ctx = ctx.ChildKey(i)
        except Bip32KeyError as e:  # hardened child of a public node, or a (2^-127-rare) invalid child
            raise InvalidPath(f"cannot derive child {i}: {e}") from None
    return ctx


def master_key(seed: bytes) -> DerivedKey:
    return _node(_master_ctx(seed), "m")


def derive(seed: bytes, path: str) -> DerivedKey:
    """The key at ``path`` (``m/…`` or a name from :data:`paths.NAMED`) under ``seed``."""
    indexes = _paths.parse_path(path)
    return _node(_walk(_master_ctx(seed), indexes), _paths.format_path(indexes))


def derive_from_extended(extended_key: str, path: str) -> DerivedKey:
    """Derive from an ``xprv…``/``xpub…`` text; ``path`` is relative to that node (``m`` = itself)."""
    try:
        ctx = _bip32().FromExtendedKey(extended_key.strip())
    except Exception as e:  # bip-utils raises several unrelated types (base58 checksum, key, value)
        raise MalformedKey(f"not a valid extended key: {e}") from None
    indexes = _paths.parse_path(path)
    return _node(_walk(ctx, indexes), _paths.format_path(indexes))


def key_uid_from_master(master_public_key: bytes) -> str:
    return "0x" + sha256(master_public_key).hex()


def key_uid(seed: bytes) -> str:
    """status-go keyUID: ``0x`` + SHA-256 of the uncompressed master public key."""
    return key_uid_from_master(master_key(seed).public_key)


def status_keys(seed: bytes) -> StatusKeys:
    """keyUID and the chat, database-encryption and wallet keys, sharing one master derivation."""
    master = _master_ctx(seed)
    eip1581 = _walk(master, _paths.parse_path(_paths.EIP1581_ROOT))
    chat = _walk(eip1581, [_paths.HARDENED + 0, 0])
    encryption = _walk(eip1581, [_paths.HARDENED + 1, 0])
    wallet = _walk(master, _paths.parse_path(_paths.WALLET))
    master_node = _node(master, "m")
    return StatusKeys(
        key_uid=key_uid_from_master(master_node.public_key),
        master=master_node,
        chat=_node(chat, _paths.CHAT),
        encryption=_node(encryption, _paths.ENCRYPTION),
        wallet=_node(wallet, _paths.WALLET),
    )
