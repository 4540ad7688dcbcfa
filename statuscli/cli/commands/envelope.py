"""statuscli envelope — encode, hash and inspect Waku envelopes layer by layer."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.inputs import SECRET_FORMS
from statuscli.cli.output import debug, emit, info

from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC as STATUS_PUBSUB_TOPIC
#: where a JSON input keeps the envelope: listen/mailserver events ('envelope'), envelope encode ('bytes')
ENVELOPE_FIELDS = ("waku_message", "envelope", "bytes", "raw", "message", "payload", "data")


@click.group()
def cli() -> None:
    """Encode, hash and inspect Waku envelopes (WakuMessage, Waku v1) layer by layer.

    \b
    Examples:
      statuscli envelope inspect envelope.hex --password status
      statuscli envelope encode --text hello --password status --content-topic /waku/1/0xcd423760/rfc26
      statuscli envelope hash --pubsub-topic /waku/2/rs/16/32 --content-topic /waku/1/0xcd423760/rfc26 \\
          --payload 0x01 --timestamp 1700000000000000000
    """


def _input_bytes(source: str | None) -> bytes:
    """FILE|- as hex/base64/raw bytes, or a JSON object (e.g. a 'listen' event) holding them."""
    from statuscli.cli.inputs import read_source

    return _input_bytes_from(read_source(source, allow_inline=True))


def _input_bytes_from(raw: bytes) -> bytes:
    import json

    from statuscli.cli.inputs import decode_bytes
    from statuscli.core.errors import InvalidInput, UsageError

    if not raw.strip():
        raise UsageError("no input (empty)")
    text = raw.strip()
    if text[:1] == b"{":
        try:
            obj = json.loads(text)
        except ValueError:
            raise InvalidInput("input looks like JSON but does not parse") from None
        for key in ENVELOPE_FIELDS:
            if isinstance(obj.get(key), str):
                return decode_bytes(obj[key].encode(), "auto", what=key)
        raise InvalidInput(f"JSON input has none of the fields {', '.join(ENVELOPE_FIELDS)}")
    return decode_bytes(raw, "auto", what="input")


def _no_warning(option: str) -> None:
    """--password is mostly a public chat name: given inline, it warrants no warning."""


# --- inspect --------------------------------------------------------------------------------
@cli.command()
@click.argument("source", metavar="[FILE|-]", required=False)
@click.option("--key", "keys", multiple=True, metavar="HEX", help="A private key to open ECIES payloads (repeatable). " + SECRET_FORMS)
@click.option("--sym-key", "sym_keys", multiple=True, metavar="HEX", help="A 32-byte symmetric key (repeatable). " + SECRET_FORMS)
@click.option("--password", "passwords", multiple=True, metavar="TEXT",
              help="A symmetric key from a string: a public chat name, a topic's chat id… (PBKDF2; repeatable). "
                   "A private one: @FILE, '-' (stdin) or env:NAME.")
@click.option("--pubsub-topic", default=STATUS_PUBSUB_TOPIC, show_default=True, help="Pubsub topic for the message hash.")
@click.option("--no-account", is_flag=True, help="Do not try the account's keys and sessions.")
@click.option("--commit", is_flag=True, help="Let ratchet decryption advance the session (default: read-only).")
@click.option("--now", "now_ms", type=int, default=None, metavar="MS",
              help="Current time in ms since the epoch, for the ratchet's checks (deterministic runs; default: the clock).")
@pass_app
def inspect(app: AppContext, source, keys, sym_keys, passwords, pubsub_topic, no_account, commit, now_ms) -> None:
    """Peel every layer of a WakuMessage, a Waku v1 envelope or a bare payload.

    Layers: payload v1 (decryption with --key/--sym-key/--password and the account's chat key;
    the signature gives the Waku-level sender), segments, the ProtocolMessage (Double Ratchet
    decryption with the account's sessions, read-only unless --commit), MVDS, the signed
    application wrapper (signer, message id) and the ChatMessage. Peeling stops at the first
    layer that cannot be opened, and says why. Input: hex, base64 or raw, or a JSON object with
    a 'waku_message'/'envelope'/'payload' field (a 'listen' event).
    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli envelope inspect envelope.hex --password status
      statuscli envelope inspect - --sym-key 0x36224048e42c49e5c59c57bba5024fbb8822d6b4ee6ac5fbefd8b77f5323ecc4 < envelope.bin
      statuscli send bob hi --dry-run | statuscli --account bob --json envelope inspect -
      statuscli envelope inspect envelope.hex --no-account      # no key opens it: stops, says why
    """
    import time

    from statuscli.app.inspect import Keys, inspect as peel
    from statuscli.cli.inputs import secret_hex, secret_text
    from statuscli.core.crypto.symmetric import symkey_from_password
    from statuscli.core.errors import DecodeError

    data = _input_bytes(source)
    k = Keys(pubsub_topic=pubsub_topic, commit=commit, now_ms=now_ms if now_ms is not None else int(time.time() * 1000))
    k.private = [(f"--key #{i + 1}", secret_hex(h, option="--key", length=32)) for i, h in enumerate(keys)]
    k.symmetric = [(f"--sym-key #{i + 1}", secret_hex(h, option="--sym-key", length=32)) for i, h in enumerate(sym_keys)]
    k.symmetric += [(f"--password #{i + 1}", symkey_from_password(secret_text(p, option="--password", warn=_no_warning)))
                    for i, p in enumerate(passwords)]
    if not no_account:
        k.account, k.account_note = _try_account(app)
    tree = peel(data, k)
    if tree.error is not None and tree.error["code"] == "unrecognised-input":
        raise DecodeError(tree.error["message"], hint="give the keys that open it (--key, --sym-key, --password)")
    if app.json:
        emit(app, tree.to_json())
        return
    emit(app, tree.to_json(), text=lambda _: _render(tree))


def _try_account(app: AppContext):
    """The unlocked account, or (None, why not) — a missing or locked account is not an error here."""
    from statuscli.core.errors import KeystoreError

    try:
        from statuscli.app.accounts import home_of, open_account

        home = home_of(app)
        if not app.account and not home.default_account():
            return None, "no account"
        return open_account(app), None
    except KeystoreError as e:
        return None, f"account keys unavailable: {e.message}"


def _render(tree) -> str:
    """The layers as an indented tree; full values, never cropped (grep-able)."""
    import json

    lines: list[str] = []

    def value(v) -> str:
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)

    def walk(layer, prefix: str, last: bool, root: bool) -> None:
        mark = "✗ " if layer.error else ""
        lines.append(("" if root else prefix + ("└── " if last else "├── ")) + mark + layer.name)
        inner_prefix = "" if root else prefix + ("    " if last else "│   ")
        items: list = [(k, v) for k, v in layer.fields.items() if v not in (None, [], {})]
        if layer.error:
            items.append(("stopped", f"{layer.error['message']} ({layer.error['code']})"))
        subs = list(layer.children) + ([layer.inner] if layer.inner is not None else [])
        for i, (k, v) in enumerate(items):
            end = i == len(items) - 1 and not subs
            lines.append(inner_prefix + ("└── " if end else "├── ") + f"{k}: {value(v)}")
        for i, sub in enumerate(subs):
            walk(sub, inner_prefix, i == len(subs) - 1, False)

    walk(tree, "", True, True)
    return "\n".join(lines)


# --- encode ---------------------------------------------------------------------------------
@cli.command()
@click.argument("payload", metavar="[DATA|-]", required=False)
@click.option("--text", "text", default=None, help="The payload is this UTF-8 text.")
@click.option("--content-topic", default=None, help="Content topic (or --topic for /waku/1/0x<topic>/rfc26).")
@click.option("--topic", default=None, metavar="HEX", help="A 4-byte Waku topic (0x…).")
@click.option("--sym-key", default=None, metavar="HEX", help="Encrypt with this 32-byte key (AES-256-GCM). " + SECRET_FORMS)
@click.option("--password", default=None, metavar="TEXT",
              help="Encrypt with PBKDF2(TEXT), e.g. a public chat name. A private one: @FILE, '-' (stdin) or env:NAME.")
@click.option("--to", "to", default=None, metavar="PUBKEY", help="Encrypt to this public key (ECIES; 0x04…/zQ3…).")
@click.option("--clear", is_flag=True, help="No payload-v1 layer: version 0, payload as given.")
@click.option("--sign", "sign_key", default=None, metavar="HEX", help="Sign the payload v1 with this private key. " + SECRET_FORMS)
@click.option("--sign-account", is_flag=True, help="Sign with the account's chat key.")
@click.option("--timestamp", type=int, default=None, metavar="NS", help="Timestamp in ns (default: now).")
@click.option("--meta", default=None, metavar="HEX", help="meta field (≤ 64 bytes; default: present and empty, as status-go).")
@click.option("--ephemeral", is_flag=True, help="Mark the message ephemeral.")
@click.option("--v1", "as_v1", is_flag=True, help="Produce a Waku v1 envelope (RLP) instead of a WakuMessage.")
@click.option("--ttl", type=int, default=15, show_default=True, help="v1 envelope TTL in seconds.")
@click.option("--pow", "pow_target", type=float, default=0.002, show_default=True, help="v1 PoW target (0: none).")
@click.option("--work-time", type=float, default=5.0, show_default=True, help="v1 PoW time budget in seconds.")
@click.option("--padding", default=None, metavar="HEX", help="Exact padding bytes (default: random, to a multiple of 256).")
@click.option("--seed", default=None, metavar="HEX",
              help="Derive every random byte (padding, nonces, ephemeral keys) from this hex seed: reproducible output.")
@click.option("--raw", is_flag=True, help="Write raw bytes instead of hex.")
@click.option("--pubsub-topic", default=STATUS_PUBSUB_TOPIC, show_default=True, help="Pubsub topic for the reported hash.")
@pass_app
def encode(app: AppContext, payload, text, content_topic, topic, sym_key, password, to, clear, sign_key, sign_account,
           timestamp, meta, ephemeral, as_v1, ttl, pow_target, work_time, padding, seed, raw, pubsub_topic) -> None:
    """Build a WakuMessage (or a Waku v1 envelope) around DATA (hex/base64, '-' stdin, @FILE) or --text.

    DATA is what goes inside the payload v1 layer: e.g. a ProtocolMessage from 'statuscli encrypt'.
    Choose one encryption: --sym-key, --password, --to, or --clear (no payload v1 layer).

    \b
    Examples:
      statuscli encrypt bob hi | statuscli envelope encode - --to zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --sign-account --topic 0x5c6c9b56
      statuscli envelope encode --text hello --password status --topic 0xcd423760 --sign @signing-key.hex
      statuscli envelope encode 0xdeadbeef --clear --content-topic /app/1/chat/proto --raw > msg.bin
      statuscli envelope encode --text hi --password status --topic 0xcd423760 --v1 --pow 0.01
    """
    import os
    import sys
    import time

    from statuscli.app.envelopes import build_envelope
    from statuscli.cli.inputs import bytes_arg, secret_hex, secret_text
    from statuscli.core.encoding import from_hex
    from statuscli.core.errors import UsageError

    if text is not None and payload is not None:
        raise UsageError("give DATA or --text, not both")
    if text is not None:
        data = text.encode("utf-8")
    elif payload is None or payload == "-":
        data = bytes_arg("-", what="DATA")
    else:
        data = bytes_arg(payload, what="DATA")
    if sum(x is not None for x in (sym_key, password, to)) + clear != 1:
        raise UsageError("choose exactly one of --sym-key, --password, --to, --clear")
    if sign_key and sign_account:
        raise UsageError("--sign and --sign-account exclude each other")
    signer = secret_hex(sign_key, option="--sign", length=32) if sign_key else None
    if sign_account:
        from statuscli.cli.secure_common import account

        signer = account(app).chat_private_key
    recipient = None
    if to is not None:
        from statuscli.core.identity.keytext import parse_public_key_text

        recipient = parse_public_key_text(to)
    from statuscli.cli.secure_common import rng_from_seed

    rng = rng_from_seed(seed) or os.urandom
    deadline = time.monotonic() + work_time
    with _pow_bar(app, as_v1 and pow_target > 0) as update:

        def pow_progress(nonces: int, best: int) -> bool:
            update(completed=nonces, description=f"PoW (best {best} bits)")
            if nonces % (1 << 16) == 0:
                debug(app, f"PoW: {nonces} nonces tried, best {best} leading zero bits")
            return time.monotonic() > deadline

        result = build_envelope(
            data, content_topic=content_topic, topic=from_hex(topic, what="--topic", length=4) if topic else None,
            sym_key=secret_hex(sym_key, option="--sym-key", length=32) if sym_key else None,
            password=secret_text(password, option="--password", warn=_no_warning) if password is not None else None,
            recipient=recipient, signing_key=signer, timestamp_ns=timestamp if timestamp is not None else time.time_ns(),
            meta=from_hex(meta, what="--meta") if meta is not None else b"", ephemeral=ephemeral, as_v1=as_v1, ttl=ttl,
            pow_target=pow_target, padding=from_hex(padding, what="--padding") if padding is not None else None, rng=rng,
            pubsub_topic=pubsub_topic, pow_progress=pow_progress,
        )
    if app.json:
        emit(app, result)
    elif raw:
        sys.stdout.buffer.write(result["bytes"])
        sys.stdout.flush()
    else:
        emit(app, result, text=result["bytes"].hex())
        info(app, f"{result['kind']} of {len(result['bytes'])} bytes; " + (
            f"message hash {result['message_hash']}" if "message_hash" in result else f"envelope hash {result['envelope_hash']}"))


def _pow_bar(app: AppContext, needed: bool):
    """A progress bar on stderr for the PoW search (nonces tried, best leading zero bits so far)."""
    if not needed:
        from contextlib import nullcontext

        return nullcontext(lambda *a, **k: None)
    from statuscli.cli.progress import progress

    return progress(app, "PoW", total=None)


# --- hash -----------------------------------------------------------------------------------
@cli.command("hash")
@click.argument("source", metavar="[ENVELOPE|-]", required=False)
@click.option("--pubsub-topic", default=None,
              help=f"Pubsub topic, e.g. /waku/2/rs/16/32 (with ENVELOPE: its JSON's pubsub_topic, else {STATUS_PUBSUB_TOPIC}).")
@click.option("--content-topic", default=None, help="Content topic (without ENVELOPE).")
@click.option("--payload", default=None, metavar="HEX", help="Payload bytes (hex or base64; '-' for stdin, @FILE).")
@click.option("--meta", default=None, metavar="HEX", help="meta bytes (absent: nothing hashed).")
@click.option("--timestamp", type=int, default=None, metavar="NS", help="Timestamp in nanoseconds.")
@pass_app
def hash_cmd(app: AppContext, source: str | None, pubsub_topic: str | None, content_topic: str | None, payload: str | None,
             meta: str | None, timestamp: int | None) -> None:
    """The deterministic message hash: SHA-256(pubsub ‖ payload ‖ content topic ‖ meta ‖ BE64(ts)).

    Either from its parts (--content-topic, --payload, --timestamp, --meta), or of a whole
    WakuMessage ENVELOPE as other commands print it: hex, base64 or raw bytes, or a JSON object
    with the bytes in 'envelope' (listen, mailserver fetch) or 'bytes' (envelope encode).
    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli envelope hash --pubsub-topic /waku/2/default-waku/proto \\
          --content-topic /waku/2/default-content/proto --payload 0x010203045445535405060708 \\
          --meta 0x73757065722d736563726574 --timestamp 1681964442000000000
      statuscli --json envelope hash --pubsub-topic /waku/2/rs/16/32 --content-topic /c/1/t/proto \\
          --payload @payload.bin --timestamp 1700000000000000000
      statuscli --json envelope encode --text hi --content-topic /c/1/t/proto --clear | statuscli envelope hash -
    """
    from statuscli.cli.inputs import bytes_arg
    from statuscli.core.errors import UsageError
    from statuscli.core.waku.message import hash_fields

    if source is not None:
        if content_topic or payload or meta is not None or timestamp is not None:
            raise UsageError("give either ENVELOPE or its parts (--content-topic, --payload, --meta, --timestamp), not both")
        from statuscli.core.waku.message import decode, message_hash

        data, topic_in_json = _envelope_and_topic(source)
        digest = message_hash(pubsub_topic or topic_in_json or STATUS_PUBSUB_TOPIC, decode(data))
    else:
        missing = [n for n, v in (("--pubsub-topic", pubsub_topic), ("--content-topic", content_topic),
                                  ("--payload", payload), ("--timestamp", timestamp)) if v is None]  # fmt: skip
        if missing:
            raise UsageError(f"missing {', '.join(missing)} (or give a whole ENVELOPE)")
        digest = hash_fields(pubsub_topic, bytes_arg(payload, what="--payload"), content_topic,
                             bytes_arg(meta, what="--meta") if meta is not None else None, timestamp)
    emit(app, {"message_hash": "0x" + digest.hex()}, text="0x" + digest.hex())


def _envelope_and_topic(source: str) -> tuple[bytes, str | None]:
    """The WakuMessage bytes of ENVELOPE, and the pubsub topic its JSON names (if any)."""
    import json

    from statuscli.cli.inputs import read_source

    raw = read_source(source, allow_inline=True)
    topic = None
    if raw.strip()[:1] == b"{":
        try:
            topic = json.loads(raw).get("pubsub_topic")
        except (ValueError, AttributeError):
            pass  # _input_bytes reports it
    return _input_bytes_from(raw), topic if isinstance(topic, str) else None
