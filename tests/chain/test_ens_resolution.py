"""ENS names resolved against a real local chain (ganache + ENS's published contracts): keys inspect
NAME.eth, contacts add NAME.eth, contacts verify --ens, and every way a lookup finds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.identity.keytext import compressed_key

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "ens.json").read_text(encoding="utf-8"))
STATUS_GO = VECTORS["status_go_public_key_of"]
ALICE = secp256k1.public_key(bytes(31) + b"\xa1")
BOB = secp256k1.public_key(bytes(31) + b"\xb0")


@pytest.fixture(scope="module")
def chain(ens_chain):
    ens_chain.register("alice.eth", ALICE)
    ens_chain.register("bob.eth", BOB)
    ens_chain.register(STATUS_GO["name"], bytes.fromhex(STATUS_GO["public_key"][2:]))
    ens_chain.register("nokey.eth")  # the public resolver, no pubkey record
    ens_chain.register("noresolver.eth", resolver="")
    ens_chain.register("registry-as-resolver.eth", resolver=ens_chain.registry)  # a contract without pubkey()
    return ens_chain


@pytest.fixture
def ens_env(chain):
    return {"STATUSCLI_ETH_RPC": chain.rpc, "STATUSCLI_ENS_REGISTRY": chain.registry, "STATUSCLI_PASSWORD": "ens-test"}


@pytest.fixture
def me(run_cli, ens_env):
    r = run_cli("keys", "generate", "--name", "me", env=ens_env)
    assert r.exit_code == 0, r.stderr
    return run_cli


def test_keys_inspect_resolves_a_name_to_its_chat_key(run_cli, ens_env, chain):
    r = run_cli("--json", "keys", "inspect", "alice.eth", env=ens_env)
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["public_key"] == "0x" + ALICE.hex() and out["compressed_key"] == compressed_key(ALICE)
    assert out["ens_name"] == "alice.eth"
    assert out["ens"]["resolver"] == chain.resolver.lower() and out["ens"]["registry"] == chain.registry.lower()


def test_the_key_is_formed_as_status_go_forms_it(run_cli, ens_env):
    r = run_cli("--json", "keys", "inspect", STATUS_GO["name"], env=ens_env)
    assert r.exit_code == 0, r.stderr
    assert r.json()["public_key"] == STATUS_GO["public_key"]  # status-go PublicKeyOf: "0x04" + x + y


def test_options_work_without_the_environment(run_cli, chain):
    r = run_cli("--json", "keys", "inspect", "BOB.ETH", "--eth-rpc", chain.rpc, "--ens-registry", chain.registry)
    assert r.exit_code == 0, r.stderr
    assert r.json()["public_key"] == "0x" + BOB.hex() and r.json()["ens_name"] == "bob.eth"


def test_mainnet_registry_is_the_default(run_cli, chain):
    # no registry lives at mainnet's address on this fresh chain: nothing found, and the hint names the option
    r = run_cli("--json", "keys", "inspect", "alice.eth", "--eth-rpc", chain.rpc)
    assert r.exit_code == 7
    err = r.json()["error"]
    assert err["code"] == "ens-no-record" and "0x00000000000c2e074ec69a0dfb2997ba6c7d2e1e" in err["message"]
    assert "--ens-registry" in err["hint"]


@pytest.mark.parametrize("name, why", [("nobody.eth", "has no resolver"), ("noresolver.eth", "has no resolver"),
                                       ("nokey.eth", "pubkey record is empty"),
                                       ("registry-as-resolver.eth", "has no pubkey record")])  # fmt: skip
def test_names_without_a_chat_key_are_nothing_found(run_cli, ens_env, name, why):
    r = run_cli("--json", "keys", "inspect", name, env=ens_env)
    assert r.exit_code == 7, r.stdout
    err = r.json()["error"]
    assert err["code"] == "ens-no-record" and why in err["message"], err


def test_contacts_add_by_ens_name(me, ens_env):
    r = me("--json", "contacts", "add", "alice.eth", env=ens_env)
    assert r.exit_code == 0, r.stderr
    c = r.json()
    assert c["public_key"] == "0x" + ALICE.hex() and c["name"] == "alice.eth" and c["added_by_us"]
    assert c["ens"]["name"] == "alice.eth"
    # the name now works wherever a peer is named, without the chain
    shown = me("--json", "contacts", "show", "alice.eth", env={"STATUSCLI_PASSWORD": ens_env["STATUSCLI_PASSWORD"]})
    assert shown.exit_code == 0 and shown.json()["public_key"] == "0x" + ALICE.hex()
    named = me("--json", "contacts", "add", "bob.eth", "--name", "bobby", env=ens_env)
    assert named.exit_code == 0 and named.json()["names"] == ["bobby"] and named.json()["public_key"] == "0x" + BOB.hex()


def test_contacts_add_of_a_name_without_key_adds_nothing(me, ens_env):
    r = me("--json", "contacts", "add", "nokey.eth", env=ens_env)
    assert r.exit_code == 7
    assert me("--json", "contacts", "list", env=ens_env).json()["contacts"] == []


def test_verify_a_claimed_name(me, ens_env):
    assert me("contacts", "add", "0x" + ALICE.hex(), "--name", "alice", env=ens_env).exit_code == 0
    ok = me("--json", "contacts", "verify", "alice", "--ens", "Alice.eth", env=ens_env)
    assert ok.exit_code == 0, ok.stderr
    assert ok.json()["ens_name"] == "alice.eth" and ok.json()["checks"] == {"ens_name": True}
    text = me("contacts", "verify", "alice", "--ens", "alice.eth", env=ens_env)
    assert text.exit_code == 0 and "alice.eth (resolves to this key)" in text.stdout


def test_verify_fails_with_4_when_the_name_is_another_keys(me, ens_env):
    assert me("contacts", "add", "0x" + ALICE.hex(), "--name", "alice", env=ens_env).exit_code == 0
    r = me("--json", "contacts", "verify", "alice", "--ens", "bob.eth", env=ens_env)
    assert r.exit_code == 4
    err = r.json()["error"]
    assert err["code"] == "identity-mismatch" and "bob.eth resolves to another key" in err["message"]
    assert compressed_key(BOB) in err["message"]


def test_verify_without_a_key_on_the_name_is_nothing_found(me, ens_env):
    r = me("--json", "contacts", "verify", "0x" + ALICE.hex(), "--ens", "nokey.eth", env=ens_env)
    assert r.exit_code == 7 and r.json()["error"]["code"] == "ens-no-record"


def test_verify_peer_given_as_ens_name(me, ens_env):
    r = me("--json", "contacts", "verify", "bob.eth", env=ens_env)
    assert r.exit_code == 0, r.stderr
    assert r.json()["public_key"] == "0x" + BOB.hex() and r.json()["ens_name"] == "bob.eth"


def test_a_real_subprocess_resolves_and_verifies(chain, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(STATUSCLI_HOME=str(tmp_path / "home"), STATUSCLI_ETH_RPC=chain.rpc, STATUSCLI_ENS_REGISTRY=chain.registry)
    r = subprocess.run([sys.executable, "-m", "statuscli", "keys", "inspect", "alice.eth"], env=env, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "ens name:" in r.stdout and "alice.eth" in r.stdout and compressed_key(ALICE) in r.stdout
    assert "Traceback" not in r.stderr


def test_the_fixture_speaks_the_artifacts_abi(chain):
    # our call data's selectors are the ones the published contracts' ABIs define
    from statuscli.core import ens
    from tests.chain.ganache import abi_selector

    assert ens.RESOLVER_SELECTOR == abi_selector(chain._reg, "resolver")
    assert ens.PUBKEY_SELECTOR == abi_selector(chain._res, "pubkey")


# --- names claimed in chat messages (ChatMessage.ens_name), checked by the receiver ----------------
@pytest.fixture
def people(tmp_path, chain):
    """alice (owns alice.eth on the chain), mallory and bob, as in-process messengers."""
    from tests.unit.test_messaging import Clock, Party, make_account

    clock = Clock()
    parties = {n: Party(make_account(tmp_path / n, n, bytes([i + 40]) * 16), clock) for i, n in enumerate(("alice", "mallory", "bob"))}
    chain.register("claimer.eth", parties["alice"].key)
    return parties


def _claim(sender, receiver, name: str) -> dict:
    """A contact request claiming ``name`` (the receiver keeps contact state, hence the claim)."""
    from statuscli.app.messaging.content import Content

    sent = sender.m.send_direct(receiver.key, Content(text="hello, add me", ens_name=name, contact_request=True))
    (msg,) = [e for e in receiver.take(sent.envelopes) if e["type"] == "contact_request"]
    return msg


def test_a_claimed_name_is_checked_by_verify(people, run_cli, chain, tmp_path):
    alice, mallory, bob = people["alice"], people["mallory"], people["bob"]
    assert _claim(alice, bob, "claimer.eth")["claimed_ens_name"] == "claimer.eth"
    assert _claim(mallory, bob, "claimer.eth")["claimed_ens_name"] == "claimer.eth"  # a lie, as sent
    env = {"STATUSCLI_PASSWORD": "pw", "STATUSCLI_ETH_RPC": chain.rpc, "STATUSCLI_ENS_REGISTRY": chain.registry}
    home = ("--home", str(tmp_path / "bob"), "--account", "bob")
    ok = run_cli(*home, "--json", "contacts", "verify", "0x" + alice.key.hex(), env=env)
    assert ok.exit_code == 0, ok.stderr
    assert ok.json()["claimed_ens_name"] == "claimer.eth" and ok.json()["ens_name"] == "claimer.eth"
    assert ok.json()["checks"] == {"ens_name": True}
    liar = run_cli(*home, "--json", "contacts", "verify", "0x" + mallory.key.hex(), env=env)
    assert liar.exit_code == 4
    assert liar.json()["error"]["code"] == "identity-mismatch" and "claimer.eth resolves to another key" in liar.json()["error"]["message"]
    # without a node the claim is shown, not checked, and nothing fails
    offline = run_cli(*home, "--json", "contacts", "verify", "0x" + mallory.key.hex(), env={"STATUSCLI_PASSWORD": "pw"})
    assert offline.exit_code == 0 and offline.json()["claimed_ens_name"] == "claimer.eth" and offline.json()["ens_name"] is None
