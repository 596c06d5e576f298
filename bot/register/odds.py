"""Schedule risk as odds: per release, the exact distribution of the total slip of its open risks.

The model, every number from the policy:

- Each open risk that counts toward a release (its phase's ``counts_toward``) occurs, independently
  of the others, with the midpoint of its probability level's ``percent`` range. Reading the range
  as uniform uncertainty about the probability gives the same figures: for independent risks a
  Bernoulli whose probability is uniform on [a, b] is a Bernoulli with probability (a + b) / 2.
- A risk that occurs slips the release by a whole number of days drawn uniformly from its impact
  level's ``schedule_slip_weeks`` range (``min × 7`` … ``max × 7`` days, both included). So the
  expected slip is exactly the point estimate of :mod:`bot.register.exposure`.
- The release's slip is the sum. Its distribution is the convolution of the risks' own, computed
  exactly on the grid of days with integer weights: the same register always gives the same
  figures, to the last digit, and no floating point enters before display.

The risks that drive the tail are those whose removal lowers the chance of exceeding the buffer
the most.

The exact convolution costs about the square of the number of risks, so a release with more than
:data:`EXACT_MAX_RISKS` open risks is computed with the normal distribution of the same mean and
variance (exact, from the same model): with that many independent slips the sum is close to
normal, the cost stays linear, and the output says which method gave the figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from bot.register.load import Loaded, Register
from bot.register.policy import Policy, Release
from bot.register.risk import Risk

if TYPE_CHECKING:
    from statistics import NormalDist

QUANTILES = (Fraction(1, 2), Fraction(4, 5), Fraction(19, 20))
"""The slips reported: the 50 %, 80 % and 95 % quantiles."""
TOP_DRIVERS = 3
"""How many of the risks that drive the tail a release names."""
DAYS_PER_WEEK = 7
EXACT_MAX_RISKS = 60
"""Above this many open risks a release's odds use the normal approximation (see above)."""


def _exact(value: float) -> Fraction:
    """A policy number as the decimal it was written as (0.1 is 1/10, not its binary neighbour)."""
    return Fraction(repr(value))


def weeks_to_days(weeks: float) -> int:
    """Whole days, halves rounded up."""
    return math.floor(_exact(weeks) * DAYS_PER_WEEK + Fraction(1, 2))


class RiskSlip(NamedTuple):
    """One risk's share of a release's slip: occurs with ``probability``, then slips uniformly
    by ``min_days`` … ``max_days`` days."""

    id: str
    title: str
    probability: Fraction
    min_days: int
    max_days: int

    @property
    def kernel(self) -> tuple[int, int, int]:
        """Integer weights: (weight of "does not occur", weight of each slip day, total)."""
        n = self.max_days - self.min_days + 1
        p = self.probability
        return (p.denominator - p.numerator) * n, p.numerator, p.denominator * n

    @property
    def mean_days(self) -> Fraction:
        return self.probability * Fraction(self.min_days + self.max_days, 2)

    @property
    def variance_days(self) -> Fraction:
        """Var(slip): occurs (p) times a discrete uniform slip on min … max days."""
        n = self.max_days - self.min_days + 1
        mean = Fraction(self.min_days + self.max_days, 2)
        second = mean * mean + Fraction(n * n - 1, 12)  # E[X²] of the discrete uniform
        return self.probability * second - self.mean_days**2


Shape = tuple[Fraction, int, int]
"""A slip's law: (probability, min_days, max_days); the risks of one level pair share it."""


def _shape(policy: Policy, impact: int, probability: int) -> Shape:
    level = policy.probability_scale[probability]
    scale = policy.impact_scale[impact]
    slip, percent = (
        (scale.slip_min_weeks, scale.slip_max_weeks),
        (level.percent_min, level.percent_max),
    )
    if slip[0] is None or slip[1] is None or percent[0] is None or percent[1] is None:
        raise ValueError(f"no odds: {policy.no_odds}")  # odds_for asks only where there are
    low, high = weeks_to_days(slip[0]), weeks_to_days(slip[1])
    chance = (_exact(percent[0]) + _exact(percent[1])) / 200
    return chance, min(low, high), max(low, high)


def risk_slip(
    risk: Risk, policy: Policy, shapes: dict[tuple[int, int], Shape] | None = None
) -> RiskSlip:
    """A risk's slip as the policy's scales define it (``shapes``: a memo by level pair)."""
    levels = (risk.impact, risk.probability)
    if shapes is None:
        shapes = {}
    if levels not in shapes:
        shapes[levels] = _shape(policy, *levels)
    return RiskSlip(risk.id, risk.title, *shapes[levels])


def _shape_of(slip: RiskSlip) -> Shape:
    return slip.probability, slip.min_days, slip.max_days


def convolve(weights: Sequence[int], slip: RiskSlip, limit: int | None = None) -> list[int]:
    """``weights`` (of a total slip of 0, 1, 2 … days) with one more risk added.

    A sliding window over the weights makes it linear in the length; ``limit`` keeps only the
    weights of slips up to that many days (enough for a chance of exceeding a buffer).
    """
    absent, each, _ = slip.kernel
    low, high = slip.min_days, slip.max_days
    last = len(weights)
    size = last + high if limit is None else min(last + high, limit + 1)
    out = []
    window = 0  # the sum of weights[t - high … t - low]
    for t in range(size):
        if 0 <= t - low < last:
            window += weights[t - low]
        if 0 <= t - high - 1 < last:
            window -= weights[t - high - 1]
        out.append(absent * (weights[t] if t < last else 0) + each * window)
    return out


def deconvolve(weights: Sequence[int], slip: RiskSlip) -> list[int] | None:
    """The weights before ``slip`` was convolved in (the first ``len(weights)`` of them), or None
    for a risk certain to occur (which cannot be taken back out this way).

    ``weights[t] = absent·before[t] + each·Σ before[t-high … t-low]``: each ``before[t]`` follows
    from ``weights[t]`` and the ones already found, exactly, in integers.
    """
    absent, each, _ = slip.kernel
    if absent == 0:
        return None
    low, high = slip.min_days, slip.max_days
    before: list[int] = []
    window = 0
    for t, w in enumerate(weights):
        if t - low >= 0 and low > 0:
            window += before[t - low]
        if t - high - 1 >= 0:
            window -= before[t - high - 1]
        if low == 0:  # before[t] is in its own window
            rest = w - each * window
            value, left = divmod(rest, absent + each)
            window += value
        else:
            value, left = divmod(w - each * window, absent)
        if left:
            raise ArithmeticError("the weights do not hold this risk")  # pragma: no cover
        before.append(value)
    return before


@dataclass(frozen=True)
class SlipDistribution:
    """The distribution of a total slip: ``weights[t] / total`` is P(slip = t days)."""

    weights: tuple[int, ...]
    total: int

    def at_most(self, days: float) -> Fraction:
        """P(slip ≤ days)."""
        whole = math.floor(days)
        return Fraction(sum(self.weights[: max(whole + 1, 0)]), self.total)

    def exceeds(self, days: float) -> Fraction:
        """P(slip > days)."""
        return 1 - self.at_most(days)

    def quantile(self, q: Fraction) -> int:
        """The smallest slip, in days, that is not exceeded with probability ``q``."""
        running = 0
        for t, w in enumerate(self.weights):
            running += w
            if running * q.denominator >= q.numerator * self.total:
                return t
        return len(self.weights) - 1

    @property
    def mean_days(self) -> Fraction:
        return Fraction(sum(t * w for t, w in enumerate(self.weights)), self.total)

    @property
    def max_days(self) -> int:
        return len(self.weights) - 1


def _weights(slips: Sequence[RiskSlip], limit: int | None = None) -> tuple[list[int], int]:
    """The integer weights of the sum of the slips (up to ``limit`` days), and their total."""
    weights = [1]
    total = 1
    for slip in slips:
        weights = convolve(weights, slip, limit)
        total *= slip.kernel[2]
    return weights, total


def distribution_of(slips: Sequence[RiskSlip]) -> SlipDistribution:
    """The exact distribution of the sum of independent risk slips."""
    weights, total = _weights(slips)
    return SlipDistribution(tuple(weights), total)


def chance_to_exceed(slips: Sequence[RiskSlip], days: float) -> Fraction:
    """P(sum of the slips > days), convolving only the weights up to ``days``."""
    if days < 0:
        return Fraction(1)  # every slip is at least 0 days
    limit = math.floor(days)
    weights, total = _weights(slips, limit)
    return 1 - Fraction(sum(weights[: limit + 1]), total)


def chances_without_each(
    slips: Sequence[RiskSlip], days: float, whole: SlipDistribution | None = None
) -> list[Fraction]:
    """P(slip > days) with each risk left out in turn: the weights of all of them up to ``days``
    computed once (or taken from ``whole``, their distribution), and each risk taken back out
    of them (linear, not one convolution each)."""
    if days < 0:
        return [Fraction(1) for _ in slips]
    limit = math.floor(days)
    if whole is None:
        weights, total = _weights(slips, limit)
    else:
        weights, total = list(whole.weights[: limit + 1]), whole.total
    out = []
    for i, slip in enumerate(slips):
        before = deconvolve(weights[: limit + 1], slip)
        if before is None:
            out.append(chance_to_exceed([*slips[:i], *slips[i + 1 :]], days))
        else:
            out.append(1 - Fraction(sum(before), total // slip.kernel[2]))
    return out


@dataclass(frozen=True)
class NormalSlip:
    """The normal distribution with the mean and variance of a release's slip (many risks)."""

    mean: Fraction
    variance: Fraction
    max_days: int

    @property
    def mean_days(self) -> Fraction:
        return self.mean

    def _dist(self) -> NormalDist | None:
        from statistics import NormalDist  # only a register this large pays for the import

        return (
            NormalDist(float(self.mean), math.sqrt(float(self.variance))) if self.variance else None
        )

    def at_most(self, days: float) -> Fraction:
        """P(slip ≤ days), with the half-day continuity correction of a sum of whole days."""
        dist = self._dist()
        if dist is None:
            return Fraction(1 if days >= self.mean else 0)
        return Fraction(round(dist.cdf(math.floor(days) + 0.5), 12)).limit_denominator(10**12)

    def exceeds(self, days: float) -> Fraction:
        return 1 - self.at_most(days)

    def quantile(self, q: Fraction) -> int:
        """The smallest whole day whose P(slip ≤ day) reaches ``q`` (0 … the largest slip)."""
        dist = self._dist()
        if dist is None:
            return math.ceil(self.mean)
        day = max(0, math.ceil(dist.inv_cdf(float(q)) - 0.5))
        return min(day, self.max_days)


def normal_slip(slips: Sequence[RiskSlip]) -> NormalSlip:
    """The normal approximation of the sum of the slips (each law's moments computed once)."""
    counts = Counter(_shape_of(s) for s in slips)
    mean, variance = Fraction(0), Fraction(0)
    for shape, count in counts.items():
        one = RiskSlip("", "", *shape)
        mean += count * one.mean_days
        variance += count * one.variance_days
    return NormalSlip(mean, variance, sum(s.max_days for s in slips))


class Driver(NamedTuple):
    """A risk of the tail: the chance of exceeding the buffer without it, and the difference."""

    id: str
    title: str
    exceed_without: Fraction
    lowers_by: Fraction


@dataclass(frozen=True)
class ReleaseOdds:
    """A release's slip distribution against its buffer."""

    release: str
    buffer_weeks: float
    slips: tuple[RiskSlip, ...]
    distribution: SlipDistribution | NormalSlip
    drivers: tuple[Driver, ...]

    @property
    def method(self) -> str:
        """``exact`` (the convolution) or ``normal`` (the approximation, for many risks)."""
        return "normal" if isinstance(self.distribution, NormalSlip) else "exact"

    @property
    def buffer_days(self) -> float:
        return float(_exact(self.buffer_weeks) * DAYS_PER_WEEK)

    @property
    def exceed(self) -> Fraction:
        """P(slip > buffer)."""
        return self.distribution.exceeds(self.buffer_days)

    @property
    def quantiles(self) -> tuple[tuple[Fraction, int], ...]:
        """(q, slip in days) for the 50, 80 and 95 % quantiles."""
        return tuple((q, self.distribution.quantile(q)) for q in QUANTILES)

    @property
    def top(self) -> tuple[Driver, ...]:
        return self.drivers[:TOP_DRIVERS]

    def figures(self) -> tuple[Fraction, tuple[int, ...]]:
        """What a change can move: the chance of exceeding and the quantiles."""
        return self.exceed, tuple(days for _, days in self.quantiles)

    def as_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "method": self.method,
            "buffer_weeks": self.buffer_weeks,
            "risks": [s.id for s in self.slips],
            "p_exceed_buffer": round(float(self.exceed), 6),
            "mean_slip_weeks": round(float(self.distribution.mean_days) / DAYS_PER_WEEK, 4),
            "slip_weeks": {
                f"p{int(q * 100)}": round(days / DAYS_PER_WEEK, 4) for q, days in self.quantiles
            },
            "max_slip_weeks": round(self.distribution.max_days / DAYS_PER_WEEK, 4),
            "drivers": [
                {
                    "id": d.id,
                    "p_exceed_without": round(float(d.exceed_without), 6),
                    "lowers_by": round(float(d.lowers_by), 6),
                }
                for d in self.top
            ],
        }


def counts_toward(risk: Risk, policy: Policy, release: str) -> bool:
    """An open risk whose phase counts toward the release."""
    phase = policy.phases.get(risk.phase)
    return risk.is_open and phase is not None and release in phase.counts_toward


def release_odds(release: Release, slips: Sequence[RiskSlip]) -> ReleaseOdds:
    """The distribution of one release's slip, and the risks whose removal helps most."""
    slips = tuple(sorted(slips, key=lambda s: s.id))
    buffer_days = float(_exact(release.buffer_weeks) * DAYS_PER_WEEK)
    many = len(slips) > EXACT_MAX_RISKS
    distribution = normal_slip(slips) if many else distribution_of(slips)
    exceed = distribution.exceeds(buffer_days)
    drivers = []
    if isinstance(distribution, NormalSlip):
        normal = distribution
        memo: dict[Shape, Fraction] = {}  # risks of one law leave the same chance without them

        def chance_without(slip: RiskSlip) -> Fraction:
            shape = _shape_of(slip)
            if shape not in memo:
                memo[shape] = NormalSlip(
                    normal.mean - slip.mean_days,
                    normal.variance - slip.variance_days,
                    normal.max_days - slip.max_days,
                ).exceeds(buffer_days)
            return memo[shape]

        withouts = [chance_without(slip) for slip in slips]
    else:
        withouts = chances_without_each(slips, buffer_days, distribution)
    for slip, without in zip(slips, withouts, strict=True):
        if exceed - without > 0:
            drivers.append(Driver(slip.id, slip.title, without, exceed - without))
    drivers.sort(key=lambda d: (-d.lowers_by, d.id))
    return ReleaseOdds(release.name, release.buffer_weeks, slips, distribution, tuple(drivers))


def odds_for(policy: Policy, risks: Sequence[Risk]) -> list[ReleaseOdds]:
    """The odds of every release of the policy, in the policy's order (none when the policy's
    scales give no slip or percent ranges, see :attr:`Policy.no_odds`)."""
    if policy.no_odds is not None:
        return []
    shapes: dict[tuple[int, int], Shape] = {}
    return [
        release_odds(
            release,
            [risk_slip(r, policy, shapes) for r in risks if counts_toward(r, policy, release.name)],
        )
        for release in policy.releases.values()
    ]


def odds_by_release(register: Loaded) -> list[ReleaseOdds]:
    """The odds per release of a checked register (empty when the policy did not load)."""
    if not isinstance(register, Register):
        return []
    return odds_for(register.policy, register.risks)
