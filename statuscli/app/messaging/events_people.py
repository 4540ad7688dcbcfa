"""The events about people rather than messages: a contact request accepted, a contact's state
moved (ContactUpdate, decline, removal), and our own devices (pairing, contact sync). Part of the
closed set documented in :mod:`statuscli.app.messaging.events` (its table, ``EVENT_TYPES``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from statuscli.app.messaging.events_base import EnvelopeRef, Who, _env, hx


@dataclass(frozen=True)
class ContactRequestAccepted:
    type: ClassVar[str] = "contact_request_accepted"
    id: str
    request_id: str
    our_request: bool
    sender: str
    sender_compressed: str
    clock: int
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "request_id": self.request_id, "our_request": self.our_request,
                "chat": {"kind": "one-to-one", "id": self.sender}, "from": self.sender, "from_compressed": self.sender_compressed,
                "clock": self.clock, "layers": list(self.layers), **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        return f"{who(ev.get('from'))} accepted {'our' if ev.get('our_request') else 'a'} contact request ({(ev.get('request_id') or '')[:10]}…)"


@dataclass(frozen=True)
class ContactChange:
    """A ContactUpdate (``contact_update``, ``contact_request_declined``) or a RetractContactRequest
    (``contact_removed``) from a peer, with the contact state it left."""

    type: str  # contact_update | contact_request_declined | contact_removed
    id: str
    sender: str
    sender_compressed: str
    clock: int
    details: dict
    contact: dict  # added_by_us, added_us, mutual, request
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "chat": {"kind": "one-to-one", "id": self.sender}, "from": self.sender,
                "from_compressed": self.sender_compressed, "clock": self.clock, **self.details, "contact": self.contact,
                "layers": list(self.layers), **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        t, c = ev.get("type"), ev.get("contact") or {}
        if t == "contact_request_declined":
            return f"{who(ev.get('from'))} declined our contact request"
        if t == "contact_removed":
            return f"{who(ev.get('from'))} removed us as a contact"
        name = f" (display name {ev['display_name']!r})" if ev.get("display_name") else ""
        return f"{who(ev.get('from'))} sent a contact update{name}: request {c.get('request')}{', mutual' if c.get('mutual') else ''}"


@dataclass(frozen=True)
class Device:
    """Another installation of ours told us its name and type (SyncPairInstallation)."""

    type: ClassVar[str] = "device"
    installation_id: str
    name: str
    device_type: str
    enabled: bool
    targeted: bool  # the pairing message names this installation as the one being paired
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "installation_id": self.installation_id, "name": self.name, "device_type": self.device_type,
                "enabled": self.enabled, "targeted": self.targeted, "layers": list(self.layers), **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        state = "enabled" if ev.get("enabled") else f"not enabled (statuscli devices enable {ev.get('installation_id')})"
        return f"our device {ev.get('name')!r} ({ev.get('device_type')}, {ev.get('installation_id')}): {state}"


@dataclass(frozen=True)
class ContactSynced:
    """Another installation of ours sent a contact's state (SyncInstallationContactV2)."""

    type: ClassVar[str] = "contact_synced"
    contact: str
    name: str | None
    added: bool
    blocked: bool
    removed: bool
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "contact": self.contact, "name": self.name, "added": self.added, "blocked": self.blocked,
                "removed": self.removed, "layers": list(self.layers), **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        flags = [f for f in ("added", "blocked", "removed") if ev.get(f)]
        return f"contact {ev.get('name') or who(ev.get('contact'))} synced from our other device ({', '.join(flags) or 'no flags'})"
