"""statuscli node — run, query and stop a Waku v2 node; probe other nodes."""

from __future__ import annotations

import os
import sys

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, to_json, write_stdout

RUN_EPILOG = """\b
Output contract: as soon as the node listens, ONE JSON line goes to stdout (whatever --output):
  {"type": "listening", "peer_id": "16Uiu2…", "multiaddrs": [".../p2p/16Uiu2…"],
   "enr": "enr:…", "control_socket": "/abs/…/control.sock", "mode": "full", "pubsub_topics": […], "pid": N,
   "log_file": "/abs/…/node.log" or null (stderr), "default_ports_taken": [default addresses moved to a free port]}
By default the node listens on loopback only (--public or --listen for a reachable node); a taken
default port is replaced by a free one (said on stderr). One node per --data-dir: a second is
refused (exit 2); an address another program holds is refused (exit 6, address-in-use).
Logs go to stderr (or --log-file). SIGTERM or 'statuscli node stop' stop it cleanly (exit 0);
Ctrl-C (SIGINT) stops it just as cleanly and exits 130.

\b
Modes: full = relay + lightpush + filter + store + peer exchange; relay = relay + peer exchange;
       bootstrap = peer exchange and discovery only; light (--role light) = serves nothing: it
       finds service nodes (--peer, --bootstrap/--enrtree, peer exchange) whose ENR offers
       lightpush/filter/store on our cluster and shards, keeps 2 connected, and the control
       socket's publish/subscribe/store_query go through them (subscribe needs content topics).
       Each mode but light is also a rendezvous point (/rendezvous/1.0.0, as go-waku and nwaku
       serve it); 'node status' shows what it holds.
"""


@click.group()
def cli() -> None:
    """Run, query and stop a Waku v2 node; probe other Waku nodes.

    \b
    Examples:
      statuscli node run --listen /ip4/127.0.0.1/tcp/60000
      statuscli node run --detach
      statuscli --json node status
      statuscli node probe /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm…
      statuscli node stop
    """


@cli.command(epilog=RUN_EPILOG)
@click.option("--mode", type=click.Choice(["full", "relay", "bootstrap"]), default="full", show_default=True, help="What the node serves.")
@click.option("--listen", "listen", multiple=True, metavar="MULTIADDR",
              help="Listen address (repeatable; /ws for WebSocket; tcp/0 for a free port). "
                   "[default: /ip4/127.0.0.1/tcp/60000 and /ip4/127.0.0.1/tcp/8000/ws, a free port where taken]")
@click.option("--public", is_flag=True,
              help="Listen on every interface (0.0.0.0, same ports) so other machines can connect. Ignored with --listen.")
@click.option("--peer", "peers", multiple=True, metavar="MULTIADDR|ENR", help="Static peer to keep connected (repeatable).")
@click.option("--cluster", "cluster_id", type=click.IntRange(0, 65535), default=16, show_default=True, help="Cluster id (Status: 16).")
@click.option("--shard", "shards", type=click.IntRange(0, 1023), multiple=True, help="Shard to relay (repeatable). [default: 32 and 64]")
@click.option("--store-db", metavar="PATH", help="Store archive (SQLite). [default: <node folder>/store.sqlite]")
@click.option("--store-url", envvar="STATUSCLI_STORE_URL", metavar="URL",
              help="Store archive: postgresql://USER[:PASS]@HOST[:PORT]/DB or sqlite:PATH (several nodes may share one PostgreSQL database). "
                   "[env: STATUSCLI_STORE_URL; node.toml: store-url]")
@click.option("--store-retention", multiple=True, metavar="POLICY",
              help="Retention: time:SECONDS, capacity:N or size:MB (repeatable; none keeps all). [default: time:2592000 (30 days)]")
@click.option("--retention", default=None, metavar="DURATION", help="Keep stored messages this long (e.g. 12h, 30d, off). [default: 30d]")
@click.option("--max-messages", type=click.IntRange(1), default=None, metavar="N", help="Keep at most N stored messages (oldest go first).")
@click.option("--data-dir", metavar="DIR", help="Node folder (key, store, socket). [default: $STATUSCLI_HOME/node]")
@click.option("--log-file", metavar="PATH", help="Write logs here instead of stderr. [default with --detach: <node folder>/node.log]")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="PROTOCOL:N/PERIOD",
              help="Per-peer rate limit, as nwaku's (repeatable; e.g. lightpush:10/1s, store:100/10s, filter:30/1m, 0/0s = none). "
                   "[default: relay:20000/10s lightpush:10/1s filter:30/1m store:100/10s peer-exchange:5/1s rendezvous:30/10s]")
@click.option("--detach", is_flag=True, help="Run in the background; print the listening line and return.")
@click.option("--discv5", is_flag=True, help="Run Discovery v5 (UDP) to find peers and be found.")
@click.option("--bootstrap", "bootstrap", multiple=True, metavar="ENR", help="Discovery v5 bootstrap record (repeatable; implies --discv5).")
@click.option("--enrtree", "enrtree", multiple=True, metavar="URL", help="enrtree://KEY@DOMAIN DNS node list to seed discovery (repeatable).")
@click.option("--discv5-port", type=click.IntRange(0, 65535), default=9000, show_default=True, help="UDP port for Discovery v5 (0: any).")
@click.option("--dns-server", metavar="HOST[:PORT]", help="DNS server for --enrtree. [default: the system resolver]")
@click.option("--discovery-period", type=click.FloatRange(0), metavar="S",
              help="Run Discovery v5 only for the first S seconds, then stop it (socket closed, udp dropped from our ENR; mobile style). "
                   "[default: always]")  # fmt: skip
@click.option("--rendezvous", "rendezvous", multiple=True, metavar="MULTIADDR",
              help="Rendezvous point (/…/p2p/ID, repeatable): register under rs/CLUSTER/SHARD for each shard every 10 s and dial the peers found there.")  # fmt: skip
@click.option("--role", type=click.Choice(["light", "full", "bootstrap"]), default=None,
              help="Seed role: light (serves nothing; send/listen/mailserver fetch through it go to service nodes it finds), "
                   "full (relay, store, filter, lightpush, discovery) or bootstrap (discovery and peer exchange only, relays nothing); "
                   "sets --mode.")  # fmt: skip
@pass_app
def run(app: AppContext, mode, listen, public, peers, cluster_id, shards, store_db, store_url, store_retention, retention, max_messages, data_dir, log_file,
        rate_limits, detach, discv5, bootstrap, enrtree, discv5_port, dns_server, discovery_period, role, rendezvous) -> None:  # fmt: skip
    """Run a Waku v2 node (relay, lightpush, filter, store, metadata, peer exchange).

    \b
    Examples:
      statuscli node run --listen /ip4/127.0.0.1/tcp/0
      statuscli node run --public
      statuscli node run --listen /ip4/0.0.0.0/tcp/60000 --listen /ip4/0.0.0.0/tcp/8000/ws
      statuscli node run --peer /ip4/10.0.0.2/tcp/60000/p2p/16Uiu2HAm… --shard 32
      statuscli node run --mode relay --cluster 16 --shard 32 --shard 64
      statuscli node run --detach --retention 7d --max-messages 1000000
      statuscli node run --role bootstrap --discv5 --discv5-port 9000
      statuscli node run --role light --peer /ip4/10.0.0.2/tcp/60000/p2p/16Uiu2HAm…
      statuscli node run --discv5 --discv5-port 9000 --bootstrap enr:-QESuED0qW1BCmF-oH_ARGPr97Nv767bl_43uoy70vrbah3EaCAdK3Q0iRQ6wkSTTpdrg_dU_NC2ydO8leSlRpBX4pxiAYJpZIJ2NIJpcIRA4VDAim11bHRpYWRkcnO4XAArNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQZ2XwAtNiZub2RlLTAxLmRvLWFtczMud2FrdS5zYW5kYm94LnN0YXR1cy5pbQYfQN4DgnJzkwABCAAAAAEAAgADAAQABQAGAAeJc2VjcDI1NmsxoQOTd-h5owwj-cx7xrmbvQKU8CV3Fomfdvcv1MBc-67T5oN0Y3CCdl-DdWRwgiMohXdha3UyDw
      statuscli node run --store-url postgresql://waku@db.internal/archive --store-retention time:604800
      statuscli node run --store-retention capacity:5000000 --store-retention size:20000
      statuscli node run --rate-limit lightpush:5/1s --rate-limit store:0/0s
      statuscli node run --mode relay --rendezvous /ip4/10.0.0.2/tcp/60000/p2p/16Uiu2HAm…
    """
    from statuscli.app import node as appnode

    mode = role or mode
    opts = appnode.RunOptions(
        mode=mode,
        listen=list(listen),
        peers=list(peers),
        cluster_id=cluster_id,
        shards=list(shards),
        store_db=store_db,
        store_url=store_url,
        store_retention=list(store_retention),
        retention_given=retention is not None or max_messages is not None,
        retention_seconds=appnode.parse_retention(retention or "30d"),
        max_messages=max_messages,
        data_dir=data_dir,
        log_file=log_file,
        public=public,
        discv5=discv5,
        discv5_port=discv5_port,
        bootstrap=list(bootstrap),
        enrtree=list(enrtree),
        dns_server=dns_server,
        discovery_period=discovery_period,
        rate_limits=list(rate_limits),
        rendezvous=list(rendezvous),
    )
    if detach:
        child = [sys.executable, "-m", "statuscli", "--home", str(app.home)]
        child += ["-v"] * app.verbose + (["--quiet"] if app.quiet else [])
        child += ["node", "run", *(["--role", "light"] if mode == "light" else ["--mode", mode]), "--cluster", str(cluster_id)]
        if retention:
            child += ["--retention", retention]
        for policy in store_retention:
            child += ["--store-retention", policy]
        if store_url:  # through the environment: a password stays out of the process list
            os.environ["STATUSCLI_STORE_URL"] = store_url
        for a in listen:
            child += ["--listen", a]
        if public:
            child += ["--public"]
        for r in rate_limits:
            child += ["--rate-limit", r]
        for p in peers:
            child += ["--peer", p]
        for s in shards:
            child += ["--shard", str(s)]
        if store_db:
            child += ["--store-db", store_db]
        if max_messages:
            child += ["--max-messages", str(max_messages)]
        if data_dir:
            child += ["--data-dir", data_dir]
        child += ["--discv5"] if discv5 else []
        child += ["--discv5-port", str(discv5_port)] + [x for e in bootstrap for x in ("--bootstrap", e)]
        child += [x for u in enrtree for x in ("--enrtree", u)] + (["--dns-server", dns_server] if dns_server else [])
        child += ["--discovery-period", str(discovery_period)] if discovery_period is not None else []
        child += [x for p in rendezvous for x in ("--rendezvous", p)]
        from statuscli.app.node_start import run_detached

        record = run_detached(child, appnode.node_dir(app.home, data_dir), opts)
        for a in record.get("default_ports_taken") or []:
            sys.stderr.write(f"statuscli: the default port of {a} is taken; the node listens on a free port instead\n")
        write_stdout(to_json(record))
        return
    opts.libp2p_log_level = appnode.setup_logging(app.verbose, app.quiet, log_file)
    appnode.run_foreground(app.home, opts, lambda record: write_stdout(to_json(record)))


def _status_text(info: dict) -> str:
    lines = [
        f"peer id:    {info['peer_id']}",
        f"mode:       {info.get('mode')} (cluster {info.get('cluster_id')}, shards {', '.join(map(str, info.get('shards') or []))})",
        "multiaddrs: " + ("\n            ".join(info.get("multiaddrs") or []) or "-"),
        f"enr:        {info.get('enr') or '-'}",
        f"peers:      {len(info.get('peers') or [])}",
    ]
    if info.get("store") is not None:
        st = info["store"]
        line = f"store:      {st['messages'] if st.get('messages') is not None else '?'} messages ({st.get('backend', 'sqlite')}, {st.get('state', 'ok')})"
        if st.get("error"):
            line += f": {st['error']}; retrying in {st.get('retry_in_s')} s, lightpush refused meanwhile"
        lines.append(line)
    disc = info.get("discovery")
    if disc:
        stopped = disc.get("stopped_after_s")
        state = "on" if disc.get("active") else f"stopped after {stopped} s (--discovery-period)" if stopped is not None else "walks paused"
        port = f"udp/{disc['udp_port']}, " if disc.get("udp_port") else ""
        lines.append(f"discovery:  discv5 {state} ({port}{disc.get('table', 0)} in table, {disc.get('known', 0)} known)")
    lines.append("protocols:  " + "\n            ".join(info.get("protocols") or []))
    counters = info.get("counters") or {}
    if any(k.startswith("filter-client.") for k in counters):
        lines.append(f"filter client: {counters.get('filter-client.pings', 0)} ping(s), "
                     f"{counters.get('filter-client.resubscribed', 0)} re-subscription(s), "
                     f"{counters.get('filter-client.ping-failed', 0)} failed ping(s)")  # fmt: skip
    rdv = info.get("rendezvous") or {}
    if rdv.get("point"):
        p = rdv["point"]
        lines.append(f"rendezvous: point holding {p['registrations']} registration(s) of {p['peers']} peer(s) in {p['namespaces']} namespace(s)")
    if rdv.get("client"):
        c = rdv["client"]
        ok = sum(1 for p in c["points"] if p["registered"] and not p["error"])
        lines.append(f"rendezvous: registered on {ok} of {len(c['points'])} point(s) under {', '.join(c['namespaces'])}; {c['found']} peer(s) found")
    dropped = {k: v for k, v in counters.items() if k.startswith("dropped.")}
    if dropped:
        lines.append("dropped:    " + ", ".join(f"{k[8:]}={v}" for k, v in dropped.items()))
    guard = info.get("guard")
    if guard:
        bans = (info.get("counters") or {}).get("guard.bans", 0)
        lines.append(f"guard:      {guard.get('banned_peers', 0)} banned now ({bans} bans), {guard.get('tracked_peers', 0)} peers tracked, "
                     f"{guard.get('frame_bytes_held', 0)} B in frames, {guard.get('filter_queued_bytes', 0)} B queued for filter")  # fmt: skip
    return "\n".join(lines)


@cli.command()
@click.option("--data-dir", metavar="DIR", help="Node folder. [default: $STATUSCLI_HOME/node]")
@pass_app
def status(app: AppContext, data_dir) -> None:
    """Show the running node: peer id, multiaddrs, ENR, protocols, peers, stored messages.

    \b
    Examples:
      statuscli node status
      statuscli --json node status | jq -r '.multiaddrs[0]'
    """
    from statuscli.app import node as appnode

    emit(app, appnode.status(app.home, data_dir), text=_status_text)


def _peers_text(res: dict) -> str:
    rows = [f"{'peer id':<54} {'connected':<9} {'source':<13} score"]
    for p in res["peers"]:
        rows.append(f"{p['peer_id']:<54} {'yes' if p['connected'] else 'no':<9} {p['source']:<13} {p['score']}")
    return "\n".join(rows) if res["peers"] else "no peers"


@cli.command()
@click.option("--data-dir", metavar="DIR", help="Node folder. [default: $STATUSCLI_HOME/node]")
@pass_app
def peers(app: AppContext, data_dir) -> None:
    """List the running node's connected and known peers: where each came from (static, inbound,
    bootstrap, discv5, enrtree, peer-exchange, rendezvous) and its score (+1 a successful dial, -1 a failed one).

    \b
    Examples:
      statuscli node peers
      statuscli --json node peers | jq -r '.peers[] | select(.connected) | .peer_id'
    """
    from statuscli.app import node as appnode

    emit(app, appnode.peers(app.home, data_dir), text=_peers_text)


@cli.command()
@click.option("--data-dir", metavar="DIR", help="Node folder. [default: $STATUSCLI_HOME/node]")
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds to wait for it to exit.")
@pass_app
def stop(app: AppContext, data_dir, timeout) -> None:
    """Stop the running node (through its control socket, else SIGTERM).

    \b
    Examples:
      statuscli node stop
      statuscli node stop --data-dir /srv/waku
    """
    from statuscli.app import node as appnode

    res = appnode.stop(app.home, data_dir, timeout=timeout)
    emit(app, res, text=f"node stopped (pid {res['pid']})" if res.get("pid") else "node stopped")


def _probe_text(r: dict) -> str:
    return "\n".join(
        [
            f"peer id:   {r['peer_id']}",
            f"agent:     {r['agent'] or '-'}",
            f"cluster:   {r['cluster_id'] if r['cluster_id'] is not None else '-'}",
            f"shards:    {', '.join(map(str, r['shards'])) if r['shards'] else '-'}",
            f"rtt:       {r['rtt_ms']} ms" if r["rtt_ms"] is not None else "rtt:       -",
            f"waku:      {', '.join(r['waku']) or '-'}",
            "protocols: " + "\n           ".join(r["protocols"]),
        ]
    )


@cli.command()
@click.argument("multiaddr", metavar="MULTIADDR|ENR")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per step.")
@click.option("--cluster", "cluster_id", type=click.IntRange(0, 65535), default=16, show_default=True,
              help="Cluster id we announce in the metadata exchange.")
@pass_app
def probe(app: AppContext, multiaddr, timeout, cluster_id) -> None:
    """Connect to any Waku node and report its protocols, cluster, shards, agent and round-trip time.

    \b
    Examples:
      statuscli node probe /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm…
      statuscli --json node probe enr:-QESuEB4Dch…
    """
    from statuscli.app import node as appnode

    level = appnode.setup_cli_logging(app.verbose, app.quiet)
    emit(app, appnode.probe(multiaddr, timeout=timeout, cluster_id=cluster_id, libp2p_log_level=level), text=_probe_text)
