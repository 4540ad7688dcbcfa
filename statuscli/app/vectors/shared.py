"""Which check verifies a vector of the shared format (``status.json``, ``waku.json``), keyed by
``(category, subcategory)``; what statuscli does not implement is skipped with the reason."""

from __future__ import annotations

from collections.abc import Callable

# (category, subcategory or "*") -> why statuscli does not check it
NOT_IMPLEMENTED: dict[tuple[str, str], str] = {
    ("rln", "*"): "RLN (rate-limit nullifiers) is not implemented by statuscli",
    ("sds_mvds", "*"): "SDS (js-waku's scalable data sync) is not implemented; statuscli speaks status-go's MVDS",
}


def _tables() -> list[dict]:
    from statuscli.app.vectors import shared_identity, shared_rpc, shared_status, shared_waku

    return [shared_identity.CHECKS, shared_status.CHECKS, shared_waku.CHECKS, shared_rpc.CHECKS]


def lookup(category: str, subcategory: str | None) -> tuple[Callable | None, str | None]:
    key = (category, subcategory)
    for table in _tables():
        if key in table:
            return table[key], None
    reason = NOT_IMPLEMENTED.get((category, subcategory or "")) or NOT_IMPLEMENTED.get((category, "*"))
    return None, reason or f"unknown category {category}{'/' + subcategory if subcategory else ''}: statuscli has no check for it"


def known() -> list[tuple[str, str | None]]:
    """Every (category, subcategory) of the shared format that statuscli verifies."""
    return sorted((k for t in _tables() for k in t), key=lambda k: (k[0], k[1] or ""))
