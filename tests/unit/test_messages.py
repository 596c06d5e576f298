"""Messages: one finding per mistake, each naming its key, with line and column where known."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from bot.register.findings import error
from bot.render.check import check_report, render_github
from bot.repo.worktree import read_register
from tests.factories import POLICY, copy_register, line_of, risk_yaml, write_risk

TODAY = dt.date(2026, 11, 27)


def findings_of(root: Path, name: str, text: str | bytes) -> list[tuple[int, int | None, str]]:
    write_risk(root, name, text)
    reg = read_register(root, TODAY)
    return [(f.line, f.col, f.message) for f in reg.findings if f.file == f"risks/{name}"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def test_every_missing_key_is_its_own_finding_on_the_mappings_line(root: Path) -> None:
    text = risk_yaml("R-100", title=None, category=None, owner=None)
    found = findings_of(root, "R-100-gaps.yaml", text)
    first_key = line_of(text, "id:")
    assert sorted(m for _, _, m in found) == [
        "missing required key 'category'",
        "missing required key 'owner'",
        "missing required key 'title'",
    ]
    assert {(line, col) for line, col, _ in found} == {(first_key, 1)}


def test_a_missing_nested_key_names_its_mapping(root: Path) -> None:
    text = risk_yaml("R-100", status={"note": "no state"})
    found = findings_of(root, "R-100-state.yaml", text)
    assert found == [(line_of(text, "status:"), 1, "$.status: missing required key 'state'")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("26-1-2", "'26-1-2' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-20"),
        ("2026-02-30", "'2026-02-30' is not a calendar date"),
        ("20261120", "20261120 is not a date: write it as YYYY-MM-DD, e.g. 2026-11-20"),
    ],
)
def test_a_bad_date_is_one_message(root: Path, value: str, message: str) -> None:
    text = risk_yaml("R-100").replace("identified: '2024-11-17'", f"identified: {value}")
    assert f"identified: {value}" in text
    found = findings_of(root, "R-100-date.yaml", text)
    assert found == [
        (line_of(text, "identified:"), len("identified: ") + 1, f"$.identified: {message}")
    ]


def test_an_enum_slip_suggests_the_value(root: Path) -> None:
    text = risk_yaml("R-100", status={"state": "Active"})
    (found,) = findings_of(root, "R-100-enum.yaml", text)
    assert found[2] == (
        "$.status.state: 'Active' is not one of planning, active, monitor, closed "
        "(did you mean 'active'?)"
    )
    assert found[0] == line_of(text, "state: Active")
    assert found[1] == len("  state: ") + 1


def test_a_bare_login_suggests_the_at_login(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("logins: []", "logins: [alice]", 1), encoding="utf-8")
    risk = risk_yaml("R-100", owner="alice")
    found = findings_of(root, "R-100-login.yaml", risk)
    assert found == [
        (
            line_of(risk, "owner:"),
            len("owner: ") + 1,
            "owner 'alice' is neither a policy role nor an @login (did you mean '@alice'?)",
        )
    ]
    # A name that is nobody's login gets the closest role instead.
    found = findings_of(root, "R-100-login.yaml", risk_yaml("R-100", owner="QA Leed"))
    assert found[0][2].endswith("(did you mean 'QA Lead'?)")


def test_closest_category_and_phase_ignore_case(root: Path) -> None:
    text = risk_yaml("R-100", category="security", phase="V3")
    messages = [m for _, _, m in findings_of(root, "R-100-case.yaml", text)]
    assert any("unknown category 'security' (did you mean 'Security'?)" in m for m in messages)
    assert any("unknown phase 'V3' (did you mean 'v3'?)" in m for m in messages)


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        ("id: R-100\n\ttitle: x\n", 2, 1, "a tab character"),
        ("id: R-100\ntitle: @alice\n", 2, 8, "'@' cannot start a value here"),
        ("id: R-100\ntitle: [open\nphase: v3\n", 3, None, "flow sequence that starts at 2:8"),
        ("id: R-100\ntitle: x\x07\n", 2, 9, "control character U+0007 is not allowed"),
    ],
)
def test_yaml_errors_have_line_col_and_name_the_character(
    root: Path, text: str, line: int, col: int | None, words: str
) -> None:
    (found,) = findings_of(root, "R-100-yaml.yaml", text)
    assert found[0] == line
    if col is not None:
        assert found[1] == col
    assert found[1] is not None
    assert words in found[2]
    assert found[2].startswith("YAML syntax error: ")


def test_a_policy_of_two_bands_is_a_method_of_its_own(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    start = text.index("  - name: yellow")
    end = text.index("  - name: green")
    policy.write_text(text[:start] + text[end:], encoding="utf-8")
    reg = read_register(root, TODAY)
    assert reg.policy is not None
    assert [b.name for b in reg.policy.bands] == ["red", "green"]
    assert reg.policy.band_for(14).name == "green"


def test_a_band_listed_twice_is_named(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace("  - name: yellow", "  - name: red")
    policy.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    found = [(f.line, f.message) for f in reg.findings if f.file == ".github/riskbot.yml"]
    first = line_of(text, "  - name: red")
    assert found == [
        (first + 5, f"band 'red' is defined twice (first at line {first})"),
    ]


def test_a_missing_scale_level_is_named(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "  - level: 3\n    label: Moderate", "  - level: 2\n    label: Moderate"
    )
    policy.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    messages = [f.message for f in reg.findings if f.file == ".github/riskbot.yml"]
    assert messages == ["impact_scale: level 3 is missing; level 2 is defined twice"]


def test_an_unknown_role_suggests_the_closest(root: Path) -> None:
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "- steering-committee", "- steering-comittee", 1
    )
    policy.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    assert any(
        "unknown role 'steering-comittee' (did you mean 'steering-committee'?)" in f.message
        for f in reg.findings
    )


def test_a_finding_renders_its_column_when_known() -> None:
    with_col = error("risks/R-001-a.yaml", 17, "bad", col=5, code="schema")
    without = error("plan.md", 3, "bad", code="plan")
    assert with_col.as_text() == "risks/R-001-a.yaml:17:5: error[schema] bad"
    assert without.as_text() == "plan.md:3: error[plan] bad"
    assert with_col.as_json()["col"] == 5
    assert with_col.as_json()["line"] == 17
    assert without.as_json()["col"] is None


def test_annotations_carry_the_column(root: Path) -> None:
    write_risk(root, "R-100-x.yaml", risk_yaml("R-100", category="Weather"))
    out = render_github(check_report(read_register(root, TODAY)), summary=False).stdout
    text = risk_yaml("R-100", category="Weather")
    expected = f"file=risks/R-100-x.yaml,line={line_of(text, 'category:')},col=11,"
    assert any(line.startswith("::error " + expected) for line in out.splitlines()), out


def test_json_findings_keep_line_and_add_col(root: Path) -> None:
    from bot.render.check import REPORTER_BY_NAME

    write_risk(root, "R-100-x.yaml", "id: R-100\n\ttitle: x\n")
    doc = json.loads(REPORTER_BY_NAME["json"](check_report(read_register(root, TODAY)), {}).stdout)
    (found,) = [f for f in doc["findings"] if f["file"] == "risks/R-100-x.yaml"]
    assert (found["line"], found["col"]) == (2, 1)
    assert re.search("a tab character", found["message"])
    assert POLICY.is_file()


def test_findings_name_their_code_as_ruff_does(root: Path) -> None:
    """``file:line:col: severity[code] message`` in the text, the code in the JSON and in the
    annotation's title."""
    from bot.render.check import REPORTER_BY_NAME

    text = risk_yaml("R-100") + "titel: x\n"
    write_risk(root, "R-100-x.yaml", text)
    report = check_report(read_register(root, TODAY))
    line = line_of(text, "titel:")
    shown = REPORTER_BY_NAME["text"](report, {}).stdout.splitlines()
    message = "unknown key 'titel' (did you mean 'title'?)"
    assert f"risks/R-100-x.yaml:{line}:1: error[unknown-key] {message}" in shown
    (found,) = [
        f
        for f in json.loads(REPORTER_BY_NAME["json"](report, {}).stdout)["findings"]
        if f["file"] == "risks/R-100-x.yaml"
    ]
    assert (found["code"], found["path"], found["line"], found["col"]) == (
        "unknown-key",
        "$.titel",
        line,
        1,
    )
    github = render_github(report, summary=False).stdout
    assert (
        f"::error file=risks/R-100-x.yaml,line={line},col=1,title=riskbot%3A unknown-key::"
        in github
    )


def test_a_finding_code_must_be_in_the_registry() -> None:
    with pytest.raises(ValueError, match=r"not in bot/register/codes\.py"):
        error("risks/R-001-a.yaml", 1, "bad", code="made-up")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # A number in quotes: jsonschema said "'4' is not of type 'integer'".
        (
            "impact:\n  level: 3\n",
            "impact:\n  level: '4'\n",
            "$.impact.level: '4' is a number in quotes, which YAML reads as text: remove the "
            "quotes (level: 4)",
        ),
        # YAML 1.1 reads no/yes/on/off as booleans: "False is not of type 'string'".
        (
            "title: Example risk R-100\n",
            "title: no\n",
            "$.title: `no` reads as false in YAML, not as text: quote it (title: 'no')",
        ),
        (
            "phase: v3\n",
            "phase: On\n",
            "$.phase: `On` reads as true in YAML, not as text: quote it (phase: 'On')",
        ),
        # A level without its mapping: "3 is not of type 'object'".
        (
            "impact:\n  level: 3\n  narrative: Moderate\n",
            "impact: 3\n",
            "$.impact: impact is a mapping with a level: write `impact: {level: 3}`",
        ),
        (
            "  - Watch\n",
            "  - Watch\n  - 2026\n",
            "$.mitigation.detection[1]: 2026 reads as a number in YAML, not as text: quote it "
            "(- '2026')",
        ),
        (
            "  prevention:\n  - Plan\n",
            "  prevention: Plan\n",
            "$.mitigation.prevention: prevention is a list: write each "
            "item on its own line after `prevention:`, as `- Plan`",
        ),
    ],
    ids=["quoted number", "no", "On", "bare level", "number item", "text for a list"],
)
def test_a_wrong_type_says_how_to_write_it(root: Path, old: str, new: str, message: str) -> None:
    text = risk_yaml("R-100")
    assert old in text
    text = text.replace(old, new, 1)
    found = findings_of(root, "R-100-typed.yaml", text)
    assert [m for _, _, m in found] == [message]


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("    - steering-committee  #", "    - steering-cmte  #", "steering-cmte"),
        ("notify: [team-lead]", "notify:\n      - team-lead\n      - ghost", "- ghost"),
        ("bands: [red]", "bands:\n      - red\n      - crimson", "- crimson"),
    ],
    ids=["escalation path", "notify", "same_level bands"],
)
def test_an_error_on_a_list_item_is_on_the_items_line(
    root: Path, old: str, new: str, needle: str
) -> None:
    """An unknown role or band in a list was reported on the list's key, lines above it."""
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    policy.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    [found] = [f for f in reg.findings if f.code == "policy"]
    assert found.line == line_of(text, needle)
