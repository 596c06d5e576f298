"""Residual targets: checked against the inherent levels, shown inherent → residual."""

from __future__ import annotations

from pathlib import Path

from bot.documents.report import render_report
from bot.register.compare import PrReport, compare
from bot.render.check import check_report, to_json
from bot.render.check import render_text_report as check_text
from bot.render.issues import red_issue_body
from bot.render.matrix import cells
from bot.render.pr import render_markdown_report
from tests.factories import copy_policy, line_of, register_of, risk_yaml, write_risk
from tests.mermaid import assert_charts_parse


def _register(root: Path, **residual: object) -> Path:
    copy_policy(root)
    write_risk(
        root,
        "R-001-a.yaml",
        risk_yaml(
            "R-001",
            impact={"level": 4},
            probability={"level": 4},
            residual=residual or None,
        ),
    )
    write_risk(root, "R-002-b.yaml", risk_yaml("R-002"))
    return root


def test_a_residual_level_above_the_inherent_one_is_an_error_on_its_line(tmp_path: Path) -> None:
    root = _register(tmp_path, impact=5, probability=2)
    register = register_of(root)
    text = (root / "risks" / "R-001-a.yaml").read_text(encoding="utf-8")
    (finding,) = [f for f in register.findings if f.code == "residual"]
    assert finding.severity == "error"
    assert finding.path == ("residual", "impact")
    assert finding.line == line_of(text, "  impact: 5")
    assert "residual impact 5 is above the inherent impact 4" in finding.message


def test_both_levels_are_checked_and_equal_levels_are_fine(tmp_path: Path) -> None:
    worse = register_of(_register(tmp_path / "a", impact=4, probability=5))
    assert [f.path for f in worse.findings if f.code == "residual"] == [("residual", "probability")]
    same = register_of(_register(tmp_path / "b", impact=4, probability=4))
    assert not [f for f in same.findings if f.code == "residual"]
    # A lower score does not excuse a higher level: impact up, probability down is refused.
    traded = register_of(_register(tmp_path / "c", impact=5, probability=1))
    assert [f.path for f in traded.findings if f.code == "residual"] == [("residual", "impact")]


def test_check_names_the_risks_without_a_target_in_one_line(tmp_path: Path) -> None:
    register = register_of(_register(tmp_path, impact=2, probability=2, note="Fixed by v3"))
    report = check_report(register)
    assert report.ok
    data = to_json(report)
    assert data["without_residual"] == ["R-002"]
    risks = {r["id"]: r for r in data["risks"]}  # type: ignore[attr-defined]
    target = {"impact": 2, "probability": 2, "score": 4, "band": "green"}
    assert risks["R-001"]["residual"] == target
    assert risks["R-002"]["residual"] is None
    text = check_text(report)
    assert text.count("without one: R-002") == 1
    assert not [f for f in register.findings if "residual" in f.message]  # not one per risk


def test_report_issue_and_heat_map_show_inherent_to_residual(tmp_path: Path) -> None:
    register = register_of(_register(tmp_path, impact=2, probability=2, note="Fixed by v3"))
    report = render_report(register)
    assert (
        "**Residual target**: 4 Major × 4 Likely = 16 (Red) → 2 Minor × 2 Unlikely = 4 (Green)"
        in report
    )
    assert "**Residual note**: Fixed by v3" in report
    assert "**Residual targets**: 1 of 2 open risks state one (without one: R-002)" in report
    assert "| 🟥 16 Red | 🟩 4 Green |" in report
    residual = render_report(register, residual=True)
    assert "## 5. Heat map (residual impact × probability)" in residual
    heat = residual[residual.index("## 5.") : residual.index("## 6.")]
    assert "🟩 4 R-001" in heat
    at_target = cells(register.assessments, register.policy, residual=True)[(2, 2)]
    assert [a.risk.id for a in at_target] == ["R-001"]
    assert [a.risk.id for a in cells(register.assessments, register.policy)[(4, 4)]] == ["R-001"]
    a = register.get("R-001")
    assert a is not None
    body = red_issue_body(a, register.policy, link="https://example.invalid", not_assignable=())
    assert "| **Inherent → residual** | 16 (4 × 4, Red) → **4** (2 × 2, Green) |" in body


def test_the_pr_comment_shows_inherent_to_residual_and_the_odds_it_moves(tmp_path: Path) -> None:
    base = register_of(_register(tmp_path / "base"))
    head_root = _register(tmp_path / "head", impact=3, probability=2)
    write_risk(
        head_root,
        "R-002-b.yaml",
        risk_yaml("R-002", impact={"level": 4}, probability={"level": 4}),
    )
    head = register_of(head_root)
    report = PrReport(compare(base, head), "base", "head", frozenset({"risks/R-002-b.yaml"}))
    body = render_markdown_report(report)
    assert "### Inherent → residual" in body
    assert "16 (4 × 4, Red) → **6** (3 × 2, Green)" in body
    assert "16 (4 × 4, Red) → no residual target set" in body
    assert "### Schedule odds moved" in body
    section = body[body.index("### Schedule odds moved") :]
    assert "| v3 | 4 |" in section
    assert " → " in section
    (chart,) = assert_charts_parse(section)
    assert chart["config"]["themeVariables"]["xyChart"]["plotColorPalette"] == "#8c959f, #0969da"
    same = PrReport(compare(base, base), "base", "base", frozenset())
    assert "Schedule odds moved" not in render_markdown_report(same)
