"""Residual risk: the target after the mitigation works, set against the inherent risk.

A residual target is optional. Where it is stated, each of its levels must be at most the risk's
own (inherent) level: prevention lowers the probability, response lowers the impact, and no
mitigation is planned to make either worse. Comparing levels, not only scores, also refuses a
"target" that trades a lower probability for a higher impact.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.register.findings import Finding, error
from bot.register.policy import Band, Policy
from bot.register.risk import Risk
from bot.register.scoring import Assessment, score_of


def check_residual(risk: Risk) -> list[Finding]:
    """An error on each residual level that is above the inherent one, on that level's line."""
    found: list[Finding] = []
    pairs = (
        ("impact", risk.residual_impact, risk.impact),
        ("probability", risk.residual_probability, risk.probability),
        ("detection", risk.residual_detection, risk.detection),
    )
    for key, residual, inherent in pairs:
        if residual is not None and inherent is not None and residual > inherent:
            found.append(
                error(
                    risk.file,
                    risk.lines.get(f"residual.{key}", risk.line("residual")),
                    f"residual {key} {residual} is above the inherent {key} {inherent}: the "
                    f"target after mitigation cannot be worse than the risk itself",
                    path=("residual", key),
                    code="residual",
                )
            )
    return found


def residual_levels(risk: Risk) -> tuple[int, int, int | None] | None:
    """The residual target's levels: impact, probability and detection (the risk's own where
    the target keeps it); None without a target."""
    if risk.residual_impact is None or risk.residual_probability is None:
        return None
    detection = risk.detection if risk.residual_detection is None else risk.residual_detection
    return risk.residual_impact, risk.residual_probability, detection


def residual_score(risk: Risk) -> int | None:
    """The residual target's score: its levels multiplied (None without a target)."""
    levels = residual_levels(risk)
    return None if levels is None else score_of(*levels)


def residual_band(risk: Risk, policy: Policy) -> Band | None:
    """The residual target's band by the policy's method (None without a target)."""
    levels = residual_levels(risk)
    return None if levels is None else policy.method.band_of(*levels)


def without_residual(assessments: Sequence[Assessment]) -> list[str]:
    """The open risks that state no residual target, by id."""
    return sorted(a.risk.id for a in assessments if a.risk.is_open and not a.risk.has_residual)
