"""keys show --qr / --qr-file and keys inspect of what the code holds."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from statuscli.cli import qr as qrcode
from tests.conftest import vectors

KEYS = vectors("status.json", "status-keys")[0]
MNEMONIC = KEYS["inputs"]["mnemonic"]
ZQ3 = KEYS["expected"]["chat_compressed_key"]


@pytest.fixture
def alice(run_cli, tmp_path, monkeypatch):
    words = tmp_path / "words.txt"
    words.write_text(MNEMONIC, encoding="utf-8")
    monkeypatch.setenv("STATUSCLI_PASSWORD", "pw")
    assert run_cli("keys", "import", "--name", "alice", "--mnemonic-file", str(words)).exit_code == 0
    monkeypatch.delenv("STATUSCLI_PASSWORD")
    return run_cli


def _decode_half_blocks(text: str, invert: bool = False) -> list[list[bool]]:
    """Read our terminal drawing back into a module matrix (True = dark)."""
    top = {"█": True, "▀": True, "▄": False, " ": False}
    bottom = {"█": True, "▀": False, "▄": True, " ": False}
    rows = []
    for line in text.splitlines():
        rows.append([top[c] for c in line])
        rows.append([bottom[c] for c in line])
    return [[drawn if invert else not drawn for drawn in row] for row in rows]


def test_terminal_qr_is_the_text_result_and_matches_the_code(alice):
    r = alice("keys", "show", "--qr")
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[-2] == ZQ3 and lines[-1].startswith(KEYS["expected"]["chat_alias"])
    drawing = "\n".join(lines[:-2])
    expected = qrcode.modules(qrcode.make(ZQ3))
    size = len(expected)
    assert size == 33 + 2 * qrcode.TERMINAL_BORDER and all(len(line) == size for line in lines[:-2])
    assert len(lines[:-2]) == (size + 1) // 2
    assert _decode_half_blocks(drawing)[:size] == expected
    again = alice("keys", "show", "alice", "--qr")
    assert again.stdout == r.stdout  # stable
    inverted = alice("keys", "show", "--qr", "--qr-invert").stdout.splitlines()
    assert _decode_half_blocks("\n".join(inverted[:-2]), invert=True)[:size] == expected
    assert "\x1b" not in r.stdout  # no escape codes, whatever NO_COLOR says


def test_qr_png_file(alice, tmp_path):
    png = tmp_path / "alice.png"
    r = alice("--json", "keys", "show", "--qr-file", str(png))
    assert r.exit_code == 0
    data = r.json()
    assert data["qr"] == {"data": ZQ3, "file": str(png)} and data["compressed_key"] == ZQ3
    raw = png.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    width, height = struct.unpack(">II", raw[16:24])
    code = qrcode.make(ZQ3)
    assert (width, height) == code.symbol_size(scale=qrcode.PNG_SCALE, border=qrcode.PNG_BORDER) == ((33 + 8) * 8,) * 2
    assert code.version == 4 and code.error == "M"
    text = alice("keys", "show", "--qr-file", str(png))
    assert text.exit_code == 0 and f"qr file:  {png}" in text.stdout and "▀" not in text.stdout  # profile, no drawing


def test_qr_json_without_file(alice):
    data = alice("keys", "show", "--qr", "--json").json()
    assert data["qr"] == {"data": ZQ3, "file": None}


def test_qr_file_unwritable(alice, tmp_path):
    r = alice("keys", "show", "--qr-file", str(tmp_path / "missing" / "a.png"))
    assert r.exit_code == 3 and "cannot write" in r.stderr


def test_inspect_accepts_what_the_code_holds_and_profile_links(run_cli):
    plain = run_cli("--json", "keys", "inspect", ZQ3).json()
    assert plain["alias"] == KEYS["expected"]["chat_alias"] and plain["emoji_hash"] == KEYS["expected"]["chat_emoji_hash"]
    link = run_cli("--json", "keys", "inspect", f"https://status.app/u/iwSACggKBkp1bGllbgM=#{ZQ3}")
    assert link.exit_code == 0 and link.json() == plain
    piped = run_cli("--json", "keys", "inspect", "-", input=f"https://status.app/u#{ZQ3}\n")
    assert piped.json() == plain
    bad = run_cli("keys", "inspect", "https://status.app/u/CwmAChEKD0FsaXNoZXIgU2hlcmFsaQM=")
    assert bad.exit_code == 3 and "no chat key" in bad.stderr and "hint:" in bad.stderr


def test_subprocess_show_qr(tmp_path):
    import os

    env = {**os.environ, "STATUSCLI_HOME": str(tmp_path / "home"), "STATUSCLI_PASSWORD": "pw", "NO_COLOR": "1"}
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "statuscli", *a], capture_output=True, env=env, timeout=60, **kw)  # noqa: E731
    assert run("keys", "import", "--mnemonic-file", "-", input=MNEMONIC.encode()).returncode == 0
    r = run("keys", "show", "--qr")
    assert r.returncode == 0 and r.stdout.decode().splitlines()[-2] == ZQ3
