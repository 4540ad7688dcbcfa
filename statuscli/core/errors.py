"""The typed error tree shared by every layer.

Every error a user can cause is a :class:`StatusCliError`. Each class carries a stable kebab-case
``code`` (part of the JSON error contract: never rename one), an ``exit_code`` from the documented
table, and an optional ``hint`` telling the user what to do next. The CLI funnel
(``statuscli.cli.main``) is the only place that turns these into exit codes and messages.

Exit codes: 0 ok · 1 internal error · 2 usage error · 3 invalid input data ·
4 cryptographic verification failed · 5 keystore · 6 network · 7 timeout or nothing found ·
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_CRYPTO = 4
EXIT_KEYSTORE = 5
EXIT_NETWORK = 6
EXIT_TIMEOUT = 7
#: interrupted by SIGINT (Ctrl-C): 128 + 2, as shells report it
EXIT_INTERRUPTED = 130


class StatusCliError(Exception):
    """Base of every expected error. ``code`` is stable; ``message`` is for people."""

    code = "internal-error"
    exit_code = EXIT_INTERNAL
    default_hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        if code is not None:
            self.code = code

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint}


# --- 2: usage -------------------------------------------------------------------------------
class UsageError(StatusCliError):
    code = "usage"
    exit_code = EXIT_USAGE


# --- 3: invalid input data ------------------------------------------------------------------
class InvalidInput(StatusCliError):
    code = "invalid-input"
    exit_code = EXIT_INVALID_INPUT


class DecodeError(InvalidInput):
    """Bytes that do not parse as the expected structure (protobuf, RLP, payload framing…)."""

    code = "decode-error"


class InputTooLarge(InvalidInput):
    """More input than any command reads; refused before it is all read."""

    code = "input-too-large"


class MalformedKey(InvalidInput):
    code = "malformed-key"
    default_hint = "public keys are 0x04… (65 bytes), 0x02…/0x03… (33 bytes) or zQ3… text"


class MalformedTopic(InvalidInput):
    code = "malformed-topic"


class InvalidMnemonic(InvalidInput):
    code = "invalid-mnemonic"
    default_hint = "check the words and their order; the last word carries a checksum"


class OutputFailed(InvalidInput):
    """The result could not be written to its output (full disk, closed pipe…): nothing was committed."""

    code = "output-failed"
    default_hint = "nothing was changed; run the command again with an output that can be written"


# --- 4: cryptographic verification ----------------------------------------------------------
class CryptoError(StatusCliError):
    code = "crypto-failed"
    exit_code = EXIT_CRYPTO


class BadSignature(CryptoError):
    code = "bad-signature"


class DecryptionFailed(CryptoError):
    code = "decryption-failed"


class SessionNotFound(DecryptionFailed):
    """A message names a session or signed prekey this account does not have."""

    code = "session-not-found"
    default_hint = "the sender used a session or prekey we do not have; they need our current bundle ('statuscli bundle export')"


class DeviceNotFound(DecryptionFailed):
    """A message is encrypted for other installations (devices) only."""

    code = "device-not-found"
    default_hint = "the message targets other installations of this account; the sender needs our bundle ('statuscli bundle export')"


# --- 5: keystore ----------------------------------------------------------------------------
class KeystoreError(StatusCliError):
    code = "keystore-error"
    exit_code = EXIT_KEYSTORE


class AccountNotFound(KeystoreError):
    code = "account-not-found"
    default_hint = "list accounts with 'statuscli keys list' or create one with 'statuscli keys generate'"


class AccountExists(KeystoreError):
    code = "account-exists"


class WrongPassphrase(KeystoreError):
    code = "wrong-passphrase"


class PassphraseRequired(KeystoreError):
    code = "passphrase-required"
    default_hint = "pass --password-file FILE or set STATUSCLI_PASSWORD_FILE / STATUSCLI_PASSWORD"


# --- 6: network -----------------------------------------------------------------------------
class NetworkError(StatusCliError):
    code = "network-error"
    exit_code = EXIT_NETWORK


class PeerUnreachable(NetworkError):
    code = "peer-unreachable"


class ProtocolRefused(NetworkError):
    code = "protocol-refused"


# --- 7: timeout / nothing found -------------------------------------------------------------
class TimeoutExpired(StatusCliError):
    code = "timeout"
    exit_code = EXIT_TIMEOUT


class NotFound(StatusCliError):
    code = "not-found"
    exit_code = EXIT_TIMEOUT


# --- the store node's archive (statuscli.store.archive; the node in net/ maps them to answers) --
class StoreError(StatusCliError):
    """The message archive could not answer (not the request's fault)."""

    code = "store-error"


class StoreTimeout(StoreError, TimeoutExpired):
    code = "store-timeout"
    default_hint = "narrow the query: give a pubsub topic, content topics or a time range"


class StoreUnavailable(StoreError, NetworkError):
    code = "store-unavailable"
    default_hint = "check that the archive database is running and reachable (--store-url)"
