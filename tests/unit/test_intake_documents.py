"""Intake on the test documents: each imports with the risks its author meant, every mistake
planted in it is reported on its line, and nothing else is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.intake.pipeline import IntakeResult, Options, import_document
from bot.register.load import POLICY_PATH, Register, SourceFile, build_register
from bot.repo import schemas
from tests.data.documents import xlsx_documents

DOCUMENTS = Path(__file__).resolve().parent.parent / "data" / "documents"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (DOCUMENTS / "expected.yaml").read_text(encoding="utf-8")
)
WORKBOOKS = {"falcon.xlsx": xlsx_documents.falcon, "simple.xlsx": xlsx_documents.simple}
SHAPES = {"Markdown sections", "Markdown table", "YAML", "CSV", "TSV", "XLSX"}


def raw_of(name: str) -> bytes:
    if name in WORKBOOKS:
        return WORKBOOKS[name]()
    return (DOCUMENTS / name).read_bytes()


def imported(name: str) -> IntakeResult:
    return import_document(raw_of(name), name, Options(sheet=EXPECTED[name].get("sheet", "")))


def test_every_shape_has_documents() -> None:
    assert len(EXPECTED) >= 15
    assert {e["shape"] for e in EXPECTED.values()} == SHAPES
    assert {e["method"] for e in EXPECTED.values()} == {"plan", "3x3", "5x5-4band", "fmea"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_document_imports_with_its_own_levels(name: str) -> None:
    want = EXPECTED[name]
    result = imported(name)
    assert (result.shape, result.method) == (want["shape"], want["method"])
    got = [
        {
            "id": row.own_id,
            "levels": [int(n) for n in row.levels.split(" × ")],
            "score": row.score,
            "band": row.band,
        }
        for row in result.rows
    ]
    assert got == want["risks"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_planted_mistake_is_reported_on_its_line(name: str) -> None:
    want = EXPECTED[name]
    result = imported(name)
    warned = [(f.line, f.message) for f in result.warnings]
    assert sorted(line for line, _ in warned) == sorted(p["line"] for p in want["planted"])
    for planted in want["planted"]:
        assert any(
            line == planted["line"] and planted["says"] in message for line, message in warned
        ), (planted, warned)
    assert [f.line for f in result.errors] == want["unreadable"]


def check(result: IntakeResult) -> Register:
    """`riskbot check`'s code on the files an import would write."""
    schemas.install()
    files = result.files
    register = build_register(
        SourceFile(POLICY_PATH, files[POLICY_PATH].encode()),
        [SourceFile(n, t.encode()) for n, t in files.items() if n != POLICY_PATH],
    )
    assert isinstance(register, Register), [f.as_text() for f in register.findings]
    return register


def source_file(result: IntakeResult, own_id: str) -> dict[str, Any]:
    """The risk file an import writes for the document's risk ``own_id``."""
    (data,) = [
        d
        for n, t in result.files.items()
        if n != POLICY_PATH and (d := yaml.safe_load(t))["source"].get("id") == own_id
    ]
    return data


def test_a_wrong_stated_score_or_band_is_declared_as_the_method_gives_it() -> None:
    """The document's mistake is the import's warning; its register passes check."""
    scored = imported("register-under-key.yaml")  # LA-03: "score: 12" for 5 × 2
    assert any("LA-03: stated score 12 is not 5 × 2 = 10" in f.message for f in scored.warnings)
    assert source_file(scored, "LA-03")["score"] == 10
    banded = imported("table-split.md")  # RSK-03: "Red" for 4 × 3 = 12
    assert any("RSK-03: 'Red' contradicts" in f.message for f in banded.warnings)
    assert (source_file(banded, "RSK-03")["score"], source_file(banded, "RSK-03")["band"]) == (
        12,
        "yellow",
    )
    for result in (scored, banded):
        assert check(result).errors == []


METHOD_NAMES = {"plan", "3x3", "5x5-4band", "fmea"}
CADENCES = {"daily", "weekly", "bi-weekly", "monthly", "quarterly"}


def assert_method_spec(policy: Mapping[str, Any]) -> None:
    """The policy's method part has the agreed shape (the policy's `method` section)."""
    method = policy.get("method", {})
    assert set(method) <= {"name", "formula", "detection", "factor_labels", "table"}
    assert method.get("name", "plan") in METHOD_NAMES
    assert method.get("formula", "product") in ("product", "table")
    assert ("table" in method) == (method.get("formula") == "table")
    assert set(method.get("factor_labels", {})) <= {"impact", "probability", "detection"}
    factors = ["impact_scale", "probability_scale"]
    if method.get("detection"):
        factors.append("detection_scale")
    else:
        assert "detection_scale" not in policy
    for key in factors:
        scale = policy[key]
        assert 2 <= len(scale) <= 10, key
        assert [x["level"] for x in scale] == list(range(1, len(scale) + 1)), key
        assert all(isinstance(x["label"], str) and x["label"] for x in scale), key
        for x in scale:
            if "percent" in x:
                assert 0 <= x["percent"]["min"] <= x["percent"]["max"] <= 100
    bands = policy["bands"]
    assert 2 <= len(bands) <= 7
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", b["name"]) for b in bands)
    assert len({b["name"] for b in bands}) == len(bands)
    if method.get("formula") == "table":  # each cell its band: one row per impact level
        assert all("min_score" not in b for b in bands)
        rows = method["table"]
        assert [r["impact"] for r in rows] == list(range(1, len(policy["impact_scale"]) + 1))
        assert all(len(r["bands"]) == len(policy["probability_scale"]) for r in rows)
        assert {n for r in rows for n in r["bands"]} == {b["name"] for b in bands}
    else:
        lows = [b["min_score"] for b in bands]
        assert lows == sorted(lows, reverse=True)
        assert len(set(lows)) == len(lows)
        assert lows[-1] == 1
    assert all(b["monitoring"] in CADENCES for b in bands)
    assert all(isinstance(b.get("opens_issue", True), bool) for b in bands)
    names = {b["name"] for b in bands}
    assert set(policy["escalation"]["same_level"]["bands"]) <= names


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_written_policy_carries_the_documents_method(name: str) -> None:
    want = EXPECTED[name]
    result = imported(name)
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert_method_spec(policy)
    labels = {b["label"] for b in policy["bands"]}
    assert {r["band"] for r in want["risks"]} <= labels
    assert policy["method"]["name"] == want["method"]


def test_the_documents_own_thresholds_and_band_names_are_the_policys() -> None:
    policy = yaml.safe_load(imported("sections-own-scale.md").files[POLICY_PATH])
    assert [(b["name"], b["label"], b["min_score"]) for b in policy["bands"]] == [
        ("extreme", "Extreme", 20),
        ("high", "High", 12),
        ("moderate", "Moderate", 6),
        ("low", "Low", 1),
    ]
    assert next(x["label"] for x in policy["probability_scale"]) == "Very Low"
    assert policy["probability_scale"][0]["percent"] == {"min": 0, "max": 10}
    fmea = yaml.safe_load(imported("register.tsv").files[POLICY_PATH])
    assert fmea["method"] == {
        "name": "fmea",
        "formula": "product",
        "detection": True,
        "factor_labels": {
            "impact": "Severity",
            "probability": "Occurrence",
            "detection": "Detection",
        },
    }
    assert len(fmea["detection_scale"]) == 10
    amber = yaml.safe_load(imported("table-reordered.md").files[POLICY_PATH])
    assert [(b["name"], b["label"], b["min_score"]) for b in amber["bands"]] == [
        ("red", "Red", 15),
        ("yellow", "Amber", 8),
        ("green", "Green", 1),
    ]


def test_each_risk_keeps_its_source_and_the_fields_riskbot_does_not_use() -> None:
    result = imported("register-list.yaml")
    first = yaml.safe_load(result.files["risks/R-001-upstream-editor-changes.yaml"])
    assert first["source"] == {"document": "register-list.yaml", "id": "R1", "line": 2}
    assert first["extra"] == {"triggers": "Beta release notes mention the extension host"}
    assert first["mitigation"]["response"] == ["Pin users to the last compatible editor version"]
    csv = imported("register.csv")
    data = [yaml.safe_load(t) for n, t in csv.files.items() if n != POLICY_PATH]
    assert [d["source"]["line"] for d in data] == [5, 7, 8, 9]
    assert [d["source"]["id"] for d in data] == ["ORP-1", "ORP-2", "ORP-3", "ORP-4"]
    # A quoted cell over two lines: one measure per line, and per "; ".
    assert data[0]["mitigation"]["prevention"] == [
        "Raise the node cap",
        "load test at 10x",
        "Pre-warm caches the night before",
    ]
    falcon = imported("falcon.xlsx")
    source = yaml.safe_load(falcon.files["risks/R-001-modem-firmware-recall.yaml"])["source"]
    assert source == {"document": "falcon.xlsx", "id": "FT-01", "line": 4, "sheet": "Register"}


def test_check_lists_the_kept_fields_as_a_warning() -> None:
    result = imported("sections-attribute-table.md")
    name = "risks/R-001-double-booking-after.yaml"
    assert yaml.safe_load(result.files[name])["extra"] == {
        "trigger": "More than 3 double bookings reported in a week"
    }
    kept = [f for f in check(result).warnings if f.code == "extra"]
    line = result.files[name].splitlines().index("extra:") + 1
    assert [(f.file, f.line, f.severity) for f in kept] == [(name, line, "warning")]
    assert "not used by riskbot: trigger;" in kept[0].message


def test_missing_status_and_owner_are_said_once_each() -> None:
    result = imported("register.csv")
    assert [s for s in result.summary if "no owner" in s] == [
        "1 risk with no owner: left out, for `riskbot check` to flag (R-004)"
    ]
    no_status = imported("sections-no-id.md")
    assert [s for s in no_status.summary if "no status" in s] == [
        "1 risk with no status: imported as planning (R-002)"
    ]
    data = yaml.safe_load(no_status.files["risks/R-002-store-staff-are.yaml"])
    assert data["status"] == {"state": "planning"}
