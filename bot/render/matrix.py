"""The heat map: the policy's impact × probability matrix, of any size, with risk ids in its cells.

Each cell shows its band's mark and its score; with a detection factor (FMEA) a cell holds risks
of several bands, so each id carries its own band's mark instead. :func:`render_grid` draws the
grid of any method with any items in its cells: a register's risk ids here, a portfolio's counts
of risks over many registers (:mod:`bot.render.portfolio`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from bot.register.method import Band, Method
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


CellItems = Callable[[int, int], Sequence[tuple[Band, str]]]
"""What the cell of (impact, probability) holds: (band, Markdown) per item, such as a risk id
or a count of risks."""


def render_grid(method: Method, items: CellItems) -> str:
    """The method's grid as a Markdown table, impact rows from the top level down: each cell
    its band's mark and score, then its items; with a detection factor (FMEA) a cell holds risks
    of several bands, so each item carries its own band's mark instead."""
    impacts = sorted(method.impact_scale, reverse=True)
    probabilities = sorted(method.probability_scale)
    corner = Markdown(
        f"{escape_cell(method.factor_label('impact'))} \\ "
        f"{escape_cell(method.factor_label('probability'))}"
    )
    header = [corner]
    header += [
        Markdown(f"{p} {escape_cell(method.probability_scale[p].label)}") for p in probabilities
    ]
    rows = []
    for i in impacts:
        row = [Markdown(f"**{i} {escape_cell(method.impact_scale[i].label)}**")]
        for p in probabilities:
            found = items(i, p)
            if method.detection:  # no band per cell: each item shows its own
                row.append(Markdown(", ".join(f"{escape_cell(b.mark)} {t}" for b, t in found)))
            else:
                mark = escape_cell(method.band_of(i, p).mark)
                texts = " " + ", ".join(t for _, t in found) if found else ""
                row.append(Markdown(f"{mark} {method.score(i, p)}{texts}"))
        rows.append(row)
    return table(header, rows)


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
    accepted = escape_cell(policy.acceptance.mark)

    def ids(i: int, p: int) -> list[tuple[Band, str]]:
        out = []
        for a in grid[(i, p)]:
            levels = residual_levels(a.risk) if residual and method.detection else None
            band = method.band_of(*levels) if levels is not None else a.band
            text = f"**{a.risk.id}**" if a.risk.id in moved else a.risk.id
            if a.accepted:
                text += f" {accepted}"
            if a.risk.id in kept:
                text += f" {KEPT_MARK}"
            out.append((band, text))
        return out

    return render_grid(method, ids)
