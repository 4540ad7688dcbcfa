"""Checks of generated ``payload-v1``, ``waku-message`` and ``enr`` vectors."""

from __future__ import annotations

from statuscli.app.vectors.checking import compare, expect, expect_error, h
from statuscli.app.vectors.gen_waku import compute_enr, compute_message, compute_payload, message_of, open_payload


def check_payload_v1(v: dict) -> None:
    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: open_payload(i, h(i["payload"])), x.get("error"))
        return
    compare(x, compute_payload(i))
    if "payload" in x:  # the expected bytes open to the data, the padding and the signer
        opened = open_payload(i, h(x["payload"]))
        expect("opened data", opened.data.hex(), i["data"])
        expect("opened padding", opened.padding.hex(), i["padding"])
        expect("recovered signer", "0x" + opened.signer.hex() if opened.signer else None, x.get("signer_public_key"))


def check_waku_message(v: dict) -> None:
    from statuscli.core.waku import message as wm

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: wm.decode(h(i["protobuf"])), x.get("error"))
        return
    compare(x, compute_message(i))
    if "protobuf" in x:
        expect("decoded message", wm.decode(h(x["protobuf"])), message_of(i))


def check_enr(v: dict) -> None:
    from statuscli.core.waku import enr as E

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: E.decode_enr(i["enr"]), x.get("error"))
        return
    compare(x, compute_enr(i))
    if "enr" in x:  # the record text decodes to the inputs
        e = E.decode_enr(x["enr"])
        expect("seq", e.seq, i["seq"])
        expect("(ip, tcp, udp)", (e.ip, e.tcp, e.udp), (i.get("ip"), i.get("tcp"), i.get("udp")))
        expect("waku2 capabilities", sorted(k for k, on in E.waku2_flags(e.waku2 or 0).items() if on), sorted(i.get("waku2", [])))
        expect("multiaddrs", e.multiaddrs, i.get("multiaddrs", []))
        rs = i.get("rs")
        expect("relay shards", e.shards, (rs["cluster_id"], rs["shards"]) if rs else None)


CHECKS = {"payload-v1": check_payload_v1, "waku-message": check_waku_message, "enr": check_enr}
