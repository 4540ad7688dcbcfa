"""Our own node record: rebuilt and re-signed with ``seq + 1`` whenever a field changes.

The fields are those of :func:`statuscli.core.waku.enr.build_enr` (ip, tcp, udp, waku2_flags,
multiaddrs, rs). An unchanged update keeps the record (and its seq) as it is.
"""

from __future__ import annotations

from statuscli.core.waku import enr as enr_codec


class LocalRecord:
    def __init__(self, private_key: bytes, seq: int = 1, **fields) -> None:
        self.private_key = bytes(private_key)
        self.fields = {"ip": None, "tcp": None, "udp": None, "waku2_flags": 0, "multiaddrs": (), "rs": None}
        self.fields.update(_normal(fields))
        self.seq = seq
        self._sign()

    def _sign(self) -> None:
        self.raw = enr_codec.build_enr(self.private_key, self.seq, **self.fields)
        self.enr = enr_codec.decode_enr(self.raw)

    def update(self, **changes) -> bool:
        """Apply ``changes``; re-sign with the next seq if anything differs. True if it changed."""
        new = {**self.fields, **_normal(changes)}
        if new == self.fields:
            return False
        self.fields = new
        self.seq += 1
        self._sign()
        return True

    @property
    def text(self) -> str:
        return enr_codec.enr_text(self.raw)

    @property
    def node_id(self) -> bytes:
        return self.enr.node_id


def _normal(fields: dict) -> dict:
    out = dict(fields)
    if "multiaddrs" in out:
        out["multiaddrs"] = tuple(out["multiaddrs"])
    if out.get("rs") is not None:
        out["rs"] = (out["rs"][0], tuple(sorted(set(out["rs"][1]))))
    if isinstance(out.get("waku2_flags"), (list, tuple, set, frozenset)):
        out["waku2_flags"] = enr_codec.waku2_byte(out["waku2_flags"])
    return out
