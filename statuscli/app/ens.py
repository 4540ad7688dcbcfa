"""ENS names to chat keys through an Ethereum node: core.ens's two calls, in order, and the check
of a name a peer claims.

    source = EnsSource(rpc_url, registry)      # from --eth-rpc / --ens-registry (or their env vars)
    record = source.resolve("alice.eth")       # EnsRecord: name, node, registry, resolver, public_key
    source.verify_claim("alice.eth", key)      # the record, or IdentityMismatch (exit 4)

Resolution is what status-go does (services/ens/api.go PublicKeyOf): ``resolver(node)`` on the
registry, then ``pubkey(node)`` on that resolver, the key being 0x04||x||y. A claim is verified the
way its ENS verifier does (eth-node/bridge/geth/ens/ens.go verifyENSName): the key the name
resolves to must equal the claimant's key, byte for byte.

Nothing found is EnsRecordMissing (exit 7): an empty registry answer (no registry at that address
on this chain), a zero resolver, a resolver that reverts on ``pubkey`` or holds (0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core import ens
from statuscli.core.errors import BadResponse, CallReverted, DecodeError, EnsRecordMissing, IdentityMismatch, MalformedKey, UsageError


@dataclass(frozen=True)
class EnsRecord:
    name: str  # normalised
    node: bytes
    registry: bytes
    resolver: bytes
    public_key: bytes  # 65 bytes, 0x04…

    def to_json(self) -> dict:
        return {"name": self.name, "node": "0x" + self.node.hex(), "registry": "0x" + self.registry.hex(),
                "resolver": "0x" + self.resolver.hex(), "public_key": "0x" + self.public_key.hex()}  # fmt: skip


@dataclass(frozen=True)
class EnsSource:
    """Where names are looked up: an Ethereum JSON-RPC endpoint (None: not configured) and a registry."""

    rpc_url: str | None
    registry: bytes = ens.MAINNET_REGISTRY
    timeout: float = 10.0

    def resolve(self, name: str) -> EnsRecord:
        normal = ens.normalize(name)
        if not self.rpc_url:
            raise UsageError(f"{normal} is an ENS name: resolving it needs an Ethereum node",
                             hint="pass --eth-rpc URL or set STATUSCLI_ETH_RPC")  # fmt: skip
        from statuscli.net.eth_rpc import EthRpc

        rpc = EthRpc(self.rpc_url, timeout=self.timeout)
        node = ens.namehash(normal)
        registry = "0x" + self.registry.hex()
        answer = rpc.call(self.registry, ens.resolver_call(node))
        if not answer:
            raise EnsRecordMissing(f"no ENS registry at {registry} on this chain (the call answered nothing)",
                                   hint="pass the registry of this chain with --ens-registry (or STATUSCLI_ENS_REGISTRY)")  # fmt: skip
        resolver = _decoded(ens.decode_address, answer, "the registry's resolver answer")
        if resolver == ens.ZERO_ADDRESS:
            raise EnsRecordMissing(f"{normal} has no resolver in the ENS registry at {registry} (not registered?)")
        try:
            answer = rpc.call(resolver, ens.pubkey_call(node))
        except CallReverted:
            raise EnsRecordMissing(f"the resolver of {normal} (0x{resolver.hex()}) has no pubkey record") from None
        if not answer:
            raise EnsRecordMissing(f"the resolver of {normal} (0x{resolver.hex()}) is not a contract on this chain")
        x, y = _decoded(ens.decode_pubkey, answer, "the resolver's pubkey answer")
        try:
            key = ens.chat_key(x, y)
        except MalformedKey:
            raise MalformedKey(f"the pubkey record of {normal} is not a secp256k1 point") from None
        if key is None:
            raise EnsRecordMissing(f"{normal} has no chat key: its pubkey record is empty")
        return EnsRecord(normal, node, self.registry, resolver, key)

    def verify_claim(self, name: str, public_key: bytes) -> EnsRecord:
        """The record of ``name`` if it resolves to ``public_key``; IdentityMismatch if to another key."""
        from statuscli.core.identity.keytext import compressed_key

        record = self.resolve(name)
        if record.public_key != public_key:
            raise IdentityMismatch(f"{record.name} resolves to another key ({compressed_key(record.public_key)})",
                                   hint="this key does not own that ENS name; do not trust the claim")  # fmt: skip
        return record


def _decoded(decode, answer: bytes, what: str):
    try:
        return decode(answer)
    except DecodeError as exc:
        raise BadResponse(f"{what} does not decode: {exc.message}") from None
