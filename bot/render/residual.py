"""Inherent → residual as a person reads it: the score now and the target once mitigated."""

from __future__ import annotations

from bot.register.method import levels_text
from bot.register.policy import Policy
from bot.register.residual import residual_band, residual_levels, residual_score
from bot.register.scoring import Assessment
from bot.render.markdown import Markdown, bold, join


def residual_cell(a: Assessment, policy: Policy) -> Markdown:
    """``16 (4 × 4, Red) → 4 (2 × 2, Green)``: the score now and the target once mitigated."""
    r = a.risk
    score, band, levels = residual_score(r), residual_band(r, policy), residual_levels(r)
    inherent = f"{a.score} ({levels_text(r.impact, r.probability, r.detection)}, {a.band.label})"
    if score is None or band is None or levels is None:
        return join(inherent, " → no residual target set")
    return join(inherent, " → ", bold(str(score)), f" ({levels_text(*levels)}, {band.label})")
