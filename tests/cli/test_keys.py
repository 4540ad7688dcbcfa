"""statuscli keys …: stdout, stderr, exit codes and JSON keys, in-process and in real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from statuscli.store import keystore
from tests.conftest import vectors

SK = vectors("status.json", "status-keys")[0]
MNEMONIC = SK["inputs"]["mnemonic"]
ENTROPY = "00000000000000000000000000000000"  # -> MNEMONIC ("abandon … about")
PW = {"STATUSCLI_PASSWORD": "correct horse"}
INSPECT_KEYS = {"public_key", "compressed_key", "alias", "emoji_hash", "color_hash", "color_id", "identicon", "address"}
SUMMARY_KEYS = {"name", "key_uid", "public_key", "compressed_key", "alias", "address", "default"}


def _one_error(r, code: int) -> None:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = [x for x in r.stderr.splitlines() if not x.startswith("statuscli: warning: --entropy given on the command line")]
    assert lines and lines[0].startswith("statuscli: error: ")
    assert len([x for x in lines if x.startswith("statuscli: error:")]) == 1
    assert all(x.startswith(("statuscli: error:", "hint:")) for x in lines), r.stderr
    assert "Traceback" not in r.stderr


@pytest.fixture
def alice(run_cli):
    r = run_cli("--json", "keys", "generate", "--name", "alice", "--entropy", ENTROPY, env=PW)
    assert r.exit_code == 0, r.stderr
    return r.json()


# --- generate / import ----------------------------------------------------------------------
def test_generate_is_deterministic_with_entropy(run_cli, alice, tmp_path):
    e = SK["expected"]
    assert set(alice) == SUMMARY_KEYS
    assert alice["key_uid"] == e["key_uid"] and alice["public_key"] == e["chat_public_key"]
    assert alice["compressed_key"] == e["chat_compressed_key"] and alice["alias"] == e["chat_alias"]
    assert alice["default"] is True
    again = run_cli("--json", "--home", str(tmp_path / "other"), "keys", "generate", "--entropy", ENTROPY, env=PW).json()
    assert {k: again[k] for k in SUMMARY_KEYS - {"name"}} == {k: alice[k] for k in SUMMARY_KEYS - {"name"}}
    assert again["name"] == "darkviolet-overcooked-bittern"


def test_generate_shows_the_mnemonic_only_on_request(run_cli):
    r = run_cli("--json", "keys", "generate", "--entropy", ENTROPY, "--show-mnemonic", env=PW)
    assert r.json()["mnemonic"] == MNEMONIC
    assert "Write the mnemonic down" in r.stderr
    r = run_cli("keys", "generate", "--name", "b", "--words", "24", env=PW)
    assert r.exit_code == 0 and "Created account b" in r.stdout and "mnemonic" not in r.stdout


def test_generate_random_words(run_cli):
    r = run_cli("--json", "keys", "generate", "--words", "24", "--show-mnemonic", env=PW)
    assert len(r.json()["mnemonic"].split()) == 24


@pytest.mark.parametrize("args,code", [
    (["--entropy", "00"], 3),
    (["--entropy", "zz"], 3),
    (["--entropy", ENTROPY, "--words", "24"], 2),
    (["--words", "13"], 2),
    (["--name", "bad/name"], 3),
])
def test_generate_bad_input(run_cli, args, code):
    _one_error(run_cli("keys", "generate", *args, env=PW), code)


def test_generate_without_passphrase_source_is_exit_5(run_cli):
    r = run_cli("keys", "generate", "--entropy", ENTROPY)
    _one_error(r, 5)
    assert "passphrase" in r.stderr
    r = run_cli("--json", "keys", "generate", "--entropy", ENTROPY)
    assert r.exit_code == 5 and r.json()["error"]["code"] == "passphrase-required"


def test_import_from_stdin_and_file(run_cli, tmp_path):
    r = run_cli("--json", "keys", "import", "--name", "bob", "--mnemonic-file", "-", input=MNEMONIC + "\n", env=PW)
    assert r.exit_code == 0, r.stderr
    assert set(r.json()) == SUMMARY_KEYS and r.json()["key_uid"] == SK["expected"]["key_uid"]
    f = tmp_path / "words.txt"
    f.write_text(MNEMONIC)
    r = run_cli("keys", "import", "--name", "bob2", "--mnemonic-file", str(f), env=PW)
    _one_error(r, 5)  # same key_uid already stored
    assert "already stored as account 'bob'" in r.stderr


def test_import_with_bip39_passphrase_changes_the_keys(run_cli, tmp_path):
    v = vectors("status.json", "bip32")
    v = next(x for x in v if x["inputs"].get("bip39_passphrase") == "TREZOR")
    (tmp_path / "w").write_text(v["inputs"]["mnemonic"])
    (tmp_path / "p").write_text("TREZOR\n")
    r = run_cli("--json", "keys", "import", "--name", "t", "--mnemonic-file", str(tmp_path / "w"),
                "--passphrase-file", str(tmp_path / "p"), env=PW)
    assert r.exit_code == 0 and r.json()["key_uid"] != SK["expected"]["key_uid"]
    r = run_cli("--json", "keys", "derive", "--path", v["inputs"]["path"], "--show-private", env=PW)
    assert r.json()["address"] == v["expected"]["address"]
    assert r.json()["private_key"] == v["expected"]["private_key"]


def test_import_wrong_checksum_mnemonic_is_exit_3(run_cli):
    r = run_cli("keys", "import", "--mnemonic-file", "-", input="abandon " * 11 + "abandon\n", env=PW)
    _one_error(r, 3)
    assert "checksum" in r.stderr
    r = run_cli("--json", "keys", "import", "--mnemonic-file", "-", input="abandon " * 11 + "zzz\n", env=PW)
    assert r.exit_code == 3 and r.json()["error"]["code"] == "invalid-mnemonic"


def test_import_missing_file_is_exit_3(run_cli):
    _one_error(run_cli("keys", "import", "--mnemonic-file", "/nonexistent/words", env=PW), 3)


# --- list / show ----------------------------------------------------------------------------
def test_list_and_show(run_cli, alice):
    run_cli("keys", "generate", "--name", "zed", env=PW)
    r = run_cli("--json", "keys", "list")
    d = r.json()
    assert d["default"] == "alice"
    assert [a["name"] for a in d["accounts"]] == ["alice", "zed"]
    assert set(d["accounts"][0]) == {"name", "key_uid", "public_key", "compressed_key", "installation_id", "created_at", "default"}
    text = run_cli("keys", "list").stdout.splitlines()
    assert text[0].startswith("* alice") and text[1].startswith("  zed")
    show = run_cli("keys", "show", "--json").json()  # global option after the subcommand
    assert INSPECT_KEYS | {"name", "key_uid"} <= set(show)
    inspect = run_cli("--json", "keys", "inspect", alice["compressed_key"]).json()
    assert {k: show[k] for k in INSPECT_KEYS} == {k: inspect[k] for k in INSPECT_KEYS}
    assert inspect["ens_name"] is None and inspect["ens"] is None  # a key, not an ENS name
    assert run_cli("--json", "--account", "zed", "keys", "show").json()["name"] == "zed"
    assert run_cli("--json", "keys", "show", "zed").json()["name"] == "zed"
    r = run_cli("keys", "show", env={"STATUSCLI_ACCOUNT": "zed"})
    assert r.stdout.startswith("name:") and "zed" in r.stdout.splitlines()[0]


def test_list_empty(run_cli):
    r = run_cli("--json", "keys", "list")
    assert r.json() == {"default": None, "accounts": []}
    assert "no accounts" in run_cli("keys", "list").stdout


def test_missing_account_is_exit_5(run_cli, alice):
    r = run_cli("--account", "nobody", "keys", "show")
    _one_error(r, 5)
    assert "known accounts: alice" in r.stderr


def test_no_account_at_all_is_exit_5_with_hint(run_cli):
    r = run_cli("keys", "show")
    _one_error(r, 5)
    assert "keys generate" in r.stderr


# --- export ---------------------------------------------------------------------------------
def test_export_geth_is_the_encrypted_chat_key(run_cli, alice):
    r = run_cli("keys", "export")  # no passphrase needed: the file is encrypted
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["version"] == 3 and doc["crypto"]["kdf"] == "scrypt"
    assert keystore.decrypt(doc, PW["STATUSCLI_PASSWORD"]).hex() == SK["expected"]["chat_private_key"]
    assert run_cli("--json", "keys", "export", "--format", "geth").json() == doc


def test_export_secrets_need_the_passphrase(run_cli, alice, tmp_path):
    _one_error(run_cli("keys", "export", "--format", "mnemonic"), 5)
    r = run_cli("keys", "export", "--format", "mnemonic", env={"STATUSCLI_PASSWORD": "wrong"})
    _one_error(r, 5)
    assert "wrong passphrase" in r.stderr
    pwf = tmp_path / "pw"
    pwf.write_text(PW["STATUSCLI_PASSWORD"] + "\n")
    r = run_cli("--password-file", str(pwf), "keys", "export", "--format", "mnemonic")
    assert r.exit_code == 0 and r.stdout.strip() == MNEMONIC
    r = run_cli("--json", "keys", "export", "--format", "private-key", "--password-file", str(pwf))
    assert r.json()["private_key"] == "0x" + SK["expected"]["chat_private_key"]


# --- delete ---------------------------------------------------------------------------------
def test_delete_needs_yes_and_moves_the_default(run_cli, alice):
    run_cli("keys", "generate", "--name", "zed", env=PW)
    _one_error(run_cli("keys", "delete", "alice"), 2)
    r = run_cli("--json", "keys", "delete", "alice", "--yes")
    assert r.json() == {"deleted": "alice", "default": "zed"}
    _one_error(run_cli("keys", "delete", "alice", "--yes"), 5)
    assert run_cli("--json", "keys", "show").json()["name"] == "zed"


# --- derive ---------------------------------------------------------------------------------
def test_derive_from_mnemonic_file(run_cli):
    r = run_cli("--json", "keys", "derive", "--mnemonic-file", "-", "--path", "m/44'/60'/0'/0/0", input=MNEMONIC)
    d = r.json()
    assert set(d) == {"path", "public_key", "compressed_key", "address"}
    assert d["address"] == SK["expected"]["wallet_address_m_44_60_0_0_0"]
    r = run_cli("--json", "keys", "derive", "--mnemonic-file", "-", "--show-private", input=MNEMONIC)
    d = r.json()
    assert d["path"] == "m/43'/60'/1581'/0'/0" and d["public_key"] == SK["expected"]["chat_public_key"]
    assert d["private_key"] == "0x" + SK["expected"]["chat_private_key"]


def test_derive_from_the_stored_account(run_cli, alice):
    r = run_cli("--json", "keys", "derive", "--path", "encryption", env=PW)
    assert r.json()["public_key"] == SK["expected"]["encryption_public_key_hex_used_as_db_password_for_keycard_and_mnemonic_login"]
    _one_error(run_cli("keys", "derive", "--path", "chat", env={"STATUSCLI_PASSWORD": "nope"}), 5)


@pytest.mark.parametrize("args,code", [
    (["--mnemonic-file", "-", "--path", "m/x"], 3),
    (["--mnemonic-file", "-", "--path", "44'/0"], 3),
    (["--mnemonic-file", "-", "--passphrase-file", "-"], 2),
    (["--passphrase-file", "/x"], 2),  # a BIP-39 passphrase only goes with --mnemonic-file
])
def test_derive_bad_input(run_cli, args, code):
    _one_error(run_cli("keys", "derive", *args, input=MNEMONIC), code)


# --- inspect --------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["uncompressed", "compressed", "zq3", "bare"])
def test_inspect_matches_the_status_keys_vector(run_cli, form):
    from statuscli.core.crypto.secp256k1 import compress

    e = SK["expected"]
    pub = bytes.fromhex(e["chat_public_key"][2:])
    text = {"uncompressed": e["chat_public_key"], "compressed": "0x" + compress(pub).hex(),
            "zq3": e["chat_compressed_key"], "bare": pub.hex()}[form]
    r = run_cli("--json", "keys", "inspect", text)
    d = r.json()
    assert set(d) == INSPECT_KEYS | {"ens_name", "ens"} and d["ens_name"] is None and d["ens"] is None
    assert d["public_key"] == e["chat_public_key"] and d["compressed_key"] == e["chat_compressed_key"]
    assert d["alias"] == e["chat_alias"] and d["emoji_hash"] == e["chat_emoji_hash"]
    assert d["color_hash"] == e["chat_color_hash"] and d["color_id"] == e["chat_color_id"]
    assert len(d["identicon"]) == 25 and all(isinstance(x, int) for x in d["identicon"])
    assert d["address"].startswith("0x") and len(d["address"]) == 42


def test_inspect_text_and_stdin(run_cli):
    r = run_cli("keys", "inspect", "-", input=SK["expected"]["chat_compressed_key"] + "\n")
    assert r.exit_code == 0 and "alias:" in r.stdout and SK["expected"]["chat_alias"] in r.stdout
    assert "identicon:" in r.stdout and r.stderr == ""


@pytest.mark.parametrize("bad", ["zQ3foo", "0x04abcd", "hello", "0x" + "00" * 33, "fe70102"])
def test_inspect_malformed_key_is_exit_3(run_cli, bad):
    r = run_cli("keys", "inspect", bad)
    _one_error(r, 3)
    r = run_cli("--json", "keys", "inspect", bad)
    assert r.exit_code == 3 and r.json()["error"]["code"] == "malformed-key"


def test_every_keys_command_has_help_with_examples(run_cli):
    for sub in ("generate", "import", "list", "show", "export", "delete", "derive", "inspect"):
        r = run_cli("keys", sub, "--help")
        assert r.exit_code == 0 and "Examples:" in r.stdout, sub


# --- real subprocesses ----------------------------------------------------------------------
def _run(*args, env=None, input=None, home):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    full_env["STATUSCLI_HOME"] = str(home)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "statuscli", *args], capture_output=True, text=True,
                          env=full_env, input=input, timeout=120)


def test_subprocess_generate_show_export_roundtrip(tmp_path):
    home = tmp_path / "h"
    p = _run("keys", "generate", "--name", "carol", "--entropy", ENTROPY, "--json", env=PW, home=home)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["key_uid"] == SK["expected"]["key_uid"]
    p = _run("keys", "show", home=home)
    assert p.returncode == 0 and "carol" in p.stdout and p.stderr == ""
    p = _run("keys", "export", "--format", "private-key", env={"STATUSCLI_PASSWORD": "bad"}, home=home)
    assert p.returncode == 5 and p.stdout == "" and p.stderr.startswith("statuscli: error: wrong passphrase")
    assert "Traceback" not in p.stderr


def test_subprocess_inspect_does_not_import_heavy_modules(tmp_path):
    code = (
        "import sys; from statuscli.cli.main import run;"
        f"rc = run(['keys', 'inspect', {SK['expected']['chat_compressed_key']!r}]);"
        "bad = [m for m in ('libp2p', 'trio', 'rich', 'bip_utils', 'mnemonic') if m in sys.modules];"
        "sys.stderr.write(repr((rc, bad)))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stderr.strip() == "(0, [])", p.stderr
    assert SK["expected"]["chat_alias"] in p.stdout
