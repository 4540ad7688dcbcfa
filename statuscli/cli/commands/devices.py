"""statuscli devices — our own installations: list, pair, enable, disable, sync."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.messaging_common import transport_options
from statuscli.cli.output import emit, info, result_written, write_stdout
from statuscli.cli.secure_common import NOW_HELP, SEED_HELP

SEND_EPILOG = """\b
Output: the message id (0x…) on stdout; with --json one object: id, chat, recipients, envelopes,
transport. Written before anything is stored, published after (exit 6 when the node cannot be
reached: then nothing was stored). --dry-run prints the WakuMessage(s) as hex and changes nothing.
"""


def _line(d: dict) -> str:
    mark = "*" if d["this_device"] else " "
    state = "this device" if d["this_device"] else ("enabled" if d["enabled"] else "disabled")
    name = d["name"] or "(no name yet)"
    return f"{mark} {d['installation_id']}  {name:<20} {d['device_type'] or '-':<10} {state}"


@click.group()
def cli() -> None:
    """Our own devices: homes made from one mnemonic are installations of one account.

    A device of ours becomes known here when its pairing message arrives ('devices pair' there,
    'listen' here); it stays disabled until 'devices enable ID'. Enabled devices are listed in our
    bundle (peers then encrypt to them too) and get a copy of every 1:1 message we send, shown in
    their 'listen' as outgoing.

    \b
    Examples:
      statuscli devices pair --name laptop          # on the new device
      statuscli listen --count 1                    # on the old one: a 'device' event
      statuscli devices list
      statuscli devices enable 3f2a                 # an id or a unique prefix
      statuscli devices pair --target 3f2a          # tell it about us, in turn
      statuscli devices sync                        # our contacts to our enabled devices
    """


@cli.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List this account's installations: id, name, device type, enabled, this device.

    \b
    Examples:
      statuscli devices list
      statuscli --json devices list | jq -r '.devices[] | select(.enabled and (.this_device | not)) | .installation_id'
    """
    from statuscli.app import devices
    from statuscli.cli.secure_common import account

    ds = devices.listing(account(app, unlock=False))
    emit(app, {"devices": ds}, text="\n".join(_line(d) for d in ds))


def _complete_installations(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Our other installations' ids (read without a passphrase prompt; silent on any failure)."""
    from click.shell_completion import CompletionItem

    from statuscli.cli.context import settings_of
    from statuscli.cli.passphrase import read_passphrase

    try:
        from statuscli.app import devices
        from statuscli.app.accounts import open_account

        app = settings_of(ctx).make_app()
        app.passphrase_source = lambda confirm, app=app: read_passphrase(app, interactive=False)
        ids = [d["installation_id"] for d in devices.listing(open_account(app, unlock=False)) if not d["this_device"]]
    except Exception:  # noqa: BLE001 - completion must never fail loudly (no account, locked…)
        return []
    return [CompletionItem(i) for i in ids if i.startswith(incomplete)]


def _toggle(app: AppContext, installation_id: str, enabled: bool, now) -> None:
    from statuscli.app import devices
    from statuscli.cli.secure_common import account, now_ms

    def deliver(d: dict) -> None:  # written before the change commits
        with result_written():
            emit(app, d, text=_line(d))

    devices.set_enabled(account(app, unlock=False), installation_id, enabled, now_ms(now), deliver=deliver)


@cli.command()
@click.argument("installation_id", metavar="ID", shell_complete=_complete_installations)
@click.option("--now", "now", type=int, default=None, metavar="MS", help=NOW_HELP)
@pass_app
def enable(app: AppContext, installation_id: str, now) -> None:
    """Enable our installation ID: our bundle lists it and our 1:1 messages are copied to it.

    \b
    Examples:
      statuscli devices enable 3f2a9c51-7d0e-4b6a-9f3e-2c1d0b8a7e65
      statuscli devices enable 3f2a
    """
    _toggle(app, installation_id, True, now)


@cli.command()
@click.argument("installation_id", metavar="ID", shell_complete=_complete_installations)
@click.option("--now", "now", type=int, default=None, metavar="MS", help=NOW_HELP)
@pass_app
def disable(app: AppContext, installation_id: str, now) -> None:
    """Disable our installation ID: no longer in our bundle, no more copies of our messages.

    \b
    Examples:
      statuscli devices disable 3f2a
    """
    _toggle(app, installation_id, False, now)


def _send(app: AppContext, outgoing, dry_run: bool, node, relay, now_ms, seed) -> None:
    from statuscli.app.messaging import sending
    from statuscli.cli.messaging_common import messenger, open_transport
    from statuscli.cli.secure_common import account

    acct = account(app)
    transport = None if dry_run else open_transport(app, node, relay)  # unreachable: exit 6 before anything changes
    how = None if transport is None else getattr(transport, "description", transport.kind)
    results: list[dict] = []

    def deliver(sent) -> None:  # before the commit: a failed write leaves everything as it was
        for s in sent:
            d = s.to_json()
            if how is not None:
                d["transport"] = how
                for e in d["envelopes"]:
                    del e["envelope"]
            results.append(d)
        with result_written(reader_may_leave=dry_run):
            if dry_run and not app.json:
                for e in results[0]["envelopes"]:
                    write_stdout(e["envelope"])
            else:
                emit(app, {**results[0], "dry_run": True} if dry_run else results[0], text=results[0]["id"])

    try:
        report = sending.send(messenger(app, acct, seed=seed, now_ms=now_ms), [outgoing(acct)], deliver=deliver, transport=transport)
    finally:
        if transport is not None:
            transport.close()
    n = len(results[0]["envelopes"])
    info(app, f"{n} envelope(s) " + ("printed (dry run: nothing published or stored)" if dry_run else f"published via {how} ({len(report.published)})"))


@cli.command(epilog=SEND_EPILOG)
@click.option("--name", metavar="NAME", help="This device's name (kept; default: the host name).")
@click.option("--device-type", metavar="TYPE", help="This device's type (kept; default: the operating system, e.g. linux).")
@click.option("--target", metavar="ID", shell_complete=_complete_installations, help="The installation being paired (its id or a unique prefix).")
@click.option("--dry-run", is_flag=True, help="Print the WakuMessage(s) instead of publishing them.")
@transport_options
@click.option("--now", "now_ms", type=int, default=None, metavar="MS", help=NOW_HELP)
@click.option("--seed", metavar="HEX", default=None, help=SEED_HELP)
@pass_app
def pair(app: AppContext, name, device_type, target, dry_run, node, relay, now_ms, seed) -> None:
    """Announce this installation (name, device type, our bundle) to every device of this account.

    status-go's SyncPairInstallation, DH-encrypted to our own key: every other home made from the
    same mnemonic can read it; there it appears in 'devices list' (disabled until enabled).

    \b
    Examples:
      statuscli devices pair --name laptop --device-type linux
      statuscli devices pair --target 3f2a
      statuscli devices pair --dry-run | statuscli envelope inspect -
    """
    from statuscli.app.messaging import sending

    meta = {k: v for k, v in (("name", name), ("device_type", device_type)) if v is not None}
    _send(app, lambda acct: sending.Outgoing.pair(target or "", **meta), dry_run, node, relay, now_ms, seed)


@cli.command(epilog=SEND_EPILOG)
@click.option("--dry-run", is_flag=True, help="Print the WakuMessage(s) instead of publishing them.")
@transport_options
@click.option("--now", "now_ms", type=int, default=None, metavar="MS", help=NOW_HELP)
@click.option("--seed", metavar="HEX", default=None, help=SEED_HELP)
@pass_app
def sync(app: AppContext, dry_run, node, relay, now_ms, seed) -> None:
    """Send our contacts (names, added, blocked) to our enabled devices.

    One SyncInstallationContactV2 per contact that is named, added, added us or blocked, through
    MVDS in the chat with our own key. Exit 7 when no other device is enabled.

    \b
    Examples:
      statuscli devices sync
      statuscli --json devices sync | jq '.recipients | length'
    """
    from statuscli.app.messaging import sending

    _send(app, lambda acct: sending.Outgoing.sync(), dry_run, node, relay, now_ms, seed)
