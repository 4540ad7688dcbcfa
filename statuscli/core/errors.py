"""The typed error tree shared by every layer: one class per error code, all of them here.

Every error a user can cause is a :class:`StatusCliError`. Each class declares a stable kebab-case
``code`` (part of the JSON error contract: never rename one), an ``exit_code`` from the documented
table (inherited from its family), an optional ``default_hint`` telling the user what to do next,
and a docstring saying when it is raised (the docs table in docs/exit-codes-and-json.md is
generated from these). A refined error is a subclass of its family, so ``except InvalidInput``
catches every exit-3 error and ``except MalformedKey`` every malformed key, wherever it was raised.
There is no per-raise code override: a new code is a new class, here.

The CLI funnel (``statuscli.cli.main``) is the only place that turns these into exit codes and
messages. Exit codes: 0 ok · 1 internal error · 2 usage error · 3 invalid input data ·
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
    """The base of every expected error (its code is also what the CLI reports for an unexpected
    exception, i.e. a bug)."""

    code = "internal-error"
    exit_code = EXIT_INTERNAL
    default_hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint}


def error_classes() -> list[type[StatusCliError]]:
    """Every error class, base first, in definition order within each family."""
    out: list[type[StatusCliError]] = []

    def visit(cls: type[StatusCliError]) -> None:
        out.append(cls)
        for sub in cls.__subclasses__():
            visit(sub)

    visit(StatusCliError)
    return list(dict.fromkeys(out))  # a class with two families (StoreTimeout) once


def class_for_code(code: str) -> type[StatusCliError] | None:
    """The class that declares ``code`` (each code is declared by exactly one class)."""
    for cls in error_classes():
        if cls.__dict__.get("code") == code:
            return cls
    return None


# --- 2: usage -------------------------------------------------------------------------------
class UsageError(StatusCliError):
    """The command line is wrong: options that exclude each other, a missing value, a state
    the command cannot start in."""

    code = "usage"
    exit_code = EXIT_USAGE


class NodeAlreadyRunning(UsageError):
    """Another node holds the data dir's lock."""

    code = "node-already-running"


# --- 3: invalid input data ------------------------------------------------------------------
class InvalidInput(StatusCliError):
    """Data that is not what the command needs."""

    code = "invalid-input"
    exit_code = EXIT_INVALID_INPUT


class FileNotFound(InvalidInput):
    """A named file does not exist (or is a directory)."""

    code = "file-not-found"


class FileUnreadable(InvalidInput):
    """A file exists but cannot be read."""

    code = "file-unreadable"


class FileUnwritable(InvalidInput):
    """An output file cannot be written."""

    code = "file-unwritable"


class InputTooLarge(InvalidInput):
    """More than 32 MiB of input; refused before it is read."""

    code = "input-too-large"


class DecodeError(InvalidInput):
    """Bytes that do not parse as the expected structure (protobuf, RLP, payload framing…)."""

    code = "decode-error"


class FrameTooLarge(DecodeError):
    """A length-prefixed network frame over its limit."""

    code = "frame-too-large"


class FrameBudgetExhausted(DecodeError):
    """No room for a network frame now: the frames being received hold the connection's budget."""

    code = "frame-budget"


class MalformedKey(InvalidInput):
    """Not a public or private key (length, encoding, or off the curve)."""

    code = "malformed-key"
    default_hint = "public keys are 0x04… (65 bytes), 0x02…/0x03… (33 bytes) or zQ3… text"


class MalformedTopic(InvalidInput):
    """Not a topic or content topic."""

    code = "malformed-topic"


class InvalidMnemonic(InvalidInput):
    """Not a BIP-39 mnemonic (word count, unknown word, checksum, language)."""

    code = "invalid-mnemonic"
    default_hint = "check the words and their order; the last word carries a checksum"


class OutputFailed(InvalidInput):
    """The result could not be written to its output (full disk, closed pipe…): nothing was committed."""

    code = "output-failed"
    default_hint = "nothing was changed; run the command again with an output that can be written"


class InvalidEntropy(InvalidInput):
    """Mnemonic entropy of the wrong size."""

    code = "invalid-entropy"


class InvalidSeed(InvalidInput):
    """A BIP-32 seed of the wrong size."""

    code = "invalid-seed"


class InvalidPath(InvalidInput):
    """Not a BIP-32 derivation path."""

    code = "invalid-path"


class InvalidAccountName(InvalidInput):
    """An account name that cannot be a folder name."""

    code = "invalid-account-name"


class InvalidVectorFile(InvalidInput):
    """Not a test-vector file."""

    code = "invalid-vector-file"


class InvalidMessage(InvalidInput):
    """A message the protocol refuses (bad clock, missing fields, a WakuMessage relay drops);
    ``reason`` is a short counter name when relay refused it."""

    code = "invalid-message"

    def __init__(self, message: str, *, reason: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.reason = reason


class InvalidGroup(InvalidInput):
    """Group membership events that do not form a valid group."""

    code = "invalid-group"


class SenderUnknown(InvalidInput):
    """A message whose author cannot be established."""

    code = "sender-unknown"


class EnvelopeTooOld(InvalidInput):
    """A Waku v1 envelope past its time to live."""

    code = "envelope-too-old"


class EnvelopeTooLarge(InvalidInput):
    """A Waku v1 envelope over the size limit."""

    code = "envelope-too-large"


class EnvelopeLowPow(InvalidInput):
    """A Waku v1 envelope below the proof-of-work minimum."""

    code = "envelope-low-pow"


class EnvelopeFromFuture(InvalidInput):
    """A Waku v1 envelope created in the future (clock out of sync)."""

    code = "envelope-from-future"


class UnknownCursor(InvalidInput):
    """A store cursor that names no message of this store."""

    code = "unknown-cursor"
    default_hint = "a cursor is the hash of a message this store holds; start again without one"


class InvalidEnsName(InvalidInput):
    """Text that is not an ENS name (empty label, over 255 characters, refused by UTS-46)."""

    code = "invalid-ens-name"


# --- 4: cryptographic verification ----------------------------------------------------------
class CryptoError(StatusCliError):
    """A cryptographic check failed."""

    code = "crypto-failed"
    exit_code = EXIT_CRYPTO


class BadSignature(CryptoError):
    """A signature that does not verify."""

    code = "bad-signature"


class UnknownGroupKey(CryptoError):
    """A hash-ratchet group message for a key we do not have."""

    code = "unknown-group-key"


class TreeHashMismatch(CryptoError):
    """An EIP-1459 DNS tree whose signature or hashes do not verify."""

    code = "enrtree-hash-mismatch"
    default_hint = "the DNS tree was tampered with or is being updated; retry later or check the domain"


class RootRollback(CryptoError):
    """An EIP-1459 DNS tree whose sequence number went backwards."""

    code = "enrtree-rollback"
    default_hint = "the tree's sequence number went backwards; the older, newer-seq copy is kept"


class DecryptionFailed(CryptoError):
    """Decryption failed (MAC, AEAD, or a ratchet header ruled the message out)."""

    code = "decryption-failed"


class HeaderRefused(DecryptionFailed):
    """The header alone rules the message out (replayed number, too many skipped): no work done."""


class SkipLimitReached(HeaderRefused):
    """The header needs more chain steps than the caller allows unverified work for this peer."""

    code = "skip-limit"


class IdentityMismatch(CryptoError):
    """What a person was told of an identity (alias, emoji hash, ENS name) belongs to another key."""

    code = "identity-mismatch"


class SessionNotFound(DecryptionFailed):
    """A message names a session or signed prekey this account does not have."""

    code = "session-not-found"
    default_hint = "the sender used a session or prekey we do not have; they need our current bundle ('statuscli bundle export')"


class DeviceNotFound(DecryptionFailed):
    """A message is encrypted for other installations (devices) only."""

    code = "device-not-found"
    default_hint = "the message targets other installations of this account; the sender needs our bundle ('statuscli bundle export')"


class OwnMessage(DeviceNotFound):
    """A message this installation encrypted for its recipients; only they can read it."""

    code = "own-message"
    default_hint = None


class NotPaired(DeviceNotFound):
    """A message from our own installation that is not paired with this one."""

    code = "not-paired"


# --- 5: keystore ----------------------------------------------------------------------------
class KeystoreError(StatusCliError):
    """The keystore refused."""

    code = "keystore-error"
    exit_code = EXIT_KEYSTORE


class AccountNotFound(KeystoreError):
    """No such account."""

    code = "account-not-found"
    default_hint = "list accounts with 'statuscli keys list' or create one with 'statuscli keys generate'"


class AccountExists(KeystoreError):
    """An account of that name exists."""

    code = "account-exists"


class WrongPassphrase(KeystoreError):
    """The passphrase does not open the keystore."""

    code = "wrong-passphrase"


class WrongDatabaseKey(KeystoreError):
    """The account's database key (db-key.json) does not open its state.db."""

    code = "wrong-database-key"


class PassphraseRequired(KeystoreError):
    """A locked account and no passphrase source."""

    code = "passphrase-required"
    default_hint = "pass --password-file FILE or set STATUSCLI_PASSWORD_FILE / STATUSCLI_PASSWORD"


# --- 6: network -----------------------------------------------------------------------------
class NetworkError(StatusCliError):
    """The network failed us."""

    code = "network-error"
    exit_code = EXIT_NETWORK


class PeerUnreachable(NetworkError):
    """A peer that cannot be reached."""

    code = "peer-unreachable"


class UnsafeSocket(NetworkError):
    """A control socket, or its folder, that another user owns or may write: refused, not used."""

    code = "unsafe-socket"


class ProtocolRefused(NetworkError):
    """A peer that does not speak the protocol asked for."""

    code = "protocol-refused"


class BadResponse(NetworkError):
    """A peer's answer that does not parse."""

    code = "bad-response"


class CallReverted(BadResponse):
    """An Ethereum node answered that the contract call reverted (no such function, or it refused)."""

    code = "call-reverted"


class ServiceRefused(NetworkError):
    """A Waku service answered with a non-success status (``status``)."""

    code = "service-refused"

    def __init__(self, message: str, *, status: int, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class StreamClosedEarly(NetworkError):
    """The peer closed or reset the stream before a whole frame arrived."""

    code = "stream-closed"


class NodeNotRunning(NetworkError):
    """No node for this home, or its control socket does not answer."""

    code = "node-not-running"
    default_hint = "start one with 'statuscli node run' (or 'statuscli node run --detach')"


class AddressInUse(NetworkError):
    """A listen address is held by another process; ``addresses`` are the multiaddrs refused."""

    code = "address-in-use"

    def __init__(self, addresses: list[str]):
        super().__init__(
            f"cannot listen on {', '.join(addresses)}: address already in use",
            hint="another program (another node?) has that port: choose another --listen port, or tcp/0 for a free one",
        )
        self.addresses = addresses


class NodeError(NetworkError):
    """An error the node reported through its control socket with a code this version does
    not know; the node's own exit code is kept."""

    code = "node-error"


# --- 7: timeout / nothing found -------------------------------------------------------------
class TimeoutExpired(StatusCliError):
    """A wait ran out."""

    code = "timeout"
    exit_code = EXIT_TIMEOUT


class PowNotReached(TimeoutExpired):
    """The proof-of-work target was not reached within the time budget."""

    code = "pow-not-reached"


class NotFound(StatusCliError):
    """Nothing found: no such contact, group, bundle or stored item."""

    code = "not-found"
    exit_code = EXIT_TIMEOUT


class EnsRecordMissing(NotFound):
    """An ENS name with no resolver in the registry, or whose resolver holds no chat key (pubkey record)."""

    code = "ens-no-record"
    default_hint = "check the name's spelling, the chain (--eth-rpc) and the registry (--ens-registry)"


# --- the store node's archive (statuscli.store.archive; the node in net/ maps them to answers) --
class StoreError(StatusCliError):
    """The message archive could not answer (not the request's fault)."""

    code = "store-error"


class StoreTimeout(StoreError, TimeoutExpired):
    """An archive query that ran out of time."""

    code = "store-timeout"
    default_hint = "narrow the query: give a pubsub topic, content topics or a time range"


class StoreUnavailable(StoreError, NetworkError):
    """The archive database cannot be reached."""

    code = "store-unavailable"
    default_hint = "check that the archive database is running and reachable (--store-url)"
