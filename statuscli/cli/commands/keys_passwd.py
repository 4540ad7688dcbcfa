"""statuscli keys passwd, and the --kdf option shared with keys generate|import."""

from __future__ import annotations

import os

import click

from statuscli.cli.context import AppContext, complete_account_names, pass_app
from statuscli.cli.output import emit, info

KDF_HELP = ("Key-file KDF: light = status-go's scrypt (N=4096, r=8, p=6; fast unlock), standard = geth's "
            "(N=2^18, r=8, p=1; ~10x slower per unlock and per guess). See docs/secrets.md.")


def kdf_option(f):
    return click.option("--kdf", type=click.Choice(["light", "standard"]), default="light", show_default=True, help=KDF_HELP)(f)


def _new_passphrase(app: AppContext, new_password_file: str | None) -> str:
    from statuscli.cli.passphrase import _interactive, _prompt, read_secret_file
    from statuscli.core.errors import PassphraseRequired

    source = new_password_file or os.environ.get("STATUSCLI_NEW_PASSWORD_FILE")
    if source:
        pw = read_secret_file(source, what="new password file")
        if not pw:
            raise PassphraseRequired("the new password file is empty")
        return pw
    if _interactive():
        return _prompt("New passphrase", True)
    raise PassphraseRequired("a new passphrase is needed: give --new-password-file FILE (or '-')",
                             hint="the current one comes from --password-file, STATUSCLI_PASSWORD_FILE or STATUSCLI_PASSWORD")


@click.command()
@click.argument("name", required=False, shell_complete=complete_account_names)
@click.option("--new-password-file", metavar="FILE|-", envvar="STATUSCLI_NEW_PASSWORD_FILE", show_envvar=True,
              help="File holding the new passphrase ('-' = stdin; default: ask twice on the terminal).")
@click.option("--kdf", type=click.Choice(["light", "standard"]), default=None,
              help="Re-encrypt with this KDF (default: keep the account's). " + KDF_HELP)
@pass_app
def passwd(app: AppContext, name: str | None, new_password_file: str | None, kdf: str | None) -> None:
    """Change an account's keystore passphrase (and optionally its KDF).

    Re-encrypts only the key files (chat key, mnemonic, database key); state.db is encrypted with
    the database key, which does not change, so it is not touched. The current passphrase comes
    from the usual places (--password-file, STATUSCLI_PASSWORD_FILE, STATUSCLI_PASSWORD, prompt).

    \b
    Examples:
      statuscli --password-file pw.txt keys passwd --new-password-file new.txt
      statuscli --password-file new.txt keys passwd alice --new-password-file pw.txt --kdf standard
    """
    from statuscli.app.accounts import change_passphrase, open_account

    account = open_account(app, name=name)
    new = _new_passphrase(app, new_password_file)
    files, used = change_passphrase(account, new, kdf=kdf)
    info(app, f"Re-encrypted {', '.join(files)} of {account.name}; state.db is unchanged.")
    emit(app, {"name": account.name, "files": files, "kdf": used},
         text=lambda d: f"Changed the passphrase of {d['name']} ({d['kdf']} KDF)")
