"""The table of top-level commands, loaded lazily.

Each entry names the module that defines the command and a one-line summary, so that
``statuscli --help`` lists every command without importing any of them. A command module is
imported only when that command runs (or its own ``--help`` is asked for).

To add a command: write ``statuscli/cli/commands/<name>.py`` defining a click command or group
named ``cli``, and add one row here. That is all: when the command is loaded, every command of its
tree gets the global options (``--home``, ``--account``, ``--password-file``, ``--output``/``--json``,
``-v``, ``--quiet``; see :mod:`statuscli.cli.context`), parsed by click wherever they appear on the
line, and reads them through ``@pass_app`` (an ``AppContext``). Do not declare them yourself.
"""

from __future__ import annotations

# name -> (module, summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "keys": ("statuscli.cli.commands.keys", "Accounts and keys: BIP-39, the chat key, identity formats."),
    "topic": ("statuscli.cli.commands.topic", "Compute Status/Waku topics, content topics and shards."),
    "bundle": ("statuscli.cli.commands.bundle", "X3DH prekey bundles: create, show, export, verify, import, publish, fetch."),
    "x3dh": ("statuscli.cli.commands.x3dh", "Start an X3DH session with a peer."),
    "encrypt": ("statuscli.cli.commands.encrypt", "Encrypt a message to a peer (ProtocolMessage)."),
    "decrypt": ("statuscli.cli.commands.decrypt", "Decrypt a ProtocolMessage, advancing the session."),
    "mvds": ("statuscli.cli.commands.mvds", "Inspect MVDS payloads and compute MVDS group ids."),
    "envelope": ("statuscli.cli.commands.envelope", "Encode, hash and inspect Waku envelopes layer by layer."),
    "enr": ("statuscli.cli.commands.enr", "Decode and encode Ethereum Node Records (EIP-778, Waku)."),
    "discover": ("statuscli.cli.commands.discover", "Find Waku nodes through Discovery v5 and DNS node lists."),
    "node": ("statuscli.cli.commands.node", "Run, query and stop a Waku v2 node."),
    "archive": ("statuscli.cli.commands.archive", "The store node's message archive: stats, migrate SQLite to PostgreSQL."),
    "send": ("statuscli.cli.commands.send", "Send a message (1:1, public channel or private group)."),
    "listen": ("statuscli.cli.commands.listen", "Receive messages as NDJSON events."),
    "react": ("statuscli.cli.commands.react", "React to a message with an emoji (or take it back)."),
    "edit": ("statuscli.cli.commands.edit", "Edit the text of a message this account sent."),
    "delete": ("statuscli.cli.commands.delete", "Delete a message for everyone, or for this account only."),
    "pin": ("statuscli.cli.commands.pin", "Pin or unpin a message in its chat."),
    "mailserver": ("statuscli.cli.commands.mailserver", "Fetch history from a store node."),
    "group": ("statuscli.cli.commands.group", "Private group chats: create, add/remove members, leave, rename, admins."),
    "contacts": ("statuscli.cli.commands.contacts", "Contacts: names, state (added, mutual, requests), block, verify."),
    "devices": ("statuscli.cli.commands.devices", "Our own devices (one account, several homes): list, pair, enable, disable, sync."),
    "demo": ("statuscli.cli.commands.demo", "Walk through the life of a message on an embedded node."),
    "vectors": ("statuscli.cli.commands.vectors", "Generate and verify test vectors."),
    "completion": ("statuscli.cli.commands.completion", "Print a shell completion script."),
}
