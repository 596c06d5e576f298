"""Findings: every problem the bot reports is one of these, pointing at a file and a line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: where it is (1-based line and column, JSON path) and what it is.

    ``col`` is None where the problem has no single column (a plan line, a whole file).
    """

    file: str
    line: int
    severity: Severity
    message: str
    path: str = "$"
    code: str = ""
    col: int | None = None

    @property
    def where(self) -> str:
        """``file:line`` or ``file:line:col``, the form compilers and editors understand."""
        col = f":{self.col}" if self.col is not None else ""
        return f"{self.file}:{self.line}{col}"

    def as_text(self) -> str:
        """Render as ``file:line:col: severity: message`` (``file:line: …`` without a column)."""
        return f"{self.where}: {self.severity}: {self.message}"

    def as_json(self) -> dict[str, object]:
        """The finding as the JSON contract names it (``col`` is null where unknown)."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
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
    file: str, line: int, message: str, *, path: str = "$", code: str = "", col: int | None = None
) -> Finding:
    """Build an error finding."""
    return Finding(file, line, "error", message, path, code, col)


def warning(
    file: str, line: int, message: str, *, path: str = "$", code: str = "", col: int | None = None
) -> Finding:
    """Build a warning finding."""
    return Finding(file, line, "warning", message, path, code, col)


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    """Order findings by file, then line, then column, then message."""
    return (finding.file, finding.line, finding.col or 0, finding.message)
