from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

from tests.cli import run_riskbot as _run_riskbot

pytest_plugins = (
    ["tests.fakegithub.plugin"] if importlib.util.find_spec("tests.fakegithub.plugin") else []
)


@pytest.fixture
def run_riskbot() -> Callable[..., Any]:
    """The installed ``riskbot`` as a subprocess: ``run_riskbot("check", "--root", str(root))``."""
    return _run_riskbot
