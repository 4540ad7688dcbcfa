"""The waku.json 'protobuf' vectors for the request/response protocols, against protos/waku_*.proto.

(The WakuMessage ones are in test_waku_message.py.) Each message is built from the vector's
inputs with the generated classes and must serialise to exactly the vector's bytes — explicit
presence included (nwaku's required fields) — and parse back to the same values.
"""

from __future__ import annotations

import pytest

from statuscli.app.vectors import shared_rpc
from tests.conftest import vectors


@pytest.mark.parametrize("v", vectors("waku.json", "protobuf", "protobuf_rpc"), ids=lambda v: v["description"][:45])
def test_rpc_vectors(v):
    # builds the message from the vector's inputs; raises Mismatch on other bytes or another parse,
    # NotChecked (a failure here too) for a message we have no builder for
    shared_rpc.protobuf_rpc(v)
