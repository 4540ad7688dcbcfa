"""EIP-1459 enrtree parsing/verification and the binary multiaddr codec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import DecodeError, InvalidInput, StatusCliError
from statuscli.core.waku import enrtree, multiaddr
from tests.conftest import vectors


@pytest.mark.parametrize("v", vectors("waku.json", "dns_enrtree"), ids=lambda v: v["description"][:40])
def test_dns_enrtree_vectors(v):
    i, x = v["inputs"], v["expected"]
    if "root_txt" in i:
        root = enrtree.parse_root(i["root_txt"])
        link = enrtree.parse_link(f"enrtree://{i['tree_public_key_base32']}@nodes.example.org")
        assert root.verify(link.public_key) is x["signature_valid"]
        if x["signature_valid"]:
            assert (root.enr_root, root.link_root, root.seq) == (x["e"], x["l"], x["seq"])
            assert root.signed_text == x["signed_text"] and root.signature[64] == x["recovery_id"]
            assert link.public_key.hex() == x["public_key_compressed_hex"]
            root.check(link.public_key)
        else:
            with pytest.raises(StatusCliError) as e:
                root.check(link.public_key)
            assert e.value.exit_code == 4
    elif "branch_txt" in i:
        assert enrtree.parse_branch(i["branch_txt"]) == x["children"]
        assert enrtree.classify(i["branch_txt"]) == "branch"
    elif "link" in i:
        link = enrtree.parse_link(i["link"])
        assert (link.public_key_base32, link.domain) == (x["public_key_base32"], x["domain"])
    else:
        assert enrtree.entry_label(i["entry_txt"]) == x["label"]
        assert enrtree.classify(i["entry_txt"]) == "enr"


@pytest.mark.parametrize(
    "parse, text",
    [
        (enrtree.parse_root, "enrtree-root:v1 e=A l=B seq=x sig=AA"),
        (enrtree.parse_root, "enrtree-root:v1 e=A l=B seq=1 sig=AAAA"),  # signature not 65 bytes
        (enrtree.parse_branch, "enrtree-branch:abc"),
        (enrtree.parse_link, "enrtree://nokey"),
        (enrtree.parse_link, "enrtree://AAAA@x.org"),
        (enrtree.classify, "hello"),
    ],
)
def test_enrtree_rejects(parse, text):
    with pytest.raises(DecodeError):
        parse(text)


@given(st.text(max_size=120))
def test_enrtree_garbage_typed(text):
    for f in (enrtree.parse_root, enrtree.parse_branch, enrtree.parse_link, enrtree.classify):
        try:
            f(text)
        except StatusCliError:
            pass


# --- multiaddr --------------------------------------------------------------------------------
hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
ports = st.integers(0, 65535).map(str)
addr_parts = st.one_of(
    st.tuples(st.sampled_from(["ip4"]), st.ip_addresses(v=4).map(str)),
    st.tuples(st.sampled_from(["ip6"]), st.ip_addresses(v=6).map(str)),
    st.tuples(st.sampled_from(["dns4", "dns6", "dns", "dnsaddr", "sni"]), hosts),
    st.tuples(st.sampled_from(["tcp", "udp"]), ports),
    st.tuples(st.sampled_from(["ws", "wss", "tls", "quic-v1", "p2p-circuit", "webtransport", "noise"]), st.none()),
)
addrs = st.lists(addr_parts, min_size=1, max_size=6).map(lambda ps: "".join(f"/{n}" + (f"/{v}" if v is not None else "") for n, v in ps))


@given(addrs)
def test_multiaddr_roundtrip(text):
    assert multiaddr.decode(multiaddr.encode(text)) == text


@given(st.binary(max_size=60))
@settings(max_examples=300)
def test_multiaddr_garbage_typed(data):
    try:
        text = multiaddr.decode(data)
    except DecodeError:
        return
    try:
        multiaddr.encode(text)
    except InvalidInput:
        pass  # a decodable binary may hold values with no valid text form (e.g. empty dns)


@pytest.mark.parametrize("text", ["ip4/1.2.3.4", "/ip4/1.2.3.400", "/tcp/70000", "/bogus/1", "/tcp", "/onion3/abc:1"])
def test_multiaddr_text_rejects(text):
    with pytest.raises(InvalidInput):
        multiaddr.encode(text)


labels = st.from_regex(r"[A-Z2-7]{26}", fullmatch=True)
tree_keys = st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < 2**255)


@given(labels, labels, st.integers(0, 2**32), tree_keys)
@settings(max_examples=40, deadline=None)
def test_root_sign_format_parse_roundtrip(e, l, seq, priv):
    from statuscli.core.crypto import secp256k1

    root = enrtree.sign_root(e, l, seq, priv)
    again = enrtree.parse_root(enrtree.format_root(root))
    assert again == root and again.verify(secp256k1.public_key(priv))
    link = enrtree.parse_link(enrtree.format_link(secp256k1.public_key(priv), "nodes.example.org"))
    assert link.public_key == secp256k1.compress(secp256k1.public_key(priv))


@given(st.lists(labels, max_size=6))
def test_branch_roundtrip(ls):
    assert enrtree.parse_branch(enrtree.format_branch(ls)) == ls
