"""Mermaid's own parser (tools/mermaid.mjs, npm package `mermaid` at GitHub's version) from tests.

Without Node the tests that parse charts skip on a laptop and FAIL in CI (CI=true), like the
workflow lint: CI has Node and `make test` installs the package (`npm ci`).
"""

from __future__ import annotations

import atexit
import json
import os
import select
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


class _Parser:
    """One Mermaid parser (``tools/mermaid.mjs --serve``) for this test process, started on
    first use and stopped when the process ends: loading jsdom and Mermaid takes a second."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def parse(self, markdown: str) -> str:
        """The parser's answer for one document (one line of JSON), or "" if it gave none."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [_node(), str(PARSER), "--serve"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
            )
            atexit.register(self.stop)
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        try:
            stdin.write(json.dumps(markdown) + "\n")
            stdin.flush()
        except BrokenPipeError:
            return ""
        ready, _, _ = select.select([stdout], [], [], TIMEOUT)
        return stdout.readline() if ready else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


TIMEOUT = 120
_PARSER = _Parser()


def parse_blocks(markdown: str) -> list[dict[str, Any]]:
    """Every ```mermaid block of a Markdown text, parsed: {line, ok, type, config, error}."""
    answer = _PARSER.parse(markdown)
    if not answer.strip():
        _PARSER.stop()
        once = subprocess.run(  # the parser run once, for what it says on stderr
            [_node(), str(PARSER)],
            input=markdown,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        pytest.fail(f"Mermaid's parser could not run (`npm ci`, or `make test`):\n{once.stderr}")
    blocks: list[dict[str, Any]] = json.loads(answer)
    return blocks


def assert_charts_parse(markdown: str, at_least: int = 1) -> list[dict[str, Any]]:
    """Every Mermaid block parses, and there are at least ``at_least`` of them."""
    blocks = parse_blocks(markdown)
    bad = [b for b in blocks if not b["ok"]]
    assert not bad, "\n".join(f"line {b['line']}: {b['error']}" for b in bad)
    assert len(blocks) >= at_least, f"{len(blocks)} Mermaid blocks, expected ≥ {at_least}"
    return blocks
