"""statuscli mvds — inspect MVDS payloads (status-go's data-sync layer)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, emit_event

_FIELDS = ("mvds", "payload", "data", "raw", "plaintext")


@click.group()
def cli() -> None:
    """Inspect MVDS payloads and compute MVDS group ids.

    \b
    Examples:
      statuscli mvds inspect payload.hex
      statuscli --json mvds inspect - < payloads.ndjson
      statuscli mvds group-id zQ3shS5XS2pqYnfABUqjG72QhhTBSRUJ4yv7mzSkF7qcsYqfC zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh
    """


def _describe(payload, *, line: int | None = None) -> dict:
    out = {"type": "mvds-payload", **payload.to_json()}
    from statuscli.core.errors import StatusCliError
    from statuscli.core.payloads import amm

    for m, raw in zip(out["messages"], payload.messages):
        m["application"] = None  # a body that is not a signed wrapper is reported as opaque
        if amm.looks_like_amm(raw.body):
            try:
                w = amm.unwrap(raw.body)
            except StatusCliError:
                continue
            m["application"] = {"type": w.type_name, "signer": None if w.signer is None else "0x" + w.signer.hex(),
                                "message_id": None if w.message_id is None else "0x" + w.message_id.hex()}
    if line is not None:
        out["line"] = line
    return out


def _text(d: dict) -> str:
    lines = [("line %d: " % d["line"] if "line" in d else "") + "MVDS payload: "
             f"{len(d['acks'])} acks, {len(d['offers'])} offers, {len(d['requests'])} requests, {len(d['messages'])} messages"]
    for kind in ("acks", "offers", "requests"):
        lines += [f"  {kind[:-1]:<8} {x}" for x in d[kind]]
    for m in d["messages"]:
        lines.append(f"  message  {m['id']}  group {m['group_id']}  ts {m['timestamp']}  body {m['body_size']} bytes")
        if m.get("application"):
            lines.append(f"           {m['application']['type']} id {m['application']['message_id']}")
    for o in d["group_offers"]:
        lines.append(f"  group offer {o['group_id']}: {len(o['message_ids'])} ids")
    return "\n".join(lines)


@cli.command()
@click.argument("source", metavar="[FILE|-]", required=False)
@pass_app
def inspect(app: AppContext, source: str | None) -> None:
    """Decode one MVDS payload, or an NDJSON stream of them (one per line), and show its acks,
    offers, requests and messages with ids, group ids, timestamps and body sizes.

    Input: hex, base64 or raw bytes; or lines that are hex, or JSON objects with a
    'mvds'/'payload'/'data'/'raw' field (each line gives one result line in --json mode).
    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli mvds inspect payload.hex
      statuscli --json mvds inspect - < payloads.ndjson
    """
    import json

    from statuscli.cli.inputs import decode_bytes, read_source
    from statuscli.core.errors import InvalidInput, UsageError
    from statuscli.core.mvds.codec import decode_payload

    raw = read_source(source, allow_inline=True)
    if not raw.strip():
        raise UsageError("no input (empty)")
    whole = _one_json_document(raw)  # e.g. 'decrypt --json' output, even pretty-printed by jq
    if whole is not None:
        raw = whole
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    stream = raw.lstrip()[:1] == b"{" or (len(lines) > 1 and all(_texty(ln) for ln in lines))
    if not stream:
        emit(app, _describe(decode_payload(decode_bytes(raw, "auto", what="MVDS payload"))), text=_text)
        return
    for n, ln in enumerate(lines, 1):
        text = ln.strip()
        if text[:1] == b"{":
            try:
                obj = json.loads(text)
            except ValueError:
                raise InvalidInput(f"line {n} is not JSON") from None
            field = next((k for k in _FIELDS if isinstance(obj.get(k), str)), None)
            if field is None:
                raise InvalidInput(f"line {n} has none of the fields {', '.join(_FIELDS)}")
            text = obj[field].encode()
        payload = decode_payload(decode_bytes(text, "auto", what=f"line {n}"))
        emit_event(app, _describe(payload, line=n), text=_text)


def _one_json_document(raw: bytes) -> bytes | None:
    """The input as one compact JSON line when it is a single JSON object spread over lines."""
    import json

    text = raw.strip()
    if text[:1] != b"{" or b"\n" not in text:
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None  # NDJSON (one object per line), read line by line
    return json.dumps(obj).encode() if isinstance(obj, dict) else None


def _texty(line: bytes) -> bool:
    try:
        line.decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


@cli.command("group-id")
@click.argument("key1")
@click.argument("key2")
@pass_app
def group_id(app: AppContext, key1: str, key2: str) -> None:
    """The MVDS group id of a 1:1 chat: keccak256 of both compressed keys, smaller X first.

    \b
    Examples:
      statuscli mvds group-id zQ3shS5XS2pqYnfABUqjG72QhhTBSRUJ4yv7mzSkF7qcsYqfC zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh
      statuscli --json mvds group-id 0x02455b1270cbb3ac703ece5a403657f50306d5cac58ce333107fa7ae814fd10f3f zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh
    """
    from statuscli.core.identity.keytext import parse_public_key_text
    from statuscli.core.mvds.codec import one_to_one_group_id

    gid = one_to_one_group_id(parse_public_key_text(key1), parse_public_key_text(key2))
    emit(app, {"group_id": "0x" + gid.hex()}, text="0x" + gid.hex())
