"""Shared bits of the messaging commands (send, listen, mailserver, group, bundle publish/fetch)."""

from __future__ import annotations

import click

NODE_HELP = ("Node to use: a control socket path (or unix:PATH), or a MULTIADDR|ENR to use as a light client "
             "(or to join through with --relay). [env: STATUSCLI_NODE; default: this home's running node]")  # fmt: skip


def _keep_sources(ctx: click.Context, param: click.Parameter, value):
    ctx.meta[f"discovery.{param.name}"] = list(value or ())
    return value


def transport_options(f):
    f = click.option("--enrtree", "find_enrtree", multiple=True, metavar="URL", expose_value=False, callback=_keep_sources,
                     help="Without --node: find a service node in this enrtree:// DNS list (repeatable).")(f)  # fmt: skip
    f = click.option("--bootstrap", "find_bootstrap", multiple=True, metavar="ENR", expose_value=False, callback=_keep_sources,
                     help="Without --node: find a service node by Discovery v5 from this record (repeatable).")(f)  # fmt: skip
    f = click.option("--relay", is_flag=True, help="Join the relay mesh ourselves (through --node) instead of using a light client.")(f)
    f = click.option("--node", metavar="SOCKET|MULTIADDR", default=None, help=NODE_HELP)(f)
    return f


#: what a light client needs from the node it finds (waku2 capability names)
_NEEDS = {"send": {"lightpush"}, "listen": {"filter", "store"}, "mailserver fetch": {"store"}, "bundle fetch": {"store"},
          "bundle publish": {"lightpush"}, "group create": {"lightpush"}, "group add": {"lightpush"}}  # fmt: skip


def open_transport(app, node: str | None, relay: bool):
    from statuscli.app.messaging.transport import open_transport as _open

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    bootstrap, enrtree = meta.get("discovery.find_bootstrap") or [], meta.get("discovery.find_enrtree") or []
    if node is None and (bootstrap or enrtree):
        from statuscli.app.discover import find_service_node
        from statuscli.cli.output import info

        command = " ".join(ctx.command_path.split()[1:]) if ctx is not None else ""
        need = _NEEDS.get(command, {"lightpush"}) | ({"relay"} if relay else set())
        node = find_service_node(bootstrap, enrtree, need)
        info(app, f"using the node found by discovery: {node[:40]}…")
    return _open(app, node=node, relay=relay)


def messenger(app, acct, *, seed: str | None = None, now_ms: int | None = None):
    from statuscli.app.messaging.messenger import Messenger
    from statuscli.cli.secure_common import rng_from_seed

    clock = (lambda: now_ms * 1_000_000) if now_ms is not None else None
    return Messenger(acct, clock=clock, rng=rng_from_seed(seed))


def chat_filter(acct, chat: str | None, public: str | None, group: str | None):
    """(filter or None, extra channels) from --chat/--public/--group (at most one)."""
    from statuscli.app.messaging.listener import ChatFilter
    from statuscli.core.errors import UsageError

    given = [x for x in (chat, public, group) if x]
    if len(given) > 1:
        raise UsageError("--chat, --public and --group exclude each other")
    if chat:
        from statuscli.app.peers import resolve_peer

        return ChatFilter("one-to-one", "0x" + resolve_peer(acct, chat).hex()), ()
    if public:
        return ChatFilter("public", public), (public,)
    if group:
        from statuscli.app.messaging.groups import resolve

        return ChatFilter("group", resolve(acct, group)), ()
    return None, ()


def parse_time(text: str, now_s: float) -> int:
    """Unix time in ns from seconds since the epoch, an ISO 8601 date/time, or a duration ago (30m, 2h, 7d)."""
    import re
    from datetime import datetime, timezone

    from statuscli.core.errors import InvalidInput

    t = text.strip()
    m = re.fullmatch(r"(\d+)\s*([smhdw])", t)
    if m:
        secs = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
        return int((now_s - secs) * 1e9)
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return int(float(t) * 1e9)
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"not a time: {text!r}", hint="use Unix seconds, an ISO date/time (2024-10-24T12:00Z) or a duration ago (30m, 2h, 7d)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1e9)
