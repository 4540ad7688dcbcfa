"""tests/chain: statuscli against a real local Ethereum node — ganache from the pinned npm tree in
tests/interop/js/ens (``scripts/dev install`` runs ``npm ci`` there), with ENS's published contracts
deployed on it: ENSRegistry (@ensdomains/ens) and PublicResolver (@ensdomains/resolver), whose
``pubkey`` record (EIP-619) is where Status keeps an ENS name's chat key.

Without node/npm or the tree, the tests here are skipped with one line; with ``CI`` set they fail.
"""

from __future__ import annotations

import os

import pytest

from tests.chain.ganache import environment_problem


def require_ganache() -> None:
    problem = environment_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"chain: {problem} (CI is set: the ENS chain tests must run)", pytrace=False)
    pytest.skip(f"chain tests need ganache: {problem}")


@pytest.fixture(scope="module")
def ens_chain():
    """A running ganache with ENS deployed (see :class:`tests.chain.ganache.EnsChain`); stopped at the end."""
    require_ganache()
    from tests.chain.ganache import Ganache, deploy_ens

    with Ganache() as node:
        yield deploy_ens(node)
