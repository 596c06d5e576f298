"""The 5 × 5 impact × probability matrix with risk ids in its cells."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.register.policy import Policy
from bot.register.scoring import Assessment, score_of
from bot.render.markdown import Markdown, escape_cell, table

LEVELS = (1, 2, 3, 4, 5)
BAND_MARK = {"red": "🟥", "yellow": "🟨", "green": "🟩"}


def position(a: Assessment, residual: bool = False) -> tuple[int, int]:
    """(impact, probability) of a risk: inherent, or its residual target where it states one."""
    r = a.risk
    if residual and r.residual_impact is not None and r.residual_probability is not None:
        return r.residual_impact, r.residual_probability
    return r.impact, r.probability


def cells(
    assessments: Sequence[Assessment], residual: bool = False
) -> dict[tuple[int, int], list[str]]:
    """Risk ids by (impact, probability), open risks only; ``residual``: at their targets."""
    grid: dict[tuple[int, int], list[str]] = {(i, p): [] for i in LEVELS for p in LEVELS}
    for a in assessments:
        if a.risk.is_open:
            grid[position(a, residual)].append(a.risk.id)
    for ids in grid.values():
        ids.sort()
    return grid


def render_text(
    assessments: Sequence[Assessment], policy: Policy, moved: Collection[str] = ()
) -> str:
    """Plain-text matrix: impact rows from 5 down, probability columns 1 to 5."""
    grid = cells(assessments)

    def cell(i: int, p: int) -> str:
        ids = [f"{x}*" if x in moved else x for x in grid[(i, p)]]
        return ",".join(ids) if ids else "."

    width = max([len(cell(i, p)) for i in LEVELS for p in LEVELS] + [5])
    head = "Impact ↓ / Probability →"
    lines = [
        head,
        " " * 16
        + " ".join(f"{p} {policy.probability_scale[p].label}"[:width].ljust(width) for p in LEVELS),
    ]
    for i in reversed(LEVELS):
        label = f"{i} {policy.impact_scale[i].label}"[:14].ljust(14)
        lines.append(f"{label}  " + " ".join(cell(i, p).ljust(width) for p in LEVELS).rstrip())
    if moved:
        lines.append("* moved by this change")
    return "\n".join(lines)


def render_markdown(
    assessments: Sequence[Assessment],
    policy: Policy,
    moved: Collection[str] = (),
    *,
    residual: bool = False,
) -> str:
    """Markdown table: a band colour per cell, ids in it; moved risks in bold with an arrow.

    ``residual``: each risk in the cell of its residual target (risks without one stay in their
    inherent cell).
    """
    grid = cells(assessments, residual)
    header = [Markdown("Impact \\ Probability")]
    header += [Markdown(f"{p} {escape_cell(policy.probability_scale[p].label)}") for p in LEVELS]
    rows = []
    for i in reversed(LEVELS):
        row = [Markdown(f"**{i} {escape_cell(policy.impact_scale[i].label)}**")]
        for p in LEVELS:
            score = score_of(i, p)
            band = policy.band_for(score).name
            ids = [f"**{x}**" if x in moved else x for x in grid[(i, p)]]
            row.append(
                Markdown(f"{BAND_MARK[band]} {score}" + (" " + ", ".join(ids) if ids else ""))
            )
        rows.append(row)
    return table(header, rows)
