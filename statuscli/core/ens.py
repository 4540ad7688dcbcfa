"""ENS names (EIP-137) to Status chat keys, sans-IO: names, namehash, and the two calls' bytes.

How status-go reads the chat key of an ENS name (services/ens/api.go ``PublicKeyOf``, and the
verifier of claimed names, eth-node/bridge/geth/ens/ens.go through wealdtech/go-ens v3):

    node      = namehash(normalised name)                  EIP-137
    resolver  = registry.resolver(node)                    one eth_call to the ENS registry
    (x, y)    = resolver.pubkey(node)                      one eth_call to the resolver (EIP-619)
    chat key  = 0x04 || x || y                             secp256k1, uncompressed (65 bytes)

A name is normalised the way go-ens does before hashing: UTS-46 mapping, non-transitional, without
the STD3 ASCII rules (so upper case folds to lower case and ``Alice.ETH`` is ``alice.eth``).
This module builds the call data and reads the answers; the JSON-RPC round trips are
``statuscli.net.eth_rpc``'s and the sequence is ``statuscli.app.ens``'s.
"""

from __future__ import annotations

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidEnsName, InvalidInput

#: the ENS registry on Ethereum mainnet (go-ens ``RegistryContractAddress``; the same on its testnets)
MAINNET_REGISTRY = bytes.fromhex("00000000000C2E074eC69A0dFb2997BA6C7d2e1e")
ZERO_ADDRESS = bytes(20)
MAX_NAME_LENGTH = 255  # EIP-137's recommended bound for a whole name


def selector(signature: str) -> bytes:
    """The 4-byte function selector of a Solidity signature such as ``resolver(bytes32)``."""
    return keccak256(signature.encode("ascii"))[:4]


RESOLVER_SELECTOR = selector("resolver(bytes32)")  # ENS registry
PUBKEY_SELECTOR = selector("pubkey(bytes32)")  # PubkeyResolver (EIP-619); also its interface id


def looks_like_ens_name(text: str) -> bool:
    """True for text a person means as an ENS name: one or more labels then ``.eth``, no spaces."""
    t = text.strip()
    return len(t) > 4 and t[-4:].lower() == ".eth" and not any(c.isspace() or c in "/:#@" for c in t)


def normalize(name: str) -> str:
    """The UTS-46 form of ``name`` that is hashed (raises InvalidEnsName for what is not a name)."""
    import idna  # imported here: only commands that meet an ENS name pay for its tables

    text = name.strip()
    if not text or len(text) > MAX_NAME_LENGTH:
        raise InvalidEnsName(f"an ENS name is 1 to {MAX_NAME_LENGTH} characters, got {len(text)}")
    try:
        mapped = idna.uts46_remap(text, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidEnsName(f"{name!r} is not a valid ENS name: {exc}") from None
    labels = mapped.split(".")
    if any(label == "" for label in labels):
        raise InvalidEnsName(f"{name!r} has an empty label", hint="labels are separated by single dots: alice.eth")
    return mapped


def labelhash(label: str) -> bytes:
    """keccak256 of one (already normalised) label."""
    return keccak256(label.encode("utf-8"))


def namehash(name: str) -> bytes:
    """EIP-137 namehash of an already normalised name ('' is the root: 32 zero bytes)."""
    node = bytes(32)
    if name:
        for label in reversed(name.split(".")):
            node = keccak256(node + labelhash(label))
    return node


def _call(sel: bytes, node: bytes) -> bytes:
    if len(node) != 32:
        raise InvalidInput(f"an ENS node is 32 bytes, got {len(node)}")
    return sel + node  # a static bytes32 argument is its own 32-byte head word


def resolver_call(node: bytes) -> bytes:
    """Call data of ``resolver(bytes32 node)`` on the registry."""
    return _call(RESOLVER_SELECTOR, node)


def pubkey_call(node: bytes) -> bytes:
    """Call data of ``pubkey(bytes32 node)`` on a resolver."""
    return _call(PUBKEY_SELECTOR, node)


def decode_address(result: bytes) -> bytes:
    """The address returned by a call (one ABI word: 12 zero bytes, then 20 address bytes)."""
    if len(result) != 32:
        raise DecodeError(f"an address result is one 32-byte word, got {len(result)} bytes")
    if any(result[:12]):
        raise DecodeError("an address word has non-zero high bytes")
    return result[12:]


def decode_pubkey(result: bytes) -> tuple[bytes, bytes]:
    """``(x, y)`` from the result of ``pubkey(bytes32)`` (two ABI words)."""
    if len(result) != 64:
        raise DecodeError(f"a pubkey result is two 32-byte words, got {len(result)} bytes")
    return result[:32], result[32:]


def chat_key(x: bytes, y: bytes) -> bytes | None:
    """The 65-byte chat key ``0x04 || x || y``; None when the record is unset (both zero).
    A record that is not a point on secp256k1 raises MalformedKey."""
    from statuscli.core.crypto.secp256k1 import parse_public_key

    if not any(x) and not any(y):
        return None
    return parse_public_key(b"\x04" + x + y)


def coordinates(public_key: bytes) -> tuple[bytes, bytes]:
    """``(x, y)`` of a 65-byte uncompressed key, as ``setPubkey`` takes them (status-go
    ``ExtractCoordinates``)."""
    if len(public_key) != 65 or public_key[0] != 4:
        raise InvalidInput("coordinates need an uncompressed 65-byte 0x04… key")
    return public_key[1:33], public_key[33:]


def parse_address(text: str) -> bytes:
    """A 20-byte address from ``0x`` + 40 hex digits; mixed case must be a valid EIP-55 checksum."""
    from statuscli.core.crypto.secp256k1 import checksum_address

    t = text.strip()
    body = t[2:] if t[:2] in ("0x", "0X") else t
    try:
        raw = bytes.fromhex(body) if len(body) == 40 else b""
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise InvalidInput(f"not an Ethereum address: {text!r}", hint="an address is 0x followed by 40 hex digits")
    if body != body.lower() and body != body.upper() and checksum_address(raw)[2:] != body:
        raise InvalidInput(f"{text!r} fails its EIP-55 checksum", hint="check the address, or give it in lower case")
    return raw
