"""Where the score is computed: score, band, effective review cadence and next review date.

The policy's method (:mod:`bot.register.method`) says how: the product of the factors, or the
band of the risk's cell in a lookup table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.register.policy import Band, Policy
from bot.register.risk import Risk


@dataclass(frozen=True)
class Assessment:
    """What the policy makes of one risk on a given day."""

    risk: Risk
    score: int
    band: Band
    cadence: str
    cadence_days: int
    next_review: dt.date

    @property
    def band_name(self) -> str:
        return self.band.name

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


def effective_cadence(risk: Risk, band: Band, policy: Policy) -> tuple[str, int]:
    """The stricter of the risk's own review cadence and its band's monitoring cadence."""
    band_days = policy.cadences[band.monitoring]
    if risk.cadence is not None and risk.cadence in policy.cadences:
        own_days = policy.cadences[risk.cadence]
        if own_days < band_days:
            return risk.cadence, own_days
    return band.monitoring, band_days


def next_review(risk: Risk, cadence_days: int, today: dt.date) -> dt.date:
    """Last review plus the cadence; a risk never reviewed is due since it was identified."""
    if risk.last_reviewed is not None:
        return risk.last_reviewed + dt.timedelta(days=cadence_days)
    if risk.identified is not None:
        return min(risk.identified, today)
    return today


def assess(risk: Risk, policy: Policy, today: dt.date) -> Assessment:
    """Score, band and review schedule of one risk (whose levels fit the policy's scales)."""
    method = policy.method
    score = method.score(risk.impact, risk.probability, risk.detection)
    band = method.band_of(risk.impact, risk.probability, risk.detection)
    cadence, days = effective_cadence(risk, band, policy)
    return Assessment(risk, score, band, cadence, days, next_review(risk, days, today))
