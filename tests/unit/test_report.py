"""The register document (RISKS.md): shape of the plan, every risk, escaping, determinism."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.documents.report import compare_report, render_report
from bot.repo.worktree import read_register
from tests.factories import REGISTER, copy_policy, copy_register, risk_yaml, write_risk


def report_of(root: Path, today: dt.date | None = None) -> str:
    return render_report(read_register(root, today))


def test_same_register_same_bytes_whatever_the_day() -> None:
    first = report_of(REGISTER, dt.date(2025, 1, 1))
    assert first == report_of(REGISTER, dt.date(2031, 7, 9))
    assert "2025-01-01" not in first
    assert first.endswith("\n")
    assert not first.endswith("\n\n")


def test_sections_in_the_plans_order() -> None:
    text = report_of(REGISTER)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. Risk scoring matrix",
        "## 2. Risks by band",
        "## 3. Risk response matrix",
        "## 4. Risk monitoring and escalation",
        "## 5. Heat map (impact × probability)",
        "## 6. Contingency exposure",
        "## 7. History",
    ]
    bands = [
        line
        for line in text.splitlines()
        if line.startswith("### 🟥") or line.startswith("### 🟨") or line.startswith("### 🟩")
    ]
    assert bands == [
        "### 🟥 Red (score 15+): 3",
        "### 🟨 Yellow (score 8–14): 4",
        "### 🟩 Green (score 1–7): 3",
    ]


def test_scales_and_bands_come_from_the_policy() -> None:
    text = report_of(REGISTER)
    assert "| 4 | Major | schedule slip 1-3 months | 4–13 |" in text
    assert "| 5 | Almost Certain | &gt;80% | 80–100% |" in text
    assert "| 🟥 Red | 15+ | immediate mitigation required | Daily |" in text
    assert "| 🟩 Green | 1–7 | accept or monitor | Monthly |" in text
    assert "- **Security**: Vulnerabilities, supply chain, compliance" in text


def test_each_risk_with_score_words_mitigation_owner_status() -> None:
    text = report_of(REGISTER)
    risk = text[text.index("#### R-001:") : text.index("#### R-003:")]
    assert "**Risk score**: 4 Major × 4 Likely = 16 (Red)" in risk
    assert "**Description**: Migration from TOML-based registry" in risk
    assert "1. **Prevention**:\n   - Conduct thorough schema design in v3 planning phase" in risk
    assert "2. **Detection**:" in risk
    assert "3. **Response**:" in risk
    assert "**Owner**: Database/Infrastructure Lead" in risk
    assert "**Status**: Active - Mitigation in progress" in risk
    for n in range(1, 11):
        assert f"#### R-{n:03d}: " in text
    # Risks by band: highest score first within a band.
    assert text.index("#### R-002:") < text.index("#### R-001:") < text.index("#### R-003:")


def test_response_matrix_monitoring_escalation_heat_map_exposure() -> None:
    text = report_of(REGISTER)
    assert (
        "| R-001: PostgreSQL Migration Complexity | 🟥 16 Red | - "
        "| Active - Mitigation in progress "
        "| Database/Infrastructure Lead | Daily (Weekly declared; the band's is stricter) "
        "| 60% complete |"
    ) in text
    assert "- **Daily**: Red risks (R-001, R-002, R-003)" in text
    assert "- **Weekly**: Yellow risks (R-004, R-005, R-006, R-007, R-009)" in text
    assert "- **Quarterly review**: all risks + new risk identification" in text
    assert "1. Risk owner\n2. Team Lead\n3. Program Sponsor" in text
    assert "- **Team lead review**: Risk score increases by 5+ points" in text
    assert "| **5 Critical** | 🟩 5 | 🟨 10 | 🟥 15 R-003 | 🟥 20 R-002 | 🟥 25 |" in text
    assert "| v4 | 6 | 23.26 | 🟥 over (388%) |" in text


def test_text_from_risk_files_is_escaped(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    hostile = "<img src=x> @everyone | [x](http://e.vil) `code`"
    write_risk(
        root,
        "R-100-x.yaml",
        risk_yaml(
            "R-100",
            title=hostile,
            description=hostile,
            owner="@octocat",
            mitigation={"prevention": [hostile], "detection": ["- not a list"], "response": []},
            status={"state": "active", "note": hostile},
        ),
    )
    text = report_of(root)
    assert "<img" not in text
    assert "@everyone" not in text
    assert "@octocat" not in text
    assert "[x](http" not in text
    assert "   - \\- not a list" in text
    assert "R-100: &lt;img src=x&gt;" in text


def test_closed_risks_get_their_own_section_and_leave_the_heat_map(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-100-x.yaml", risk_yaml("R-100", status={"state": "closed"}))
    text = report_of(root)
    assert "### Closed: 1" in text
    assert "**Risks**: 0 open (0 Red, 0 Yellow, 0 Green), 1 closed" in text
    heat = text[text.index("## 5.") : text.index("## 6.")]
    assert "R-100" not in heat


def test_without_a_policy_there_is_nothing_to_report(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="policy"):
        report_of(tmp_path)


def test_compare_report_summarises_the_difference(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    fresh = report_of(root)
    assert compare_report(fresh, fresh).current
    stale = compare_report(fresh.replace("60% complete", "70% complete"), fresh)
    assert not stale.current
    assert stale.summary.startswith("RISKS.md is stale: 2 changed block(s)")
    assert "  - " in stale.summary
    assert "+ " in stale.summary
    missing = compare_report(None, fresh)
    assert not missing.current
    assert "does not exist" in missing.summary


def test_committed_risks_md_is_current() -> None:
    committed = (REGISTER / "RISKS.md").read_text(encoding="utf-8")
    state = compare_report(committed, report_of(REGISTER))
    assert state.current, state.summary


def test_report_check_reads_the_committed_file(tmp_path: Path) -> None:
    """``report --check`` is decided by the library: current, stale, missing or unreadable."""
    from bot.documents.report import check_report_file
    from bot.errors import RiskbotError

    target = tmp_path / "RISKS.md"
    missing = check_report_file(target, "# Risks\n")
    assert (missing.current, missing.exit_code) == (False, 1)
    assert "does not exist" in missing.summary
    target.write_text("# Risks\n", encoding="utf-8")
    assert check_report_file(target, "# Risks\n").exit_code == 0
    stale = check_report_file(target, "# Risks\n\nR-001\n")
    assert (stale.current, stale.exit_code) == (False, 1)
    assert stale.summary.startswith(f"{target} is stale")
    target.write_bytes(b"\xff\xfe")
    with pytest.raises(RiskbotError, match="cannot read"):
        check_report_file(target, "# Risks\n")
