"""A real Ethereum node for the ENS tests: ganache (tests/interop/js/ens/chain.mjs) on 127.0.0.1 at an
ephemeral port, and ENS deployed on it from the published artifacts through raw JSON-RPC.

    with Ganache() as node:                 # started, bounded in time, always killed
        chain = deploy_ens(node)            # ENSRegistry + PublicResolver, 'eth' owned by account 0
        chain.register("alice.eth", key)    # owner, resolver, pubkey record (x, y of the 0x04 key)

Every transaction is ``eth_sendTransaction`` from one of ganache's unlocked accounts (instant
mining), checked by its receipt. The JSON-RPC client here is the test's own (urllib), not the one
under test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path

from eth_hash.auto import keccak

REPO = Path(__file__).resolve().parents[2]
ENS_JS = REPO / "tests" / "interop" / "js" / "ens"
PINNED = [("ganache", "7.9.2"), ("@ensdomains/ens", "0.6.2"), ("@ensdomains/resolver", "0.3.1")]
REGISTRY_ARTIFACT = ENS_JS / "node_modules/@ensdomains/ens/build/contracts/ENSRegistry.json"
RESOLVER_ARTIFACT = ENS_JS / "node_modules/@ensdomains/resolver/build/contracts/PublicResolver.json"
START_TIMEOUT = 30.0
GAS = hex(6_000_000)


def environment_problem() -> str | None:
    """Why ganache cannot run here (one line), or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node or npm not found on PATH (install Node >= 20, then run scripts/dev install)"
    for package, wanted in PINNED:
        manifest = ENS_JS / "node_modules" / package / "package.json"
        if not manifest.exists():
            return f"{package} is not installed in tests/interop/js/ens (run scripts/dev install, or npm ci there)"
        got = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if got != wanted:
            return f"tests/interop/js/ens has {package} {got}, the lockfile pins {wanted} (run npm ci there)"
    return None


def word(value: bytes | int) -> bytes:
    """One 32-byte ABI word: a bytes32 as is, an address or integer left-padded."""
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    return value if len(value) == 32 else bytes(32 - len(value)) + value


def abi_selector(artifact: dict, name: str) -> bytes:
    """The selector of function ``name`` computed from the artifact's own ABI entry."""
    (entry,) = [e for e in artifact["abi"] if e.get("type") == "function" and e["name"] == name]
    return keccak(f"{name}({','.join(i['type'] for i in entry['inputs'])})".encode())[:4]


def namehash(name: str) -> bytes:  # EIP-137, written again here so the fixture does not lean on core.ens
    node = bytes(32)
    for label in reversed(name.split(".")) if name else []:
        node = keccak(node + keccak(label.encode()))
    return node


class Ganache:
    """``node chain.mjs`` as a context manager: the RPC URL and unlocked accounts once it listens."""

    def __init__(self, watchdog: int = 180):
        self.watchdog = watchdog
        self.proc: subprocess.Popen | None = None
        self.rpc = ""
        self.accounts: list[str] = []
        self._stderr: list[str] = []
        self._id = 0

    def __enter__(self) -> Ganache:
        self.proc = subprocess.Popen(["node", "chain.mjs", str(self.watchdog)], cwd=ENS_JS, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True).start()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0].strip():
            self.__exit__(None, None, None)
            raise RuntimeError(f"ganache did not start within {START_TIMEOUT:g} s: {''.join(self._stderr)[-800:]}")
        info = json.loads(line[0])
        self.rpc, self.accounts = info["rpc"], info["accounts"]
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()  # chain.mjs stops when its stdin closes
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def request(self, method: str, params: list):
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}).encode()
        req = urllib.request.Request(self.rpc, data=body, headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=20) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def transact(self, sender: str, to: str | None, data: bytes) -> dict:
        tx = {"from": sender, "data": "0x" + data.hex(), "gas": GAS}
        if to is not None:
            tx["to"] = to
        receipt = self.request("eth_getTransactionReceipt", [self.request("eth_sendTransaction", [tx])])
        assert receipt is not None and int(receipt["status"], 16) == 1, receipt
        return receipt


class EnsChain:
    """ENS on a ganache: the registry and a public resolver; account 0 owns 'eth'."""

    def __init__(self, node: Ganache, registry: str, resolver: str, reg_abi: dict, res_abi: dict):
        self.node, self.registry, self.resolver = node, registry, resolver
        self.rpc = node.rpc
        self.owner = node.accounts[0]
        self._reg, self._res = reg_abi, res_abi

    def _registry_call(self, fn: str, *args) -> None:
        self.node.transact(self.owner, self.registry, abi_selector(self._reg, fn) + b"".join(word(a) for a in args))

    def register(self, name: str, public_key: bytes | None = None, *, resolver: str | None = None) -> None:
        """Give ``name`` (LABEL.eth) to account 0; point it at ``resolver`` (default: the public one,
        '' = none) and, with ``public_key`` (0x04…), set its pubkey record to (x, y)."""
        label, parent = name.split(".", 1)
        owner = bytes.fromhex(self.owner[2:])
        self._registry_call("setSubnodeOwner", namehash(parent), keccak(label.encode()), owner)
        target = self.resolver if resolver is None else resolver
        if target:
            self._registry_call("setResolver", namehash(name), bytes.fromhex(target[2:]))
        if public_key is not None:
            x, y = public_key[1:33], public_key[33:65]
            data = abi_selector(self._res, "setPubkey") + namehash(name) + x + y
            self.node.transact(self.owner, self.resolver, data)


def deploy_ens(node: Ganache) -> EnsChain:
    """Deploy ENSRegistry (root owned by account 0) and PublicResolver(registry); give 'eth' to account 0."""
    reg = json.loads(REGISTRY_ARTIFACT.read_text(encoding="utf-8"))
    res = json.loads(RESOLVER_ARTIFACT.read_text(encoding="utf-8"))
    owner = node.accounts[0]
    registry = node.transact(owner, None, bytes.fromhex(reg["bytecode"][2:]))["contractAddress"]
    ctor = bytes.fromhex(res["bytecode"][2:]) + word(bytes.fromhex(registry[2:]))  # constructor(ENS _ens)
    resolver = node.transact(owner, None, ctor)["contractAddress"]
    chain = EnsChain(node, registry, resolver, reg, res)
    chain._registry_call("setSubnodeOwner", bytes(32), keccak(b"eth"), bytes.fromhex(owner[2:]))
    return chain

