"""Binary ⇄ text multiaddrs, for the ENR ``multiaddrs`` key (no libp2p import needed).

Binary form: a sequence of ``uvarint(protocol code) ‖ value``; values are fixed-size, absent,
or ``uvarint(length) ‖ bytes`` for variable-size protocols. Only the protocols Waku records use
are known (ip, tcp/udp, dns*, ws/wss, tls/sni, quic, webtransport, onion, p2p, unix…); anything
else is a :class:`DecodeError`.
"""

from __future__ import annotations

import base64
import ipaddress

from statuscli.core.encoding import b58decode, b58encode, b64url_decode, b64url_encode, uvarint_decode, uvarint_encode
from statuscli.core.errors import DecodeError, InvalidInput

VAR = -1
# code: (name, size in bytes: 0 none, VAR length-prefixed, else fixed)
_PROTOCOLS: dict[int, tuple[str, int]] = {
    4: ("ip4", 4),
    6: ("tcp", 2),
    33: ("dccp", 2),
    41: ("ip6", 16),
    42: ("ip6zone", VAR),
    43: ("ipcidr", 1),
    53: ("dns", VAR),
    54: ("dns4", VAR),
    55: ("dns6", VAR),
    56: ("dnsaddr", VAR),
    132: ("sctp", 2),
    273: ("udp", 2),
    275: ("p2p-webrtc-star", 0),
    276: ("p2p-webrtc-direct", 0),
    280: ("webrtc-direct", 0),
    281: ("webrtc", 0),
    290: ("p2p-circuit", 0),
    400: ("unix", VAR),
    421: ("p2p", VAR),
    443: ("https", 0),
    444: ("onion", 12),
    445: ("onion3", 37),
    448: ("tls", 0),
    449: ("sni", VAR),
    454: ("noise", 0),
    460: ("quic", 0),
    461: ("quic-v1", 0),
    465: ("webtransport", 0),
    466: ("certhash", VAR),
    477: ("ws", 0),
    478: ("wss", 0),
    479: ("p2p-websocket-star", 0),
    480: ("http", 0),
    777: ("memory", 8),
}
_BY_NAME = {name: (code, size) for code, (name, size) in _PROTOCOLS.items()}
_BY_NAME["ipfs"] = _BY_NAME["p2p"]
_PORTS = {"tcp", "udp", "dccp", "sctp"}
_TEXTS = {"dns", "dns4", "dns6", "dnsaddr", "sni", "ip6zone"}


def _value_to_text(name: str, value: bytes) -> str:
    if name == "ip4":
        return str(ipaddress.IPv4Address(value))
    if name == "ip6":
        return str(ipaddress.IPv6Address(value))
    if name in _PORTS:
        return str(int.from_bytes(value, "big"))
    if name in _TEXTS or name == "unix":
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError(f"multiaddr /{name} value is not UTF-8") from None
        if name != "unix" and "/" in text:
            raise DecodeError(f"multiaddr /{name} value contains '/'")
        return text.lstrip("/") if name == "unix" else text
    if name == "p2p":
        return b58encode(value)
    if name in ("onion", "onion3"):
        host = base64.b32encode(value[:-2]).decode("ascii").lower()
        return f"{host}:{int.from_bytes(value[-2:], 'big')}"
    if name == "ipcidr":
        return str(value[0])
    if name == "memory":
        return str(int.from_bytes(value, "big"))
    if name == "certhash":
        return "u" + b64url_encode(value)
    raise DecodeError(f"no text form for multiaddr protocol {name}")


def decode(data: bytes) -> str:
    """Text form of a binary multiaddr."""
    pos = 0
    parts: list[str] = []
    n = len(data)
    if n == 0:
        raise DecodeError("empty multiaddr")
    while pos < n:
        code, pos = uvarint_decode(data, pos)
        if code not in _PROTOCOLS:
            raise DecodeError(f"unknown multiaddr protocol code {code}")
        name, size = _PROTOCOLS[code]
        if size == VAR:
            size, pos = uvarint_decode(data, pos)
        if pos + size > n:
            raise DecodeError(f"truncated multiaddr /{name} value")
        value = data[pos : pos + size]
        pos += size
        parts.append(f"/{name}" + (f"/{_value_to_text(name, value)}" if size or _PROTOCOLS[code][1] == VAR else ""))
    return "".join(parts)


def _text_to_value(name: str, text: str) -> bytes:
    try:
        if name == "ip4":
            return ipaddress.IPv4Address(text).packed
        if name == "ip6":
            return ipaddress.IPv6Address(text).packed
        if name in _PORTS:
            port = int(text, 10)
            if not 0 <= port <= 0xFFFF:
                raise ValueError
            return port.to_bytes(2, "big")
        if name in _TEXTS or name == "unix":
            if not text:
                raise ValueError
            return text.encode("utf-8")
        if name == "p2p":
            return b58decode(text)
        if name in ("onion", "onion3"):
            host, port = text.split(":")
            raw = base64.b32decode(host.upper())
            want = 10 if name == "onion" else 35
            p = int(port, 10)
            if len(raw) != want or not 1 <= p <= 0xFFFF:
                raise ValueError
            return raw + p.to_bytes(2, "big")
        if name == "ipcidr":
            return bytes([int(text, 10)])
        if name == "memory":
            return int(text, 10).to_bytes(8, "big")
        if name == "certhash" and text.startswith("u"):
            return b64url_decode(text[1:])
    except (ValueError, OverflowError, InvalidInput, base64.binascii.Error):
        pass
    raise InvalidInput(f"invalid value for multiaddr /{name}: {text!r}")


def encode(text: str) -> bytes:
    """Binary form of a text multiaddr such as ``/dns4/example.org/tcp/443/wss``."""
    if not text.startswith("/"):
        raise InvalidInput(f"a multiaddr starts with '/': {text!r}")
    tokens = text.split("/")[1:]
    if tokens and tokens[-1] == "":
        tokens.pop()
    out = bytearray()
    i = 0
    if not tokens:
        raise InvalidInput("empty multiaddr")
    while i < len(tokens):
        name = tokens[i]
        if name not in _BY_NAME:
            raise InvalidInput(f"unknown multiaddr protocol /{name}")
        code, size = _BY_NAME[name]
        out += uvarint_encode(code)
        i += 1
        if size == 0:
            continue
        if name == "unix":  # a path: the rest of the address
            value = _text_to_value(name, "/".join(tokens[i:]))
            i = len(tokens)
        else:
            if i >= len(tokens):
                raise InvalidInput(f"multiaddr /{name} needs a value")
            value = _text_to_value(name, tokens[i])
            i += 1
        if size == VAR:
            out += uvarint_encode(len(value))
        elif len(value) != size:
            raise InvalidInput(f"multiaddr /{name} value must be {size} bytes")
        out += value
    return bytes(out)


def strip_p2p(text: str) -> str:
    """Drop a trailing ``/p2p/<peer id>`` (ENR multiaddrs must not carry it; nwaku strips it)."""
    idx = max(text.rfind("/p2p/"), text.rfind("/ipfs/"))
    if idx > 0 and "/" not in text[idx + 1 :].split("/", 1)[1]:
        return text[:idx]
    return text
