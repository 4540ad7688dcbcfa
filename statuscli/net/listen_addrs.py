"""Listen addresses of a node: checked before anything starts, defaults that cannot collide.

* :func:`validate_listen` refuses a listen multiaddr the TCP/WebSocket transports cannot serve
  (typed ``InvalidInput``) — ``node run --detach`` calls it before the child process exists.
* :func:`bind_error` tells whether (ip, port) can be listened on now, binding exactly as our
  listeners do (SO_REUSEADDR, never SO_REUSEPORT: see compat P18).
* :func:`free_defaults` keeps the default ports when they are free and swaps a taken one for an
  ephemeral port (``tcp/0``), returning what it swapped so the caller can say so.

Cheap to import (no libp2p, no trio).
"""

from __future__ import annotations

import socket

from statuscli.core.errors import AddressInUse, InvalidInput  # noqa: F401 (AddressInUse re-exported)

#: Loopback unless asked (``--public``): a node started with no options must not be reachable.
LOOPBACK_LISTEN = ("/ip4/127.0.0.1/tcp/60000", "/ip4/127.0.0.1/tcp/8000/ws")
PUBLIC_LISTEN = ("/ip4/0.0.0.0/tcp/60000", "/ip4/0.0.0.0/tcp/8000/ws")


def tcp_endpoint(text: str) -> tuple[str, int] | None:
    """(ip, port) of an ``/ip4|ip6/<ip>/tcp/<port>[/ws|/wss]`` multiaddr; None for other shapes."""
    parts = str(text).split("/")
    if len(parts) >= 5 and parts[0] == "" and parts[1] in ("ip4", "ip6") and parts[3] == "tcp" and parts[4].isdigit():
        return parts[2], int(parts[4])
    return None


def validate_listen(addrs: list[str]) -> None:
    """Every address is ``/ip4|ip6/<ip>/tcp/<port>`` optionally followed by ``/ws`` (or ``/wss``)."""
    from ipaddress import ip_address

    for a in addrs:
        ep = tcp_endpoint(a)
        parts = str(a).rstrip("/").split("/")
        tail = parts[5:]
        ok = ep is not None and tail in ([], ["ws"], ["wss"])
        if ok:
            try:
                ok = ip_address(ep[0]).version == (4 if parts[1] == "ip4" else 6) and 0 <= ep[1] <= 65535
            except ValueError:
                ok = False
        if not ok:
            raise InvalidInput(
                f"cannot listen on {a!r}",
                hint="use /ip4/<ip>/tcp/<port> or /ip4/<ip>/tcp/<port>/ws, e.g. /ip4/127.0.0.1/tcp/0",
            )


def bind_error(ip: str, port: int) -> OSError | None:
    """Why a listener on (ip, port) cannot be opened now (None: it can). Opens and closes one."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            s.listen(1)
        except OSError as e:
            return e
    return None


def with_port(addr: str, port: int) -> str:
    parts = str(addr).split("/")
    parts[4] = str(port)
    return "/".join(parts)


def free_defaults(defaults, is_taken=None) -> tuple[list[str], list[str]]:
    """``(addresses to listen on, default addresses that were taken)``: a taken default port
    becomes ``tcp/0`` (the kernel picks a free one)."""
    is_taken = is_taken or (lambda ep: bind_error(*ep) is not None)
    out, taken = [], []
    for a in defaults:
        ep = tcp_endpoint(a)
        if ep is not None and ep[1] != 0 and is_taken(ep):
            taken.append(a)
            out.append(with_port(a, 0))
        else:
            out.append(a)
    return out, taken
