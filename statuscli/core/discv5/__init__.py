"""Node Discovery v5.1 (devp2p discv5 wire protocol), sans-IO.

``crypto``: handshake key agreement, id-nonce signature, message AES-GCM. ``packet``: header
masking and the three packet kinds. ``messages``: the RLP message codecs. ``handshake``: the two
sides of the WHOAREYOU handshake as pure functions. ``table``: the Kademlia routing table.
Entropy (masking IVs, nonces, ephemeral keys) and time are always arguments.
"""
