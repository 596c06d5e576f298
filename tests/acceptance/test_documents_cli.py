"""`riskbot report`, `import`, `new` and `retro`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot import __version__
from tests.cli import run_riskbot as run
from tests.factories import (
    PLAN,
    REGISTER,
    REPO,
    copy_register,
    git,
    line_of,
    outcome,
    plan_text,
    risk_yaml,
)


def test_report_check_fresh_then_stale(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    assert run("report", "--root", str(root), "--check").returncode == 1  # no RISKS.md yet
    written = run("report", "--root", str(root))
    assert written.returncode == 0, written.stderr
    fresh = run("report", "--root", str(root), "--check")
    assert fresh.returncode == 0, fresh.stderr
    assert "up to date" in fresh.stdout
    risk = root / "risks" / "R-001-postgresql-migration.yaml"
    risk.write_text(
        risk.read_text(encoding="utf-8").replace("60% complete", "70% complete"), encoding="utf-8"
    )
    stale = run("report", "--root", str(root), "--check")
    assert stale.returncode == 1
    assert "RISKS.md is stale" in stale.stderr
    assert "+ | R-001: PostgreSQL Migration Complexity" in stale.stderr
    assert len(stale.stderr.splitlines()) < 20  # a short summary, not the whole diff
    assert "Traceback" not in stale.stderr


def test_report_refuses_a_register_with_errors(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    (root / "risks" / "R-100-x.yaml").write_text(risk_yaml("R-100", phase="v9"), encoding="utf-8")
    result = run("report", "--root", str(root))
    assert result.returncode == 1
    assert "unknown phase 'v9'" in result.stderr
    assert not (root / "RISKS.md").exists()


def test_committed_risks_md_is_current() -> None:
    result = run("report", "--root", str(REGISTER), "--check")
    assert result.returncode == 0, result.stderr


def test_report_to_stdout_and_to_a_file_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    to_file = run("report", "--root", str(REGISTER), "--output", str(out))
    assert to_file.returncode == 0
    to_stdout = run("report", "--root", str(REGISTER), "--output", "-")
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    assert to_stdout.stdout == (REGISTER / "RISKS.md").read_text(encoding="utf-8")


def test_plan_import_report_round_trip(tmp_path: Path) -> None:
    result = run("import", str(PLAN), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "wrote 11 files" in result.stdout
    assert run("check", "--root", str(tmp_path)).returncode == 0
    report = run("report", "--root", str(tmp_path), "--output", "-")
    assert report.returncode == 0, report.stderr
    text = report.stdout
    plan = plan_text().replace("Ã—", "×")
    # Every risk, with its score exactly as the plan writes it.
    scores = re.findall(
        r"^#### Risk #(\d+): .*\n\*\*Risk Score\*\*: (\d) × (\d) = (\d+)", plan, re.M
    )
    assert len(scores) == 10
    for number, impact, probability, score in scores:
        risk_id = f"R-{int(number):03d}"
        heading = re.search(rf"^#### {risk_id}: .*$", text, re.M)
        assert heading is not None, risk_id
        block = text[heading.start() :]
        assert re.match(
            rf"#### {risk_id}: .*\n\n\*\*Risk score\*\*: {impact} \w+ × {probability} [\w ]+ = "
            rf"{score} \(",
            block,
        ), risk_id
    # Every level of both scales, and every band threshold.
    for level, label in re.findall(r"^  (\d) = ([A-Z][a-z]+(?: [A-Z][a-z]+)?)", plan, re.M):
        assert f"| {level} | {label} |" in text
    assert "| 🟥 Red | 15+ |" in text
    assert "| 🟨 Yellow | 8–14 |" in text
    assert "| 🟩 Green | 1–7 |" in text
    # Every release buffer.
    for release, weeks in re.findall(r"^- \*\*(v\d)\*\*: (\d+) weeks", plan, re.M):
        assert re.search(rf"^\| {release} \| {weeks} \| ", text, re.M), release


def test_import_warns_with_plan_lines(tmp_path: Path) -> None:
    broken = plan_text().replace("4 Ã— 4 = 16 (Red)", "4 Ã— 4 = 17 (Red)")
    plan = tmp_path / "plan.md"
    plan.write_text(broken, encoding="utf-8")
    result = run("import", "plan.md", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = line_of(broken, "4 Ã— 4 = 17")
    assert f"plan.md:{line}: warning[plan] Risk #1: score 17 is not 4 × 4 = 16" in result.stderr
    r8 = line_of(broken, "**Probability**: Rare (<5%)")  # Risk #8's is the first Rare
    rare = "Risk #8: probability 'Rare (<5%)' is level 1"
    assert f"plan.md:{r8}: warning[plan] {rare}" in result.stderr
    # The declared score stays as the plan has it, so `check` now names the right value.
    check = run("check", "--root", "out", cwd=tmp_path)
    assert check.returncode == 1
    assert "declared score 17 is wrong: impact 4 × probability 4 = 16" in check.stdout


def test_unreadable_plan_with_strict_writes_nothing(tmp_path: Path) -> None:
    broken = plan_text().replace("**Risk Score**: 2 Ã— 1 = 2 (Green)\n", "")
    plan = tmp_path / "plan.md"
    plan.write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    result = run("import", str(plan), "--out", str(out), "--strict")
    assert result.returncode == 1
    line = line_of(broken, "#### Risk #10:")
    assert f"plan.md:{line}: error[plan] Risk #10 has no '**Risk Score**" in result.stderr
    assert "nothing was written" in result.stderr
    assert not out.exists()
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing\n", encoding="utf-8")
    none = run("import", str(empty), "--out", str(out))
    assert none.returncode == 1
    assert "empty.md:1: error[no-risks] no risk found: the document is Markdown" in none.stderr
    assert not out.exists()
    assert "Traceback" not in result.stderr + none.stderr


def test_unreadable_risk_is_one_error_and_the_rest_import(tmp_path: Path) -> None:
    broken = plan_text().replace("**Risk Score**: 2 Ã— 1 = 2 (Green)\n", "")
    plan = tmp_path / "plan.md"
    plan.write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    result = run("import", str(plan), "--out", str(out))
    assert result.returncode == 1
    line = line_of(broken, "#### Risk #10:")
    errors = [x for x in result.stderr.splitlines() if ": error[" in x]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"{plan}:{line}: error[unreadable] Risk #10: not imported: ")
    assert "9 files" not in result.stdout  # nine risks, the policy and the schemas
    assert len(list((out / "risks").glob("*.yaml"))) == 9
    assert "1 of 10 risks were not imported" in result.stderr


def test_import_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    before = (root / "risks" / "R-001-postgresql-migration.yaml").read_bytes()
    refused = run("import", str(PLAN), "--out", str(root))
    assert refused.returncode == 1
    assert "use --force" in refused.stderr
    assert (root / "risks" / "R-001-postgresql-migration.yaml").read_bytes() == before
    forced = run("import", str(PLAN), "--out", str(root), "--force")
    assert forced.returncode == 0, forced.stderr
    assert run("check", "--root", str(root)).returncode == 0


def test_new_non_interactive_takes_the_next_id_and_passes_check(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    result = run(
        "new", "--root", str(root), "--title", "Key Person Leaves", "--category",
        "Organizational", "--phase", "All", "--impact", "4", "--probability", "4", "--owner",
        "Team Lead", "--description", "Bus factor of one.",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "score: 4 Major × 4 Likely = 16 (Red)" in result.stdout
    assert "wrote risks/R-011-key-person-leaves.yaml" in result.stdout
    path = root / "risks" / "R-011-key-person-leaves.yaml"
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schema/risk.schema.json\n"
    )
    check = run("check", "--root", str(root))
    assert check.returncode == 0, check.stdout
    assert "R-011  4×4=16  Red" in check.stdout


def test_new_asks_for_what_is_missing(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    answers = "Cloud Bill Shock\nMarket\nv3\n2\n3\nProgram Sponsor\nCosts outgrow budget.\n"
    result = run("new", "--root", str(root), stdin=answers)
    assert result.returncode == 0, result.stderr
    assert "Category (Technical, Organizational, Market, Operational, Security)" in result.stdout
    assert "Owner (roles: Database/Infrastructure Lead" in result.stdout
    assert "score: 2 Minor × 3 Possible = 6 (Green)" in result.stdout
    assert (root / "risks" / "R-011-cloud-bill-shock.yaml").is_file()


def test_new_with_findings_writes_nothing(tmp_path: Path) -> None:
    # Every option is checked as it is read (a wrong category is refused at once, exit 2); what
    # only the schema knows, a title over its 200 characters, is a finding of the file.
    root = copy_register(tmp_path)
    title = "Quota exhaustion " + "x" * 190
    result = run(
        "new", "--root", str(root), "--title", title, "--category", "Technical", "--phase", "All",
        "--impact", "2", "--probability", "2", "--owner", "Team Lead", "--description", "d",
    )  # fmt: skip
    assert result.returncode == 1
    assert "risks/R-011-quota-exhaustion.yaml:3:8: error[schema] $.title: " in result.stderr
    assert "is too long" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (root / "risks" / "R-011-quota-exhaustion.yaml").exists()


def test_retro_on_a_small_example(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    for name in ("R-001-postgresql-migration.yaml", "R-007-supply-chain-vulnerability.yaml"):
        (root / "risks" / name).unlink()
    # R-001 Likely: p = 0.65, occurred → (0.65 − 1)² = 0.1225
    (root / "risks" / "R-001-a.yaml").write_text(
        risk_yaml("R-001", phase="v3", probability={"level": 4},
                  outcome=outcome("v3", True, actual_impact=3)),
        encoding="utf-8",
    )  # fmt: skip
    # R-007 Unlikely: p = 0.125, did not occur → 0.125² = 0.015625
    (root / "risks" / "R-007-b.yaml").write_text(
        risk_yaml("R-007", phase="All", probability={"level": 2}, outcome=outcome("v3", False)),
        encoding="utf-8",
    )
    (root / "retro").mkdir()
    (root / "retro" / "v3.yaml").write_text(
        "unregistered:\n  - title: CI runner shortage\n    impact: 2\n", encoding="utf-8"
    )
    result = run("retro", "v3", "--root", str(root))
    assert result.returncode == 0, result.stderr
    # Brier = (0.1225 + 0.015625) / 2 = 0.0690625
    assert "- Brier score: 0.0691 over 2 risks" in result.stdout
    assert "| CI runner shortage | 2 Minor | - |" in result.stdout
    out = tmp_path / "v3.md"
    assert run("retro", "v3", "--root", str(root), "--output", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8") == result.stdout
    (root / "retro" / "v3.yaml").write_text("unregistered:\n  - titel: x\n", encoding="utf-8")
    bad = run("retro", "v3", "--root", str(root))
    assert bad.returncode == 1
    assert "retro/v3.yaml:2:5: error[unknown-key] " in bad.stderr
    unknown = run("retro", "v9", "--root", str(root))
    assert unknown.returncode == 2
    assert "unknown release 'v9'" in unknown.stderr


@pytest.mark.parametrize("command", ["report", "import", "new", "retro"])
def test_help_has_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    example = result.stdout.split("Example:", 1)[1]
    assert example.lstrip().startswith(f"riskbot {command}")


HARBOR = REPO / "tests" / "data" / "plans" / "harbor-payments.md"


def test_a_second_plan_lacking_sections_imports_to_a_register_check_accepts(
    tmp_path: Path,
) -> None:
    out = tmp_path / "harbor"
    result = run("import", str(HARBOR), "--out", str(out))
    assert result.returncode == 0, result.stderr
    plan = HARBOR.read_text(encoding="utf-8")
    warnings = [line for line in result.stderr.splitlines() if ": warning[" in line]
    after_matrix = line_of(plan, "| #6 | Cloud cost |") + 1
    for missing, line in (
        ("no risk categories found", 1),
        ("no monitoring schedule found", after_matrix),
        ("no escalation path found", after_matrix),
    ):
        assert any(
            w.startswith(f"{HARBOR}:{line}: warning[plan] {missing}")
            and "using riskbot's default" in w
            for w in warnings
        ), (missing, warnings)
    check = run("check", "--root", str(out), "--format", "json")
    assert check.returncode == 0, check.stdout
    doc = json.loads(check.stdout)
    assert [f for f in doc["findings"] if f["severity"] == "error"] == []
    risks = {r["id"]: r for r in doc["risks"]}
    assert sorted(risks) == [f"R-00{n}" for n in range(1, 7)]
    assert (risks["R-002"]["band"], risks["R-002"]["category"]) == ("red", "Security")
    assert risks["R-004"]["category"] == "Organizational"
    assert risks["R-004"]["owners"] == ["Engineering Manager", "Payments Engineering Lead"]
    assert risks["R-003"]["phase"] == "GA+"
    assert risks["R-006"]["phase"] == "Long-term"
    # The schemas are written beside the risks, so each file's $schema line resolves.
    for path in [*(out / "risks").glob("*.yaml"), out / ".github" / "riskbot.yml"]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = first.split("$schema=", 1)[1]
        assert (path.parent / schema).resolve().is_file(), path


def test_import_after_init_renumbers_above_the_example(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    assert run("init", "--source", f"riskbot=={__version__}", cwd=tmp_path).returncode == 0
    example = (tmp_path / "risks" / "R-001-example.yaml").read_bytes()
    refused = run("import", str(PLAN), "--force", "--no-renumber", cwd=tmp_path)
    assert refused.returncode == 1
    assert "ids already used under risks: R-001 (risks/R-001-example.yaml)" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "risks").iterdir()) == ["R-001-example.yaml"]
    done = run("import", str(PLAN), "--force", cwd=tmp_path / "risks")  # found upward
    assert done.returncode == 0, done.stderr
    assert "#1 → R-002" in done.stderr
    assert (tmp_path / "risks" / "R-001-example.yaml").read_bytes() == example
    assert (tmp_path / "risks" / "R-002-postgresql-migration.yaml").is_file()
    check = run("check", "--format", "json", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    assert len(json.loads(check.stdout)["risks"]) == 11
