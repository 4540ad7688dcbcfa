"""Interop tests against js-waku: environment gate and fixtures.

Without Node/npm or without the pinned js-waku trees (``scripts/dev install`` runs ``npm ci`` in
``tests/interop/js/light`` and ``tests/interop/js/relay``), every test here is skipped with one
line saying what is missing. When the environment variable ``CI`` is set they fail instead: CI
must run them.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pytest

from tests.interop.harness import JsDriver, OurNode, environment_problem


@lru_cache(maxsize=1)
def _problem() -> str | None:
    return environment_problem()


def require_js_waku() -> None:
    """Skip (or, when ``CI`` is set, fail) with one line if the js-waku side cannot run here."""
    problem = _problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"interop: {problem} (CI is set: the js-waku interop tests must run)", pytrace=False)
    pytest.skip(f"interop tests need js-waku: {problem}")


@pytest.fixture(autouse=True)
def _require_js_waku():
    require_js_waku()


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory):
    """One of our nodes (TCP and WebSocket listeners) shared by the tests of a module."""
    require_js_waku()
    node = OurNode(tmp_path_factory.mktemp("shared-node"), ws=True)
    yield node
    node.stop()


@pytest.fixture
def start_node(tmp_path):
    """Factory: ``start_node(ws=False, peers=())`` → a running :class:`OurNode`; all stopped at teardown."""
    nodes: list[OurNode] = []

    def start(**kwargs) -> OurNode:
        node = OurNode(tmp_path / f"node{len(nodes)}", **kwargs)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()


@pytest.fixture
def js_driver():
    """Factory: ``js_driver(project, script, *args, stdin_pipe=False)``; leftovers killed at teardown."""
    drivers: list[JsDriver] = []

    def start(project, script, *args, stdin_pipe=False) -> JsDriver:
        driver = JsDriver(project, script, *args, stdin_pipe=stdin_pipe)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.kill()
