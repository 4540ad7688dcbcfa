"""The exit codes each command returns, in one table; each command's ``--help`` prints its row.

Every command may exit 0 (ok), 1 (a bug), 2 (usage) and 130 (Ctrl-C); the table lists what else a
command returns and why. The codes follow the error classes of :mod:`statuscli.core.errors`
(3 invalid input · 4 crypto · 5 keystore · 6 network · 7 timeout or nothing found).
``tests/cli/test_exit_codes.py`` reads every command's help back and runs one case per listed code,
so a row that lies fails the build; a new command needs a row here (the test says so).
"""

from __future__ import annotations

ALWAYS = {0: "ok", 1: "internal error", 2: "usage", 130: "interrupted (Ctrl-C)"}

# "group command" -> {code: when}
EXIT_CODES: dict[str, dict[int, str]] = {
    "keys generate": {3: "bad --entropy or name", 5: "the account exists"},
    "keys import": {3: "invalid mnemonic", 5: "the account exists"},
    "keys list": {},
    "keys show": {5: "no such account, wrong passphrase"},
    "keys inspect": {3: "not a public key or ENS name, bad --eth-rpc or --ens-registry",
                     6: "Ethereum node unreachable or its answer refused", 7: "the ENS name has no resolver or no chat key"},
    "keys derive": {3: "invalid mnemonic or path", 5: "no such account, wrong passphrase"},
    "keys export": {5: "no such account, wrong passphrase"},
    "keys delete": {5: "no such account"},
    "keys passwd": {3: "unreadable new password file", 5: "no such account, wrong or missing passphrase"},
    "topic compute": {3: "malformed key or secret"},
    "topic shard": {3: "malformed content topic"},
    "bundle create": {5: "no such account, wrong passphrase"},
    "bundle export": {5: "no such account, wrong passphrase"},
    "bundle show": {5: "no such account"},
    "bundle verify": {3: "not a bundle", 4: "bad signature"},
    "bundle import": {3: "not a bundle", 4: "bad signature", 5: "no such account"},
    "bundle publish": {5: "no such account", 6: "no node reachable"},
    "bundle fetch": {5: "no such account", 6: "no node reachable"},
    "x3dh init": {5: "no such account", 7: "no bundle known for the peer"},
    "encrypt": {3: "bad peer or message", 5: "no such account"},
    "decrypt": {3: "not a ProtocolMessage", 5: "no such account"},
    "mvds inspect": {3: "not an MVDS payload"},
    "mvds group-id": {3: "malformed key"},
    "envelope encode": {3: "bad key, topic or data"},
    "envelope hash": {3: "bad data"},
    "envelope inspect": {3: "not a WakuMessage or envelope"},
    "enr decode": {3: "not an ENR", 4: "bad signature"},
    "enr encode": {3: "bad key or field"},
    "node run": {3: "bad --listen or --peer"},
    "node status": {6: "no node running for this home"},
    "node stop": {6: "no node running for this home"},
    "node peers": {6: "no node running for this home"},
    "node probe": {3: "bad address", 6: "peer unreachable"},
    "send": {3: "bad peer text, empty message, unreadable file, bad wallet command field (address, value, hash, signature), "
                "an --ens-name that is not NAME.eth",
             5: "keystore", 6: "no node reachable or refused",
             7: "unknown contact or group"},
    "react": {3: "not a message id, unknown reaction", 5: "keystore", 6: "no node reachable or refused",
              7: "no stored message to take the chat from, unknown contact or group"},
    "edit": {3: "not a message id, empty text", 5: "keystore", 6: "no node reachable or refused",
             7: "no stored message to take the chat from, unknown contact or group"},
    "delete": {3: "not a message id", 5: "keystore", 6: "no node reachable or refused",
               7: "no stored message (--for-me, or to take the chat from), unknown contact or group"},
    "pin": {3: "not a message id", 5: "keystore", 6: "no node reachable or refused",
            7: "no stored message to take the chat from, unknown contact or group"},
    "listen": {5: "keystore", 6: "no node reachable", 7: "--timeout ran out before --count messages arrived"},
    "mailserver fetch": {3: "bad time or topic, or stdout could not be written (what was not printed is not stored)", 5: "keystore",
                         6: "no node reachable or the store refused"},
    "group create": {5: "keystore", 6: "no node reachable", 7: "unknown contact"},
    "group add": {5: "keystore", 6: "no node reachable", 7: "unknown group or contact"},
    "group remove": {3: "not a member, or not allowed (only admins remove others)", 5: "keystore", 6: "no node reachable",
                     7: "unknown group or contact"},
    "group leave": {3: "not a member any more", 5: "keystore", 6: "no node reachable", 7: "unknown group"},
    "group rename": {3: "empty name, or not a member", 5: "keystore", 6: "no node reachable", 7: "unknown group"},
    "group admins": {2: "neither PEERs nor --resign, or both", 3: "not allowed (only admins add admins)", 5: "keystore",
                     6: "no node reachable", 7: "unknown group or contact"},
    "group list": {5: "keystore"},
    "contacts list": {5: "keystore"},
    "contacts show": {3: "malformed key", 5: "keystore", 7: "unknown contact"},
    "contacts add": {3: "malformed key or name, or our own key", 5: "keystore", 6: "Ethereum node or the node named unreachable",
                     7: "the ENS name has no resolver or no chat key"},
    "contacts rename": {3: "invalid new name", 5: "keystore", 7: "unknown contact"},
    "contacts remove": {5: "keystore", 6: "the node named unreachable", 7: "unknown contact"},
    "contacts accept": {3: "malformed request id", 5: "keystore", 6: "no node reachable", 7: "no contact request from PEER"},
    "contacts decline": {5: "keystore", 6: "the node named unreachable", 7: "no contact request from PEER waiting"},
    "contacts block": {3: "our own key", 5: "keystore", 7: "unknown contact"},
    "contacts unblock": {5: "keystore", 7: "unknown contact"},
    "contacts verify": {4: "the alias, emoji hash or ENS name given belongs to another key", 5: "keystore",
                        6: "Ethereum node unreachable", 7: "unknown contact, or the ENS name has no chat key"},
    "devices list": {5: "keystore"},
    "devices enable": {3: "empty id or this device", 5: "keystore", 7: "no such installation of ours"},
    "devices disable": {3: "empty id or this device", 5: "keystore", 7: "no such installation of ours"},
    "devices pair": {3: "empty name or device type", 5: "keystore", 6: "node unreachable", 7: "no such target installation"},
    "devices sync": {5: "keystore", 6: "node unreachable", 7: "no enabled device of ours, or no contact to sync"},
    "group show": {5: "keystore", 7: "unknown group"},
    "demo": {},
    "vectors generate": {3: "--out cannot be written"},
    "vectors list": {},
    "vectors verify": {3: "not a vector file", 4: "a vector failed"},
    "completion": {},
    "archive stats": {6: "PostgreSQL unreachable", 7: "no archive there"},
    "archive migrate": {6: "PostgreSQL unreachable", 7: "no archive to copy from"},
    "discover": {3: "a malformed ENR or enrtree URL", 4: "a DNS tree whose signature or hashes do not verify",
                 6: "DNS unreachable", 7: "nothing found within --timeout"},
}  # fmt: skip

HEADING = "Exit codes:"


def exit_codes_text(path: str) -> str | None:
    """The help paragraph for ``path`` ("keys generate"), or None for a group or an unlisted command."""
    codes = EXIT_CODES.get(path)
    if codes is None:
        return None
    listed = "; ".join(f"{code} {why}" for code, why in sorted({**ALWAYS, **codes}.items()))
    return f"{HEADING} {listed}."


def documented_codes(help_text: str) -> set[int]:
    """The codes a command's ``--help`` lists, read back from its text as a person reads it."""
    flat = " ".join(help_text.split())
    at = flat.find(HEADING)
    if at < 0:
        return set()
    codes = set()
    for piece in flat[at + len(HEADING):].strip().split("; "):
        head = piece.split(" ", 1)[0]
        if not head.isdigit():
            break
        codes.add(int(head))
    return codes


def document_exit_codes(cmd, path: str) -> None:
    """Append its exit-codes paragraph to the epilog of ``cmd`` and of every command below it."""
    subs = getattr(cmd, "commands", None)
    if subs is not None:
        for name, sub in subs.items():
            document_exit_codes(sub, f"{path} {name}")
        return
    text = exit_codes_text(path)
    if text is None or HEADING in (cmd.epilog or ""):
        return
    cmd.epilog = f"{cmd.epilog.rstrip()}\n\n{text}" if cmd.epilog else text
