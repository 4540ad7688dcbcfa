"""Kill -9 a ``statuscli node run`` under lightpush load, again and again, and check that every
message it acknowledged (lightpush 200) is in its archive afterwards.

Used by tests/e2e/test_node_kill.py (a few kills in CI) and by ``scripts/soak-archive`` (as many
as asked). Each round: start the node on the same folder (same archive), push from
``pushers`` light clients as fast as it answers, SIGKILL it at a random moment, then read the
archive file as the next start will find it.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

TOPIC = "/waku/2/rs/16/32"
CT = "/statuscli/1/kill/proto"


def kill_rounds(folder: Path, kills: int, *, seed: int = 0, pushers: int = 4, min_s: float = 0.3, max_s: float = 1.5, log=None) -> dict:
    import trio

    from statuscli.core.waku.message import WakuMessage, message_hash
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig
    from statuscli.store.archive_sqlite import SqliteArchive
    from tests.e2e.conftest import start_node

    rng = random.Random(seed)
    acked: list[bytes] = []
    missing: set[bytes] = set()
    refused = errors = 0
    store = folder / "node" / "store.sqlite"

    async def one_round(k: int) -> None:
        nonlocal refused, errors
        proc, rec = await trio.to_thread.run_sync(start_node, folder)
        addr = rec["multiaddrs"][0]
        seq = 0
        async with WakuNode(NodeConfig(mode="light", listen=[], shards=[])) as light:
            await light.connect(addr)

            async def pusher(j: int) -> None:
                nonlocal seq, refused, errors
                while True:
                    seq += 1
                    msg = WakuMessage(payload=b"kill %d/%d/%d" % (k, j, seq), content_topic=CT, version=0, timestamp=time.time_ns())
                    try:
                        r = await light.lightpush_publish(addr, TOPIC, msg, timeout=5)
                    except Exception:
                        errors += 1
                        return  # the node is gone
                    if r.ok:
                        acked.append(message_hash(TOPIC, msg))
                    else:
                        refused += 1

            async with trio.open_nursery() as nursery:
                for j in range(pushers):
                    nursery.start_soon(pusher, j)
                await trio.sleep(rng.uniform(min_s, max_s))
                os.kill(proc.pid, signal.SIGKILL)
                await trio.to_thread.run_sync(proc.wait)
                with trio.move_on_after(10):
                    while len(nursery.child_tasks):
                        await trio.sleep(0.05)
                nursery.cancel_scope.cancel()
        archive = SqliteArchive(store)
        try:
            missing.update(h for h in acked if archive.get(h) is None)
        finally:
            archive.close()
        if log:
            log(f"kill {k + 1}/{kills}: {len(acked)} acknowledged so far, {len(missing)} missing")

    async def main() -> None:
        for k in range(kills):
            await one_round(k)

    trio.run(main)
    return {"kills": kills, "acknowledged": len(acked), "missing": len(missing), "refused": refused, "transport_errors": errors}
