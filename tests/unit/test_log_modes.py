"""Log files are created 0600, and an older, wider one is narrowed (issue 12 item 6)."""

from __future__ import annotations

import logging
import os
import stat

from statuscli.app import node


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_node_log_file_is_private(tmp_path):
    log = tmp_path / "node.log"
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    old_umask = os.umask(0o022)  # what a user typically has: files would be 0644
    try:
        node.setup_logging(0, False, str(log))
        logging.getLogger("statuscli.test").info("hello")
        assert _mode(log) == 0o600 and "hello" in log.read_text()
        wide = tmp_path / "old.log"
        wide.write_text("earlier\n")
        os.chmod(wide, 0o644)
        os.close(node.open_log(wide))
        assert _mode(wide) == 0o600 and wide.read_text() == "earlier\n"  # appended to, never truncated
    finally:
        os.umask(old_umask)
        for h in root.handlers:
            if h not in saved_handlers:
                h.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
