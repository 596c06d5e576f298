"""Inherent → residual as a person reads it: the score now and the target once mitigated."""

from __future__ import annotations

from bot.register.policy import Policy
from bot.register.residual import residual_band, residual_score
from bot.register.scoring import Assessment
from bot.render.markdown import Markdown, bold, join


def residual_cell(a: Assessment, policy: Policy) -> Markdown:
    """``16 (4 × 4, Red) → 4 (2 × 2, Green)``: the score now and the target once mitigated."""
    r = a.risk
    score, band = residual_score(r), residual_band(r, policy)
    inherent = f"{a.score} ({r.impact} × {r.probability}, {a.band.label})"
    if score is None or band is None:
        return join(inherent, " → no residual target set")
    return join(
        inherent,
        " → ",
        bold(str(score)),
        f" ({r.residual_impact} × {r.residual_probability}, {band.label})",
    )
