"""statuscli devices list|enable|disable|pair|sync through the CLI: two homes from one mnemonic, the
pairing envelope opened by the other home (envelope inspect and the receive pipeline), our own
devices in 'send' recipients, and every exit code."""

from __future__ import annotations

import pytest

from tests.cli.test_send_listen import PW, inspect_chat


@pytest.fixture
def alices(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)
    homes = {n: str(tmp_path / n) for n in ("alice1", "alice2", "bob")}
    assert run_cli("--home", homes["alice1"], "keys", "generate", "--name", "alice").exit_code == 0
    words = run_cli("--home", homes["alice1"], "keys", "export", "--format", "mnemonic").stdout
    (tmp_path / "words.txt").write_text(words)
    assert run_cli("--home", homes["alice2"], "keys", "import", "--name", "alice", "--mnemonic-file", str(tmp_path / "words.txt")).exit_code == 0
    bob = run_cli("--home", homes["bob"], "--json", "keys", "generate", "--name", "bob").json()

    def cli(who: str, *args: str, input=None):
        return run_cli("--home", homes[who], *args, input=input)

    return cli, tmp_path, bob


def _receive(tmp_path, who: str, envelope_hex: str) -> list[dict]:
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger

    acct = open_account(AppContext(home=tmp_path / who), passphrase=PW)
    return Receiver(Messenger(acct)).handle(bytes.fromhex(envelope_hex[2:])).events


def test_pair_enable_and_our_copy_of_a_message(alices):
    cli, tmp, bob = alices
    (me,) = cli("alice1", "--json", "devices", "list").json()["devices"]
    assert me["this_device"] and me["enabled"]
    assert cli("alice2", "bundle", "create").exit_code == 0  # its signed prekey, kept (a dry run keeps none)
    d = cli("alice2", "--json", "devices", "pair", "--name", "phone", "--device-type", "android", "--dry-run").json()
    assert d["dry_run"] and d["recipients"][0]["own_devices"] and d["recipients"][0]["installation"]["name"] == "phone"
    (mine,) = cli("alice2", "--json", "devices", "list").json()["devices"]
    assert mine["name"] is None  # a dry run keeps nothing, not even the name
    env = d["envelopes"][0]["envelope"]
    node = inspect_chat(cli, "alice1", env)
    assert node["layer"] == "sync-pair-installation" and node["name"] == "phone" and node["device_type"] == "android"
    (ev,) = [e for e in _receive(tmp, "alice1", env) if e["type"] == "device"]
    iid = ev["installation_id"]
    listed = cli("alice1", "--json", "devices", "list").json()["devices"]
    assert [(x["installation_id"], x["name"], x["enabled"]) for x in listed[1:]] == [(iid, "phone", False)]
    text = cli("alice1", "devices", "list").stdout
    assert "phone" in text and "disabled" in text and "this device" in text
    r = cli("alice1", "--json", "devices", "enable", iid[:6])
    assert r.exit_code == 0 and r.json()["enabled"] is True
    d1 = cli("alice1", "--json", "devices", "pair", "--target", iid[:6], "--name", "laptop", "--dry-run").json()
    (ev,) = [e for e in _receive(tmp, "alice2", d1["envelopes"][0]["envelope"]) if e["type"] == "device"]
    assert ev["targeted"] is True and ev["name"] == "laptop"  # alice2 now knows alice1 (and listens where it writes)
    s = cli("alice1", "--json", "send", bob["public_key"], "hi from the laptop", "--dry-run").json()
    assert [x.get("own_devices", False) for x in s["recipients"]] == [False, True]
    own = [e["envelope"] for e in s["envelopes"] if e["content_topic"] == s["recipients"][1]["content_topic"]]
    chat = inspect_chat(cli, "alice2", own[-1])
    assert chat["layer"] == "chat-message" and chat["text"] == "hi from the laptop" and chat["chat_id"] == bob["public_key"]
    # contacts to our enabled devices: one SyncInstallationContactV2 per contact, through MVDS
    (tmp / "bob.bundle").write_text(cli("bob", "bundle", "export").stdout)
    assert cli("alice1", "bundle", "import", str(tmp / "bob.bundle"), "--name", "bob").exit_code == 0  # a named contact
    assert cli("alice1", "contacts", "block", "bob").exit_code == 0
    y = cli("alice1", "--json", "devices", "sync", "--dry-run").json()
    assert y["recipients"][0]["contact"] == bob["public_key"] and y["recipients"][0]["own_devices"]
    node = inspect_chat(cli, "alice2", y["envelopes"][-1]["envelope"])
    assert node["layer"] == "sync-installation-contact-v2" and node["id"] == bob["public_key"] and node["local_nickname"] == "bob"
    assert node["blocked"] is True and "added" not in node  # proto3: false is not on the wire
    assert cli("alice1", "--json", "devices", "disable", iid).json()["enabled"] is False
    s = cli("alice1", "--json", "send", bob["public_key"], "only bob", "--dry-run").json()
    assert [x.get("own_devices", False) for x in s["recipients"]] == [False]


@pytest.mark.parametrize("args, code, words", [
    (["devices", "enable", "ffffffff"], 7, "no installation"),
    (["devices", "disable", ""], 3, "empty installation id"),
    (["devices", "pair", "--target", "ffffffff", "--dry-run"], 7, "no installation"),
    (["devices", "pair", "--name", " ", "--dry-run"], 3, "device name"),
    (["devices", "sync", "--dry-run"], 7, "no other device"),
    (["devices", "pair"], 6, ""),
])  # fmt: skip
def test_exit_codes(alices, args, code, words):
    cli, _tmp, _bob = alices
    r = cli("alice1", *args)
    assert r.exit_code == code, (args, r.exit_code, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr


def test_this_device_cannot_be_disabled(alices):
    cli, _tmp, _bob = alices
    (me,) = cli("alice1", "--json", "devices", "list").json()["devices"]
    r = cli("alice1", "devices", "disable", me["installation_id"])
    assert r.exit_code == 3 and "this device" in r.stderr


def test_installation_ids_complete(alices):
    """devices enable <TAB> offers our other installations' ids (the shell's completion protocol, a real process)."""
    import os
    import subprocess
    import sys

    cli, tmp, _bob = alices
    cli("alice2", "bundle", "create")
    env_hex = cli("alice2", "--json", "devices", "pair", "--name", "phone", "--dry-run").json()["envelopes"][0]["envelope"]
    (ev,) = [e for e in _receive(tmp, "alice1", env_hex) if e["type"] == "device"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSCLI_", "_STATUSCLI"))}
    env.update(STATUSCLI_PASSWORD=PW, _STATUSCLI_COMPLETE="bash_complete", COMP_WORDS=f"statuscli --home {tmp / 'alice1'} devices enable ",
               COMP_CWORD="5")  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "statuscli"], env=env, capture_output=True, text=True, timeout=60)
    assert f"plain,{ev['installation_id']}" in r.stdout.splitlines(), (r.stdout, r.stderr)
