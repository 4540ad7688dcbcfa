"""ApplicationMetadataMessage.Type: every value status-go defines (c72f4913), and what each carries.

Values 14, 55, 65, 66 and 71 are unassigned/reserved. :data:`PAYLOAD_MESSAGES` names the protobuf
message (module in ``statuscli.pb``, message name) inside the wrapper for the types we can decode.
"""

from __future__ import annotations

TYPES: dict[int, str] = {
    0: "UNKNOWN",
    1: "CHAT_MESSAGE",
    2: "CONTACT_UPDATE",
    3: "MEMBERSHIP_UPDATE_MESSAGE",
    4: "SYNC_PAIR_INSTALLATION",
    5: "DEPRECATED_SYNC_INSTALLATION",
    6: "REQUEST_ADDRESS_FOR_TRANSACTION",
    7: "ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION",
    8: "DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION",
    9: "REQUEST_TRANSACTION",
    10: "SEND_TRANSACTION",
    11: "DECLINE_REQUEST_TRANSACTION",
    12: "SYNC_INSTALLATION_CONTACT_V2",
    13: "SYNC_INSTALLATION_ACCOUNT",
    15: "CONTACT_CODE_ADVERTISEMENT",
    16: "PUSH_NOTIFICATION_REGISTRATION",
    17: "PUSH_NOTIFICATION_REGISTRATION_RESPONSE",
    18: "PUSH_NOTIFICATION_QUERY",
    19: "PUSH_NOTIFICATION_QUERY_RESPONSE",
    20: "PUSH_NOTIFICATION_REQUEST",
    21: "PUSH_NOTIFICATION_RESPONSE",
    22: "EMOJI_REACTION",
    23: "GROUP_CHAT_INVITATION",
    24: "CHAT_IDENTITY",
    25: "COMMUNITY_DESCRIPTION",
    26: "COMMUNITY_INVITATION",
    27: "COMMUNITY_REQUEST_TO_JOIN",
    28: "PIN_MESSAGE",
    29: "EDIT_MESSAGE",
    30: "STATUS_UPDATE",
    31: "DELETE_MESSAGE",
    32: "SYNC_INSTALLATION_COMMUNITY",
    33: "ANONYMOUS_METRIC_BATCH",
    34: "SYNC_CHAT_REMOVED",
    35: "SYNC_CHAT_MESSAGES_READ",
    36: "BACKUP",
    37: "SYNC_ACTIVITY_CENTER_READ",
    38: "SYNC_ACTIVITY_CENTER_ACCEPTED",
    39: "SYNC_ACTIVITY_CENTER_DISMISSED",
    40: "SYNC_BOOKMARK",
    41: "SYNC_CLEAR_HISTORY",
    42: "SYNC_SETTING",
    43: "COMMUNITY_MESSAGE_ARCHIVE_MAGNETLINK",
    44: "SYNC_PROFILE_PICTURES",
    45: "SYNC_ACCOUNT",
    46: "ACCEPT_CONTACT_REQUEST",
    47: "RETRACT_CONTACT_REQUEST",
    48: "COMMUNITY_REQUEST_TO_JOIN_RESPONSE",
    49: "SYNC_COMMUNITY_SETTINGS",
    50: "REQUEST_CONTACT_VERIFICATION",
    51: "ACCEPT_CONTACT_VERIFICATION",
    52: "DECLINE_CONTACT_VERIFICATION",
    53: "SYNC_TRUSTED_USER",
    54: "SYNC_VERIFICATION_REQUEST",
    56: "SYNC_CONTACT_REQUEST_DECISION",
    57: "COMMUNITY_REQUEST_TO_LEAVE",
    58: "SYNC_DELETE_FOR_ME_MESSAGE",
    59: "SYNC_SAVED_ADDRESS",
    60: "COMMUNITY_CANCEL_REQUEST_TO_JOIN",
    61: "CANCEL_CONTACT_VERIFICATION",
    62: "SYNC_KEYPAIR",
    63: "SYNC_SOCIAL_LINKS",
    64: "SYNC_ENS_USERNAME_DETAIL",
    67: "COMMUNITY_EVENTS_MESSAGE",
    68: "COMMUNITY_EDIT_SHARED_ADDRESSES",
    69: "SYNC_ACCOUNT_CUSTOMIZATION_COLOR",
    70: "SYNC_ACCOUNTS_POSITIONS",
    72: "COMMUNITY_PRIVILEGED_USER_SYNC_MESSAGE",
    73: "COMMUNITY_SHARD_KEY",
    74: "SYNC_CHAT",
    75: "SYNC_ACTIVITY_CENTER_DELETED",
    76: "SYNC_ACTIVITY_CENTER_UNREAD",
    77: "SYNC_ACTIVITY_CENTER_COMMUNITY_REQUEST_DECISION",
    78: "SYNC_TOKEN_PREFERENCES",
    79: "COMMUNITY_PUBLIC_SHARD_INFO",
    80: "SYNC_COLLECTIBLE_PREFERENCES",
    81: "COMMUNITY_USER_KICKED",
    82: "SYNC_PROFILE_SHOWCASE_PREFERENCES",
    83: "COMMUNITY_PUBLIC_STORENODES_INFO",
    84: "COMMUNITY_REEVALUATE_PERMISSIONS_REQUEST",
    85: "DELETE_COMMUNITY_MEMBER_MESSAGES",
    86: "COMMUNITY_UPDATE_GRANT",
    87: "COMMUNITY_ENCRYPTION_KEYS_REQUEST",
    88: "COMMUNITY_TOKEN_ACTION",
    89: "COMMUNITY_SHARED_ADDRESSES_REQUEST",
    90: "COMMUNITY_SHARED_ADDRESSES_RESPONSE",
}
BY_NAME: dict[str, int] = {name: number for number, name in TYPES.items()}

CHAT_MESSAGE = BY_NAME["CHAT_MESSAGE"]
CONTACT_UPDATE = BY_NAME["CONTACT_UPDATE"]
MEMBERSHIP_UPDATE_MESSAGE = BY_NAME["MEMBERSHIP_UPDATE_MESSAGE"]
EMOJI_REACTION = BY_NAME["EMOJI_REACTION"]
EDIT_MESSAGE = BY_NAME["EDIT_MESSAGE"]
DELETE_MESSAGE = BY_NAME["DELETE_MESSAGE"]

#: types whose payload we can decode: type -> (module under statuscli.pb, message name)
PAYLOAD_MESSAGES: dict[int, tuple[str, str]] = {
    CHAT_MESSAGE: ("chat_message_pb2", "ChatMessage"),
    CONTACT_UPDATE: ("contact_pb2", "ContactUpdate"),
    MEMBERSHIP_UPDATE_MESSAGE: ("membership_update_message_pb2", "MembershipUpdateMessage"),
    BY_NAME["REQUEST_ADDRESS_FOR_TRANSACTION"]: ("command_pb2", "RequestAddressForTransaction"),
    BY_NAME["ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION"]: ("command_pb2", "AcceptRequestAddressForTransaction"),
    BY_NAME["DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION"]: ("command_pb2", "DeclineRequestAddressForTransaction"),
    BY_NAME["REQUEST_TRANSACTION"]: ("command_pb2", "RequestTransaction"),
    BY_NAME["SEND_TRANSACTION"]: ("command_pb2", "SendTransaction"),
    BY_NAME["DECLINE_REQUEST_TRANSACTION"]: ("command_pb2", "DeclineRequestTransaction"),
    EMOJI_REACTION: ("emoji_reaction_pb2", "EmojiReaction"),
    EDIT_MESSAGE: ("chat_message_pb2", "EditMessage"),
    DELETE_MESSAGE: ("chat_message_pb2", "DeleteMessage"),
    BY_NAME["PIN_MESSAGE"]: ("pin_message_pb2", "PinMessage"),
    BY_NAME["ACCEPT_CONTACT_REQUEST"]: ("contact_pb2", "AcceptContactRequest"),
    BY_NAME["RETRACT_CONTACT_REQUEST"]: ("contact_pb2", "RetractContactRequest"),
    BY_NAME["SYNC_DELETE_FOR_ME_MESSAGE"]: ("chat_message_pb2", "SyncDeleteForMeMessage"),
    BY_NAME["SYNC_PAIR_INSTALLATION"]: ("pairing_pb2", "SyncPairInstallation"),
    BY_NAME["SYNC_INSTALLATION_CONTACT_V2"]: ("pairing_pb2", "SyncInstallationContactV2"),
}


def type_name(value: int) -> str:
    """The enum name of a type value; unknown values (proto3 enums are open) read UNKNOWN_<n>."""
    return TYPES.get(value, f"UNKNOWN_{value}")


def type_value(name_or_number: str | int) -> int:
    """A type from its name (case-insensitive) or number."""
    if isinstance(name_or_number, int):
        return name_or_number
    text = name_or_number.strip()
    if text.isdigit():
        return int(text)
    try:
        return BY_NAME[text.upper()]
    except KeyError:
        from statuscli.core.errors import InvalidInput

        raise InvalidInput(f"unknown application message type {name_or_number!r}") from None
