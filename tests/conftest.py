from __future__ import annotations

import importlib.util

pytest_plugins = (
    ["tests.fakegithub.plugin"] if importlib.util.find_spec("tests.fakegithub.plugin") else []
)
