"""Every error in JSON mode is exactly one object {"error": {"code", "message", "hint"}} on stdout,
with the exit code of its class, for every command; and every error code is documented."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from statuscli.cli.reference import walk

ROOT = Path(__file__).resolve().parents[2]


LEAVES = [d for d in walk() if not d.is_group]
ERRORS = [
    (("keys", "inspect", "not-a-key"), 3),
    (("keys", "show"), 5),
    (("keys", "generate", "--entropy", "zz"), 3),
    (("keys", "derive", "--mnemonic-file", "-", "--path", "chat"), 3),
    (("topic", "compute", "public"), 2),
    (("topic", "compute", "partitioned", "0x04abcd"), 3),
    (("topic", "shard", "not-a-topic"), 3),
    (("bundle", "verify", "-"), 3),
    (("bundle", "show"), 5),
    (("decrypt", "-"), 5),
    (("encrypt", "bob", "hi"), 5),
    (("x3dh", "init", "bob"), 5),
    (("enr", "decode", "enr:garbage"), 3),
    (("envelope", "hash", "--pubsub-topic", "/x"), 2),
    (("envelope", "inspect", "-"), 3),
    (("envelope", "encode", "--text", "x"), 2),
    (("mvds", "inspect", "-"), 3),
    (("mvds", "group-id", "a", "b"), 3),
    (("vectors", "verify", "/nonexistent/vectors.json"), 3),
    (("vectors", "generate", "no-such-category"), 2),
    (("send", "bob", "x"), 5),
    (("group", "list"), 5),
    (("mailserver", "fetch"), 5),
    (("listen", "--timeout", "1"), 5),
    (("node", "status"), 6),
    (("completion", "tcsh"), 2),
    (("no-such-command",), 2),
]
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _assert_error_object(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    doc = json.loads(lines[0])
    assert list(doc) == ["error"] and sorted(doc["error"]) == ["code", "hint", "message"], doc
    err = doc["error"]
    assert KEBAB.fullmatch(err["code"]) and isinstance(err["message"], str) and err["message"]
    assert err["hint"] is None or (isinstance(err["hint"], str) and err["hint"])
    return err


@pytest.mark.parametrize("args, code", ERRORS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else str(x))
def test_errors_in_json_mode_are_one_error_object(run_cli, args, code):
    r = run_cli("--json", *args, input="garbage")
    assert r.exit_code == code, (r.stdout, r.stderr)
    _assert_error_object(r.stdout)
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("doc", LEAVES, ids=lambda d: d.name)
def test_usage_errors_of_every_command_are_error_objects(run_cli, doc):
    r = run_cli(*doc.path[1:], "--no-such-option", "--json")
    assert r.exit_code == 2
    err = _assert_error_object(r.stdout)
    assert err["code"] == "usage" and "--help" in err["hint"]


def test_a_real_subprocess_error_is_the_same_object(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["STATUSCLI_HOME"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-m", "statuscli", "keys", "inspect", "0x04abcd", "--json"], capture_output=True, text=True,
                       env=env, timeout=60)  # fmt: skip
    assert r.returncode == 3 and r.stderr == ""
    assert _assert_error_object(r.stdout)["code"] == "malformed-key"


def test_every_error_code_is_documented():
    from statuscli.core.errors import error_classes

    docs = (ROOT / "docs" / "exit-codes-and-json.md").read_text(encoding="utf-8")
    codes = {c.code for c in error_classes()}
    missing = sorted(c for c in codes if f"`{c}`" not in docs)
    assert not missing, f"error codes not in docs/exit-codes-and-json.md: {missing}"


def test_errors_are_classes_all_in_core_errors_one_per_code():
    """No code given per raise (a new code is a new class), every error class in one module, and
    each code declared by one class only — so 'except MalformedKey' catches every malformed key."""
    import importlib
    import pkgutil

    import statuscli
    from statuscli.core.errors import StatusCliError, error_classes

    for path in (ROOT / "statuscli").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'[A-Za-z]\((?:[^()]|\([^()]*\))*\bcode="[a-z0-9-]+"', text) or path.name == "peel.py", path
    for mod in pkgutil.walk_packages(statuscli.__path__, "statuscli."):
        if not mod.name.startswith("statuscli.pb.") and not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)
    classes = error_classes()
    strays = [f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != "statuscli.core.errors"]
    assert not strays, f"define these in statuscli/core/errors.py: {strays}"
    declared = [c.__dict__["code"] for c in classes if "code" in c.__dict__]
    assert len(declared) == len(set(declared)), sorted(c for c in declared if declared.count(c) > 1)
    assert all(issubclass(c, StatusCliError) for c in classes)


def test_except_malformed_key_catches_every_malformed_key():
    from statuscli.core.crypto.secp256k1 import public_key, validate_private_key
    from statuscli.core.errors import MalformedKey
    from statuscli.core.identity.keytext import parse_public_key_text

    for bad in (lambda: parse_public_key_text("0x04abcd"), lambda: public_key(b"\x00" * 31),
                lambda: validate_private_key(b"\x00" * 32)):  # fmt: skip
        with pytest.raises(MalformedKey):
            bad()
