from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cli import run_riskbot as _run_riskbot

pytest_plugins = (
    ["tests.fakegithub.plugin"] if importlib.util.find_spec("tests.fakegithub.plugin") else []
)


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """riskbot's compiled validators go to a cache of the suite's own, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def run_riskbot() -> Callable[..., Any]:
    """riskbot run in this process as a subprocess of it would run (:func:`tests.cli.run_riskbot`):
    ``run_riskbot("check", "--root", str(root))``."""
    return _run_riskbot
