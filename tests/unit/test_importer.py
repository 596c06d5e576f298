"""`riskbot import`: the plan becomes the committed register; its mistakes become warnings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.documents.importer import ImportRefused, import_plan, write_import
from bot.documents.planparse import read_plan, repair
from bot.intake.vocabulary import category_for
from bot.register.load import POLICY_PATH, SourceFile, build_register, load_policy
from tests.factories import POLICY, REGISTER, REPO, line_of, plan_text

PLAN = plan_text()
NAME = "plan.md"


def imported(text: str = PLAN) -> dict[str, str]:
    result = import_plan(text, NAME)
    assert result.ok, [f.as_text() for f in result.errors]
    return result.files


def messages(text: str = PLAN) -> list[tuple[int, str, str]]:
    return [(f.line, f.severity, f.message) for f in import_plan(text, NAME).findings]


def test_ftfy_repairs_the_plans_encoding_without_moving_lines() -> None:
    fixed = repair(PLAN)
    assert "Ã" not in fixed
    assert "ðŸ" not in fixed
    assert "4 × 4 = 16 (Red)" in fixed
    assert "🟡" in fixed
    assert "Gradual rollout: single agent → multiple agents" in fixed
    assert len(fixed.splitlines()) == len(PLAN.splitlines())


def test_reproduces_every_committed_risk_file_as_data() -> None:
    files = imported()
    committed = sorted(
        p.relative_to(REGISTER).as_posix() for p in (REGISTER / "risks").glob("*.yaml")
    )
    assert sorted(n for n in files if n.startswith("risks/")) == committed
    for name in committed:
        mine = yaml.safe_load(files[name])
        theirs = yaml.safe_load((REGISTER / name).read_text(encoding="utf-8"))
        # The committed files may gain review dates and logs as people review them.
        theirs.get("review", {}).pop("last_reviewed", None)
        theirs.get("review", {}).pop("log", None)
        theirs.pop("outcome", None)
        assert mine == theirs, name
        assert files[name].startswith(
            "# yaml-language-server: $schema=../schema/risk.schema.json\n"
        )


def test_policy_matches_the_committed_one_where_the_plan_states_it() -> None:
    mine = yaml.safe_load(imported()[POLICY_PATH])
    theirs = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for key in (
        "program",
        "plan",
        "planning_date",
        "impact_scale",
        "probability_scale",
        "bands",
        "cadences",
        "quarterly_review",
        "categories",
        "phases",
        "releases",
    ):
        assert mine[key] == theirs[key], key
    assert [r["name"] for r in mine["roles"]] == [r["name"] for r in theirs["roles"]]
    assert [r.get("short") for r in mine["roles"]] == [r.get("short") for r in theirs["roles"]]
    for rule in ("new_red", "score_increase", "same_level", "schedule_impact"):
        want = {k: v for k, v in theirs["escalation"][rule].items() if k != "notify"}
        got = {k: v for k, v in mine["escalation"][rule].items() if k != "notify"}
        assert got == want, rule
    policy, findings = load_policy(SourceFile(POLICY_PATH, imported()[POLICY_PATH].encode()))
    assert policy is not None, findings
    assert findings == []


def test_imported_register_passes_check() -> None:
    files = imported()
    register = build_register(
        SourceFile(POLICY_PATH, files[POLICY_PATH].encode()),
        [SourceFile(n, t.encode()) for n, t in files.items() if n != POLICY_PATH],
    )
    assert register.errors == []
    assert len(register.assessments) == 10


def test_reports_the_plans_inconsistencies_with_lines() -> None:
    found = messages()
    assert all(severity == "warning" for _, severity, _ in found)

    def at(needle: str, after: str | None = None) -> int:
        start = line_of(PLAN, after) if after else 0
        lines = PLAN.splitlines()
        for n in range(start, len(lines)):
            if needle in lines[n]:
                return n + 1
        raise AssertionError(needle)

    def has(line: int, text: str) -> bool:
        return any(n == line and text in m for n, _, m in found)

    # A probability label that contradicts its level.
    for risk in ("Risk #8:", "Risk #9:"):
        line = at("**Probability**: Rare (<5%)", after=risk)
        assert has(
            line, "probability 'Rare (<5%)' is level 1 (Rare), but the score uses probability 2"
        )
    assert not has(at("**Probability**: Rare (<5%)", after="Risk #10:"), "probability")
    # The response matrix's status emoji against the band.
    for number, said, band in ((1, "yellow", 16), (2, "yellow", 20), (3, "yellow", 15)):
        assert has(
            at(f"| #{number}: "), f"the response matrix marks it {said}, but its score {band}"
        )
    assert has(at("| #7: "), "the response matrix marks it green, but its score 8 is Yellow")
    # A review cadence looser than the band's.
    for number, word in (
        (1, "Weekly"),
        (2, "Bi-weekly"),
        (3, "Monthly"),
        (4, "Monthly"),
        (6, "Monthly"),
        (8, "Quarterly"),
    ):
        assert has(at(f"| #{number}: "), f"review '{word}' is looser than the")
    assert not any("looser" in m for n, _, m in found if n == at("| #5: "))
    # Impact given as prose: every risk's "**Impact**:" line.
    prose = [n for n, _, m in found if "impact is prose" in m]
    assert prose == [
        n for n, line in enumerate(PLAN.splitlines(), 1) if line.startswith("**Impact**:")
    ]
    # No phase, or a parenthesis that is not one.
    assert has(at("#### Risk #9:"), "'(Code Quality)' is not a phase")
    assert has(at("#### Risk #10:"), "the heading names no phase")
    assert has(at("- **Quarterly**:"), "'Low risks' matches no band")
    # The plan's products are all right.
    assert not any("is not" in m and "×" in m for _, _, m in found)


def test_a_wrong_product_is_reported_with_its_line() -> None:
    broken = PLAN.replace("4 Ã— 4 = 16 (Red)", "4 Ã— 4 = 17 (Red)")
    line = line_of(broken, "4 Ã— 4 = 17")
    assert (line, "warning", "Risk #1: score 17 is not 4 × 4 = 16") in messages(broken)
    data = yaml.safe_load(imported(broken)["risks/R-001-postgresql-migration.yaml"])
    assert data["score"] == 17  # kept as the plan declares it, so `check` keeps flagging it


def test_a_wrong_band_word_is_reported() -> None:
    broken = PLAN.replace("3 Ã— 3 = 9 (Yellow)", "3 Ã— 3 = 9 (Red)", 1)
    line = line_of(broken, "3 Ã— 3 = 9 (Red)")
    assert (line, "warning", "Risk #4: band Red is wrong for score 3 × 3 = 9 (Yellow)") in (
        messages(broken)
    )


@pytest.mark.parametrize(
    ("change", "line_needle", "message"),
    [
        (lambda t: "# A plan\n\nNothing here.\n", None, "no risks found"),
        (
            lambda t: t.replace("**Risk Score**: 5 Ã— 3 = 15 (Red)\n", ""),
            "#### Risk #3:",
            "Risk #3 has no '**Risk Score**: I × P = S (Band)' line",
        ),
        (
            lambda t: t.replace("5 Ã— 3 = 15 (Red)", "five by three"),
            "**Risk Score**: five by three",
            "Risk #3: cannot read the score 'five by three'",
        ),
        (
            lambda t: t.replace("5 Ã— 3 = 15 (Red)", "6 Ã— 3 = 18 (Red)"),
            "6 Ã— 3 = 18",
            "Risk #3: impact 6 is not a level of 1 to 5",
        ),
        (
            lambda t: t.replace("**Status**: ðŸŸ¢ Monitor", "**Status**: ðŸŸ¢ Unclear"),
            "Unclear",
            "Risk #8: cannot read the status",
        ),
        (
            lambda t: t.replace("**Owner**: QA Lead\n", ""),
            "#### Risk #9:",
            "Risk #9 has no '**Owner**:' line",
        ),
        (
            lambda t: t.replace("  3 = Possible (20-50%)\n", ""),
            "```",
            "must list probability levels 1 to 5",
        ),
        (
            lambda t: t.replace("#### Risk #2:", "#### Risk #1:"),
            "#### Risk #1: Autonomous",
            "Risk #1 is defined twice",
        ),
    ],
)
def test_an_unreadable_plan_is_an_error_naming_the_line_and_writes_nothing(
    tmp_path: Path, change: Callable[[str], str], line_needle: str | None, message: str
) -> None:
    text = change(PLAN)
    result = import_plan(text, NAME)
    assert not result.ok
    line = line_of(text, line_needle) if line_needle else 1
    assert any(f.line == line and message in f.message for f in result.errors), [
        f.as_text() for f in result.findings
    ]
    assert result.files == {}
    with pytest.raises(ImportRefused):
        write_import(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    result = import_plan(PLAN, NAME)
    (tmp_path / "risks").mkdir()
    existing = tmp_path / "risks" / "R-004-ml-recommendation-bias.yaml"
    existing.write_text("mine\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"R-004-ml-recommendation-bias\.yaml"):
        write_import(result, tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [existing.name]
    assert existing.read_text(encoding="utf-8") == "mine\n"
    written = write_import(result, tmp_path, force=True)
    assert len(written) == 11 + len(list((REPO / "schema").glob("*.schema.json")))
    assert existing.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_parser_keeps_lines() -> None:
    doc = read_plan(PLAN, NAME)
    assert [r.number for r in doc.risks] == list(range(1, 11))
    first = doc.risks[0]
    assert first.line == line_of(PLAN, "#### Risk #1:")
    assert first.score is not None
    assert first.score.line == line_of(PLAN, "4 Ã— 4 = 16")
    assert [b.threshold for b in doc.bands] == ["15+", "8-14", "<8"]
    assert [i.key for i in doc.buffers] == ["v2", "v3", "v4", "v5"]


@pytest.mark.parametrize(
    ("title", "impact", "category"),
    [
        ("Federated Network Byzantine Failure", "Critical security breach", "Security"),
        ("Dependency Supply Chain Vulnerability", "", "Security"),
        ("Community Resistance to Breaking Changes", "", "Market"),
        ("Documentation Gaps", "Slower onboarding", "Organizational"),
        ("Release Deployment Outage", "", "Operational"),
        ("Technology Obsolescence", "Maintenance burden increases", "Technical"),
    ],
)
def test_category_rules(title: str, impact: str, category: str) -> None:
    names = ["Technical", "Organizational", "Market", "Operational", "Security"]
    assert category_for(title, impact, names) == category
