"""Wallet chat commands between separate processes through a local node: Alice asks Bob for a
transaction, Bob's mailserver fetch shows the request with its fields, Bob answers with the hash
and signature, Alice's listen shows it, and envelope inspect opens both."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

ADDRESS = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
TOKEN = "0x744d70FDBE2Ba4CF95131626614a1763DF805B9E"
TX = "0x" + "3d" * 32
SIG = "0x" + "a7" * 65


def test_transaction_request_and_answer(people):
    alice, bob = people("alice", "bob")
    (req_id,) = alice.ok("send", bob.zq3, "--request-transaction", ADDRESS, "--value", "250000000000000000", "--token", TOKEN).split()
    (req,) = [e for e in bob.ndjson("mailserver", "fetch", "--since", "1m") if e["type"] == "transaction_request"]
    assert req["id"] == req_id and req["from"] == alice.key and req["chat"] == {"kind": "one-to-one", "id": alice.key}
    assert (req["address"], req["value"], req["contract"]) == (ADDRESS, "250000000000000000", TOKEN) and req["clock"] > 0
    inspected = bob.json("envelope", "inspect", "-", input=req["envelope"])
    node = inspected
    while node.get("inner") or node.get("messages"):
        node = node["inner"] if node.get("inner") else node["messages"][0]
    assert node["layer"] == "transaction-request" and node["address"] == ADDRESS and node["chat_id"] == bob.key

    la = alice.listen("--chat", bob.key, "--count", "1", "--timeout", "60").ready()
    (sent_id,) = bob.ok("send", alice.key, "--transaction-sent", TX, "--signature", SIG, "--reply-to", req_id).split()
    assert la.finish() == 0
    (ans,) = [e for e in la.events if e["type"] == "transaction_sent"]
    assert ans["id"] == sent_id and ans["from"] == bob.key and ans["request_id"] == req_id
    assert (ans["transaction_hash"], ans["signature"]) == (TX, SIG)
