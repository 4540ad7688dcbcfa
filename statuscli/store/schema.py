"""The account database's schema: one ordered list of named steps, applied when the database opens.

:func:`statuscli.store.state_db.open_state` applies :data:`STEPS` once per open (one read of
``schema_steps`` when nothing is missing), so no store module and no caller ever "ensures" a table:
every connection to ``state.db`` already has them all.

**Adding a table, index or column is one line here.** Write the SQL as a module-level constant next
to the code that uses it (e.g. ``OUTBOX_SCHEMA`` in ``store/outbox.py``), then append::

    ("outbox-v1", outbox.OUTBOX_SCHEMA),

to the end of :data:`STEPS`. Rules:

* append only: never edit, reorder or remove a step that has landed (databases in the field
  recorded it by name); change a shipped table with a new step (``ALTER TABLE …``);
* a name is ``<module>-<what>-v<N>`` and unique (a test checks);
* statements are separated by ``;`` and run in one transaction with the step's record, so a step
  is applied entirely or not at all, and two processes opening one database apply it once.
"""

from __future__ import annotations

from statuscli.store import chats, contacts, coverage, devices, messages, mvds_state, peers, prekeys, sessions

STEPS: tuple[tuple[str, str], ...] = (
    ("secure-own-prekeys-v1", prekeys.SCHEMA),
    ("secure-peers-v1", peers.SCHEMA),
    ("secure-sessions-v1", sessions.SCHEMA),
    ("chats-v1", chats.SCHEMA),
    ("mvds-state-v1", mvds_state.SCHEMA),
    ("messages-v1", messages.SCHEMA),
    ("messages-failures-v1", messages.FAILURES_SCHEMA),
    ("coverage-gaps-v1", coverage.SCHEMA),
    ("mvds-rows-v1", mvds_state.ROWS_SCHEMA),
    ("contacts-state-v1", contacts.SCHEMA),
    ("contacts-state-clocks-v1", contacts.CLOCKS_SCHEMA),
    ("contacts-ens-claim-clock-v1", contacts.ENS_CLAIM_CLOCK_SCHEMA),
    ("devices-metadata-v1", devices.SCHEMA),
)
