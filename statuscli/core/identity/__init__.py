"""Identity: BIP-39/BIP-32 keys, the Status paths, and the human forms of a chat key.

Modules (import the one you need; this package imports nothing on its own):

* :mod:`.mnemonic` — BIP-39 mnemonics from entropy, validation, seed.
* :mod:`.hd` — BIP-32 derivation (bip-utils, imported lazily), keyUID, the Status keys.
* :mod:`.paths` — the derivation paths Status uses.
* :mod:`.keytext` — ``zQ3…`` compressed-key text and multibase forms, parsing any key text.
* :mod:`.alias`, :mod:`.emojihash`, :mod:`.colorhash`, :mod:`.identicon` — visual identity.
* :mod:`.profile` — all of the above for one public key at once.
* :mod:`.links` — the chat key inside shared text: key forms and ``status.app/u/…#zQ3…`` links.
* :mod:`.data` — the word lists and emoji alphabet shipped in ``statuscli/core/data``.
"""
