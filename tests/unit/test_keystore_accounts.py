"""store/accounts + app/accounts: layout, permissions, default account, open/unlock, delete."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from statuscli.app import accounts
from statuscli.app.context import AppContext
from statuscli.cli.context import GlobalSettings
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import AccountExists, AccountNotFound, InvalidInput, PassphraseRequired, WrongPassphrase
from statuscli.store import accounts as store
from statuscli.store import keystore
from tests.conftest import vectors

STATUS_KEYS = vectors("status.json", "status-keys")[0]
MNEMONIC = STATUS_KEYS["inputs"]["mnemonic"]
NOW = 1_700_000_000


@pytest.fixture
def app(tmp_path, monkeypatch):
    for var in ("STATUSCLI_PASSWORD", "STATUSCLI_PASSWORD_FILE", "STATUSCLI_ACCOUNT"):
        monkeypatch.delenv(var, raising=False)
    # as the CLI builds it: passphrases from --password-file / environment / prompt
    return GlobalSettings(home=str(tmp_path / "home")).make_app()


def _mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_import_stores_public_data_and_three_key_files(app):
    acct, became_default = accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    e = STATUS_KEYS["expected"]
    assert became_default
    assert acct.key_uid == e["key_uid"]
    assert acct.chat_private_key.hex() == e["chat_private_key"]
    assert "0x" + acct.chat_public_key.hex() == e["chat_public_key"]
    assert acct.compressed_key == e["chat_compressed_key"]
    d = app.home / "accounts" / "alice"
    assert acct.dir == d
    assert sorted(p.name for p in d.iterdir()) == ["account.json", "chat-key.json", "db-key.json", "mnemonic.json"]
    assert _mode(app.home) == 0o700 and _mode(app.home / "accounts") == 0o700 and _mode(d) == 0o700
    for p in d.iterdir():
        assert _mode(p) == 0o600, p
    assert _mode(app.home / "config.json") == 0o600
    meta = json.loads((d / "account.json").read_text())
    assert meta["chat_public_key"] == e["chat_public_key"] and meta["key_uid"] == e["key_uid"]
    import uuid

    assert uuid.UUID(meta["installation_id"]).version == 4
    assert MNEMONIC.split()[0] not in (d / "mnemonic.json").read_text()
    # the chat key file is a geth key file of the chat key
    kf = json.loads((d / "chat-key.json").read_text())
    assert keystore.address_of(kf) == secp256k1.address(acct.chat_public_key)
    assert kf["crypto"]["kdfparams"]["n"] == 4096 and kf["crypto"]["kdfparams"]["p"] == 6
    assert keystore.decrypt(kf, "pw").hex() == e["chat_private_key"]
    # the database key is the private key at m/43'/60'/1581'/1'/0, whose public key status-go's vector gives
    db_key = keystore.decrypt(json.loads((d / "db-key.json").read_text()), "pw")
    expected_pub = e["encryption_public_key_hex_used_as_db_password_for_keycard_and_mnemonic_login"]
    assert secp256k1.public_key(db_key).hex() == expected_pub.removeprefix("0x")
    assert meta["database_key"] == "mnemonic"


def test_open_account_resolution_and_locking(app, monkeypatch):
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    locked = accounts.open_account(app, unlock=False)
    assert locked.name == "alice" and not locked.unlocked
    with pytest.raises(PassphraseRequired):
        locked.chat_private_key
    with pytest.raises(PassphraseRequired):  # no passphrase source, no terminal
        accounts.open_account(app)
    monkeypatch.setenv("STATUSCLI_PASSWORD", "pw")
    acct = accounts.open_account(app)
    assert acct.chat_private_key.hex() == STATUS_KEYS["expected"]["chat_private_key"]
    assert acct.installation_id == locked.installation_id
    monkeypatch.setenv("STATUSCLI_PASSWORD", "nope")
    with pytest.raises(WrongPassphrase):
        accounts.open_account(app)
    assert accounts.open_account(app, passphrase="pw").unlocked


def test_password_file_wins_and_trailing_newline_is_dropped(app, tmp_path, monkeypatch):
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    f = tmp_path / "pw.txt"
    f.write_text("pw\n")
    monkeypatch.setenv("STATUSCLI_PASSWORD", "wrong")
    app.password_file = str(f)
    assert accounts.open_account(app).unlocked
    f.write_text("")
    with pytest.raises(PassphraseRequired):
        accounts.open_account(app)


def test_missing_accounts(app):
    with pytest.raises(AccountNotFound) as err:
        accounts.open_account(app, unlock=False)
    assert err.value.exit_code == 5 and "keys generate" in err.value.hint
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    app.account = "bob"
    with pytest.raises(AccountNotFound) as err:
        accounts.open_account(app, unlock=False)
    assert "alice" in err.value.hint


def test_first_account_is_default_and_delete_moves_default(app):
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    bob, became_default = accounts.generate_account(app, entropy=b"\x01" * 16, name="bob", passphrase="pw", now=NOW + 1)[0::2]
    assert not became_default
    assert accounts.default_account_name(app) == "alice"
    assert [a.name for a in accounts.list_accounts(app)[0]] == ["alice", "bob"]
    app.account = "bob"
    assert accounts.open_account(app, unlock=False).name == "bob"
    app.account = None
    assert accounts.delete_account(app, "alice") == "bob"
    assert accounts.open_account(app, unlock=False).name == "bob"
    assert accounts.delete_account(app, "bob") is None
    assert accounts.list_accounts(app) == ([], None)
    with pytest.raises(AccountNotFound):
        accounts.delete_account(app, "bob")


def test_duplicates_are_refused(app):
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    with pytest.raises(AccountExists):
        accounts.create_account(app, mnemonic=MNEMONIC, name="alice2", passphrase="pw", now=NOW)
    with pytest.raises(AccountExists):
        accounts.generate_account(app, entropy=b"\x02" * 16, name="alice", passphrase="pw", now=NOW)


def test_default_name_is_the_alias_slug(app):
    acct, _ = accounts.create_account(app, mnemonic=MNEMONIC, passphrase="pw", now=NOW)
    assert acct.name == "-".join(STATUS_KEYS["expected"]["chat_alias"].lower().split())


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "x" * 65, "../up", "spa ce"])
def test_invalid_names(app, name):
    with pytest.raises(InvalidInput):
        accounts.create_account(app, mnemonic=MNEMONIC, name=name, passphrase="pw", now=NOW)


def test_mnemonic_file_round_trip(app):
    acct, phrase, _ = accounts.generate_account(app, words=24, entropy=bytes(range(32)), name="x", passphrase="pw", now=NOW)
    assert len(phrase.split()) == 24
    assert acct.read_mnemonic("pw") == (phrase, "")
    with pytest.raises(WrongPassphrase):
        acct.read_mnemonic("bad")


def test_db_is_lazy_and_in_the_account_folder(app):
    acct, _ = accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    assert not (acct.dir / "state.db").exists()
    acct.db.execute("CREATE TABLE t (x)")
    assert (acct.dir / "state.db").exists() and _mode(acct.dir / "state.db") == 0o600
    acct.close()


def test_unlock_does_not_import_bip_utils(app):
    accounts.create_account(app, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    code = (
        "import sys; from pathlib import Path; from statuscli.cli.context import AppContext;"
        "from statuscli.app.accounts import open_account;"
        f"a = open_account(AppContext(home=Path({str(app.home)!r})), passphrase='pw');"
        "assert len(a.chat_private_key) == 32;"
        "print([m for m in ('bip_utils', 'libp2p', 'trio', 'rich', 'mnemonic') if m in sys.modules])"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_store_home_config_survives_garbage(app):
    home = store.Home(app.home)
    store.ensure_dir(app.home)
    (app.home / "config.json").write_text("[]")
    from statuscli.core.errors import KeystoreError

    with pytest.raises(KeystoreError):
        home.default_account()


def test_concurrent_creations_keep_one_default_and_refuse_duplicates(app):
    from concurrent.futures import ThreadPoolExecutor

    home = store.Home(app.home)

    def make(i: int):
        name = f"acct{i % 4}"
        meta = {"name": name, "key_uid": f"0x{i:064x}", "chat_public_key": "0x04", "installation_id": "x", "created_at": i}
        try:
            return home.create(name, meta, {"chat-key.json": {"version": 3}})[1]
        except AccountExists:
            return "exists"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(make, range(8)))
    assert results.count("exists") == 4
    assert results.count(True) == 1  # exactly one creation became the default
    assert home.names() == ["acct0", "acct1", "acct2", "acct3"]
    assert home.default_account() in home.names()
    assert not [p for p in home.accounts_dir.iterdir() if p.name.startswith(".")]  # no leftovers


def test_app_context_without_passphrase_source_stays_locked(tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", "pw")  # ignored: only the CLI reads the environment
    bare = AppContext(home=tmp_path / "home")
    accounts.create_account(bare, mnemonic=MNEMONIC, name="alice", passphrase="pw", now=NOW)
    with pytest.raises(PassphraseRequired):
        accounts.open_account(bare)
    assert accounts.open_account(bare, passphrase="pw").unlocked
