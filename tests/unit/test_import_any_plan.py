"""`riskbot import` reads any plan of the seed's shape: sections optional, labels loose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.documents.importer import ImportRefused, import_into, import_plan, renumbering
from bot.documents.init import policy_template
from bot.documents.planparse import part_of_heading
from bot.intake.vocabulary import category_for, status_of
from bot.register.load import POLICY_PATH, Register, SourceFile, build_register
from tests.factories import REPO, line_of, plan_text, risk_yaml, write_risk

PLAN = plan_text()
HARBOR = REPO / "tests" / "data" / "plans" / "harbor-payments.md"
TEMPLATE = yaml.safe_load(policy_template().read_text(encoding="utf-8"))
"""riskbot's own policy template (`riskbot init` writes it): the defaults of missing parts."""


def checked(files: dict[str, str]) -> Register:
    register = build_register(
        SourceFile(POLICY_PATH, files[POLICY_PATH].encode()),
        [SourceFile(n, t.encode()) for n, t in files.items() if n != POLICY_PATH],
    )
    assert isinstance(register, Register), [f.as_text() for f in register.findings]
    assert register.errors == [], [f.as_text() for f in register.errors]
    return register


def section(text: str, heading: str) -> tuple[str, int]:
    """The plan without the section under ``heading`` (to the next heading), and its line."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "".join(lines[:start] + lines[end:]), start + 1


# --- every section but the risks is optional --------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "words", "previous_end"),
    [
        ("### Risk Categories", "no risk categories found", None),
        ("### Monitoring Schedule", "no monitoring schedule found", "| #10: Documentation Gaps"),
        ("### Escalation Path", "no escalation path found", "- **Quarterly**: Low risks"),
        (
            "### Escalation Thresholds",
            "no escalation thresholds found",
            "5. **Technical Board** reviews",
        ),
        ("### Timeline Buffer", "no timeline buffer found", "- Schedule impact >1 week"),
        (
            "## 3. Risk Response Matrix",
            "no risk response matrix found",
            "**Status**: ðŸŸ¢ Active - Doc",
        ),
    ],
)
def test_a_missing_section_is_a_warning_on_the_expected_line_with_the_default(
    heading: str, words: str, previous_end: str | None
) -> None:
    text, _ = section(PLAN, heading)
    result = import_plan(text, "plan.md")
    assert result.ok, [f.as_text() for f in result.errors]
    (warned,) = [f for f in result.warnings if words in f.message]
    expected = line_of(text, previous_end) + 1 if previous_end else 1
    assert warned.line == expected
    assert "); using " in warned.message or "); so no risk gets" in warned.message
    register = checked(result.files)
    assert len(register.assessments) == 10


def test_missing_defaults_are_riskbots_own_policy_template() -> None:
    text, _ = section(PLAN, "### Risk Categories")
    text, _ = section(text, "### Monitoring Schedule")
    text, _ = section(text, "### Escalation Path")
    text, _ = section(text, "### Escalation Thresholds")
    result = import_plan(text, "plan.md")
    policy = yaml.safe_load(result.files[POLICY_PATH])
    own = TEMPLATE
    assert policy["categories"] == own["categories"]
    assert [b["monitoring"] for b in policy["bands"]] == [b["monitoring"] for b in own["bands"]]
    assert policy["escalation"]["path"] == own["escalation"]["path"]
    for rule in ("new_red", "score_increase", "same_level", "schedule_impact"):
        assert policy["escalation"][rule] == own["escalation"][rule], rule
    assert {"team-lead", "program-sponsor", "steering-committee", "technical-board"} <= {
        r["id"] for r in policy["roles"]
    }
    # Each assumption is also said in the policy file's header.
    assert "# Assumed (the plan does not say): escalation path: " in result.files[POLICY_PATH]


def test_without_a_scoring_matrix_the_default_scales_and_bands_are_used() -> None:
    text = re.sub(r"```\n.*?```\n", "", PLAN, count=1, flags=re.S)
    result = import_plan(text, "plan.md")
    assert result.ok, [f.as_text() for f in result.errors]
    found = {f.message.split(" (")[0] for f in result.warnings if f.message.startswith("no ")}
    assert {
        "no impact levels found",
        "no probability levels found",
        "no score bands found",
    } <= found
    checked(result.files)


def test_without_a_timeline_buffer_the_headings_name_the_releases() -> None:
    text, _ = section(PLAN, "### Timeline Buffer")
    result = import_plan(text, "plan.md")
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert [(r["name"], r["buffer_weeks"]) for r in policy["releases"]] == [
        ("v2", 0),
        ("v3", 0),
        ("v4", 0),
    ]
    assert any("(v2, v3, v4), each with no buffer" in f.message for f in result.warnings)


def test_only_the_risks_are_required() -> None:
    result = import_plan("# Plan\n\n## Overview\n\nNothing else.\n", "plan.md")
    assert not result.ok
    assert [f.message.split(":")[0] for f in result.errors] == ["no risks found"]
    lean = "# Lean\n\n#### Risk 1: Server Room Floods (All)\n**Risk Score**: 2 × 2 = 4 (Green)\n"
    lean += "**Description**: Water.\n**Owner**: Facilities Lead\n**Status**: Monitor\n"
    result = import_plan(lean, "lean.md")
    assert result.ok, [f.as_text() for f in result.errors]
    register = checked(result.files)
    assert [a.risk.id for a in register.assessments] == ["R-001"]


# --- loose headings and labels ----------------------------------------------------------------


LOOSE = [
    ("### Risk Categories", "### 🗂️ risk categories"),
    ("### Risk Scoring Matrix", "### Scoring"),
    ("## 3. Risk Response Matrix", "## 3) RISK RESPONSE MATRIX 📋"),
    ("### Monitoring Schedule", "### 4.1 Monitoring schedule (review cadence)"),
    ("### Escalation Path", "### Escalation chain"),
    ("### Escalation Thresholds", "### Escalation triggers"),
    ("### Timeline Buffer", "### 5.1) Schedule buffer, in weeks"),
    ("Probability Levels:", "Likelihood levels:"),
    ("**Risk Score**:", "**Score**:"),
    ("**Probability**:", "**Likelihood**:"),
    ("1. **Prevention**:", "1. **Prevent**:"),
    ("2. **Detection**:", "2. **Detect**:"),
    ("| Review Date |", "| Review cadence |"),
]


def test_headings_and_labels_match_loosely() -> None:
    reworded = PLAN
    for old, new in LOOSE:
        assert old in reworded, old
        reworded = reworded.replace(old, new)
    reworded = re.sub(r"^#### Risk #(\d+):", r"#### Risk \1 –", reworded, flags=re.M)
    original = import_plan(PLAN, "plan.md")
    loose = import_plan(reworded, "plan.md")
    assert loose.ok, [f.as_text() for f in loose.errors]
    assert loose.files == original.files
    assert not [f for f in loose.warnings if f.message.startswith("no ")]


@pytest.mark.parametrize(
    ("heading", "part"),
    [
        ("3. Risk Response Matrix", "matrix"),
        ("🛡️ Response Overview", "matrix"),
        ("4.2) ESCALATION PATH", "escalation path"),
        ("When to escalate", "escalation thresholds"),
        ("Review schedule", "monitoring"),
        ("Schedule contingency", "timeline buffer"),
        ("Resource Buffer", ""),
        ("HIGH RISK (Red Zone: Score 15+)", ""),
        ("Types of Risk", "categories"),
    ],
)
def test_part_of_heading(heading: str, part: str) -> None:
    assert part_of_heading(heading) == part


@pytest.mark.parametrize(
    ("text", "state", "note"),
    [
        ("🟡 Active - Mitigation in progress", "active", "Mitigation in progress"),
        ("🟠 In progress - first slot booked", "active", "first slot booked"),
        ("Not started", "planning", None),
        ("🟢 Monitor", "monitor", None),
        ("Watching (quarterly)", "monitor", "quarterly"),
        ("Closed: mitigated in v2", "closed", "mitigated in v2"),
        ("Resolved", "closed", None),
    ],
)
def test_status_words(text: str, state: str, note: str | None) -> None:
    assert status_of(text) == {"state": state, **({"note": note} if note else {})}
    assert status_of("Unclear") is None
    assert status_of("Activated") is None


# --- categories and slugs hold for other plans --------------------------------------------------


@pytest.mark.parametrize(
    ("title", "impact", "categories", "category"),
    [
        ("PCI DSS Audit Findings Block Go-Live", "", ["Technical", "Security"], "Security"),
        ("Loss of the Only Settlement Engineer", "", ["Technical", "People"], "People"),
        ("Key Person Leaves", "", ["Engineering", "Staffing", "Vendor"], "Staffing"),
        ("Acquirer Changes Its Fees", "", ["Technical", "Vendor Risk", "Financial"], "Vendor Risk"),
        ("Budget Cut Mid-Year", "", ["Technical", "Financial", "Market"], "Financial"),
        ("GDPR Fine", "", ["Technical", "Legal"], "Legal"),
        ("Datacenter Outage", "", ["Technology", "Operations"], "Operations"),
        ("Something Odd", "", ["Delivery", "Technology"], "Technology"),
        ("Something Odd", "", ["Delivery", "Quality"], "Delivery"),
    ],
)
def test_category_rules_for_other_plans(
    title: str, impact: str, categories: list[str], category: str
) -> None:
    assert category_for(title, impact, categories) == category


def test_a_plans_own_category_description_counts() -> None:
    names = ["Technical", "Data"]
    described = {"Data": "Data quality, lineage, retention"}
    assert category_for("Lineage Lost in Warehouse Move", "", names, described) == "Data"
    assert category_for("Lineage Lost in Warehouse Move", "", names) == "Technical"


# --- ids that clash with the register are found before anything is written ---------------------


def test_renumbering_puts_the_plan_above_the_highest_id_in_use() -> None:
    assert renumbering([1, 2, 3], set()) == {}
    assert renumbering([1, 2, 3], {7}) == {}
    assert renumbering([1, 2, 5], {1, 4}) == {1: 5, 2: 6, 5: 7}
    assert renumbering([3], {1, 2, 3, 9}) == {3: 10}


def test_an_import_into_a_register_with_clashing_ids(tmp_path: Path) -> None:
    write_risk(tmp_path, "R-002-mine.yaml", risk_yaml("R-002"))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ImportRefused, match=r"R-002 \(risks/R-002-mine\.yaml\)"):
        import_into(PLAN, "plan.md", tmp_path, renumber=False)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    result, numbers = import_into(PLAN, "plan.md", tmp_path)
    assert numbers == {n: n + 2 for n in range(1, 11)}
    assert sorted(n for n in result.files if n.startswith("risks/"))[0] == (
        "risks/R-003-postgresql-migration.yaml"
    )
    assert yaml.safe_load(result.files["risks/R-003-postgresql-migration.yaml"])["id"] == "R-003"
    assert result.ok


def test_reimporting_over_the_same_files_is_not_a_clash(tmp_path: Path) -> None:
    first = import_plan(PLAN, "plan.md")
    for name, text in first.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    _, numbers = import_into(PLAN, "plan.md", tmp_path)
    assert numbers == {}


# --- the second plan ----------------------------------------------------------------------------


def test_the_second_plan_is_not_the_seed() -> None:
    harbor = HARBOR.read_text(encoding="utf-8")
    assert "ggen" not in harbor
    seed_lines = {line for line in PLAN.splitlines() if len(line) > 30}
    assert not seed_lines & set(harbor.splitlines())
    result = import_plan(harbor, "harbor.md")
    assert result.ok, [f.as_text() for f in result.errors]
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert [r["name"] for r in policy["releases"]] == ["Pilot", "GA", "2.0"]
    assert [b["label"] for b in policy["bands"]] == ["Red", "Amber", "Green"]
    assert [b["min_score"] for b in policy["bands"]] == [16, 9, 1]
    assert policy["categories"] == TEMPLATE["categories"]


def test_bands_named_other_than_by_colour_are_ranked_by_threshold() -> None:
    text = PLAN
    for old, new in (
        ("  Red     = 15+", "  High    = 15+"),
        ("  Yellow  = 8-14", "  Medium  = 8-14"),
        ("  Green   = <8", "  Low     = <8"),
        ("(Red) risks", "(High) risks"),
        ("(Yellow) risks", "(Medium) risks"),
        ("(Green) risks", "(Low) risks"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    result = import_plan(text, "plan.md")
    assert result.ok, [f.as_text() for f in result.errors]
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert [(b["name"], b["label"]) for b in policy["bands"]] == [
        ("red", "High"),
        ("yellow", "Medium"),
        ("green", "Low"),
    ]
    checked(result.files)


def test_a_monitoring_list_may_name_the_band_first() -> None:
    text = PLAN.replace("- **Daily**: Critical (Red) risks", "- **Red**: daily")
    text = text.replace("- **Weekly**: High (Yellow) risks", "- **Amber**: weekly review")
    result = import_plan(text, "plan.md")
    assert result.ok, [f.as_text() for f in result.errors]
    assert not [f for f in result.warnings if "monitoring entry" in f.message]
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert [b["monitoring"] for b in policy["bands"]] == ["daily", "weekly", "monthly"]
