"""react / edit / delete / pin through the CLI without a network: --dry-run envelopes that the other
side's envelope inspect shows layer by layer, and the errors with their exit codes."""

from __future__ import annotations

import pytest

from tests.cli.test_send_listen import homes, inspect_chat  # noqa: F401  (fixture)

MID = "0x" + "ab" * 32


@pytest.mark.parametrize("args, layer, fields", [
    (["react", MID, "--emoji", "😂"], "emoji-reaction", {"type": "LAUGH"}),
    (["react", MID, "--retract"], "emoji-reaction", {"type": "THUMBS_UP", "retracted": True}),
    (["edit", MID, "better words"], "edit-message", {"text": "better words"}),
    (["delete", MID], "delete-message", {}),
    (["pin", MID], "pin-message", {"pinned": True}),
])  # fmt: skip
def test_each_action_on_the_wire(homes, args, layer, fields):
    cli, a, b = homes
    r = cli("alice", *args, "--chat", b["public_key"], "--dry-run")
    assert r.exit_code == 0, r.stderr
    node = inspect_chat(cli, "bob", r.stdout.split()[-1])
    assert node["layer"] == layer and node["target"] == MID and node["message_id"] == MID, node
    assert node["chat_id"] == b["public_key"] and fields.items() <= node.items(), node


@pytest.mark.parametrize("args, code, words", [
    (["react", "0x1234", "--chat", "BOB"], 3, "MESSAGE_ID"),
    (["react", MID, "--chat", "BOB", "--emoji", "shrug"], 3, "unknown reaction"),
    (["edit", MID, "x"], 7, "no stored message"),
    (["pin", MID, "--chat", "BOB", "--public", "x"], 2, "exclude"),
    (["delete", MID, "--for-me"], 7, "no stored message"),
    (["delete", MID, "--chat", "BOB"], 6, "no node"),
])  # fmt: skip
def test_errors(homes, args, code, words):
    cli, a, b = homes
    r = cli("alice", *[b["public_key"] if x == "BOB" else x for x in args])
    assert r.exit_code == code, (args, r.exit_code, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr
