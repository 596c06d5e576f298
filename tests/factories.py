"""Small factories for test data: registers, risk files, and the repository's own register."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / ".github" / "riskbot.yml"
RISKS = REPO / "risks"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/risk.schema.json\n"


def copy_register(dest: Path) -> Path:
    """Copy the repository's policy and risks into ``dest`` and return it."""
    (dest / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY, dest / ".github" / "riskbot.yml")
    shutil.copytree(RISKS, dest / "risks", dirs_exist_ok=True)
    return dest


def risk_data(risk_id: str = "R-100", **overrides: Any) -> dict[str, Any]:
    """A valid risk as a mapping; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "id": risk_id,
        "title": f"Example risk {risk_id}",
        "category": "Technical",
        "phase": "v3",
        "identified": "2024-11-17",
        "description": "Something could go wrong.",
        "impact": {"level": 3, "narrative": "Moderate"},
        "probability": {"level": 2, "narrative": "Unlikely (5-20%)"},
        "mitigation": {"prevention": ["Plan"], "detection": ["Watch"], "response": ["Act"]},
        "owner": "Technical Lead",
        "status": {"state": "active", "note": "In progress"},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def risk_yaml(risk_id: str = "R-100", **overrides: Any) -> str:
    """A valid risk file's text, with the editor schema line first."""
    return SCHEMA_LINE + yaml.safe_dump(
        risk_data(risk_id, **overrides), sort_keys=False, allow_unicode=True
    )


def write_risk(root: Path, name: str, text: str | bytes) -> Path:
    """Write a risk file under ``root/risks``."""
    path = root / "risks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


PLAN = REPO / "plan" / "000_8f0a6c37f85701eb.txt"
"""The program's risk management plan, byte for byte as its authors wrote it (mis-encoded)."""


def plan_text() -> str:
    """The plan's text, still mis-encoded (``Ã—`` for ``×``) as the importer must read it."""
    return PLAN.read_text(encoding="utf-8")


def copy_policy(dest: Path) -> Path:
    """Copy only the repository's policy into ``dest`` (an empty register) and return it."""
    (dest / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY, dest / ".github" / "riskbot.yml")
    return dest


def outcome(release: str = "v3", occurred: bool = True, **extra: Any) -> dict[str, Any]:
    """An ``outcome`` entry of a risk file."""
    return {"release": release, "occurred": occurred, **extra}
