"""Mermaid's own parser (tools/mermaid.mjs, npm package `mermaid` at GitHub's version) from tests.

Without Node the tests that parse charts skip on a laptop and FAIL in CI (CI=true), like the
workflow lint: CI has Node and `make test` installs the package (`npm ci`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARSER = ROOT / "tools" / "mermaid.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None and os.environ.get("CI") != "true":
        pytest.skip("Node.js is not on PATH: Mermaid charts not parsed (CI parses them)")
    if node is None:
        pytest.fail(
            "Node.js is not on PATH: the chart tests need it to run Mermaid's parser "
            "(npm packages `mermaid` and `jsdom`). Install Node ≥ 20, then `make test`."
        )
    return node


def parse_blocks(markdown: str) -> list[dict[str, Any]]:
    """Every ```mermaid block of a Markdown text, parsed: {line, ok, type, config, error}."""
    result = subprocess.run(
        [_node(), str(PARSER)],
        input=markdown,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode == 2 or not result.stdout.strip():
        pytest.fail(f"Mermaid's parser could not run (`npm ci`, or `make test`):\n{result.stderr}")
    blocks: list[dict[str, Any]] = json.loads(result.stdout)
    return blocks


def assert_charts_parse(markdown: str, at_least: int = 1) -> list[dict[str, Any]]:
    """Every Mermaid block parses, and there are at least ``at_least`` of them."""
    blocks = parse_blocks(markdown)
    bad = [b for b in blocks if not b["ok"]]
    assert not bad, "\n".join(f"line {b['line']}: {b['error']}" for b in bad)
    assert len(blocks) >= at_least, f"{len(blocks)} Mermaid blocks, expected ≥ {at_least}"
    return blocks
