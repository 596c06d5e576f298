"""Contingency exposure: the expected schedule slip of each release's open risks against its buffer.

A risk's expected slip is its probability (the midpoint of its level's percent range) times its
schedule impact (the midpoint of its impact level's slip range). Every number comes from the
policy; a risk counts toward the releases its phase's ``counts_toward`` lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.register.load import Register
from bot.register.policy import Policy
from bot.register.risk import Risk
from bot.render.markdown import escape_cell

TOP_RISKS = 3
"""How many of the largest contributors a release's exposure names."""


@dataclass(frozen=True, slots=True)
class Contribution:
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
    """The expected slip of one risk, from the policy's scales."""
    return Contribution(
        risk.id,
        risk.title,
        policy.probability_scale[risk.probability].likelihood,
        policy.impact_scale[risk.impact].slip_weeks,
    )


def exposure_for(policy: Policy, risks: Sequence[Risk]) -> list[ReleaseExposure]:
    """Exposure of every release of the policy, in the policy's order."""
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


def exposure_by_release(register: Register) -> list[ReleaseExposure]:
    """Exposure per release of a checked register (empty when the policy did not load)."""
    if register.policy is None:
        return []
    return exposure_for(register.policy, register.risks)


def two_places(value: float) -> str:
    """Two decimals, halves rounded up: 6.825 shows as 6.83 whatever its binary form."""
    exact = Decimal(repr(round(value, 9)))
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def weeks_text(value: float) -> str:
    """Weeks with two decimals (whole numbers, such as buffers, without)."""
    return f"{value:g}" if value == int(value) else two_places(value)


def ratio_text(exposure: ReleaseExposure) -> str:
    ratio = exposure.ratio
    if ratio is None:
        return "no buffer" if exposure.expected_slip_weeks else "-"
    return f"{ratio:.0%}"


def top_text(exposure: ReleaseExposure) -> str:
    return ", ".join(f"{c.id} {two_places(c.weeks)}" for c in exposure.top) or "-"


def render_exposure_text(exposures: Sequence[ReleaseExposure]) -> str:
    """A small plain-text table: one line per release, OVER where the buffer is exceeded."""
    rows = [("Release", "Buffer", "Expected", "Of buffer", "Top risks (weeks)", "")]
    rows += [
        (
            e.release,
            weeks_text(e.buffer_weeks),
            two_places(e.expected_slip_weeks),
            ratio_text(e),
            top_text(e),
            "OVER" if e.over_buffer else "",
        )
        for e in exposures
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["Contingency exposure (expected schedule slip vs buffer, in weeks):"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def render_exposure_markdown(exposures: Sequence[ReleaseExposure]) -> str:
    """A Markdown table of each release's buffer, expected slip and top contributing risks."""
    lines = [
        "Expected schedule slip of each release's open risks: probability (midpoint of its "
        "level's range) × schedule slip (midpoint of its impact level's range), summed and set "
        "against the release's timeline buffer.",
        "",
        "| Release | Buffer (weeks) | Expected slip (weeks) | Of buffer | Top risks (weeks) |",
        "|---|---|---|---|---|",
    ]
    for e in exposures:
        state = "🟥 over" if e.over_buffer else "🟩 within"
        top = (
            ", ".join(f"{c.id} {escape_cell(c.title)} ({two_places(c.weeks)})" for c in e.top)
            or "-"
        )
        lines.append(
            f"| {escape_cell(e.release)} | {weeks_text(e.buffer_weeks)} | "
            f"{two_places(e.expected_slip_weeks)} | {state} ({ratio_text(e)}) | {top} |"
        )
    return "\n".join(lines)
