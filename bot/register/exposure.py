"""Contingency exposure: the expected schedule slip of each release's open risks against its buffer.

A risk's expected slip is its probability (the midpoint of its level's percent range) times its
schedule impact (the midpoint of its impact level's slip range). Every number comes from the
policy; a risk counts toward the releases its phase's ``counts_toward`` lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.register.load import Loaded, Register
from bot.register.policy import Policy
from bot.register.risk import Risk

TOP_RISKS = 3
"""How many of the largest contributors a release's exposure names."""


class Contribution(NamedTuple):
    """One risk's expected slip toward a release."""

    id: str
    title: str
    likelihood: float
    slip_weeks: float

    @property
    def weeks(self) -> float:
        return self.likelihood * self.slip_weeks


@dataclass(frozen=True)
class ReleaseExposure:
    """A release's buffer and the expected slip of the open risks that count toward it."""

    release: str
    buffer_weeks: float
    contributions: tuple[Contribution, ...]

    @property
    def expected_slip_weeks(self) -> float:
        return sum(c.weeks for c in self.contributions)

    @property
    def ratio(self) -> float | None:
        """Expected slip as a fraction of the buffer (None when there is no buffer)."""
        if self.buffer_weeks == 0:
            return None
        return self.expected_slip_weeks / self.buffer_weeks

    @property
    def over_buffer(self) -> bool:
        return self.expected_slip_weeks > self.buffer_weeks

    @property
    def top(self) -> tuple[Contribution, ...]:
        """The largest contributors, largest first (ties by id); risks contributing 0 left out."""
        return tuple(c for c in self.contributions if c.weeks > 0)[:TOP_RISKS]

    def as_json(self) -> dict[str, object]:
        ratio = self.ratio
        return {
            "release": self.release,
            "buffer_weeks": self.buffer_weeks,
            "expected_slip_weeks": round(self.expected_slip_weeks, 4),
            "ratio": None if ratio is None else round(ratio, 4),
            "over_buffer": self.over_buffer,
            "top": [{"id": c.id, "weeks": round(c.weeks, 4)} for c in self.top],
        }


def contribution(risk: Risk, policy: Policy) -> Contribution:
    """The expected slip of one risk, from the policy's scales (which give ranges)."""
    likelihood = policy.probability_scale[risk.probability].likelihood
    slip = policy.impact_scale[risk.impact].slip_weeks
    if likelihood is None or slip is None:
        raise ValueError(f"no exposure: {policy.no_odds}")  # exposure_for asks only where there is
    return Contribution(risk.id, risk.title, likelihood, slip)


def exposure_for(policy: Policy, risks: Sequence[Risk]) -> list[ReleaseExposure]:
    """Exposure of every release of the policy, in the policy's order (none when the policy's
    scales give no slip or percent ranges, see :attr:`Policy.no_odds`)."""
    if policy.no_odds is not None:
        return []
    out: list[ReleaseExposure] = []
    for release in policy.releases.values():
        counted = [
            contribution(r, policy)
            for r in risks
            if r.is_open
            and r.phase in policy.phases
            and release.name in policy.phases[r.phase].counts_toward
        ]
        counted.sort(key=lambda c: (-c.weeks, c.id))
        out.append(ReleaseExposure(release.name, release.buffer_weeks, tuple(counted)))
    return out


def exposure_by_release(register: Loaded) -> list[ReleaseExposure]:
    """Exposure per release of a checked register (empty when the policy did not load)."""
    if not isinstance(register, Register):
        return []
    return exposure_for(register.policy, register.risks)
