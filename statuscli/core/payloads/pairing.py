"""What our own devices tell each other: installation metadata (pairing) and synced contacts.

    payload = encode_pair(PairInstallation(clock, installation_id, device_type, name, version, target))
    pair = decode_pair(payload, waku_ms)            # DecodeError / InvalidMessage when status-go would refuse it
    payload = encode_contact(SyncedContact(...))
    contact = decode_contact(payload)

Both are status-go's ``protocol/protobuf/pairing.proto`` messages, each its own application type:

* ``SyncPairInstallation`` (SYNC_PAIR_INSTALLATION = 4): ``clock``, ``installation_id``,
  ``device_type``, ``name``, ``version`` (the installation's protocol version), and
  ``target_installation_id`` (the device being paired, or empty). ``messenger_pairing_and_syncing.go:
  SendPairInstallation`` sends it to our own key, wrapped directly (no MVDS) and DH-encrypted to
  ``"none"`` with our bundle attached (``message_sender.go:SendPairInstallation`` → ``BuildDHMessage``),
  so every device of ours can read it. A receiver keeps name and device type for that installation
  (``HandleSyncPairInstallation``) after ``ValidateReceivedPairInstallation``: a valid clock and a
  non-blank name, device type and installation id; it does not enable the device.
* ``SyncInstallationContactV2`` (SYNC_INSTALLATION_CONTACT_V2 = 12): one contact's state, sent
  through MVDS to our own key (``messenger_contacts.go:syncContact`` on the 1:1 chat with ourselves).

Messages of every ``SYNC_*`` type are ignored unless the author is our own identity
(``cmd/generate_handlers/generate_handlers.go``: ``SyncMessage`` for names starting with SYNC_);
the receive path applies that rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.payloads import message_types
from statuscli.core.payloads.clock import validate_clock

SYNC_PAIR_INSTALLATION = message_types.BY_NAME["SYNC_PAIR_INSTALLATION"]
SYNC_INSTALLATION_CONTACT_V2 = message_types.BY_NAME["SYNC_INSTALLATION_CONTACT_V2"]
SYNC_TYPES = (SYNC_PAIR_INSTALLATION, SYNC_INSTALLATION_CONTACT_V2)
MAX_TEXT = 256  # names and device types we accept (status-go sets no bound; ours keeps rows small)


def _pb():
    from statuscli.pb import pairing_pb2

    return pairing_pb2


@dataclass(frozen=True)
class PairInstallation:
    clock: int
    installation_id: str
    device_type: str
    name: str
    version: int = 1
    target_installation_id: str = ""

    def to_json(self) -> dict:
        return {"installation_id": self.installation_id, "name": self.name, "device_type": self.device_type,
                "version": self.version, "target_installation_id": self.target_installation_id, "clock": self.clock}  # fmt: skip


def check_metadata(name: str, device_type: str) -> tuple[str, str]:
    """A device name and type as a receiver accepts them (non-blank, bounded), or InvalidInput."""
    for what, text in (("device name", name), ("device type", device_type)):
        if not (text or "").strip():
            raise InvalidInput(f"the {what} can't be empty (status-go refuses a pairing message without it)")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"the {what} is longer than {MAX_TEXT} characters")
    return name, device_type


def encode_pair(p: PairInstallation) -> bytes:
    check_metadata(p.name, p.device_type)
    if not p.installation_id.strip():
        raise InvalidInput("the installation id can't be empty")
    m = _pb().SyncPairInstallation(clock=p.clock, installation_id=p.installation_id, device_type=p.device_type, name=p.name,
                                   version=p.version, target_installation_id=p.target_installation_id)  # fmt: skip
    return m.SerializeToString(deterministic=True)


def decode_pair(payload: bytes, waku_ms: int | None = None) -> PairInstallation:
    """A received SyncPairInstallation, checked as ``ValidateReceivedPairInstallation`` does."""
    from statuscli.core.encryption import parse_pb

    m = parse_pb(_pb().SyncPairInstallation(), payload, "SyncPairInstallation")
    if waku_ms is not None:
        validate_clock(m.clock, waku_ms)
    for what, text in (("name", m.name), ("device type", m.device_type), ("installationId", m.installation_id)):
        if not text.strip():
            raise DecodeError(f"pairing message: {what} can't be empty")
        if len(text) > MAX_TEXT:
            raise DecodeError(f"pairing message: {what} longer than {MAX_TEXT} characters")
    return PairInstallation(m.clock, m.installation_id, m.device_type, m.name, m.version, m.target_installation_id)


@dataclass(frozen=True)
class SyncedContact:
    """The fields of SyncInstallationContactV2 we keep (the rest travel as their zero value)."""

    id: str  # 0x04… key text
    last_updated_locally: int  # clock of our own last change (ms)
    local_nickname: str = ""
    added: bool = False
    has_added_us: bool = False
    blocked: bool = False
    removed: bool = False
    last_updated: int = 0

    def to_json(self) -> dict:
        return {"id": self.id, "local_nickname": self.local_nickname, "added": self.added, "has_added_us": self.has_added_us,
                "blocked": self.blocked, "removed": self.removed, "last_updated_locally": self.last_updated_locally,
                "last_updated": self.last_updated}  # fmt: skip


def encode_contact(c: SyncedContact) -> bytes:
    m = _pb().SyncInstallationContactV2(last_updated_locally=c.last_updated_locally, id=c.id, last_updated=c.last_updated,
                                        local_nickname=c.local_nickname, added=c.added, blocked=c.blocked, removed=c.removed,
                                        has_added_us=c.has_added_us)  # fmt: skip
    return m.SerializeToString(deterministic=True)


def decode_contact(payload: bytes) -> SyncedContact:
    """A received contact sync; DecodeError unless ``id`` is an uncompressed public key in hex."""
    from statuscli.core.encryption import parse_pb

    m = parse_pb(_pb().SyncInstallationContactV2(), payload, "SyncInstallationContactV2")
    t = m.id[2:] if m.id[:2] in ("0x", "0X") else ""
    if len(t) != 130 or not t.startswith("04") or any(c not in "0123456789abcdefABCDEF" for c in t):
        raise DecodeError(f"contact sync: id is not a 0x04… public key ({m.id[:24]!r})")
    if len(m.local_nickname) > MAX_TEXT:
        raise DecodeError(f"contact sync: nickname longer than {MAX_TEXT} characters")
    return SyncedContact("0x" + t.lower(), m.last_updated_locally, m.local_nickname, m.added, m.has_added_us, m.blocked, m.removed,
                         m.last_updated)  # fmt: skip
