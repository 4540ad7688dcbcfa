"""The CLI contract itself: global options anywhere, exit codes, errors, lazy loading."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from statuscli.cli.context import AppContext, global_options, pass_app

ENCODE = ("envelope", "encode", "--clear", "--content-topic", "/app/1/chat/proto", "--timestamp", "1")


def test_an_option_value_that_looks_like_a_global_option_is_the_value(run_cli):
    # the old argv pre-parser took '--json' as the global option and failed with a usage error
    for value in ("--json", "-v", "--quiet", "--home"):
        r = run_cli(*ENCODE, "--text", value)
        assert r.exit_code == 0, (value, r.stdout, r.stderr)
        hexed = value.encode().hex()
        assert hexed in r.stdout, (value, r.stdout)  # the payload is the text itself
        assert not r.stdout.startswith("{")  # and the output stayed text


def test_a_global_option_after_a_value_taking_option_still_works(run_cli):
    r = run_cli(*ENCODE, "--text", "-v", "--json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()  # --json after the value is the global option: JSON out, payload "-v"
    assert doc["content_topic"] == "/app/1/chat/proto" and b"-v".hex() in doc["bytes"]


@pytest.mark.parametrize("argv", [
    ("--json", "keys", "list"),
    ("keys", "--json", "list"),
    ("keys", "list", "--json"),
    ("--output", "text", "keys", "list", "--output=json"),
    ("keys", "list", "--output", "text", "--json"),
])  # fmt: skip
def test_global_options_anywhere_last_one_wins(run_cli, argv):
    r = run_cli(*argv)
    assert r.exit_code == 0, r.stderr
    assert r.json() == {"default": None, "accounts": []}


def test_the_command_line_beats_the_environment(run_cli):
    r = run_cli("keys", "list", "--output", "text", env={"STATUSCLI_OUTPUT": "json"})
    assert r.exit_code == 0 and not r.stdout.startswith("{")
    r = run_cli("keys", "list", env={"STATUSCLI_OUTPUT": "json"})
    assert r.json() == {"default": None, "accounts": []}
    r = run_cli("keys", "list", env={"STATUSCLI_OUTPUT": "xml"})
    assert r.exit_code == 2 and "STATUSCLI_OUTPUT" in r.stderr


def test_home_after_the_subcommand_is_the_home_used(run_cli, tmp_path):
    other = tmp_path / "elsewhere"
    r = run_cli("keys", "generate", "--name", "zed", "--home", str(other), "--entropy", "00" * 16,
                env={"STATUSCLI_PASSWORD": "pw"})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert (other / "accounts" / "zed").is_dir()
    assert run_cli("--home", str(other), "--json", "keys", "list").json()["accounts"][0]["name"] == "zed"


def test_verbose_counts_add_up_across_levels():
    seen = {}

    @global_options
    @click.command()
    @pass_app
    def probe(app: AppContext):
        seen["verbose"], seen["output"] = app.verbose, app.output

    root = click.Group("root", commands={"probe": probe})
    root.is_statuscli_root = True
    global_options(root)

    def make(ctx):
        from statuscli.cli.context import settings_of

        ctx.obj = settings_of(ctx).make_app()

    root.callback = click.pass_context(make)
    root.main(["-v", "probe", "-vv", "--json"], standalone_mode=False)
    assert seen == {"verbose": 3, "output": "json"}


def test_a_new_registry_command_gets_the_global_options():
    from statuscli.cli.context import GlobalOption
    from statuscli.cli.main import cli
    from statuscli.cli.registry import COMMANDS

    ctx = click.Context(cli)
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        stack = [cmd]
        while stack:
            c = stack.pop()
            assert {p.name for p in c.params if isinstance(p, GlobalOption)} >= {"home", "json_flag", "verbose"}, c.name
            stack.extend(getattr(c, "commands", {}).values())


def test_root_help_lists_every_command_and_exit_codes(run_cli):
    r = run_cli("--help")
    assert r.exit_code == 0
    from statuscli.cli.registry import COMMANDS

    for name in COMMANDS:
        assert name in r.stdout
    assert "Exit codes" in r.stdout


def test_unknown_option_is_a_usage_error(run_cli):
    r = run_cli("--no-such-option")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("statuscli: error: ")
    assert "Traceback" not in r.stderr


def test_unknown_command_is_a_usage_error_in_json_too(run_cli):
    r = run_cli("--json", "frobnicate")
    assert r.exit_code == 2
    err = r.json()["error"]
    assert err["code"] == "usage" and "frobnicate" in err["message"]


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from statuscli.cli.main import run; run(['--help']);"
        "bad=[m for m in ('libp2p','trio','bip_utils','rich') if m in sys.modules];"
        "sys.stderr.write(repr(bad))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stderr.strip() == "[]", p.stderr


def test_version_via_real_subprocess():
    p = subprocess.run([sys.executable, "-m", "statuscli", "--version"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "statuscli" in p.stdout


def test_json_error_shape_for_internal_errors_has_code_message_hint():
    from statuscli.cli.main import report_error
    import io, contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        report_error("bad-signature", "nope", "check the file", True)
    assert json.loads(buf.getvalue()) == {"error": {"code": "bad-signature", "message": "nope", "hint": "check the file"}}


def test_an_argument_that_is_not_utf8_is_invalid_input(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("STATUSCLI_")}
    env["STATUSCLI_HOME"] = str(tmp_path)
    for args in ([b"topic", b"compute", b"public", b"\xff\xfe"], [b"--json", b"keys", b"inspect", b"zQ3\xc3"]):
        p = subprocess.run([sys.executable, "-m", "statuscli", *args], capture_output=True, env=env, timeout=60)
        assert p.returncode == 3, p.stderr
        assert b"not valid UTF-8" in (p.stdout + p.stderr) and b"Traceback" not in p.stderr
