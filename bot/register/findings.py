"""Findings: every problem the bot reports is one of these, pointing at a file and a line.

Each carries a code of :mod:`bot.register.codes`, shown as ruff shows its rule codes:
``risks/R-001.yaml:12:3: error[unknown-key] unknown key 'titel'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.register.codes import known

Severity = Literal["error", "warning"]

JsonPath = tuple[str | int, ...]
"""Where a value is in a document: its keys and list indices from the root (``()``: the root)."""

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def path_text(path: JsonPath) -> str:
    """A path as text, ``$.mitigation.response[2]``; a key that is not a plain name is quoted,
    ``$['a.b']``, so that no two paths read the same."""
    out = "$"
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif _PLAIN_KEY.fullmatch(step):
            out += f".{step}"
        else:
            out += "[" + repr(step) + "]"
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: where it is (1-based line and column, JSON path) and what it is.

    ``col`` is None where the problem has no single column (a plan line, a whole file).
    """

    file: str
    line: int
    severity: Severity
    message: str
    path: JsonPath = ()
    code: str = "schema"
    col: int | None = None

    @property
    def where(self) -> str:
        """``file:line`` or ``file:line:col``, the form compilers and editors understand."""
        col = f":{self.col}" if self.col is not None else ""
        return f"{self.file}:{self.line}{col}"

    def as_text(self) -> str:
        """Render as ``file:line:col: severity[code] message`` (``file:line: …`` without a
        column), as ruff and compilers print a diagnostic."""
        return f"{self.where}: {self.severity}[{self.code}] {self.message}"

    def as_json(self) -> dict[str, object]:
        """The finding as the JSON contract names it (``col`` is null where unknown)."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "path": path_text(self.path),
            "code": self.code,
        }


class FindingsHolder:
    """Mixin for results that collect findings: errors fail a run, warnings do not."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def error(
    file: str, line: int, message: str, *, code: str, path: JsonPath = (), col: int | None = None
) -> Finding:
    """Build an error finding; ``code`` must be in the registry."""
    return Finding(file, line, "error", message, path, known(code), col)


def warning(
    file: str, line: int, message: str, *, code: str, path: JsonPath = (), col: int | None = None
) -> Finding:
    """Build a warning finding; ``code`` must be in the registry."""
    return Finding(file, line, "warning", message, path, known(code), col)


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    """Order findings by file, then line, then column, then message."""
    return (finding.file, finding.line, finding.col or 0, finding.message)
