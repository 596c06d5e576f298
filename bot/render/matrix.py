"""The heat map: the policy's impact × probability matrix, of any size, with risk ids in its cells.

Each cell shows its band's mark and its score; with a detection factor (FMEA) a cell holds risks
of several bands, so each id carries its own band's mark instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.register.policy import Policy
from bot.register.residual import residual_levels
from bot.register.scoring import Assessment
from bot.render.markdown import Markdown, escape_cell, table

KEPT_MARK = "(as on base)"
"""Beside a risk the heat map shows at its base values: its file is invalid on head."""


def position(a: Assessment, residual: bool = False) -> tuple[int, int]:
    """(impact, probability) of a risk: inherent, or its residual target where it states one."""
    r = a.risk
    if residual and r.residual_impact is not None and r.residual_probability is not None:
        return r.residual_impact, r.residual_probability
    return r.impact, r.probability


def cells(
    assessments: Sequence[Assessment], policy: Policy, residual: bool = False
) -> dict[tuple[int, int], list[Assessment]]:
    """Open risks by (impact, probability), by id; ``residual``: at their targets."""
    grid: dict[tuple[int, int], list[Assessment]] = {
        (i, p): [] for i in policy.impact_scale for p in policy.probability_scale
    }
    for a in assessments:
        if a.risk.is_open:
            grid[position(a, residual)].append(a)
    for found in grid.values():
        found.sort(key=lambda a: a.risk.id)
    return grid


def render_text(
    assessments: Sequence[Assessment], policy: Policy, moved: Collection[str] = ()
) -> str:
    """Plain-text matrix: impact rows from the top level down, probability columns from 1."""
    grid = cells(assessments, policy)
    impacts = sorted(policy.impact_scale, reverse=True)
    probabilities = sorted(policy.probability_scale)

    def cell(i: int, p: int) -> str:
        ids = [f"{a.risk.id}*" if a.risk.id in moved else a.risk.id for a in grid[(i, p)]]
        return ",".join(ids) if ids else "."

    width = max([len(cell(i, p)) for i in impacts for p in probabilities] + [5])
    method = policy.method
    head = f"{method.factor_label('impact')} ↓ / {method.factor_label('probability')} →"
    lines = [
        head,
        " " * 16
        + " ".join(
            f"{p} {policy.probability_scale[p].label}"[:width].ljust(width) for p in probabilities
        ),
    ]
    for i in impacts:
        label = f"{i} {policy.impact_scale[i].label}"[:14].ljust(14)
        lines.append(
            f"{label}  " + " ".join(cell(i, p).ljust(width) for p in probabilities).rstrip()
        )
    if moved:
        lines.append("* moved by this change")
    return "\n".join(lines)


def render_markdown(
    assessments: Sequence[Assessment],
    policy: Policy,
    moved: Collection[str] = (),
    *,
    residual: bool = False,
    kept: Collection[str] = (),
) -> str:
    """Markdown table: a band mark per cell, ids in it; moved risks in bold with an arrow,
    accepted ones followed by the policy's acceptance mark.

    ``residual``: each risk in the cell of its residual target (risks without one stay in their
    inherent cell). ``kept``: risks shown at their base values (invalid on head), marked so.
    """
    method = policy.method
    grid = cells(assessments, policy, residual)
    impacts = sorted(policy.impact_scale, reverse=True)
    probabilities = sorted(policy.probability_scale)
    accepted = escape_cell(policy.acceptance.mark)
    corner = Markdown(
        f"{escape_cell(method.factor_label('impact'))} \\ "
        f"{escape_cell(method.factor_label('probability'))}"
    )
    header = [corner]
    header += [
        Markdown(f"{p} {escape_cell(policy.probability_scale[p].label)}") for p in probabilities
    ]
    rows = []
    for i in impacts:
        row = [Markdown(f"**{i} {escape_cell(policy.impact_scale[i].label)}**")]
        for p in probabilities:
            ids = []
            for a in grid[(i, p)]:
                text = f"**{a.risk.id}**" if a.risk.id in moved else a.risk.id
                if a.accepted:
                    text += f" {accepted}"
                if a.risk.id in kept:
                    text += f" {KEPT_MARK}"
                if method.detection:
                    levels = residual_levels(a.risk) if residual else None
                    band = method.band_of(*levels) if levels is not None else a.band
                    text = f"{escape_cell(band.mark)} {text}"
                ids.append(text)
            if method.detection:  # no band per cell: each risk shows its own
                row.append(Markdown(", ".join(ids)))
            else:
                mark = escape_cell(method.band_of(i, p).mark)
                score = method.score(i, p)
                row.append(Markdown(f"{mark} {score}" + (" " + ", ".join(ids) if ids else "")))
        rows.append(row)
    return table(header, rows)
