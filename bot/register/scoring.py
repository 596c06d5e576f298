"""Where the score is computed: score, band, effective review cadence and next review date.

The policy's method (:mod:`bot.register.method`) says how: the product of the factors, or the
band of the risk's cell in a lookup table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.register.policy import Band, Policy
from bot.register.risk import AcceptanceState, Risk


@dataclass(frozen=True)
class Assessment:
    """What the policy makes of one risk on a given day."""

    risk: Risk
    score: int
    band: Band
    cadence: str
    cadence_days: int
    next_review: dt.date
    acceptance: AcceptanceState | None = None
    """Where the risk's acceptance stands on the day assessed (None: it has none)."""

    @property
    def band_name(self) -> str:
        return self.band.name

    @property
    def accepted(self) -> bool:
        """Knowingly accepted on the day assessed: its acceptance has not lapsed."""
        return self.acceptance in ("current", "ending")

    def overdue_days(self, today: dt.date) -> int:
        return max(0, (today - self.next_review).days)


def score_of(impact: int, probability: int, detection: int | None = None) -> int:
    """Impact × probability (× detection, where the risk has it)."""
    product = impact * probability
    return product if detection is None else product * detection


def band_for(score: int, policy: Policy) -> Band:
    """The band a score falls in under the policy's thresholds."""
    return policy.band_for(score)


def levels_fit(risk: Risk, policy: Policy) -> bool:
    """Whether a risk's levels are on the policy's scales (else it cannot be scored)."""
    return policy.method.fits(risk.impact, risk.probability, risk.detection)


def effective_cadence(
    risk: Risk, band: Band, policy: Policy, *, accepted: bool = False
) -> tuple[str, int]:
    """The stricter of the risk's own review cadence and its band's monitoring cadence; while
    the risk is accepted, the policy's acceptance cadence stands for its band's."""
    base = policy.acceptance.cadence if accepted else band.monitoring
    base_days = policy.cadences[base]
    if risk.cadence is not None and risk.cadence in policy.cadences:
        own_days = policy.cadences[risk.cadence]
        if own_days < base_days:
            return risk.cadence, own_days
    return base, base_days


def next_review(risk: Risk, cadence_days: int, today: dt.date) -> dt.date:
    """Last review plus the cadence; a risk never reviewed is due since it was identified."""
    if risk.last_reviewed is not None:
        return risk.last_reviewed + dt.timedelta(days=cadence_days)
    if risk.identified is not None:
        return min(risk.identified, today)
    return today


def assess(risk: Risk, policy: Policy, today: dt.date) -> Assessment:
    """Score, band and review schedule of one risk (whose levels fit the policy's scales).

    An accepted risk keeps its score and band and is reviewed on the acceptance cadence; once
    its acceptance has lapsed its band's cadence is back, its review due on the lapse day at
    the latest (and not before: the acceptance covered the days before).
    """
    method = policy.method
    score = method.score(risk.impact, risk.probability, risk.detection)
    band = method.band_of(risk.impact, risk.probability, risk.detection)
    held = risk.acceptance
    state = held.state(today, policy.acceptance.notice_days) if held is not None else None
    accepted = state in ("current", "ending")
    cadence, days = effective_cadence(risk, band, policy, accepted=accepted)
    due = next_review(risk, days, today)
    if held is not None and state == "lapsed":
        due = max(due, held.lapses_on)
    return Assessment(risk, score, band, cadence, days, due, state)
