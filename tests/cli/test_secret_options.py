"""No secret on argv (issue 12 item 5): every secret option also reads @FILE, '-' or env:NAME; the
inline form warns on stderr; errors never echo a secret.

``--seed`` (deterministic test mode, documented "not for real use") and FILE-only options
(``--passphrase-file``, ``--new-password-file``, ``--password-file``) are not inline secrets, nor is
``send --signature`` (a transaction's signature, public once the transaction is on chain).
"""

from __future__ import annotations

import json

import click
import pytest

from statuscli.cli.inputs import SECRET_FORMS

KEY = "0x" + "11" * 32
SYM = "0x" + "22" * 32
SECRET_OPTIONS = {
    ("enr", "encode"): {"--key"},
    ("envelope", "encode"): {"--sym-key", "--sign", "--password"},
    ("envelope", "inspect"): {"--key", "--sym-key", "--password"},
    ("keys", "generate"): {"--entropy"},
}
NOT_INLINE_SECRETS = {"--seed", "--passphrase-file", "--new-password-file", "--password-file", "--signature"}


def _leaves():
    from statuscli.cli.main import cli

    ctx = click.Context(cli)

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            yield path, cmd

    yield from walk(cli, ())


def test_every_option_that_takes_a_key_or_entropy_has_the_file_stdin_env_forms():
    found = {}
    for path, cmd in _leaves():
        for p in cmd.params:
            if not isinstance(p, click.Option) or p.is_flag or set(p.opts) & NOT_INLINE_SECRETS:
                continue
            names = " ".join(p.opts)
            if any(w in names for w in ("key", "entropy", "sign", "secret", "priv", "password")):
                found.setdefault(path, set()).update(o for o in p.opts if o.startswith("--"))
                assert "@FILE" in (p.help or "") and "env:NAME" in (p.help or ""), (path, names)
    assert found == SECRET_OPTIONS


def _forms(tmp_path, value: str, monkeypatch) -> dict[str, tuple[str, str | None]]:
    """The four ways to give ``value``: (option value, stdin)."""
    f = tmp_path / "secret.txt"
    f.write_text(value + "\n")
    monkeypatch.setenv("TEST_SECRET", value)
    return {"inline": (value, None), "file": ("@" + str(f), None), "stdin": ("-", value + "\n"), "env": ("env:TEST_SECRET", None)}


CASES = [
    ("enr --key", ["enr", "encode", "--key", "{}", "--ip", "10.0.0.1", "--tcp", "60000"], KEY),
    ("sym-key", ["envelope", "encode", "--text", "hi", "--sym-key", "{}", "--topic", "0xcd423760",
                 "--timestamp", "1790000000000000000", "--seed", "05"], SYM),
    ("sign", ["envelope", "encode", "--text", "hi", "--password", "status", "--sign", "{}", "--topic", "0xcd423760",
              "--timestamp", "1790000000000000000", "--seed", "05"], KEY),
]


@pytest.mark.parametrize("label, args, value", CASES, ids=[c[0] for c in CASES])
def test_each_form_gives_the_same_result_and_only_inline_warns(run_cli, tmp_path, monkeypatch, label, args, value):
    outs = {}
    for form, (given, stdin) in _forms(tmp_path, value, monkeypatch).items():
        r = run_cli("--json", *[given if a == "{}" else a for a in args], input=stdin)
        assert r.exit_code == 0, (form, r.stderr)
        outs[form] = r.stdout
        warnings = [line for line in r.stderr.splitlines() if "visible to other local users" in line]
        assert len(warnings) == (1 if form == "inline" else 0), (form, r.stderr)
        assert value not in r.stderr
    assert len(set(outs.values())) == 1, outs


def test_entropy_and_inspect_keys_from_a_file(run_cli, tmp_path):
    (tmp_path / "entropy").write_text("00" * 16)
    r = run_cli("--json", "keys", "generate", "--name", "a", "--entropy", "@" + str(tmp_path / "entropy"),
                env={"STATUSCLI_PASSWORD": "pw"})
    assert r.exit_code == 0 and "visible to other" not in r.stderr
    assert r.json()["compressed_key"] == "zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"  # "abandon … about"
    enc = run_cli("envelope", "encode", "--text", "for the key holder", "--sym-key", SYM, "--topic", "0xcd423760",
                  "--timestamp", "1790000000000000000", "--seed", "05")
    (tmp_path / "sym").write_text(SYM)
    r = run_cli("--json", "envelope", "inspect", "-", "--no-account", "--sym-key", "@" + str(tmp_path / "sym"), input=enc.stdout)
    assert r.exit_code == 0, r.stderr
    assert "for the key holder" in r.stdout and SYM[2:] not in r.stdout


@pytest.mark.parametrize("bad", ["0x" + "zz" * 32, "0x" + "ab" * 31, "hunter2-but-longer-than-forty-characters-123"])
def test_a_malformed_secret_is_never_echoed(run_cli, bad):
    r = run_cli("--json", "enr", "encode", "--key", bad, "--ip", "10.0.0.1")
    assert r.exit_code == 3
    err = json.loads(r.stdout or r.stderr.splitlines()[-1])["error"]
    assert bad not in json.dumps(err) and bad[2:12] not in json.dumps(err)


def test_a_mistyped_mnemonic_word_is_not_echoed(run_cli, tmp_path):
    words = "abandon abandon zebrafish " + "abandon " * 8 + "about"
    r = run_cli("--json", "keys", "import", "--mnemonic-file", "-", input=words, env={"STATUSCLI_PASSWORD": "pw"})
    assert r.exit_code == 3
    assert "zebrafish" not in r.stdout + r.stderr and "word 3" in r.stdout + r.stderr


def test_a_missing_env_secret_is_a_clear_error(run_cli, monkeypatch):
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    r = run_cli("enr", "encode", "--key", "env:NO_SUCH_SECRET", "--ip", "10.0.0.1")
    assert r.exit_code == 3 and "NO_SUCH_SECRET" in r.stderr and "Traceback" not in r.stderr


def test_the_forms_are_spelled_in_the_help():
    assert "@FILE" in SECRET_FORMS and "env:NAME" in SECRET_FORMS and "'-'" in SECRET_FORMS
