"""A minimal Ethereum JSON-RPC client over the standard library: ``eth_call`` and nothing else.

ENS resolution needs two read-only calls (the registry's ``resolver`` and the resolver's
``pubkey``); a web3 stack would bring hundreds of modules for that. One HTTP POST per call, a
bounded answer (1 MiB), a timeout per call, and typed errors:

    connection refused, no route, DNS failure   -> PeerUnreachable (exit 6)
    no answer within the timeout                -> TimeoutExpired (exit 7)
    HTTP error, not JSON-RPC, an error object   -> BadResponse (exit 6)
    the contract call reverted                  -> CallReverted (a BadResponse, exit 6)

Imports no libp2p or trio: offline commands may use it.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from statuscli.core.errors import BadResponse, CallReverted, InvalidInput, PeerUnreachable, TimeoutExpired

MAX_ANSWER = 1 << 20
DEFAULT_TIMEOUT = 10.0


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host, else InvalidInput."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"not an Ethereum JSON-RPC URL: {url!r}", hint="give an http:// or https:// URL, e.g. http://127.0.0.1:8545")
    return url.strip()


def _is_revert(err: object) -> bool:
    """A JSON-RPC error that says the EVM reverted: geth's code 3, or the word in the message
    (ganache: "VM Exception while processing transaction: revert")."""
    if not isinstance(err, dict):
        return False
    return err.get("code") == 3 or "revert" in str(err.get("message", "")).lower()


class EthRpc:
    """JSON-RPC 2.0 over HTTP POST to one Ethereum node."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT):
        self.url = check_url(url)
        self.timeout = timeout
        self._next_id = 0
        # 127.0.0.1 and other local nodes are never sent through an HTTP proxy from the environment
        host = urlsplit(self.url).hostname or ""
        handlers = [urllib.request.ProxyHandler({})] if host in ("127.0.0.1", "localhost", "::1") else []
        self._opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, params: list) -> object:
        """The ``result`` of one JSON-RPC call."""
        self._next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        where = urlsplit(self.url).netloc
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            raise BadResponse(f"the Ethereum node at {where} answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise TimeoutExpired(f"the Ethereum node at {where} did not answer within {self.timeout:g} s") from None
            raise PeerUnreachable(f"cannot reach the Ethereum node at {where}: {exc.reason}",
                                  hint="check --eth-rpc / STATUSCLI_ETH_RPC") from None  # fmt: skip
        except (TimeoutError, socket.timeout):
            raise TimeoutExpired(f"the Ethereum node at {where} did not answer within {self.timeout:g} s") from None
        except OSError as exc:  # reset mid-answer, and the like
            raise PeerUnreachable(f"the connection to the Ethereum node at {where} failed: {exc}") from None
        if len(raw) > MAX_ANSWER:
            raise BadResponse(f"the Ethereum node at {where} answered more than {MAX_ANSWER} bytes")
        try:
            answer = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadResponse(f"the Ethereum node at {where} did not answer JSON") from None
        if not isinstance(answer, dict) or answer.get("id") != self._next_id:
            raise BadResponse(f"the Ethereum node at {where} answered something that is not this call's JSON-RPC answer")
        if answer.get("error") is not None:
            err = answer["error"]
            text = err.get("message") if isinstance(err, dict) else err
            if method == "eth_call" and _is_revert(err):
                raise CallReverted(f"the contract call reverted at {where}: {text}")
            raise BadResponse(f"the Ethereum node at {where} refused {method}: {text}")
        if "result" not in answer:
            raise BadResponse(f"the Ethereum node at {where} answered {method} without a result")
        return answer["result"]

    def call(self, to: bytes, data: bytes) -> bytes:
        """``eth_call`` of ``data`` on contract ``to`` at the latest block; the returned bytes."""
        result = self.request("eth_call", [{"to": "0x" + to.hex(), "data": "0x" + data.hex()}, "latest"])
        if not isinstance(result, str) or result[:2] != "0x":
            raise BadResponse("eth_call answered something that is not 0x-hex")
        try:
            return bytes.fromhex(result[2:])
        except ValueError:
            raise BadResponse("eth_call answered something that is not 0x-hex") from None
