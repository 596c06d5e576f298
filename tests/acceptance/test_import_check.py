"""Every test document end to end: `riskbot import` writes a register that `riskbot check`
passes, with the document's own method, bands and scores.

The document's mistakes were the import's warnings on the document's lines; the register holds
the levels the document states and the score and band its method gives them, so `check` finds
nothing but what the issue leaves for it (a risk without an owner).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.register.load import POLICY_PATH
from tests.data.documents import xlsx_documents
from tests.factories import REPO

DOCUMENTS = REPO / "tests" / "data" / "documents"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (DOCUMENTS / "expected.yaml").read_text(encoding="utf-8")
)
WORKBOOKS = {"falcon.xlsx": xlsx_documents.falcon, "simple.xlsx": xlsx_documents.simple}
CONTRACT = json.loads((REPO / "tests" / "contract" / "check-output.schema.json").read_text())
FACTORS = ("impact", "probability", "detection")


def riskbot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def imported(tmp_path: Path, name: str) -> Path:
    """The register `riskbot import` writes from the document ``name``."""
    document = tmp_path / name
    if name in WORKBOOKS:
        document.write_bytes(WORKBOOKS[name]())
    else:
        document.write_bytes((DOCUMENTS / name).read_bytes())
    out = tmp_path / "register"
    sheet = ["--sheet", str(EXPECTED[name]["sheet"])] if "sheet" in EXPECTED[name] else []
    code, _ = riskbot("import", str(document), "--out", str(out), *sheet)
    assert code == (1 if EXPECTED[name]["unreadable"] else 0)
    return out


def test_every_method_and_a_documents_own_bands_are_covered() -> None:
    methods = {e["method"] for e in EXPECTED.values()}
    assert {"plan", "3x3", "5x5-4band", "fmea"} <= methods
    presets = {"plan": 15, "3x3": 6, "5x5-4band": 15, "fmea": 200}
    own_thresholds = [n for n, e in EXPECTED.items() if e["bands"][0][2] != presets[e["method"]]]
    own_names = [
        n
        for n, e in EXPECTED.items()
        if any(label.casefold() != name for name, label, _ in e["bands"])
    ]
    assert own_thresholds
    assert own_names
    assert [n for n, e in EXPECTED.items() if e.get("formula") == "table"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_imported_register_passes_check_with_the_documents_bands_and_scores(
    tmp_path: Path, name: str
) -> None:
    want = EXPECTED[name]
    root = imported(tmp_path, name)
    policy = yaml.safe_load((root / POLICY_PATH).read_text(encoding="utf-8"))
    assert policy["method"]["name"] == want["method"]
    assert [[b["name"], b["label"], b.get("min_score")] for b in policy["bands"]] == want["bands"]
    assert policy["method"]["formula"] == want.get("formula", "product")
    code, out = riskbot("check", "--root", str(root), "--format", "json")
    report = json.loads(out)
    jsonschema.validate(report, CONTRACT)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    expected_errors = want.get("check_errors", [])
    assert code == (1 if expected_errors else 0), errors
    by_file = {r["file"]: r for r in report["risks"]}
    assert sorted(
        (yaml.safe_load((root / f["file"]).read_text())["source"]["id"], f["code"]) for f in errors
    ) == sorted((e["id"], e["code"]) for e in expected_errors)
    labels = {b["name"]: b["label"] for b in policy["bands"]}
    got = sorted(
        (
            (r["source"] or {}).get("id", ""),
            [r[f] for f in FACTORS if f in r],
            r["score"],
            labels[r["band"]],
        )
        for r in by_file.values()
    )
    unchecked = {e["id"] for e in expected_errors}  # a file that fails the schema is not scored
    assert got == sorted(
        (r["id"], r["levels"], r["score"], r["band"])
        for r in want["risks"]
        if r["id"] not in unchecked
    )
