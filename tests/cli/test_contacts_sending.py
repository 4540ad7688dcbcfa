"""contacts add | accept | decline | remove through the CLI: what goes on the wire (opened by the
recipient's envelope inspect and receive pipeline), a dry run changes nothing, no node at all means
a change made here only (said so), an unreachable node changes nothing (exit 6)."""

from __future__ import annotations

from tests.cli.test_exit_codes import NOSOCK
from tests.cli.test_send_listen import PW, homes, inspect_chat  # noqa: F401 (homes is a fixture)


def _receive(tmp_path, who: str, envelopes: list[str]) -> list[dict]:
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger

    r = Receiver(Messenger(open_account(AppContext(home=tmp_path / who), passphrase=PW)))
    return [e for env in envelopes for e in r.handle(bytes.fromhex(env[2:])).events]


def _add_for_real(tmp_path, who: str, peer_hex: str) -> list[str]:
    """What `contacts add` sends, built and committed in ``who``'s home (no node here: the test
    carries the envelopes): the ContactUpdate and the contact request."""
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging import contact_messages, sending
    from statuscli.app.messaging.messenger import Messenger

    m = Messenger(open_account(AppContext(home=tmp_path / who), passphrase=PW))
    report = sending.send(m, contact_messages.plan_add(m.account, bytes.fromhex(peer_hex[2:]), "hi"), deliver=lambda sent: None,
                          transport=_Keep())  # fmt: skip
    return ["0x" + e.data.hex() for s in report.sent for e in s.envelopes]


class _Keep:
    """A transport that keeps what is published (the test hands it over)."""

    def publish(self, envelope) -> dict:
        return {"hash": envelope.hash.hex()}


def _state(cli, who: str, peer: str) -> dict:
    r = cli(who, "--json", "contacts", "show", peer)
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_add_sends_a_contact_update_and_a_request_and_a_dry_run_changes_nothing(homes, tmp_path):
    cli, a, b = homes
    r = cli("alice", "--json", "contacts", "add", b["compressed_key"], "--name", "bob", "--message", "hi, it's alice", "--dry-run")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["dry_run"] is True and len(d["sent"]) == 2 and d["request"] == "pending-out"  # as it would be
    after = cli("alice", "--json", "contacts", "list").json()["contacts"]
    assert after == []  # nothing stored: no state, no name
    update_env, request_env = (s["envelopes"][0]["envelope"] for s in d["sent"])
    node = inspect_chat(cli, "bob", update_env)
    assert node["layer"] == "contact-update" and node["decoded"]["propagated_state"]["local_state"] == "sent"
    assert node["decoded"]["public_key"] == b["public_key"] and node["decoded"]["customization_color"] == 4
    evs = _receive(tmp_path, "bob", [update_env, request_env])
    assert [e["type"] for e in evs if e["type"].startswith("contact")] == ["contact_update", "contact_request"]
    req = [e for e in evs if e["type"] == "contact_request"][0]
    assert req["text"] == "hi, it's alice" and req["from"] == a["public_key"]
    assert _state(cli, "bob", a["public_key"])["request"] == "pending-in"


def test_no_node_at_all_changes_here_only_and_says_so(homes):
    cli, a, b = homes
    r = cli("alice", "--json", "contacts", "add", b["compressed_key"], "--name", "bob")
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["offline"] is True and d["sent"] == [] and d["request"] == "pending-out" and d["name"] == "bob"
    assert "not sent: no node" in r.stderr
    r = cli("alice", "contacts", "add", "bob", "--node", NOSOCK)  # a node named but unreachable: exit 6
    assert r.exit_code == 6


def test_decline_unreachable_dry_run_silent(homes, tmp_path):
    cli, a, b = homes
    _receive(tmp_path, "bob", _add_for_real(tmp_path, "alice", b["public_key"]))
    assert _state(cli, "bob", a["public_key"])["request"] == "pending-in"
    r = cli("bob", "contacts", "decline", a["public_key"], "--node", NOSOCK)
    assert r.exit_code == 6 and _state(cli, "bob", a["public_key"])["request"] == "pending-in"  # nothing changed
    r = cli("bob", "--json", "contacts", "decline", a["public_key"], "--dry-run")
    assert r.exit_code == 0, r.stderr
    dry = r.json()
    assert dry["dry_run"] and dry["request"] == "declined" and len(dry["sent"]) == 1
    assert _state(cli, "bob", a["public_key"])["request"] == "pending-in"  # a dry run changes nothing
    node = inspect_chat(cli, "alice", dry["sent"][0]["envelopes"][0]["envelope"])
    assert node["layer"] == "contact-update" and node["decoded"]["contact_request_clock"] == 0
    assert node["decoded"]["propagated_state"]["local_state"] == "dismissed"
    r = cli("bob", "--json", "contacts", "decline", a["public_key"], "--silent")
    assert r.exit_code == 0 and r.json()["sent"] == [] and r.json()["request"] == "declined"
    r = cli("bob", "contacts", "decline", a["public_key"])
    assert r.exit_code == 7  # nothing waits any more


def test_accept_and_remove_dry_runs_carry_status_gos_messages(homes, tmp_path):
    cli, a, b = homes
    evs = _receive(tmp_path, "bob", _add_for_real(tmp_path, "alice", b["public_key"]))
    rid = [e for e in evs if e["type"] == "contact_request"][0]["id"]
    acc = cli("bob", "--json", "contacts", "accept", a["public_key"], "--dry-run").json()
    assert acc["sent"][0]["accepts"] == rid and acc["mutual"]
    node = inspect_chat(cli, "alice", acc["sent"][0]["envelopes"][0]["envelope"])
    assert node["layer"] == "accept-contact-request" and node["id"] == rid
    # bob accepts for real here (no node: by hand), then removal's dry run is a RetractContactRequest
    assert cli("bob", "contacts", "add", a["public_key"]).exit_code == 0
    rem = cli("bob", "--json", "contacts", "remove", a["public_key"], "--dry-run").json()
    assert rem["dry_run"] and rem["request"] == "removed" and len(rem["sent"]) == 1
    node = inspect_chat(cli, "alice", rem["sent"][0]["envelopes"][0]["envelope"])
    assert node["layer"] == "retract-contact-request" and int(node["clock"]) > 0 and "id" not in node
    assert _state(cli, "bob", a["public_key"])["mutual"]  # the dry run changed nothing
