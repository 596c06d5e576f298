"""Scores, band boundaries, every cell of the matrix, review dates and register escalations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.register.load import Register, SourceFile, load_policy
from bot.register.reviews import reminders_due
from bot.register.risk import risk_from_data
from bot.register.rules import register_escalations
from bot.register.scoring import assess, band_for, effective_cadence, next_review
from bot.repo.worktree import read_register
from tests.factories import POLICY, REGISTER, risk_data

_POL, _ = load_policy(SourceFile(".github/riskbot.yml", POLICY.read_bytes()))
assert _POL is not None
POL = _POL
TODAY = dt.date(2026, 11, 27)


def make(**overrides: object):
    return risk_from_data("risks/R-100-x.yaml", risk_data("R-100", **overrides), {})


@pytest.mark.parametrize(
    ("score", "band"),
    [(7, "green"), (8, "yellow"), (14, "yellow"), (15, "red"), (1, "green"), (25, "red")],
)
def test_band_boundaries(score: int, band: str) -> None:
    assert band_for(score, POL).name == band


EXPECTED_GRID = {
    5: ["green", "yellow", "red", "red", "red"],
    4: ["green", "yellow", "yellow", "red", "red"],
    3: ["green", "green", "yellow", "yellow", "red"],
    2: ["green", "green", "green", "yellow", "yellow"],
    1: ["green", "green", "green", "green", "green"],
}


@pytest.mark.parametrize("impact", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("probability", [1, 2, 3, 4, 5])
def test_all_25_cells(impact: int, probability: int) -> None:
    a = assess(make(impact={"level": impact}, probability={"level": probability}), POL, TODAY)
    assert a.score == impact * probability
    assert a.band.name == EXPECTED_GRID[impact][probability - 1]


@given(st.integers(1, 25))
def test_band_is_monotonic(score: int) -> None:
    order = {"green": 0, "yellow": 1, "red": 2}
    assert order[band_for(score, POL).name] <= order[band_for(min(score + 1, 25), POL).name]


def test_effective_cadence_is_the_stricter() -> None:
    yellow = POL.band("yellow")
    assert effective_cadence(make(review={"cadence": "daily"}), yellow, POL) == ("daily", 1)
    assert effective_cadence(make(review={"cadence": "monthly"}), yellow, POL) == ("weekly", 7)
    assert effective_cadence(make(), yellow, POL) == ("weekly", 7)


def test_next_review_dates() -> None:
    reviewed = make(review={"last_reviewed": "2026-11-20"})
    assert next_review(reviewed, 7, TODAY) == dt.date(2026, 11, 27)
    never = make(identified=None)
    assert next_review(never, 7, TODAY) == TODAY
    identified = make(identified="2026-01-02")
    assert next_review(identified, 7, TODAY) == dt.date(2026, 1, 2)


def test_plan_register_scores() -> None:
    reg = read_register(REGISTER, TODAY)
    assert reg.ok, reg.errors
    got = [(a.risk.id, a.score, a.band.name) for a in reg.assessments]
    assert got == [
        ("R-002", 20, "red"),
        ("R-001", 16, "red"),
        ("R-003", 15, "red"),
        ("R-004", 9, "yellow"),
        ("R-005", 9, "yellow"),
        ("R-006", 9, "yellow"),
        ("R-007", 8, "yellow"),
        ("R-008", 4, "green"),
        ("R-009", 4, "green"),
        ("R-010", 2, "green"),
    ]


def test_plan_register_escalations() -> None:
    reg = read_register(REGISTER, TODAY)
    assert reg.policy is not None
    escalations = register_escalations(reg.policy, reg.assessments)
    by_rule: dict[str, list[tuple[str, ...]]] = {}
    for e in escalations:
        by_rule.setdefault(e.rule, []).append(e.risks)
    assert by_rule["new_red"] == [("R-002",), ("R-001",), ("R-003",)]
    assert by_rule["same_level"] == [("R-002", "R-001", "R-003")]
    assert sorted(r[0] for r in by_rule["schedule_impact"]) == [
        "R-001",
        "R-002",
        "R-003",
        "R-004",
        "R-005",
        "R-006",
        "R-007",
    ]
    red = next(e for e in escalations if e.rule == "new_red" and e.risks == ("R-001",))
    assert [n.role for n in red.notify] == ["db-lead", "team-lead", "program-sponsor"]
    steering = next(e for e in escalations if e.rule == "same_level")
    assert [n.role for n in steering.notify] == ["steering-committee"]


def test_closed_risks_do_not_escalate(tmp_path: Path) -> None:
    a = assess(
        make(impact={"level": 5}, probability={"level": 5}, status={"state": "closed"}), POL, TODAY
    )
    assert register_escalations(POL, [a]) == []
    assert reminders_due(Register(POL, [a], today=TODAY), TODAY)[0] == []
