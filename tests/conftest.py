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


@pytest.fixture(scope="session", autouse=True)
def _own_package_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`riskbot init` asks the package index whether it holds the version it pins: the suite's
    own index (a folder with this version's file names), never the internet."""
    from bot import __version__

    index = tmp_path_factory.mktemp("package-index")
    (index / "riskbot").mkdir()
    for name in (f"riskbot-{__version__}-py3-none-any.whl", f"riskbot-{__version__}.tar.gz"):
        (index / "riskbot" / name).write_bytes(b"")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_INDEX_URL", index.as_uri())
        yield


@pytest.fixture
def run_riskbot() -> Callable[..., Any]:
    """The installed ``riskbot`` as a subprocess: ``run_riskbot("check", "--root", str(root))``."""
    return _run_riskbot
