"""core/identity/links: the chat key inside key text, QR contents and status.app profile links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import MalformedKey, StatusCliError
from statuscli.core.identity import links
from statuscli.core.identity.keytext import compressed_key
from tests.conftest import vectors

KEYS = vectors("status.json", "status-keys")[0]["expected"]
PUB = bytes.fromhex(KEYS["chat_public_key"][2:])
ZQ3 = KEYS["chat_compressed_key"]


@pytest.mark.parametrize(
    "text",
    [
        ZQ3,
        f"  {ZQ3}\n",
        KEYS["chat_public_key"],
        "0x" + secp256k1.compress(PUB).hex(),
        f"https://status.app/u/G10A4B0JdgwyRww90WXtnP1oNH1ZLQNM0yX0Ja9YyAMjrqSZ#{ZQ3}",
        f"https://status.app/u#{ZQ3}",
        f"http://www.status.app/u/iwSACggKBkp1bGllbgM=#{ZQ3}",
        f"status.app/u/{ZQ3}",
        f"https://status.app/u/{KEYS['chat_public_key']}",
        f"status-app://u/{ZQ3}",
        f"HTTPS://STATUS.APP/u/x#{ZQ3}",
    ],
)
def test_key_forms_and_links(text):
    assert links.parse_key_or_link(text) == PUB


@pytest.mark.parametrize(
    "text, why",
    [
        ("https://status.app/u/CwmAChEKD0FsaXNoZXIgU2hlcmFsaQM=", "profile data but no chat key"),
        ("https://status.app/u", "no chat key"),
        ("https://status.app/u/", "no chat key"),
    ],
)
def test_links_without_a_key(text, why):
    with pytest.raises(MalformedKey, match=why) as e:
        links.parse_key_or_link(text)
    assert "#zQ3" in e.value.hint and e.value.exit_code == 3


def test_link_with_a_broken_key_is_malformed():
    with pytest.raises(MalformedKey):
        links.parse_key_or_link(f"https://status.app/u/x#{ZQ3[:-1]}")


def test_other_urls_are_not_profile_links():
    assert not links.is_profile_link("https://example.org/u#" + ZQ3)
    assert links.is_profile_link("https://status.app/u/abc#" + ZQ3)
    with pytest.raises(MalformedKey):
        links.parse_key_or_link("https://example.org/u#" + ZQ3)


@given(st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < secp256k1.CURVE_ORDER), st.text(max_size=30))
def test_any_key_survives_a_link(priv, data):
    pub = secp256k1.public_key(priv)
    path = "".join(c for c in data if c.isalnum())
    assert links.parse_key_or_link(f"https://status.app/u/{path}#{compressed_key(pub)}") == pub


@given(st.text(max_size=120))
def test_garbage_is_typed(text):
    try:
        links.parse_key_or_link(text)
    except StatusCliError:
        pass
