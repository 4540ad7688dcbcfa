"""EIP-1459 DNS node lists: link, root, branch and leaf records, and the root signature.

* Link: ``enrtree://<base32(compressed key), no padding>@<fqdn>``.
* Root (TXT at the fqdn): ``enrtree-root:v1 e=<enr root> l=<link root> seq=<n> sig=<sig>``; sig is
  base64url (no padding) of a 65-byte ``r‖s‖v`` signature over keccak256 of the text before
  `` sig=``. It is checked against the link's key (the 64-byte ``r‖s``, as js-waku does).
* Branch: ``enrtree-branch:<label>,<label>,…``; leaves are ``enr:…`` or ``enrtree://…`` links.
* Label of a record = base32(keccak256(record text)[:16]) without padding (26 characters).

Resolving the names is I/O and lives outside core; this module only parses and verifies text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.encoding import b32_decode_nopad, b32_encode_nopad, b64url_decode
from statuscli.core.errors import BadSignature, DecodeError, InvalidInput, MalformedKey

ROOT_PREFIX = "enrtree-root:v1"
BRANCH_PREFIX = "enrtree-branch:"
LINK_PREFIX = "enrtree://"
_LABEL = re.compile(r"^[A-Z2-7]{1,52}$")
_ROOT = re.compile(rf"^{re.escape(ROOT_PREFIX)} e=([A-Z2-7]+) l=([A-Z2-7]+) seq=(\d+) sig=([A-Za-z0-9_-]+)$")


@dataclass(frozen=True)
class Link:
    public_key: bytes  # 33-byte compressed
    domain: str

    @property
    def public_key_base32(self) -> str:
        return b32_encode_nopad(self.public_key)


@dataclass(frozen=True)
class Root:
    enr_root: str
    link_root: str
    seq: int
    signature: bytes  # 65 bytes r‖s‖v
    signed_text: str

    def verify(self, public_key: bytes) -> bool:
        """True when the signature is valid for ``public_key`` (33 or 65 bytes)."""
        return secp256k1.verify_compact(keccak256(self.signed_text.encode("utf-8")), self.signature[:64], public_key)

    def check(self, public_key: bytes) -> None:
        if not self.verify(public_key):
            raise BadSignature("enrtree root signature does not verify against the tree's key")


def parse_link(text: str) -> Link:
    t = text.strip()
    if not t.startswith(LINK_PREFIX) or "@" not in t:
        raise DecodeError("an enrtree link is enrtree://<key>@<domain>")
    key_text, domain = t[len(LINK_PREFIX) :].split("@", 1)
    try:
        key = b32_decode_nopad(key_text)
        secp256k1.parse_public_key(key)
    except (InvalidInput, MalformedKey):
        raise DecodeError("enrtree link key is not a base32 compressed secp256k1 key") from None
    if len(key) != 33 or not domain or "/" in domain:
        raise DecodeError("enrtree link needs a 33-byte key and a domain")
    return Link(public_key=key, domain=domain)


def parse_root(text: str) -> Root:
    m = _ROOT.match(text.strip())
    if not m:
        raise DecodeError("not an enrtree-root:v1 record (e=, l=, seq=, sig=)")
    e, l, seq, sig_text = m.groups()
    try:
        sig = b64url_decode(sig_text)
    except InvalidInput:
        raise DecodeError("enrtree root signature is not base64url") from None
    if len(sig) != 65:
        raise DecodeError(f"enrtree root signature is {len(sig)} bytes, expected 65")
    signed = text.strip()[: text.strip().index(" sig=")]
    return Root(enr_root=e, link_root=l, seq=int(seq), signature=sig, signed_text=signed)


def parse_branch(text: str) -> list[str]:
    t = text.strip()
    if not t.startswith(BRANCH_PREFIX):
        raise DecodeError("not an enrtree-branch record")
    body = t[len(BRANCH_PREFIX) :]
    labels = [x for x in body.split(",")] if body else []
    for label in labels:
        if not _LABEL.match(label):
            raise DecodeError(f"invalid enrtree label {label!r}")
    return labels


def entry_label(text: str) -> str:
    """Subdomain label of a tree entry: base32(keccak256(text)[:16]) without padding."""
    return b32_encode_nopad(keccak256(text.encode("utf-8"))[:16])


def classify(text: str) -> str:
    """The kind of a TXT record: root, branch, link, enr — or DecodeError."""
    t = text.strip()
    if t.startswith(ROOT_PREFIX):
        return "root"
    if t.startswith(BRANCH_PREFIX):
        return "branch"
    if t.startswith(LINK_PREFIX):
        return "link"
    if t.startswith("enr:"):
        return "enr"
    raise DecodeError("not an EIP-1459 tree record")


# --- writing (for building trees and for tests) -----------------------------------------------
def format_link(public_key: bytes, domain: str) -> str:
    return f"{LINK_PREFIX}{b32_encode_nopad(secp256k1.compress(public_key))}@{domain}"


def sign_root(enr_root: str, link_root: str, seq: int, private_key: bytes) -> Root:
    """A root record signed with the tree's key."""
    from statuscli.core.encoding import b64url_encode

    signed = f"{ROOT_PREFIX} e={enr_root} l={link_root} seq={seq}"
    sig = secp256k1.sign(keccak256(signed.encode("utf-8")), private_key)
    return parse_root(f"{signed} sig={b64url_encode(sig)}")


def format_root(root: Root) -> str:
    from statuscli.core.encoding import b64url_encode

    return f"{root.signed_text} sig={b64url_encode(root.signature)}"


def format_branch(labels: list[str]) -> str:
    return BRANCH_PREFIX + ",".join(labels)
