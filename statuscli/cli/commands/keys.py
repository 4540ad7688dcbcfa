"""statuscli keys — accounts and keys: BIP-39, the chat key, identity formats.

Thin layer: parse, call :mod:`statuscli.app.accounts` / :mod:`statuscli.core.identity`, render.
Heavy modules (bip-utils via core.identity.hd) are imported only by the subcommands that derive.
"""

from __future__ import annotations

import click

from statuscli.cli.commands.keys_passwd import kdf_option, passwd
from statuscli.cli.context import AppContext, complete_account_names, pass_app
from statuscli.cli.ens_options import ens_options
from statuscli.cli.inputs import SECRET_FORMS
from statuscli.cli.output import emit, info
from statuscli.core.errors import UsageError

WORD_CHOICES = ["12", "15", "18", "21", "24"]
DATABASE_KEY_TEXT = {
    "mnemonic": "from the mnemonic (m/43'/60'/1581'/1'/0)",
    "random": "random (the account has no mnemonic)",
    "pending": "made at the next unlock (account from an older statuscli)",
}


# --- rendering ------------------------------------------------------------------------------
def _profile_text(data: dict) -> str:
    """Readable lines for an identity (inspect/show/generate)."""
    from statuscli.core.identity.identicon import SIZE

    rows = []
    for key in ("name", "ens_name", "key_uid", "public_key", "compressed_key", "alias", "emoji_hash", "color_hash", "color_id",
                "address", "installation_id", "database_key", "default", "mnemonic"):
        if key not in data or key == "ens_name" and data[key] is None:
            continue
        value = data[key]
        if key == "emoji_hash":
            value = "".join(value)
        elif key == "color_hash":
            value = " ".join(f"{length}:{color}" for length, color in value)
        elif key == "default":
            value = "yes" if value else "no"
        elif key == "database_key":
            value = DATABASE_KEY_TEXT.get(value, value)
        rows.append((key.replace("_", " "), str(value)))
    width = max(len(k) for k, _ in rows) + 1
    lines = [f"{k + ':':<{width}} {v}" for k, v in rows]
    if "identicon" in data:
        cells = data["identicon"]
        lines.append("identicon:")
        for i in range(SIZE):
            lines.append("  " + "".join("██" if cells[i * SIZE + j] % 2 == 0 else "  " for j in range(SIZE)))
    return "\n".join(lines)


def _account_summary(account, became_default: bool) -> dict:
    from statuscli.core.identity.alias import alias

    return {
        "name": account.name,
        "key_uid": account.key_uid,
        "public_key": "0x" + account.chat_public_key.hex(),
        "compressed_key": account.compressed_key,
        "alias": alias(account.chat_public_key),
        "address": account.address,
        "default": became_default,
    }


def _now() -> int:
    import time

    return int(time.time())


def _read_text_file(path: str, what: str) -> str:
    from statuscli.cli.passphrase import read_secret_file

    return read_secret_file(path, what=what)


# --- the group ------------------------------------------------------------------------------
@click.group()
def cli() -> None:
    """Accounts and keys: create, import and inspect Status identities.

    Accounts live in $STATUSCLI_HOME/accounts/NAME (see --home). Secrets are encrypted at rest
    (Web3 Secret Storage v3); the passphrase comes from --password-file, STATUSCLI_PASSWORD_FILE,
    STATUSCLI_PASSWORD or a hidden prompt. The first account created becomes the default.

    \b
    Examples:
      statuscli keys generate --name alice
      statuscli keys list
      statuscli --json keys show alice
      statuscli keys inspect zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB
    """


@cli.command()
@click.option("--name", help="Account name (default: the alias of its chat key, e.g. darkviolet-overcooked-bittern).")
@click.option("--words", type=click.Choice(WORD_CHOICES), default=None, help="Mnemonic length (default 12).")
@click.option("--entropy", metavar="HEX", help="Use this entropy (16-32 bytes) instead of random: deterministic keys. " + SECRET_FORMS)
@click.option("--show-mnemonic", is_flag=True, help="Print the new mnemonic (only now; keep it safe).")
@kdf_option
@pass_app
def generate(app: AppContext, name: str | None, words: str | None, entropy: str | None, show_mnemonic: bool, kdf: str) -> None:
    """Create an account from a new BIP-39 mnemonic (Status paths, empty BIP-39 passphrase).

    \b
    Examples:
      statuscli keys generate --name alice
      statuscli keys generate --words 24 --show-mnemonic
      statuscli --password-file pw.txt --json keys generate --entropy @entropy.hex
      statuscli keys generate --name vault --kdf standard
    """
    from statuscli.app.accounts import generate_account
    from statuscli.cli.inputs import secret_hex

    raw = None
    if entropy is not None:
        raw = secret_hex(entropy, option="--entropy")
        expected = {16: "12", 20: "15", 24: "18", 28: "21", 32: "24"}.get(len(raw))
        if words is not None and expected is not None and words != expected:
            raise UsageError(f"--entropy of {len(raw)} bytes makes {expected} words, not {words}")
    account, phrase, became_default = generate_account(
        app, words=int(words or 12), entropy=raw, name=name, now=_now(), kdf=kdf
    )
    data = _account_summary(account, became_default)
    if show_mnemonic:
        data["mnemonic"] = phrase
        info(app, "Write the mnemonic down and keep it secret: it is the only way to restore this account.")
    emit(app, data, text=lambda d: f"Created account {d['name']}{' (default)' if d['default'] else ''}\n" + _profile_text(d))


@cli.command(name="import")
@click.option("--name", help="Account name (default: the alias of its chat key).")
@click.option("--mnemonic-file", required=True, metavar="FILE|-", help="File holding the mnemonic ('-' = stdin).")
@click.option("--passphrase-file", metavar="FILE|-", help="File holding the BIP-39 passphrase (Status uses none).")
@kdf_option
@pass_app
def import_(app: AppContext, name: str | None, mnemonic_file: str, passphrase_file: str | None, kdf: str) -> None:
    """Create an account from an existing BIP-39 mnemonic.

    The keystore passphrase (which encrypts the files) is separate from the optional BIP-39
    passphrase (which changes the keys); Status accounts use no BIP-39 passphrase.

    \b
    Examples:
      statuscli keys import --name bob --mnemonic-file words.txt
      echo "$WORDS" | STATUSCLI_PASSWORD_FILE=pw.txt statuscli keys import --mnemonic-file -
    """
    from statuscli.app.accounts import create_account

    if mnemonic_file == "-" and passphrase_file == "-":
        raise UsageError("--mnemonic-file and --passphrase-file cannot both read stdin")
    phrase = _read_text_file(mnemonic_file, "mnemonic file")
    bip39_pw = _read_text_file(passphrase_file, "passphrase file") if passphrase_file else ""
    account, became_default = create_account(app, mnemonic=phrase, bip39_passphrase=bip39_pw, name=name, now=_now(), kdf=kdf)
    data = _account_summary(account, became_default)
    emit(app, data, text=lambda d: f"Imported account {d['name']}{' (default)' if d['default'] else ''}\n" + _profile_text(d))


@cli.command(name="list")
@pass_app
def list_(app: AppContext) -> None:
    """List the accounts (no passphrase needed); '*' marks the default.

    \b
    Examples:
      statuscli keys list
      statuscli --json keys list | jq -r '.accounts[].name'
    """
    from statuscli.app.accounts import list_accounts

    accounts, default = list_accounts(app)
    rows = [
        {
            "name": a.name,
            "key_uid": a.key_uid,
            "public_key": "0x" + a.chat_public_key.hex(),
            "compressed_key": a.compressed_key,
            "installation_id": a.installation_id,
            "created_at": a.created_at,
            "default": a.name == default,
        }
        for a in accounts
    ]

    def text(d: dict) -> str:
        if not d["accounts"]:
            return "no accounts (create one with 'statuscli keys generate')"
        width = max(len(r["name"]) for r in d["accounts"])
        return "\n".join(f"{'*' if r['default'] else ' '} {r['name']:<{width}}  {r['compressed_key']}" for r in d["accounts"])

    emit(app, {"default": default, "accounts": rows}, text=text)


@cli.command()
@click.argument("name", required=False, shell_complete=complete_account_names)
@click.option("--qr", is_flag=True, help="Draw the chat key (zQ3…) as a QR code: in text mode the code is the result.")
@click.option("--qr-file", metavar="FILE.png", type=click.Path(dir_okay=False), help="Write the chat key's QR code as a PNG.")
@click.option("--qr-invert", is_flag=True, help="Draw dark modules instead of light ones (terminals with a light background).")
@pass_app
def show(app: AppContext, name: str | None, qr: bool, qr_file: str | None, qr_invert: bool) -> None:
    """Show an account's identity (default: the selected account); no passphrase needed.

    With --qr the chat key is drawn as a QR code, to be scanned by the other person, who reads
    it with 'statuscli keys inspect' (or a Status app) and compares alias and emoji hash.

    \b
    Examples:
      statuscli keys show
      statuscli --json keys show alice
      statuscli keys show --qr
      statuscli keys show alice --qr-file alice.png
    """
    from statuscli.app.accounts import default_account_name, open_account
    from statuscli.core.identity.profile import public_profile

    account = open_account(app, unlock=False, name=name)
    data = {"name": account.name, "key_uid": account.key_uid}
    data.update(public_profile(account.chat_public_key))
    data["installation_id"] = account.installation_id
    data["database_key"] = account.database_key_source or "pending"
    data["created_at"] = account.created_at
    data["default"] = default_account_name(app) == account.name
    if not (qr or qr_file or qr_invert):
        emit(app, data, text=_profile_text)
        return
    from statuscli.cli import qr as qrcode

    code = qrcode.make(data["compressed_key"])
    data["qr"] = {"data": data["compressed_key"], "file": None}
    if qr_file:
        data["qr"]["file"] = qrcode.write_png(code, qr_file)["file"]
    if app.json:
        emit(app, data)
    elif qr or qr_invert:
        drawing = qrcode.render_text(code, invert=qr_invert)
        emit(app, data, text=f"{drawing}\n{data['compressed_key']}\n{data['alias']}  {''.join(data['emoji_hash'])}")
    else:
        emit(app, data, text=lambda d: _profile_text(d) + f"\nqr file:  {d['qr']['file']}")


@cli.command()
@click.argument("name", required=False, shell_complete=complete_account_names)
@click.option("--format", "fmt", type=click.Choice(["geth", "mnemonic", "private-key"]), default="geth", show_default=True,
              help="geth: the chat key's v3 key file (encrypted with the account passphrase); "
                   "mnemonic / private-key: the secret in clear (asks for the passphrase).")
@pass_app
def export(app: AppContext, name: str | None, fmt: str) -> None:
    """Export an account's chat key or mnemonic (default: the selected account).

    The geth form is a Web3 Secret Storage v3 file: 'geth account import' and wallets read it.

    \b
    Examples:
      statuscli keys export alice > alice-chat-key.json
      statuscli keys export --format mnemonic
      statuscli --json keys export --format private-key
    """
    from statuscli.app.accounts import open_account
    from statuscli.cli.output import to_json

    if fmt == "geth":
        account = open_account(app, unlock=False, name=name)
        doc = account.chat_keyfile()
        emit(app, doc, text=to_json(doc, indent=2))
        return
    if fmt == "private-key":
        account = open_account(app, name=name)
        key = "0x" + account.chat_private_key.hex()
        emit(app, {"name": account.name, "path": "m/43'/60'/1581'/0'/0", "private_key": key}, text=key)
        return
    from statuscli.cli.passphrase import read_passphrase

    account = open_account(app, unlock=False, name=name)
    phrase, bip39_pw = account.read_mnemonic(read_passphrase(app))
    data = {"name": account.name, "mnemonic": phrase}
    if bip39_pw:
        data["bip39_passphrase"] = bip39_pw
    emit(app, data, text=phrase)


@cli.command()
@click.argument("name", shell_complete=complete_account_names)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: AppContext, name: str, yes: bool) -> None:
    """Delete account NAME and its files (keys, state database). This cannot be undone.

    \b
    Examples:
      statuscli keys delete alice --yes
    """
    import sys

    from statuscli.app.accounts import delete_account, home_of

    home_of(app).metadata(name)  # AccountNotFound before asking anything
    if not yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError(f"deleting {name!r} needs confirmation: pass --yes")
        if not click.confirm(f"Delete account {name!r} and all its keys and state?", err=True, default=False):
            raise click.exceptions.Abort()
    default = delete_account(app, name)
    emit(app, {"deleted": name, "default": default},
         text=f"Deleted account {name}" + (f"; default account is now {default}" if default else ""))


@cli.command()
@click.option("--mnemonic-file", metavar="FILE|-", help="Derive from this mnemonic (default: the selected account's).")
@click.option("--passphrase-file", metavar="FILE|-", help="BIP-39 passphrase file (with --mnemonic-file).")
@click.option("--path", "path", default="chat", show_default=True,
              help="m/… path (' or h for hardened) or a name: chat, encryption, wallet, wallet-root, eip1581.")
@click.option("--show-private", is_flag=True, help="Also print the private key.")
@pass_app
def derive(app: AppContext, mnemonic_file: str | None, passphrase_file: str | None, path: str, show_private: bool) -> None:
    """Derive the key at a BIP-32 path from a mnemonic or from a stored account.

    \b
    Examples:
      statuscli keys derive --mnemonic-file words.txt --path "m/44'/60'/0'/0/0"
      echo "$WORDS" | statuscli --json keys derive --mnemonic-file - --path chat
      statuscli keys derive --path wallet --show-private      # from the default account
    """
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity import hd
    from statuscli.core.identity import mnemonic as bip39
    from statuscli.core.identity.keytext import compressed_key
    from statuscli.core.identity.paths import parse_path

    parse_path(path)  # reject a bad path before asking for anything
    if mnemonic_file is not None:
        if mnemonic_file == "-" and passphrase_file == "-":
            raise UsageError("--mnemonic-file and --passphrase-file cannot both read stdin")
        phrase = bip39.validate(_read_text_file(mnemonic_file, "mnemonic file"))
        bip39_pw = _read_text_file(passphrase_file, "passphrase file") if passphrase_file else ""
    else:
        if passphrase_file is not None:
            raise UsageError("--passphrase-file goes with --mnemonic-file (a stored account keeps its own)")
        from statuscli.app.accounts import open_account
        from statuscli.cli.passphrase import read_passphrase

        account = open_account(app, unlock=False)
        phrase, bip39_pw = account.read_mnemonic(read_passphrase(app))
    key = hd.derive(bip39.to_seed(phrase, bip39_pw), path)
    data = {
        "path": key.path,
        "public_key": "0x" + key.public_key.hex(),
        "compressed_key": compressed_key(key.public_key),
        "address": secp256k1.checksum_address(secp256k1.address(key.public_key)),
    }
    if show_private:
        data["private_key"] = "0x" + key.private_key.hex()
    emit(app, data)


@cli.command()
@click.argument("pubkey", metavar="PUBKEY|LINK|NAME.eth|-")
@ens_options
@pass_app
def inspect(app: AppContext, pubkey: str, eth_rpc: str | None, ens_registry: str | None) -> None:
    """Show every identity form of a public key: 0x04…, 0x02/03…, zQ3…, a profile link or an ENS name ('-' = stdin).

    Accepts what a scanned QR code holds: the zQ3… key of 'keys show --qr', or a Status profile
    link https://status.app/u/…#zQ3… (the key is the part after '#').

    An ENS name (NAME.eth) is resolved to its chat key as Status does: the registry's resolver for
    the name, then that resolver's pubkey record (0x04||x||y), through --eth-rpc.

    \b
    Examples:
      statuscli keys inspect zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB
      statuscli keys inspect 'https://status.app/u#zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj'
      statuscli --json keys inspect 0x031c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa7796 | jq -r .alias
      zbarimg -q --raw alice.png | statuscli keys inspect -
      statuscli keys inspect alice.eth --eth-rpc http://127.0.0.1:8545
    """
    from statuscli.cli.inputs import text_arg
    from statuscli.core.ens import looks_like_ens_name
    from statuscli.core.identity.links import parse_key_or_link
    from statuscli.core.identity.profile import public_profile

    text = text_arg(pubkey).strip()
    record = None
    if looks_like_ens_name(text):
        from statuscli.cli.ens_options import ens_source

        record = ens_source(eth_rpc, ens_registry).resolve(text)
        pub = record.public_key
    else:
        pub = parse_key_or_link(text)
    data = {**public_profile(pub), "ens_name": record.name if record else None, "ens": record.to_json() if record else None}
    emit(app, data, text=_profile_text)


cli.add_command(passwd)
