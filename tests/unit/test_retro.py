"""`riskbot retro`: predictions against outcomes, the Brier score, unregistered surprises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.documents.retro import build_retro, load_unregistered, outcomes_of, render_retro_markdown
from bot.register.schemas import load_schema
from tests.factories import (
    REGISTER,
    copy_policy,
    line_of,
    outcome,
    register_of,
    risk_yaml,
    write_risk,
)


def small_register(root: Path) -> Path:
    """Five risks around release v3; the policy's probability midpoints are in the comments."""
    copy_policy(root)
    risks: list[tuple[str, dict[str, Any]]] = [
        # probability 4 Likely 50-80% → p = 0.65; occurred (o = 1): (0.65 − 1)² = 0.1225
        (
            "R-101",
            {
                "phase": "v3",
                "probability": {"level": 4},
                "impact": {"level": 4},
                "outcome": outcome("v3", True, actual_impact=5),
            },
        ),
        # probability 2 Unlikely 5-20% → p = 0.125; did not occur: 0.125² = 0.015625
        (
            "R-102",
            {
                "phase": "All",
                "probability": {"level": 2},
                "outcome": [outcome("v2", True), outcome("v3", False)],
            },
        ),
        # probability 3 Possible 20-50% → p = 0.35; occurred: (0.35 − 1)² = 0.4225
        (
            "R-103",
            {
                "phase": "v3+",
                "probability": {"level": 3},
                "impact": {"level": 3},
                "outcome": outcome("v3", True, actual_impact=3, note="As feared"),
            },
        ),
        # counts toward v3 but has no outcome: listed, not scored
        ("R-104", {"phase": "v2+"}),
        # has an outcome for v3 but its phase is v4: left out with a warning
        ("R-105", {"phase": "v4", "outcome": outcome("v3", True)}),
    ]
    for risk_id, fields in risks:
        write_risk(root, f"{risk_id}-x.yaml", risk_yaml(risk_id, **fields))
    return root


BRIER = (0.1225 + 0.015625 + 0.4225) / 3  # = 0.186875


def test_brier_score_by_hand(tmp_path: Path) -> None:
    register = register_of(small_register(tmp_path))
    assert register.ok, register.errors
    retro = build_retro(register, "v3")
    assert [e.risk.id for e in retro.entries] == ["R-101", "R-102", "R-103"]
    assert [e.squared_error for e in retro.entries] == pytest.approx([0.1225, 0.015625, 0.4225])
    assert retro.brier == pytest.approx(BRIER)
    assert round(BRIER, 6) == 0.186875
    assert [e.risk.id for e in retro.occurred] == ["R-101", "R-103"]
    assert retro.expected_to_occur == pytest.approx(0.65 + 0.125 + 0.35)
    assert [r.id for r in retro.without_outcome] == ["R-104"]
    assert [(f.file, f.severity) for f in retro.findings] == [("risks/R-105-x.yaml", "warning")]
    assert "does not count toward v3" in retro.findings[0].message


def test_v2_uses_the_v2_outcome_of_a_list(tmp_path: Path) -> None:
    retro = build_retro(register_of(small_register(tmp_path)), "v2")
    # Only R-102 (All) has a v2 outcome: occurred with p = 0.125 → (0.125 − 1)² = 0.765625.
    assert [e.risk.id for e in retro.entries] == ["R-102"]
    assert retro.brier == pytest.approx(0.765625)


def test_markdown_for_the_post_release_review(tmp_path: Path) -> None:
    root = small_register(tmp_path)
    (root / "retro").mkdir()
    (root / "retro" / "v3.yaml").write_text(
        "release: v3\nunregistered:\n  - title: CI runners @ capacity | <b>\n    impact: 2\n"
        "    note: Nobody thought of build capacity\n",
        encoding="utf-8",
    )
    register = register_of(root)
    unregistered, findings = load_unregistered(root, "v3")
    assert findings == []
    assert [(u.title, u.impact, u.line) for u in unregistered] == [
        ("CI runners @ capacity | <b>", 2, 3)
    ]
    assert register.policy is not None
    text = render_retro_markdown(build_retro(register, "v3", unregistered), register.policy)
    assert "- Brier score: 0.1869 over 3 risks" in text
    assert "- Occurred: 2 of 3 (their predicted probabilities expected 1.13)" in text
    assert "| R-101: Example risk R-101 | 4 Likely (65.0%) | yes | 0.1225 | 4 Major | " in text
    assert "5 Critical (worse by 1)" in text
    assert "3 Moderate (as predicted) | As feared |" in text
    assert "\\| &lt;b&gt; | 2 Minor | Nobody thought of build capacity |" in text
    assert "- R-104: Example risk R-104" in text
    assert "## Findings" in text


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("unregistered:\n  - title: x\n    impakt: 2\n", 3, "unknown key 'impakt'"),
        ("unregistered:\n  - note: no title\n", 2, "missing required key 'title'"),
        ("release: v4\nunregistered: []\n", 1, "does not match the file name"),
        ("unregistered: [\n", 2, "YAML syntax error"),
    ],
)
def test_retro_file_findings_name_the_line(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    (tmp_path / "retro").mkdir()
    (tmp_path / "retro" / "v3.yaml").write_text(content, encoding="utf-8")
    unregistered, findings = load_unregistered(tmp_path, "v3")
    assert unregistered == []
    assert [(f.file, f.line) for f in findings][:1] == [("retro/v3.yaml", line)]
    assert message in findings[0].message


def test_impacts_off_the_policys_scale_are_named_on_their_lines(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-100-x.yaml", risk_yaml("R-100", outcome=outcome(actual_impact=7)))
    (root / "retro").mkdir()
    (root / "retro" / "v3.yaml").write_text("unregistered:\n  - title: x\n    impact: 9\n", "utf-8")
    unregistered, findings = load_unregistered(root, "v3")
    assert findings == []
    retro = build_retro(register_of(root), "v3", unregistered)
    scale = "impact scale, 1–5 (1 Negligible … 5 Critical)"
    assert [(f.file, f.line, f.message) for f in retro.errors] == [
        ("retro/v3.yaml", 2, f"impact 9 is outside the policy's {scale}"),
        (
            "risks/R-100-x.yaml",
            line_of(risk_yaml("R-100", outcome=outcome(actual_impact=7)), "outcome:"),
            f"actual_impact 7 is outside the policy's {scale}",
        ),
    ]


def test_missing_or_empty_retro_file_lists_nothing(tmp_path: Path) -> None:
    assert load_unregistered(tmp_path, "v3") == ([], [])
    (tmp_path / "retro").mkdir()
    (tmp_path / "retro" / "v3.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_unregistered(tmp_path, "v3") == ([], [])


def test_unknown_release_is_refused() -> None:
    with pytest.raises(KeyError):
        build_retro(register_of(REGISTER), "v9")


def test_outcome_in_the_risk_schema_one_or_a_list(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-100-x.yaml", risk_yaml("R-100", outcome=outcome("v3", False)))
    write_risk(root, "R-101-x.yaml", risk_yaml("R-101", outcome=[outcome("v2"), outcome("v3")]))
    bad = risk_yaml("R-102", outcome={"release": "v3", "occured": True})
    write_risk(root, "R-102-x.yaml", bad)
    register = register_of(root)
    assert {f.file for f in register.errors} == {"risks/R-102-x.yaml"}
    typo = [f for f in register.errors if "occured" in f.message]
    assert [(f.line, f.message) for f in typo] == [
        (line_of(bad, "occured:"), "unknown key 'occured' (did you mean 'occurred'?)")
    ]
    r101 = register.get("R-101")
    assert r101 is not None
    assert [o.release for o in outcomes_of(r101.risk)] == ["v2", "v3"]


def _walk(schema: dict[str, Any], path: str = "$") -> list[str]:
    """Paths of objects without additionalProperties: false or properties without description."""
    problems: list[str] = []
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path}: additionalProperties")
        for name, sub in schema.get("properties", {}).items():
            if "description" not in sub:
                problems.append(f"{path}.{name}: description")
            problems += _walk(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        problems += _walk(schema["items"], f"{path}[]")
    return problems


def test_retro_schema_is_strict_and_described() -> None:
    schema = load_schema("retro.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "description" in schema
    assert _walk(schema) == []
    assert json.dumps(schema)  # plain JSON, shipped with the other schemas


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "$.outcome: [] should be non-empty"),
        ("v3", "is not of type ['object', 'array']"),
        ([[outcome()]], "$.outcome[0]: "),
        ([outcome(), {"release": "v4", "occurred": "yes"}], "'yes' is text: write true or false"),
        ([outcome(extra=1)], "unknown key 'extra'"),
    ],
)
def test_outcome_shapes_the_schema_refuses(tmp_path: Path, value: object, message: str) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-100-x.yaml", risk_yaml("R-100", outcome=value))
    register = register_of(root)
    assert register.assessments == []
    assert any(message in f.message for f in register.errors), register.errors


def test_calibration_pools_every_release_by_probability_level(tmp_path: Path) -> None:
    from bot.documents.retro import build_calibration, render_calibration

    register = register_of(small_register(tmp_path))
    cal = build_calibration(register)
    # v2: R-102 occurred; v3: R-101 yes, R-102 no, R-103 yes (R-105 is left out: phase v4).
    assert cal.releases == ["v2", "v3"]
    assert len(cal.entries) == 4
    rows = {r.level: r for r in cal.rows}
    assert (rows[2].outcomes, rows[2].occurred) == (2, 1)
    assert (rows[3].outcomes, rows[3].occurred) == (1, 1)
    assert (rows[4].outcomes, rows[4].occurred) == (1, 1)
    assert rows[1].outcomes == 0
    assert rows[1].observed is None
    # Unlikely (5–20 %) risks occurred half the time: outside the range, but with two outcomes
    # the 95 % interval still reaches it.
    assert rows[2].outside
    assert not rows[2].clearly_outside
    brier = (0.125**2 + (0.125 - 1) ** 2 + (0.65 - 1) ** 2 + (0.35 - 1) ** 2) / 4
    assert cal.brier == pytest.approx(brier)
    assert cal.base_rate == pytest.approx(0.75)
    assert cal.skill == pytest.approx(1 - brier / (0.75 * 0.25))
    text = "\n".join(render_calibration(cal))
    assert "| 2 Unlikely | 5–20% | 12.5% | 2 | 1 | 50% |" in text
    assert "⚠️ outside |" in text
    assert f"Brier skill score: {1 - brier / 0.1875:.3f}" in text


def test_calibration_flags_a_range_even_the_interval_misses(tmp_path: Path) -> None:
    from bot.documents.retro import build_calibration, render_calibration

    copy_policy(tmp_path)
    for n in range(1, 13):  # twelve Rare (<5 %) risks that all occurred
        rid = f"R-{n:03d}"
        write_risk(
            tmp_path,
            f"{rid}-x.yaml",
            risk_yaml(rid, phase="v2", probability={"level": 1}, outcome=outcome("v2", True)),
        )
    cal = build_calibration(register_of(tmp_path))
    rare = cal.rows[0]
    assert rare.clearly_outside
    assert cal.skill is None  # every outcome is "occurred": no base-rate uncertainty to beat
    text = "\n".join(render_calibration(cal))
    assert "outside (even at 95 %)" in text
    assert "undefined" in text
    empty = build_calibration(register_of(copy_policy(tmp_path / "empty")))
    assert "No release has recorded outcomes yet." in render_calibration(empty)


def test_every_retro_ends_with_the_calibration(tmp_path: Path) -> None:
    from bot.documents.retro import build_calibration

    register = register_of(small_register(tmp_path))
    text = render_retro_markdown(
        build_retro(register, "v3"), register.policy, build_calibration(register)
    )
    assert "## Calibration over all releases" in text
    assert text.endswith("\n")
