"""Our own devices: several homes made from one mnemonic are installations of one account.

    listing(account) -> list[dict]                  this device first, then the others we know of
    set_enabled(account, installation_id, enabled, now_ms) -> dict
    our_metadata(account, *, name=None, device_type=None, now_ms) -> Metadata   (stored; defaults once)
    paired(conn, account) -> bool                   any other installation of ours enabled (with a prekey)

How a device becomes known and used (status-go ``encryption/multidevice``, ``messenger_pairing_and_syncing.go``):

* another installation of ours appears when its bundle arrives (attached to any message it sends,
  e.g. its pairing message): stored **disabled** (``peers.store_bundle``: our own identity);
* its pairing message (SyncPairInstallation) gives it a name and a device type;
* ``devices enable ID`` makes it one of ours: our bundle lists it (with up to 2 other enabled
  devices, most recent first), so peers encrypt to it too, and every 1:1 message we send is also
  encrypted to it (``sendToPairedDevices``); ``devices disable ID`` stops both.
"""

from __future__ import annotations

import platform
import socket

from statuscli.core.bundles import PROTOCOL_VERSION
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput, NotFound
from statuscli.core.payloads.pairing import check_metadata
from statuscli.store import devices as device_store
from statuscli.store import peers as peer_store
from statuscli.store.db import transaction


def _me33(account) -> bytes:
    return secp256k1.compress(account.chat_public_key)


def default_metadata() -> tuple[str, str]:
    """(name, device type) of this machine: the host name and the operating system (status-go
    desktop reports ``runtime.GOOS``)."""
    return (socket.gethostname() or "statuscli")[:64], (platform.system().lower() or "unknown")


def our_metadata(account, *, name: str | None = None, device_type: str | None = None, now_ms: int, clock: int = 0):
    """This installation's metadata: stored values, changed by ``name``/``device_type`` when given.

    Inside the caller's transaction when there is one."""
    conn = account.db
    cur = device_store.get(conn, account.installation_id)
    if cur is not None and name is None and device_type is None:
        return cur
    dflt_name, dflt_type = default_metadata()
    new_name = name if name is not None else (cur.name if cur else dflt_name)
    new_type = device_type if device_type is not None else (cur.device_type if cur else dflt_type)
    check_metadata(new_name, new_type)
    m = device_store.Metadata(account.installation_id, new_name, new_type, PROTOCOL_VERSION, max(clock, cur.clock if cur else 0))
    if conn.in_transaction:
        device_store.put(conn, m, now_ms)
    else:
        with transaction(conn):
            device_store.put(conn, m, now_ms)
    return m


def _row(iid: str, meta, *, enabled: bool, this: bool, timestamp_ns: int, protocol_version: int) -> dict:
    return {"installation_id": iid, "name": meta.name if meta else None, "device_type": meta.device_type if meta else None,
            "enabled": enabled, "this_device": this, "protocol_version": protocol_version, "bundle_timestamp_ns": timestamp_ns}  # fmt: skip


def listing(account) -> list[dict]:
    """Our installations: this one first, then every other one we know (most recent bundle first)."""
    conn = account.db
    metas = device_store.all_metadata(conn)
    out = [_row(account.installation_id, metas.get(account.installation_id), enabled=True, this=True, timestamp_ns=0,
                protocol_version=PROTOCOL_VERSION)]  # fmt: skip
    for inst in peer_store.installations(conn, _me33(account)):
        if inst.installation_id == account.installation_id:
            continue
        out.append(_row(inst.installation_id, metas.get(inst.installation_id), enabled=inst.enabled, this=False,
                        timestamp_ns=inst.timestamp_ns, protocol_version=inst.protocol_version))  # fmt: skip
    return out


def find(account, text: str) -> str:
    """An installation id of ours from its full id or a unique prefix (ids are UUIDs)."""
    t = (text or "").strip().lower()
    if not t:
        raise InvalidInput("empty installation id", hint="see 'statuscli devices list'")
    ids = [d["installation_id"] for d in listing(account)]
    if t in ids:
        return t
    hits = [i for i in ids if i.startswith(t)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise InvalidInput(f"{text!r} names {len(hits)} installations", hint="give more of the id")
    raise NotFound(f"no installation {text!r} of this account is known",
                   hint="a device becomes known when its pairing message arrives: run 'statuscli devices pair' there, 'statuscli listen' here")  # fmt: skip


def set_enabled(account, installation_id: str, enabled: bool, now_ms: int, deliver=None) -> dict:
    """Enable or disable our installation (id or unique prefix); ``deliver(row)`` runs before the commit
    (output before commit: when it raises, nothing changed)."""
    iid = find(account, installation_id)
    if iid == account.installation_id:
        raise InvalidInput("that is this device", hint="enable or disable another installation (see 'statuscli devices list')")
    with transaction(account.db) as conn:
        peer_store.set_enabled(conn, _me33(account), iid, enabled)
        (row,) = [d for d in listing(account) if d["installation_id"] == iid]
        if deliver is not None:
            deliver(row)
    return row


def paired(conn, account) -> bool:
    """Whether a 1:1 message we send also goes to our own devices (status-go ``hasPairedDevices``)."""
    me33 = _me33(account)
    for inst in peer_store.active_installations(conn, me33):
        if inst.installation_id != account.installation_id and peer_store.current_prekey(conn, me33, inst.installation_id):
            return True
    return False


def known(account) -> bool:
    """Whether any other installation of ours is known (then we listen on our negotiated topic with ourselves)."""
    return bool(peer_store.installations(account.db, _me33(account)))
