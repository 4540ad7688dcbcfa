"""--eth-rpc and --ens-registry: where commands that take NAME.eth look the name up."""

from __future__ import annotations

import click

MAINNET_TEXT = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e"  # statuscli.core.ens.MAINNET_REGISTRY (imported only when used)


def ens_options(f):
    """Add ``--eth-rpc URL`` (STATUSCLI_ETH_RPC) and ``--ens-registry ADDRESS`` (STATUSCLI_ENS_REGISTRY)."""
    f = click.option("--ens-registry", metavar="ADDRESS", envvar="STATUSCLI_ENS_REGISTRY", show_envvar=True,
                     help=f"The ENS registry contract to start from (default: mainnet's {MAINNET_TEXT}); for a test chain.")(f)  # fmt: skip
    f = click.option("--eth-rpc", metavar="URL", envvar="STATUSCLI_ETH_RPC", show_envvar=True,
                     help="Ethereum JSON-RPC endpoint (http://…) that resolves NAME.eth: the registry's resolver, then its pubkey record.")(f)  # fmt: skip
    return f


def ens_source(eth_rpc: str | None, ens_registry: str | None):
    """The :class:`statuscli.app.ens.EnsSource` these options describe (the registry is checked now)."""
    from statuscli.app.ens import EnsSource
    from statuscli.core.ens import MAINNET_REGISTRY, parse_address

    registry = parse_address(ens_registry) if ens_registry else MAINNET_REGISTRY
    return EnsSource(eth_rpc or None, registry)
