"""The encrypted account database seen from the command line (issue 12)."""

from __future__ import annotations

import json

from statuscli.store import keystore

PW = {"STATUSCLI_PASSWORD": "correct horse"}


def _make(run_cli, name: str, entropy: str) -> dict:
    r = run_cli("--json", "keys", "generate", "--name", name, "--entropy", entropy, env=PW)
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_keys_show_says_where_the_database_key_comes_from(run_cli):
    _make(run_cli, "alice", "00" * 16)
    r = run_cli("--json", "keys", "show", "alice")
    assert r.exit_code == 0 and r.json()["database_key"] == "mnemonic"
    assert "m/43'/60'/1581'/1'/0" in run_cli("keys", "show", "alice").stdout


def test_a_database_key_that_does_not_open_state_db_is_exit_5(run_cli, tmp_path):
    _make(run_cli, "alice", "00" * 16)
    bob = _make(run_cli, "bob", "01" * 16)
    r = run_cli("--account", "alice", "encrypt", bob["public_key"], "hello", env=PW)  # creates state.db
    assert r.exit_code == 0, r.stderr
    key_files = list(tmp_path.rglob("alice/db-key.json"))
    assert len(key_files) == 1, key_files
    key_files[0].write_text(json.dumps(keystore.encrypt(b"\x42" * 32, PW["STATUSCLI_PASSWORD"])))
    r = run_cli("--json", "--account", "alice", "encrypt", bob["public_key"], "hello again", env=PW)
    assert r.exit_code == 5, (r.stdout, r.stderr)
    assert json.loads(r.stdout or r.stderr)["error"]["code"] == "wrong-database-key"
    assert "Traceback" not in r.stderr
