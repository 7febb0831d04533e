from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from streamd_server import Streamd  # noqa: E402


def _running() -> Iterator[Streamd]:
    instance = Streamd()
    instance.start()
    yield instance
    instance.cleanup()


@pytest.fixture(scope="session")
def server() -> Iterator[Streamd]:
    """One streamd shared by the tests that do not restart it."""
    yield from _running()


@pytest.fixture
def own_server() -> Iterator[Streamd]:
    """A streamd of this test's own, which it may restart or kill."""
    yield from _running()


async def until(predicate, timeout: float = 15.0) -> None:
    """Waits until predicate() is true; fails the test after `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def require_epochs(result_epoch: str | None) -> None:
    """Tests of wire format 1.1 (epochs, idempotency keys) run once the server
    sends epochs. STREAMD_REQUIRE_EPOCHS=1 turns the skip into a failure."""
    if result_epoch is None:
        if os.environ.get("STREAMD_REQUIRE_EPOCHS") == "1":
            pytest.fail("the server sends no epoch (wire format 1.1 required)")
        pytest.skip("this streamd sends no epoch yet (wire format 1.1)")
