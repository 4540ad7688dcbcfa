"""send --request-transaction / --transaction-sent: the dry-run envelope opened by the recipient
(``envelope inspect`` and the receive pipeline's typed events), and bad input refused with exit 3."""

from __future__ import annotations

import pytest

from tests.cli.test_send_listen import PW, homes, inspect_chat  # noqa: F401 (homes is a fixture)

ADDRESS = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
TOKEN = "0x744d70FDBE2Ba4CF95131626614a1763DF805B9E"
TX = "0x" + "5c" * 32
SIG = "0x" + "1b" * 65


def _receive(tmp_path, who: str, envelope_hex: str) -> list[dict]:
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger

    acct = open_account(AppContext(home=tmp_path / who), passphrase=PW)
    return Receiver(Messenger(acct)).handle(bytes.fromhex(envelope_hex[2:])).events


def test_request_and_answer_carry_their_fields(homes, tmp_path):
    cli, a, b = homes
    d = cli("alice", "--json", "send", b["public_key"], "--request-transaction", ADDRESS, "--value", "1000000000000000000",
            "--token", TOKEN, "--dry-run").json()  # fmt: skip
    assert d["chat"] == {"kind": "one-to-one", "id": b["public_key"]}
    # bob answers (a dry run: alice's state is as before her own dry run, so bob answers before reading it)
    s = cli("bob", "--json", "send", a["public_key"], "--transaction-sent", TX, "--signature", SIG, "--reply-to", d["id"],
            "--dry-run").json()  # fmt: skip
    env = d["envelopes"][0]["envelope"]
    node = inspect_chat(cli, "bob", env)
    assert node["layer"] == "transaction-request"
    assert (node["address"], node["value"], node["contract"], node["chat_id"]) == (ADDRESS, "1000000000000000000", TOKEN, b["public_key"])
    (ev,) = [e for e in _receive(tmp_path, "bob", env) if e["type"] == "transaction_request"]
    assert ev["id"] == d["id"] and ev["from"] == a["public_key"] and ev["chat"] == {"kind": "one-to-one", "id": a["public_key"]}
    assert (ev["address"], ev["value"], ev["contract"]) == (ADDRESS, "1000000000000000000", TOKEN) and ev["clock"] > 0
    assert ev["layers"][-1] == "application/REQUEST_TRANSACTION"

    node = inspect_chat(cli, "alice", s["envelopes"][0]["envelope"])
    assert node["layer"] == "transaction-sent" and node["transaction_hash"] == TX and node["signature"] == SIG
    (ev,) = [e for e in _receive(tmp_path, "alice", s["envelopes"][0]["envelope"]) if e["type"] == "transaction_sent"]
    assert (ev["transaction_hash"], ev["signature"], ev["request_id"], ev["from"]) == (TX, SIG, d["id"], b["public_key"])


@pytest.mark.parametrize("args, code, words", [
    (["--request-transaction", "0xnothex", "--value", "1"], 3, "Ethereum address"),
    (["--request-transaction", ADDRESS, "--value=-5"], 3, "non-negative"),
    (["--request-transaction", ADDRESS, "--value", "1.5"], 3, "wei"),
    (["--request-transaction", ADDRESS, "--value", "1", "--token", "0x12"], 3, "--token"),
    (["--transaction-sent", "0x1234", "--signature", SIG], 3, "transaction hash"),
    (["--transaction-sent", TX, "--signature", "zz"], 3, "hex bytes"),
    (["--request-transaction", ADDRESS], 2, "--value"),
    (["--transaction-sent", TX], 2, "--signature"),
    (["hi", "--request-transaction", ADDRESS, "--value", "1"], 2, "no MESSAGE"),
    (["--value", "1"], 2, "go with --request-transaction"),
])  # fmt: skip
def test_bad_wallet_input_fails_before_any_node(homes, args, code, words):
    cli, a, b = homes
    r = cli("alice", "send", b["public_key"], *args)  # no node: a valid command would be exit 6
    assert r.exit_code == code, (args, r.exit_code, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr
