"""Each bad-input class: one finding on the right line, and every other file still checked."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from bot.repo.worktree import read_register
from tests.factories import copy_register, line_of, register_of, risk_yaml, write_risk

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def check(root: Path, name: str, text: str | bytes) -> tuple[list[tuple[int, str]], list[str]]:
    write_risk(root, name, text)
    reg = read_register(root, TODAY)
    mine = [(f.line, f.message) for f in reg.findings if f.file == f"risks/{name}"]
    return mine, [a.risk.id for a in reg.assessments]


def assert_others_checked(ids: list[str]) -> None:
    assert {f"R-{n:03d}" for n in range(1, 11)} <= set(ids)


def test_yaml_syntax_error(root: Path) -> None:
    text = "id: R-100\ntitle: [unclosed\ncategory: Technical\n"
    found, ids = check(root, "R-100-bad.yaml", text)
    assert len(found) == 1
    line, message = found[0]
    assert "YAML syntax error" in message
    assert line in (2, 3)
    assert_others_checked(ids)


def test_bytes_not_utf8(root: Path) -> None:
    raw = risk_yaml("R-100").encode().replace(b"Something", b"Some\xffthing")
    found, ids = check(root, "R-100-bad.yaml", raw)
    assert len(found) == 1
    assert "UTF-8" in found[0][1]
    assert found[0][0] == line_of(risk_yaml("R-100"), "Something")
    assert_others_checked(ids)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(root: Path, text: str) -> None:
    found, ids = check(root, "R-100-empty.yaml", text)
    assert found == [(1, "file is empty")]
    assert_others_checked(ids)


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "a str"), ("# c\n42\n", "a int")]
)
def test_root_not_a_mapping(root: Path, text: str, kind: str) -> None:
    found, ids = check(root, "R-100-list.yaml", text)
    assert len(found) == 1
    assert kind in found[0][1]
    assert found[0][0] == (2 if text.startswith("#") else 1)
    assert_others_checked(ids)


def test_duplicate_key(root: Path) -> None:
    text = risk_yaml("R-100") + "title: Second title\n"
    found, ids = check(root, "R-100-dup.yaml", text)
    assert len(found) == 1
    assert "duplicate key 'title'" in found[0][1]
    assert found[0][0] == len(text.splitlines())
    assert f"line {line_of(text, 'title:')}" in found[0][1]
    assert_others_checked(ids)


def test_nested_duplicate_key(root: Path) -> None:
    text = risk_yaml("R-100").replace("  level: 3\n", "  level: 3\n  level: 4\n")
    found, _ = check(root, "R-100-dup.yaml", text)
    assert found == [(line_of(text, "level: 4"), found[0][1])]
    assert "duplicate key 'level'" in found[0][1]


def test_file_over_one_mib(root: Path) -> None:
    text = risk_yaml("R-100") + "# " + "x" * (1024 * 1024) + "\n"
    found, ids = check(root, "R-100-big.yaml", text)
    assert len(found) == 1
    assert found[0][0] == 1
    assert "limit" in found[0][1]
    assert_others_checked(ids)


def test_billion_laughs_is_refused_fast(root: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    start = time.process_time()  # CPU time: other work on the machine does not count
    found, ids = check(root, "R-100-lol.yaml", text)
    elapsed = time.process_time() - start
    assert len(found) == 1
    assert "aliases expand" in found[0][1]
    assert elapsed < 0.5
    assert_others_checked(ids)


def test_a_few_aliases_are_fine(root: Path) -> None:
    text = risk_yaml("R-100").replace("prevention:\n  - Plan", "prevention: &p\n  - Plan")
    text += ""
    found, ids = check(root, "R-100-ok.yaml", text)
    assert found == []
    assert "R-100" in ids


def test_unknown_key_suggests_the_right_one(root: Path) -> None:
    text = risk_yaml("R-100").replace("owner:", "ownr:")
    found, ids = check(root, "R-100-typo.yaml", text)
    messages = [m for _, m in found]
    assert any("unknown key 'ownr' (did you mean 'owner'?)" in m for m in messages)
    assert (line_of(text, "ownr:"), next(m for m in messages if "ownr" in m)) in found
    assert any("missing required key 'owner'" in m for m in messages)
    assert_others_checked(ids)


def test_schema_type_error_points_at_the_nested_line(root: Path) -> None:
    text = risk_yaml("R-100").replace("  level: 2\n", "  level: seven\n")
    found, _ = check(root, "R-100-type.yaml", text)
    assert len(found) == 1
    assert found[0][0] == line_of(text, "level: seven")
    assert "$.probability.level" in found[0][1]


def test_schema_out_of_range(root: Path) -> None:
    text = risk_yaml("R-100").replace("  level: 3\n", "  level: 6\n")
    found, _ = check(root, "R-100-range.yaml", text)
    assert len(found) == 1
    assert found[0][0] == line_of(text, "level: 6")


def test_duplicate_id_across_files(root: Path) -> None:
    text = risk_yaml("R-001")
    _, ids = check(root, "R-001-again.yaml", text)
    # The copy sorts before the original's name, so the original is the one reported.
    reg = read_register(root, TODAY)
    dups = [f for f in reg.findings if "duplicate id 'R-001'" in f.message]
    assert len(dups) == 1
    assert dups[0].line == line_of(Path(root / dups[0].file).read_text(encoding="utf-8"), "id:")
    assert ids.count("R-001") == 1
    assert_others_checked(ids)


def test_file_name_must_start_with_id(root: Path) -> None:
    text = risk_yaml("R-100")
    found, ids = check(root, "R-101-wrong.yaml", text)
    assert found == [(line_of(text, "id:"), found[0][1])]
    assert "must start with its id 'R-100'" in found[0][1]
    assert_others_checked(ids)


def test_owner_neither_role_nor_login(root: Path) -> None:
    text = risk_yaml("R-100", owner="Techincal Lead")
    found, ids = check(root, "R-100-owner.yaml", text)
    assert found == [(line_of(text, "owner:"), found[0][1])]
    assert "did you mean 'Technical Lead'" in found[0][1]
    assert_others_checked(ids)


@pytest.mark.parametrize("owner", ["@octocat", "DB Lead", "db-lead", ["QA Lead", "@someone"]])
def test_owner_forms_accepted(root: Path, owner: object) -> None:
    found, _ = check(root, "R-100-owner.yaml", risk_yaml("R-100", owner=owner))
    assert found == []


def test_unknown_phase(root: Path) -> None:
    text = risk_yaml("R-100", phase="v9")
    found, ids = check(root, "R-100-phase.yaml", text)
    assert found == [(line_of(text, "phase:"), found[0][1])]
    assert "unknown phase 'v9'" in found[0][1]
    assert_others_checked(ids)


def test_unknown_category(root: Path) -> None:
    text = risk_yaml("R-100", category="Technicl")
    found, _ = check(root, "R-100-cat.yaml", text)
    assert found == [(line_of(text, "category:"), found[0][1])]
    assert "did you mean 'Technical'" in found[0][1]


def test_declared_score_and_band_wrong(root: Path) -> None:
    text = risk_yaml("R-100", score=9, band="yellow")
    found, ids = check(root, "R-100-score.yaml", text)
    assert (
        line_of(text, "score:"),
        "declared score 9 is wrong: impact 3 × probability 2 = 6",
    ) in found
    band = [m for line, m in found if line == line_of(text, "band:")]
    assert band
    assert "score 6 is Green (green)" in band[0]
    assert_others_checked(ids)


def test_loose_cadence_is_a_warning(root: Path) -> None:
    text = risk_yaml(
        "R-100", impact={"level": 5}, probability={"level": 4}, review={"cadence": "monthly"}
    )
    write_risk(root, "R-100-cadence.yaml", text)
    reg = register_of(root, TODAY)
    mine = [f for f in reg.findings if f.file == "risks/R-100-cadence.yaml"]
    assert [(f.severity, f.line) for f in mine] == [("warning", line_of(text, "cadence:"))]
    assert "looser than the Red band's 'daily'" in mine[0].message
    assert reg.get("R-100") is not None
    assert reg.get("R-100").cadence == "daily"  # type: ignore[union-attr]


def test_broken_policy_is_reported_and_risks_still_checked(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace("min_score: 15", "min_score: fifteen")
    policy.write_text(text, encoding="utf-8")
    write_risk(root, "R-100-typo.yaml", risk_yaml("R-100").replace("owner:", "ownr:"))
    reg = read_register(root, TODAY)
    pol = [f for f in reg.findings if f.file == ".github/riskbot.yml"]
    assert len(pol) == 1
    assert pol[0].line == line_of(text, "fifteen")
    assert any(f.file == "risks/R-100-typo.yaml" for f in reg.findings)


def test_policy_cross_reference_errors(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "- steering-committee", "- steering-comittee", 1
    )
    policy.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    assert any("unknown role 'steering-comittee'" in f.message for f in reg.findings)
    assert reg.policy is None


def test_missing_policy(tmp_path: Path) -> None:
    write_risk(tmp_path, "R-100-x.yaml", risk_yaml("R-100"))
    reg = read_register(tmp_path, TODAY)
    assert [(f.file, f.line) for f in reg.errors] == [(".github/riskbot.yml", 1)]


def test_many_bad_files_each_reported(root: Path) -> None:
    write_risk(root, "R-100-a.yaml", "a: [\n")
    write_risk(root, "R-101-b.yaml", b"\xfe\n")
    write_risk(root, "R-102-c.yaml", "")
    write_risk(root, "R-103-d.yaml", risk_yaml("R-103", phase="nope"))
    reg = read_register(root, TODAY)
    assert {f.file for f in reg.errors} == {f"risks/R-10{i}-{c}.yaml" for i, c in enumerate("abcd")}
    assert_others_checked([a.risk.id for a in reg.assessments])
