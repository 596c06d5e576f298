"""Contingency exposure: expected slip per release from the policy's numbers, against its buffer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.register.exposure import ReleaseExposure, exposure_by_release
from bot.render.check import REPORTER_BY_NAME, check_report, render_summary_markdown
from bot.render.exposure import render_exposure_markdown, render_exposure_text, two_places
from bot.repo.worktree import read_register
from tests.factories import REGISTER, copy_policy, copy_register, risk_yaml, write_risk

# The policy's numbers (.github/riskbot.yml), as midpoints:
#   probability 4 Likely 50-80% → 0.65; 3 Possible 20-50% → 0.35;
#               2 Unlikely 5-20% → 0.125; 1 Rare 0-5% → 0.025
#   impact slip 5 Critical 13-26 weeks → 19.5; 4 Major 4-13 → 8.5;
#               3 Moderate 1-4 → 2.5; 2 Minor 0-1 → 0.5
# Phases: R-001 v3; v4; v3+; R-005 v2+; All;
# R-008 Long-term (counts toward no release).
R001 = 0.65 * 8.5  # 4 × 4: 5.525
R002 = 0.65 * 19.5  # 5 × 4: 12.675
R003 = 0.35 * 19.5  # 5 × 3: 6.825
R004 = R005 = R006 = 0.35 * 2.5  # 3 × 3: 0.875 each
R007 = 0.125 * 8.5  # 4 × 2: 1.0625
R009 = 0.125 * 0.5  # 2 × 2: 0.0625
R010 = 0.025 * 0.5  # 2 × 1: 0.0125
V3 = R001 + R004 + R005 + R006 + R007 + R009 + R010  # = 9.2875 against a 4-week buffer
V4 = R002 + R003 + R004 + R005 + R006 + R007 + R009 + R010  # = 23.2625 against 6 weeks


def by_release(root: Path) -> dict[str, ReleaseExposure]:
    return {e.release: e for e in exposure_by_release(read_register(root))}


def test_v3_and_v4_by_hand() -> None:
    exposures = by_release(REGISTER)
    v3, v4 = exposures["v3"], exposures["v4"]
    assert round(V3, 4) == 9.2875
    assert round(V4, 4) == 23.2625
    assert v3.buffer_weeks == 4
    assert v3.expected_slip_weeks == pytest.approx(V3)
    assert v3.ratio == pytest.approx(V3 / 4)
    assert v3.over_buffer
    # tie at 0.875: the lowest id is named.
    assert [(c.id, c.weeks) for c in v3.top] == [
        ("R-001", pytest.approx(R001)),
        ("R-007", pytest.approx(R007)),
        ("R-004", pytest.approx(R004)),
    ]
    assert v4.buffer_weeks == 6
    assert v4.expected_slip_weeks == pytest.approx(V4)
    assert [c.id for c in v4.top] == ["R-002", "R-003", "R-007"]


def test_every_release_in_policy_order_and_long_term_counts_nowhere() -> None:
    exposures = exposure_by_release(read_register(REGISTER))
    assert [e.release for e in exposures] == ["v2", "v3", "v4", "v5"]
    assert all("R-008" not in {c.id for c in e.contributions} for e in exposures)
    v2, v5 = exposures[0], exposures[3]
    assert v2.expected_slip_weeks == pytest.approx(R005 + R007 + R009 + R010)  # 2.0125 > 2
    assert v2.over_buffer
    assert v5.expected_slip_weeks == pytest.approx(R004 + R005 + R006 + R007 + R009 + R010)
    assert not v5.over_buffer


def test_numbers_come_from_the_policy(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    text = text.replace("buffer_weeks: 4", "buffer_weeks: 10")
    text = text.replace(
        "schedule_slip_weeks: {min: 4, max: 13}", "schedule_slip_weeks: {min: 4, max: 4}"
    )
    policy.write_text(text, encoding="utf-8")
    v3 = by_release(root)["v3"]
    assert v3.buffer_weeks == 10
    # Impact 4 now slips 4 weeks: R-001 0.65 × 4 and R-007 0.125 × 4.
    expected = 0.65 * 4 + R004 + R005 + R006 + 0.125 * 4 + R009 + R010
    assert v3.expected_slip_weeks == pytest.approx(expected)
    assert not v3.over_buffer


def test_closed_risks_do_not_count(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-100-a.yaml", risk_yaml("R-100", phase="v3"))
    write_risk(root, "R-101-b.yaml", risk_yaml("R-101", phase="v3", status={"state": "closed"}))
    v3 = by_release(root)["v3"]
    # Only R-100: impact 3 (2.5 weeks) × probability 2 (0.125).
    assert v3.expected_slip_weeks == pytest.approx(0.125 * 2.5)
    assert [c.id for c in v3.contributions] == ["R-100"]


def test_no_policy_no_exposure(tmp_path: Path) -> None:
    assert exposure_by_release(read_register(tmp_path)) == []


def test_json_shape() -> None:
    v3 = by_release(REGISTER)["v3"].as_json()
    assert v3 == {
        "release": "v3",
        "buffer_weeks": 4,
        "expected_slip_weeks": 9.2875,
        "ratio": 2.3219,
        "over_buffer": True,
        "top": [
            {"id": "R-001", "weeks": 5.525},
            {"id": "R-007", "weeks": 1.0625},
            {"id": "R-004", "weeks": 0.875},
        ],
    }


def test_renderings_show_the_figures_and_escape_titles(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(
        root,
        "R-100-a.yaml",
        risk_yaml("R-100", title="Pipe | @someone <b>", phase="v3", impact={"level": 5}),
    )
    exposures = exposure_by_release(read_register(root))
    md = render_exposure_markdown(exposures)
    # 0.125 × 19.5 = 2.4375 weeks against v3's 4.
    assert "| v3 | 4 | 2.44 | 🟩 within (61%) |" in md
    assert "@someone" not in md
    assert "<b>" not in md
    assert "Pipe \\|" in md
    text = render_exposure_text(exposures)
    assert "R-100 2.44" in text


@pytest.mark.parametrize(
    ("value", "shown"), [(6.825, "6.83"), (5.525, "5.53"), (0.875, "0.88"), (2.0125, "2.01")]
)
def test_two_places_rounds_halves_up(value: float, shown: str) -> None:
    assert two_places(value) == shown


def test_check_shows_exposure_in_text_json_and_summary() -> None:
    report = check_report(read_register(REGISTER))
    text = REPORTER_BY_NAME["text"](report, {}).stdout
    assert "Contingency exposure" in text
    assert "v4       6       23.26" in text
    doc = json.loads(REPORTER_BY_NAME["json"](report, {}).stdout)
    assert [e["release"] for e in doc["exposure"]] == ["v2", "v3", "v4", "v5"]
    assert doc["exposure"][2]["expected_slip_weeks"] == pytest.approx(V4, abs=1e-4)
    assert set(doc["exposure"][0]) == {
        "release",
        "buffer_weeks",
        "expected_slip_weeks",
        "ratio",
        "over_buffer",
        "top",
    }
    summary = render_summary_markdown(report)
    assert "### Contingency exposure" in summary
    assert "| v4 | 6 | 23.26 | 🟥 over (388%) |" in summary
