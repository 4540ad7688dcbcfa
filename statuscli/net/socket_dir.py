"""Where a node's control socket lives, and the checks made before every use of one.

Rules (a control socket accepts commands that publish as the node, so it must never sit where
another local user could replace it or read it):

* the socket is ``<data-dir>/control.sock`` when that path fits a Unix socket address
  (:data:`MAX_SOCKET_PATH` bytes); the data dir must be a real folder owned by this user and not
  writable by group or others;
* otherwise it goes in a per-user runtime folder: ``$XDG_RUNTIME_DIR/statuscli`` when
  ``$XDG_RUNTIME_DIR`` is a private folder of ours, else ``/tmp/statuscli-<uid>``. We create that
  folder 0700 and check, before every use, that it is a real folder (no symlink), owned by us,
  with no permission for group or others. A pre-created folder that fails is refused
  (:class:`~statuscli.core.errors.UnsafeSocket`, exit 6), never used or "fixed";
* a client connects only to a path that is a socket owned by its own user, in a folder that
  passes the same checks.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from statuscli.core.errors import UnsafeSocket

SOCKET_FILE = "control.sock"
#: sun_path holds 108 bytes on Linux (104 on BSDs); keep a margin
MAX_SOCKET_PATH = 100


def runtime_dir() -> Path:
    """The per-user folder for sockets whose natural path is too long (created 0700, checked)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg):
        try:
            _check_folder(Path(xdg), private=False)
        except UnsafeSocket:
            pass
        else:
            return private_folder(Path(xdg) / "statuscli")
    return private_folder(Path(f"/tmp/statuscli-{os.getuid()}"))


def private_folder(path: Path) -> Path:
    """``path`` created 0700 if missing; refused unless it is ours alone."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise UnsafeSocket(f"cannot create the socket folder {path}: {e.strerror or e}") from None
    _check_folder(path, private=True)
    return path


def socket_path(folder: Path) -> Path:
    """``<folder>/control.sock``, or a name in :func:`runtime_dir` when that path is too long."""
    p = folder / SOCKET_FILE
    if len(str(p).encode()) <= MAX_SOCKET_PATH:
        return p
    tag = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return runtime_dir() / f"{tag}.sock"


def _check_folder(path: Path, *, private: bool) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise UnsafeSocket(f"the socket folder {path} does not exist") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise UnsafeSocket(f"refusing the socket folder {path}: it is not a plain folder (symlink or file)")
    if st.st_uid != os.getuid():
        raise UnsafeSocket(f"refusing the socket folder {path}: it belongs to uid {st.st_uid}, not to you ({os.getuid()})",
                           hint="someone else created it; remove it (as its owner) or use a shorter --data-dir")
    mask = 0o077 if private else 0o022
    if st.st_mode & mask:
        raise UnsafeSocket(f"refusing the socket folder {path}: mode {stat.S_IMODE(st.st_mode):04o} lets others in",
                           hint=f"chmod {'700' if private else 'go-w'} {path}, or use another --data-dir")


def check_server_folder(sock: Path) -> None:
    """Before binding: the socket's folder is ours and not writable by others (0700 if a runtime folder)."""
    _check_folder(sock.parent, private=sock.parent.name.startswith("statuscli"))


def check_socket(sock: str | os.PathLike) -> None:
    """Before connecting: a socket owned by us, in a folder not writable by others."""
    p = Path(sock)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return  # the connect reports "no control socket"
    if not stat.S_ISSOCK(st.st_mode):
        raise UnsafeSocket(f"refusing {p}: it is not a socket")
    if st.st_uid != os.getuid():
        raise UnsafeSocket(f"refusing the control socket {p}: it belongs to uid {st.st_uid}, not to you ({os.getuid()})",
                           hint="only talk to a node you started yourself")
    _check_folder(p.parent, private=False)
