from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import scripted
from tests.cli import run_riskbot as _run_riskbot
from tests.factories import commit, copy_register, init_repo

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
    """riskbot run in this process as a subprocess of it would run (:func:`tests.cli.run_riskbot`):
    ``run_riskbot("check", "--root", str(root))``."""
    return _run_riskbot


# Git repositories the tests read are built once per test run (per pytest-xdist worker): shared
# ones are only read; a test that changes one gets its own copy.


@pytest.fixture(scope="session")
def scripted_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The register with a scripted year of git history (tests/scripted.py) and each risk's
    expected trend; shared: read it, or clone it to change it."""
    root = tmp_path_factory.mktemp("scripted") / "register"
    return root, scripted.build(root)


@pytest.fixture(scope="session")
def _committed_register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = init_repo(copy_register(tmp_path_factory.mktemp("committed") / "repo"))
    return root, commit(root, "base")


@pytest.fixture
def committed_register(_committed_register: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """The frozen register committed on ``main`` in a git repository of this test's own, and
    that commit's id (a copy of one built once)."""
    template, base = _committed_register
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root, base
