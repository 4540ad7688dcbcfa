"""net/eth_rpc: the standard-library JSON-RPC client against a real HTTP server on 127.0.0.1 that
answers what a broken or hostile Ethereum node might (the happy path runs against ganache in
tests/chain). Each answer maps to its typed error and exit code."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from statuscli.core.errors import BadResponse, CallReverted, InvalidInput, PeerUnreachable, TimeoutExpired
from statuscli.net.eth_rpc import MAX_ANSWER, EthRpc, check_url


class _Node(BaseHTTPRequestHandler):
    answer = staticmethod(lambda request: {"jsonrpc": "2.0", "id": request["id"], "result": "0x"})
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(request)
        status, body = 200, self.answer(request)
        if isinstance(body, tuple):
            status, body = body
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if status == "hang":
            threading.Event().wait(2)
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def node():
    """``node(answer)`` → the URL of a server whose every POST gets ``answer(request)``."""
    servers = []

    def start(answer):
        handler = type("Handler", (_Node,), {"answer": staticmethod(answer), "seen": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True  # a hanging answer does not hold the test's teardown
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        start.handler = handler
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _ok(result):
    return lambda req: {"jsonrpc": "2.0", "id": req["id"], "result": result}


def test_eth_call_sends_a_json_rpc_request_and_returns_bytes(node):
    url = node(_ok("0x" + "00" * 12 + "11" * 20))
    out = EthRpc(url).call(b"\x22" * 20, b"\x01\x02")
    assert out == bytes(12) + b"\x11" * 20
    (req,) = node.handler.seen
    assert req["jsonrpc"] == "2.0" and req["method"] == "eth_call"
    assert req["params"] == [{"to": "0x" + "22" * 20, "data": "0x0102"}, "latest"]


@pytest.mark.parametrize("answer, error", [
    (lambda req: (500, b"oops"), BadResponse),
    (lambda req: b"not json", BadResponse),
    (lambda req: {"jsonrpc": "2.0", "id": req["id"] + 1, "result": "0x"}, BadResponse),  # another call's answer
    (lambda req: {"jsonrpc": "2.0", "id": req["id"]}, BadResponse),  # no result
    (_ok("12ab"), BadResponse),  # not 0x-hex
    (_ok("0xzz"), BadResponse),
    (_ok(7), BadResponse),
    (lambda req: {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32000, "message": "header not found"}}, BadResponse),
    (lambda req: {"jsonrpc": "2.0", "id": req["id"], "error": {"code": 3, "message": "execution reverted"}}, CallReverted),
    (lambda req: {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32000,
                  "message": "VM Exception while processing transaction: revert"}}, CallReverted),
    (lambda req: (200, b" " * (MAX_ANSWER + 10)), BadResponse),
])  # fmt: skip
def test_bad_answers_are_typed_network_errors(node, answer, error):
    with pytest.raises(error) as e:
        EthRpc(node(answer)).call(bytes(20), b"")
    assert e.value.exit_code == 6


def test_a_node_that_does_not_answer_in_time_is_a_timeout(node):
    url = node(lambda req: ("hang", {"jsonrpc": "2.0", "id": req["id"], "result": "0x"}))
    with pytest.raises(TimeoutExpired) as e:
        EthRpc(url, timeout=0.5).call(bytes(20), b"")
    assert e.value.exit_code == 7


def test_nobody_listening_is_unreachable():
    with socket.socket() as s:  # a port that was free a moment ago, now closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PeerUnreachable) as e:
        EthRpc(f"http://127.0.0.1:{port}").call(bytes(20), b"")
    assert e.value.exit_code == 6


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:8545", "http://", "", "file:///etc/passwd"])
def test_only_http_urls(url):
    with pytest.raises(InvalidInput):
        check_url(url)
