"""Which transport this invocation uses (the adapters live in ``net/``: :mod:`statuscli.net.transport`).

The app only chooses; every transport offers the same small, blocking interface
(:class:`statuscli.net.transport.Transport`: publish, subscribe, receive, store query, close).

Selection (:func:`open_transport`), first that applies:

1. ``--node`` naming a control socket (a path, or ``unix:PATH``) → that socket;
2. ``--node MULTIADDR|ENR`` → our own py-libp2p node: a light client of it (lightpush, filter,
   store), or with ``--relay`` a relay node joining the mesh through it;
3. a running node of this home (``$STATUSCLI_HOME/node``, or ``STATUSCLI_NODE_SOCKET``) → its socket;
4. ``STATUSCLI_NODE`` → as 2;
5. otherwise a :class:`NetworkError` (exit 6) saying how to get a node.

Our own node hands what it receives to the app through a queue of at most 16 MiB
(``STATUSCLI_RECEIVE_QUEUE_BYTES``, e.g. ``64MiB``; :mod:`statuscli.net.receive_queue`).

The control-socket adapter imports neither libp2p nor trio (start-up budget of ``send``).
"""

from __future__ import annotations

import os
import stat

from statuscli.core.errors import NetworkError, StatusCliError, UsageError
from statuscli.net.control_client import NodeNotRunning, find_socket
from statuscli.net.control_transport import ControlSocketTransport
from statuscli.net.transport import Transport


# --- selection -------------------------------------------------------------------------------
_MULTIADDR_HEADS = ("/ip4/", "/ip6/", "/dns/", "/dns4/", "/dns6/", "/dnsaddr/")


def _socket_path(text: str) -> str | None:
    """The control socket a ``--node`` value names, or None for a multiaddr/ENR."""
    if text.startswith("unix:"):
        return text[5:]
    try:
        if stat.S_ISSOCK(os.stat(text).st_mode):
            return text
    except OSError:
        pass
    if text.startswith(("/", "./", "~")) and not text.startswith(_MULTIADDR_HEADS):
        return os.path.expanduser(text)  # a path that is no (live) socket: NodeNotRunning says so
    return None


def open_transport(app, *, node: str | None = None, relay: bool = False) -> Transport:
    """The transport for this invocation (see the module docstring); NetworkError (exit 6) if none."""
    if node:
        path = _socket_path(node)
        if path is not None:
            return ControlSocketTransport(path)
        return _embedded(app, node, relay)
    if relay:
        env = os.environ.get("STATUSCLI_NODE")
        if env and _socket_path(env) is None:
            return _embedded(app, env, True)
        raise UsageError("--relay joins the mesh through a peer: give --node MULTIADDR (or set STATUSCLI_NODE)")
    local_error: StatusCliError | None = None
    try:
        return ControlSocketTransport(find_socket(app.home))
    except NodeNotRunning as e:
        local_error = e
    env = os.environ.get("STATUSCLI_NODE")
    if env:
        path = _socket_path(env)
        return ControlSocketTransport(path) if path is not None else _embedded(app, env, False)
    raise NetworkError(
        f"no node to talk to: {local_error.message if local_error else 'none found'}",
        hint="start one ('statuscli node run --detach'), or give --node MULTIADDR|SOCKET (or STATUSCLI_NODE)",
    )


def _embedded(app, peer: str, relay: bool):
    from statuscli.net.embedded import EmbeddedTransport
    from statuscli.net.limits import RECEIVE_QUEUE_ENV, parse_byte_size

    env = os.environ.get(RECEIVE_QUEUE_ENV)
    queue_bytes = parse_byte_size(env) if env else None
    return EmbeddedTransport.client(peer, relay=relay, verbose=app.verbose, quiet=app.quiet, receive_queue_bytes=queue_bytes)
