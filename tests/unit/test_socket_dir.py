"""Control-socket placement and checks (issue 12 item 6): no shared folder, no foreign socket,
no traceback on a malformed answer."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from statuscli.core.errors import BadResponse, StatusCliError, UnsafeSocket
from statuscli.net import socket_dir
from statuscli.net.control_client import ControlClient

OTHER_UID = 65534  # nobody
as_root = pytest.mark.skipif(os.getuid() != 0, reason="making a folder owned by another user needs root")


def test_a_long_data_dir_puts_the_socket_in_a_private_runtime_folder(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    deep = tmp_path / ("d" * 120)
    p = socket_dir.socket_path(deep)
    assert p.parent == runtime / "statuscli" and p.name.endswith(".sock")
    assert (p.parent.stat().st_mode & 0o777) == 0o700
    short = socket_dir.socket_path(tmp_path / "node")
    assert short == tmp_path / "node" / "control.sock"


def test_without_xdg_runtime_dir_the_tmp_folder_is_created_0700(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    p = socket_dir.socket_path(tmp_path / ("e" * 120))
    assert p.parent == socket_dir.Path(f"/tmp/statuscli-{os.getuid()}")
    st = os.lstat(p.parent)
    assert st.st_uid == os.getuid() and (st.st_mode & 0o777) == 0o700


def test_a_world_writable_pre_created_folder_is_refused(tmp_path):
    shared = tmp_path / "statuscli-shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(UnsafeSocket, match="lets others in") as e:
        socket_dir.private_folder(shared)
    assert e.value.exit_code == 6
    with pytest.raises(UnsafeSocket):
        socket_dir.check_server_folder(shared / "control.sock")


def test_a_symlinked_folder_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(UnsafeSocket, match="not a plain folder"):
        socket_dir.private_folder(tmp_path / "link")


@as_root
def test_a_foreign_pre_created_folder_is_refused(tmp_path, monkeypatch):
    foreign = tmp_path / "statuscli-foreign"
    foreign.mkdir(mode=0o700)
    os.chown(foreign, OTHER_UID, OTHER_UID)
    with pytest.raises(UnsafeSocket, match="belongs to uid 65534"):
        socket_dir.private_folder(foreign)
    # the runtime folder itself: an XDG_RUNTIME_DIR that is not ours is skipped, /tmp/statuscli-<uid> checked
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(foreign))
    assert socket_dir.runtime_dir() == socket_dir.Path(f"/tmp/statuscli-{os.getuid()}")


def _listening_socket(path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(1)
    return s


@as_root
def test_a_client_refuses_a_socket_owned_by_another_user(tmp_path):
    path = tmp_path / "c.sock"
    server = _listening_socket(path)
    try:
        os.chown(path, OTHER_UID, OTHER_UID)
        with pytest.raises(UnsafeSocket, match="belongs to uid 65534"):
            ControlClient(path)
    finally:
        server.close()


def test_a_client_refuses_a_socket_in_a_world_writable_folder(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    path = folder / "c.sock"
    server = _listening_socket(path)
    os.chmod(folder, 0o777)
    try:
        with pytest.raises(UnsafeSocket):
            ControlClient(path)
    finally:
        server.close()


@pytest.mark.parametrize("answer, code, exit_code", [
    (b"not json\n", "bad-response", 6),
    (b"[1, 2]\n", "bad-response", 6),
    (b'{"id": 1, "error": "boom"}\n', "bad-response", 6),
    (b"\xff\xfe\n", "bad-response", 6),
    (b'{"id": 1, "error": {"message": 5, "data": {"exit_code": "x", "code": 7}}}\n', "node-error", 1),
    (b'{"id": 1, "error": {"message": "no", "data": {"exit_code": 99}}}\n', "node-error", 1),
])
def test_a_malformed_answer_is_an_error_not_a_traceback(tmp_path, answer, code, exit_code):
    path = tmp_path / "c.sock"
    server = _listening_socket(path)

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(answer)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with ControlClient(path, timeout=10) as c:
            with pytest.raises(StatusCliError) as e:
                c.call("info")
        assert (e.value.code, e.value.exit_code) == (code, exit_code)
        assert isinstance(e.value, BadResponse) == (code == "bad-response")
    finally:
        t.join(timeout=10)
        server.close()
