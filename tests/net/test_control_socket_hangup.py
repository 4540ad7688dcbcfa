"""A subscriber that hangs up with notifications unread must not take the control server down.

Closing a Unix socket with unread data makes the kernel reset the connection (ECONNRESET); trio
reports it as BrokenResourceError inside the connection's nursery, i.e. wrapped in an exception
group — which the handler used to let through, stopping the whole node.
"""

from __future__ import annotations

import socket
import time

import pytest
import trio

from statuscli.net.control_client import ControlClient
from statuscli.net.control_server import ControlServer
from tests.net.conftest import CT, make_node, trio_test

pytestmark = pytest.mark.net


@trio_test(30)
async def test_a_subscriber_hanging_up_with_unread_messages_leaves_the_server_up(tmp_path):
    node = make_node("full")
    sock = str(tmp_path / "c.sock")
    async with node, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(node, sock).serve)

        def session() -> str:
            sub = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sub.connect(sock)
            sub.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{}}\n')
            with ControlClient(sock) as c:
                for i in range(5):
                    c.call("publish", {"message": {"payload_text": f"m{i}", "content_topic": CT}})
                time.sleep(0.3)
                sub.close()  # unread notifications: the peer sees a reset
                time.sleep(0.3)
                c.call("publish", {"message": {"payload_text": "after", "content_topic": CT}})
            with ControlClient(sock) as c2:
                return c2.call("info")["peer_id"]

        assert await trio.to_thread.run_sync(session) == node.peer_id
        nursery.cancel_scope.cancel()
