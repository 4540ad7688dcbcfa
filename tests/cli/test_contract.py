"""The CLI contract itself: global options anywhere, exit codes, errors, lazy loading."""

from __future__ import annotations

import json
import subprocess
import sys

from statuscli.cli.context import hoist_global_options


def test_hoist_moves_global_options_before_the_subcommand():
    argv = ["keys", "list", "--json", "--home", "/h", "-vv", "--account=bob", "--", "--json"]
    assert hoist_global_options(argv) == [
        "--json", "--home", "/h", "--verbose", "--verbose", "--account=bob", "keys", "list", "--", "--json"
    ]


def test_hoist_leaves_other_options_alone():
    assert hoist_global_options(["send", "--to", "x", "-n", "3"]) == ["send", "--to", "x", "-n", "3"]


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
