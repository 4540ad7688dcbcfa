"""Checks of generated ``mvds`` and ``app-message`` vectors."""

from __future__ import annotations

from statuscli.app.vectors.checking import compare, expect, expect_error, h
from statuscli.app.vectors.gen_messages import compute_app_message, compute_mvds, payload_of


def check_mvds(v: dict) -> None:
    from statuscli.core.mvds import codec as C

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: C.decode_payload(h(i["payload_protobuf"])), x.get("error"))
        return
    compare(x, compute_mvds(i))
    if "payload_protobuf" in x:
        expect("decoded payload", C.decode_payload(h(x["payload_protobuf"])), payload_of(i))


def check_app_message(v: dict) -> None:
    from statuscli.core.payloads import amm, chat

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: amm.unwrap(h(i["application_metadata_message_protobuf"])), x.get("error"))
        return
    compare(x, compute_app_message(i))
    if "application_metadata_message_protobuf" in x:  # the expected bytes recover the author and the message
        got = amm.unwrap(h(x["application_metadata_message_protobuf"]))
        expect("recovered signer", "0x" + got.signer.hex(), x.get("signer_public_key"))
        expect("message id of the bytes", "0x" + got.message_id.hex(), x.get("message_id"))
        decoded = chat.decode(got.payload)
        for key, want in i["chat_message"].items():
            expect(f"chat_message.{key}", getattr(decoded, key), want)


CHECKS = {"mvds": check_mvds, "app-message": check_app_message}
