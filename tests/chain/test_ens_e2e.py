"""ENS end to end, separate processes on 127.0.0.1: a statuscli node, three people in their own homes
and a ganache chain with ENS. Bob finds Alice by her ENS name; Alice and Mallory both send contact
requests claiming alice.eth through the node; Bob's verify accepts Alice's claim and refuses
Mallory's with exit 4."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    from tests.e2e.conftest import start_node, stop_process

    p, info = start_node(tmp_path_factory.mktemp("node"))
    yield info
    stop_process(p)


def test_find_by_name_and_check_claims_through_a_node(ens_chain, node, tmp_path):
    alice, bob, mallory = (Person(tmp_path, n, node["control_socket"]) for n in ("alice", "bob", "mallory"))
    ens_chain.register("alice.eth", bytes.fromhex(alice.key[2:]))
    for p in (alice, bob, mallory):
        p.env.update(STATUSCLI_ETH_RPC=ens_chain.rpc, STATUSCLI_ENS_REGISTRY=ens_chain.registry)

    found = bob.json("contacts", "add", "alice.eth")
    assert found["public_key"] == alice.key and found["name"] == "alice.eth"
    assert bob.json("keys", "inspect", "alice.eth")["compressed_key"] == alice.zq3

    alice.ok("send", bob.zq3, "hi bob, it's alice", "--ens-name", "alice.eth", "--contact-request")
    mallory.ok("send", bob.zq3, "hi bob, it's alice (honest)", "--ens-name", "alice.eth", "--contact-request")
    events = bob.ndjson("mailserver", "fetch", "--since", "10m")
    claims = {e["from"]: e.get("claimed_ens_name") for e in events if e["type"] == "contact_request"}
    assert claims == {alice.key: "alice.eth", mallory.key: "alice.eth"}

    ok = bob.json("contacts", "verify", "alice.eth")  # the contact name; her claim checked on the chain
    assert ok["public_key"] == alice.key and ok["ens_name"] == "alice.eth" and ok["checks"] == {"ens_name": True}
    liar = bob.run("--json", "contacts", "verify", mallory.zq3)
    assert liar.returncode == 4, liar.stderr
    assert b"identity-mismatch" in liar.stdout and b"alice.eth resolves to another key" in liar.stdout
