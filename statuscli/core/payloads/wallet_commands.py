"""The wallet chat commands carried in 1:1 chats: RequestTransaction and SendTransaction.

    amm_type, payload = encode_request(address="0x…40 hex", value="1000", contract="", chat_id=peer, clock=c)
    amm_type, payload = encode_sent(transaction_hash="0x…64 hex", signature=sig, chat_id=peer, clock=c, request_id="")
    cmd = decode(amm_type, payload)   # -> Command (fields as status-go's protobuf/command.proto names them)

status-go sends them as their own ApplicationMetadataMessage types (REQUEST_TRANSACTION = 9,
SEND_TRANSACTION = 10): ``value`` is an amount in wei written as a decimal string, ``contract`` the
token's contract address (empty: ETH), ``chat_id`` the 1:1 chat (the recipient's key for the
sender), ``id`` of a SendTransaction the request it answers (empty when unsolicited). Receivers
(status-go's ValidateReceived*) need a non-empty value and address, a transaction hash and a
signature. Signing the chain transaction is the wallet's business, not ours: we carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.payloads import message_types

REQUEST_TRANSACTION = message_types.BY_NAME["REQUEST_TRANSACTION"]
SEND_TRANSACTION = message_types.BY_NAME["SEND_TRANSACTION"]

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_WEI = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Command:
    kind: str  # transaction_request | transaction_sent
    clock: int
    chat_id: str
    address: str = ""
    value: str = ""
    contract: str = ""
    request_id: str = ""  # SendTransaction.id: the request answered
    transaction_hash: str = ""
    signature: bytes = b""

    def fields(self) -> dict:
        """The command's own fields, as events and ``envelope inspect`` show them (signature as 0x hex)."""
        if self.kind == "transaction_request":
            return {"address": self.address, "value": self.value, "contract": self.contract, "chat_id": self.chat_id, "clock": self.clock}
        return {"request_id": self.request_id, "transaction_hash": self.transaction_hash, "signature": "0x" + self.signature.hex(),
                "chat_id": self.chat_id, "clock": self.clock}  # fmt: skip


def check_address(text: str, what: str) -> str:
    if not _ADDRESS.match(text or ""):
        raise InvalidInput(f"{what} must be an Ethereum address (0x + 40 hex digits), not {text[:80]!r}")
    return text


def check_wei(text: str) -> str:
    t = (text or "").strip()
    if not _WEI.match(t):
        raise InvalidInput(f"the value is an amount in wei: a non-negative whole number, not {text[:80]!r}")
    return str(int(t))  # no leading zeros


def check_tx_hash(text: str) -> str:
    if not _TX_HASH.match(text or ""):
        raise InvalidInput(f"a transaction hash is 0x + 64 hex digits, not {text[:80]!r}")
    return text.lower()


def encode_request(*, address: str, value: str, contract: str, chat_id: str, clock: int) -> tuple[int, bytes]:
    from statuscli.pb import command_pb2

    check_address(address, "the address")
    if contract:
        check_address(contract, "the token contract")
    msg = command_pb2.RequestTransaction(clock=clock, address=address, value=check_wei(value), contract=contract, chat_id=chat_id)
    return REQUEST_TRANSACTION, msg.SerializeToString(deterministic=True)


def encode_sent(*, transaction_hash: str, signature: bytes, chat_id: str, clock: int, request_id: str = "") -> tuple[int, bytes]:
    from statuscli.pb import command_pb2

    if not signature:
        raise InvalidInput("a transaction-sent message needs the transaction's signature (status-go refuses it without)")
    msg = command_pb2.SendTransaction(clock=clock, id=request_id, transaction_hash=check_tx_hash(transaction_hash), signature=signature,
                                      chat_id=chat_id)  # fmt: skip
    return SEND_TRANSACTION, msg.SerializeToString(deterministic=True)


def decode(amm_type: int, payload: bytes) -> Command:
    """A received command; DecodeError when the bytes are not one or status-go would refuse it."""
    from statuscli.core.encryption import parse_pb
    from statuscli.pb import command_pb2

    if amm_type == REQUEST_TRANSACTION:
        m = parse_pb(command_pb2.RequestTransaction(), payload, "RequestTransaction")
        if not m.value.strip() or not m.address.strip():
            raise DecodeError("a transaction request without value or address")
        return Command("transaction_request", m.clock, m.chat_id, address=m.address, value=m.value, contract=m.contract)
    if amm_type == SEND_TRANSACTION:
        m = parse_pb(command_pb2.SendTransaction(), payload, "SendTransaction")
        if not m.transaction_hash.strip() or not m.signature:
            raise DecodeError("a transaction-sent message without hash or signature")
        return Command("transaction_sent", m.clock, m.chat_id, request_id=m.id, transaction_hash=m.transaction_hash, signature=m.signature)
    raise DecodeError(f"application type {amm_type} is not a wallet command")
