"""Schedule odds: the exact slip distribution per release, checked against brute force."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.register.exposure import exposure_for
from bot.register.odds import (
    QUANTILES,
    RiskSlip,
    chance_to_exceed,
    chances_without_each,
    distribution_of,
    odds_by_release,
    odds_for,
    release_odds,
    risk_slip,
    weeks_to_days,
)
from bot.register.policy import Release
from tests.factories import REGISTER, copy_policy, register_of, risk_yaml, write_risk


def brute_force(slips: list[RiskSlip]) -> dict[int, Fraction]:
    """P(total = t) by walking every occur / not and every slip day of every risk."""
    law: dict[int, Fraction] = {}
    choices = []
    for s in slips:
        n = s.max_days - s.min_days + 1
        options = [(0, 1 - s.probability)]
        options += [(d, s.probability / n) for d in range(s.min_days, s.max_days + 1)]
        choices.append(options)
    for combo in itertools.product(*choices):
        total = sum(d for d, _ in combo)
        p = Fraction(1)
        for _, q in combo:
            p *= q
        law[total] = law.get(total, Fraction(0)) + p
    return law


SMALL = [
    RiskSlip("R-001", "a", Fraction(13, 20), 7, 28),  # Likely × Moderate
    RiskSlip("R-002", "b", Fraction(7, 20), 0, 7),  # Possible × Minor
    RiskSlip("R-003", "c", Fraction(1, 8), 28, 40),  # Unlikely × part of Major
    RiskSlip("R-004", "d", Fraction(9, 10), 3, 3),  # Almost certain, fixed 3 days
]


def test_the_chance_to_exceed_a_buffer_matches_brute_force_enumeration() -> None:
    law = brute_force(SMALL)
    assert sum(law.values()) == 1
    dist = distribution_of(SMALL)
    for t in range(dist.max_days + 1):
        assert Fraction(dist.weights[t], dist.total) == law.get(t, 0)
    for buffer_weeks in (0, 1, 2, 3, 4, 6, 8, 10.5):
        release = Release("v9", buffer_weeks, "")
        odds = release_odds(release, SMALL)
        expected = sum((p for t, p in law.items() if t > buffer_weeks * 7), Fraction(0))
        assert odds.exceed == expected  # exact, not approximately
        assert chance_to_exceed(SMALL, buffer_weeks * 7) == expected


def test_quantiles_match_brute_force() -> None:
    law = brute_force(SMALL)
    dist = distribution_of(SMALL)
    for q in QUANTILES:
        running, want = Fraction(0), None
        for t in sorted(law):
            running += law[t]
            if running >= q:
                want = t
                break
        assert dist.quantile(q) == want


def test_drivers_are_the_change_in_the_chance_when_the_risk_is_removed() -> None:
    release = Release("v9", 2, "")
    odds = release_odds(release, SMALL)
    for driver in odds.drivers:
        rest = [s for s in SMALL if s.id != driver.id]
        law = brute_force(rest)
        without = sum((p for t, p in law.items() if t > 14), Fraction(0))
        assert driver.exceed_without == without
        assert driver.lowers_by == odds.exceed - without > 0
    assert [d.lowers_by for d in odds.drivers] == sorted(
        (d.lowers_by for d in odds.drivers), reverse=True
    )
    # R-004 always slips 3 days and R-002 at most 7: the 4-week slips of drive it.
    assert odds.drivers[0].id in ("R-001", "R-003")


slip_strategy = st.builds(
    lambda i, num, den, lo, width: RiskSlip(
        f"R-{i:03d}", "x", Fraction(min(num, den), den), lo, lo + width
    ),
    st.integers(1, 999),
    st.integers(0, 20),
    st.integers(1, 20),
    st.integers(0, 10),
    st.integers(0, 6),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(slip_strategy, min_size=0, max_size=3), st.integers(-1, 30))
def test_exact_convolution_equals_enumeration_on_random_small_cases(
    slips: list[RiskSlip], days: int
) -> None:
    law = brute_force(slips)
    dist = distribution_of(slips)
    assert {t: Fraction(w, dist.total) for t, w in enumerate(dist.weights) if w} == {
        t: p for t, p in law.items() if p
    }
    expected = sum((p for t, p in law.items() if t > days), Fraction(0))
    assert dist.exceeds(days) == expected
    assert chance_to_exceed(slips, days) == expected


def test_the_mean_of_the_distribution_is_the_exposure_point_estimate() -> None:
    register = register_of(REGISTER)
    odds = odds_by_release(register)
    exposure = exposure_for(register.policy, register.risks)
    assert [o.release for o in odds] == [e.release for e in exposure] == ["v2", "v3", "v4", "v5"]
    for o, e in zip(odds, exposure, strict=True):
        assert float(o.distribution.mean_days) / 7 == pytest.approx(e.expected_slip_weeks)
        assert [s.id for s in o.slips] == sorted(c.id for c in e.contributions)


def test_the_plans_register_figures_are_stable_and_plausible() -> None:
    register = register_of(REGISTER)
    first: list[Any] = [o.as_json() for o in odds_by_release(register)]
    assert first == [o.as_json() for o in odds_by_release(register_of(REGISTER))]
    by = {o["release"]: o for o in first}
    # v4 carries the two Critical risks (13–26 weeks each) against a 6-week buffer.
    assert by["v4"]["p_exceed_buffer"] > by["v5"]["p_exceed_buffer"]
    assert by["v4"]["drivers"][0]["id"] == "R-002"
    for o in first:
        q = o["slip_weeks"]
        assert q["p50"] <= q["p80"] <= q["p95"] <= o["max_slip_weeks"]


def test_critical_uses_the_policys_stated_assumption() -> None:
    register = register_of(REGISTER)
    r002 = register.get("R-002")
    assert r002 is not None
    slip = risk_slip(r002.risk, register.policy)
    assert (slip.min_days, slip.max_days) == (13 * 7, 26 * 7)
    assert slip.probability == Fraction(65, 100)


def test_closed_risks_and_risks_of_other_releases_do_not_count(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    write_risk(root, "R-001-a.yaml", risk_yaml("R-001", phase="v3"))
    write_risk(root, "R-002-b.yaml", risk_yaml("R-002", phase="v3", status={"state": "closed"}))
    write_risk(root, "R-003-c.yaml", risk_yaml("R-003", phase="v4"))
    register = register_of(root)
    by = {o.release: o for o in odds_for(register.policy, register.risks)}
    assert [s.id for s in by["v3"].slips] == ["R-001"]
    assert [s.id for s in by["v4"].slips] == ["R-003"]
    assert by["v2"].slips == ()
    assert by["v2"].exceed == 0
    assert by["v2"].quantiles == tuple((q, 0) for q in QUANTILES)


def test_weeks_become_whole_days() -> None:
    assert weeks_to_days(0) == 0
    assert weeks_to_days(1) == 7
    assert weeks_to_days(0.5) == 4
    assert weeks_to_days(13) == 91


def _many(n: int) -> list[RiskSlip]:
    return [
        RiskSlip(f"R-{i:03d}", "t", Fraction(35, 100), 7 if i % 3 else 28, 28 if i % 3 else 91)
        for i in range(n)
    ]


def test_many_risks_use_the_normal_approximation_close_to_the_exact_figures() -> None:
    from bot.register.odds import EXACT_MAX_RISKS, normal_slip

    slips = _many(EXACT_MAX_RISKS)
    exact = release_odds(Release("v", 40.0, ""), slips)
    assert exact.method == "exact"
    approx = normal_slip(slips)
    assert approx.mean_days == exact.distribution.mean_days  # the same mean, exactly
    buffer_days = 40.0 * 7
    assert abs(float(approx.exceeds(buffer_days) - exact.exceed)) < 0.03
    for q, days in exact.quantiles:
        assert abs(approx.quantile(q) - days) <= 0.05 * days + 2
    # 5,000 risks: a mean slip of about 7,876 weeks, one standard deviation about 193 weeks.
    many = release_odds(Release("v", 8_068.0, ""), _many(5_000))
    assert many.method == "normal"
    assert many.as_json()["method"] == "normal"
    assert 0.1 < many.exceed < 0.2  # about one standard deviation above the mean
    assert many.top  # the drivers are still named, from the same mean and variance


def test_variance_of_one_risk_matches_enumeration() -> None:
    slip = RiskSlip("R-001", "t", Fraction(1, 4), 3, 7)
    outcomes = [(Fraction(3, 4), 0)] + [(Fraction(1, 4) / 5, d) for d in range(3, 8)]
    mean = sum(p * d for p, d in outcomes)
    assert slip.mean_days == mean
    assert slip.variance_days == sum(p * (d - mean) ** 2 for p, d in outcomes)


@settings(max_examples=150, deadline=None)
@given(st.lists(slip_strategy, min_size=1, max_size=6), st.floats(-1, 60, allow_nan=False))
def test_each_risk_taken_out_gives_the_chance_without_it(
    slips: list[RiskSlip], days: float
) -> None:
    # Taking a risk back out of the weights (tail drivers) is the convolution of all the others,
    # also for slips from 0 days and for risks certain to occur (probability 1).
    expected = [chance_to_exceed(slips[:i] + slips[i + 1 :], days) for i in range(len(slips))]
    assert chances_without_each(slips, days) == expected
    assert chances_without_each(slips, days, distribution_of(slips)) == expected
