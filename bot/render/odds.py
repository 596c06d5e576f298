"""Schedule odds as text, Markdown and Mermaid charts: each release's slip against its buffer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from bot.register.odds import DAYS_PER_WEEK, EXACT_MAX_RISKS, ReleaseOdds
from bot.render.markdown import Markdown, join, table
from bot.render.mermaid import Series, xychart
from bot.render.text import text_table

ODDS_NOTE = (
    "Each open risk that counts toward a release occurs, independently of the others, with the "
    "midpoint of its probability level's range, and then slips the release by a whole number "
    "of days drawn uniformly from its impact level's schedule-slip range (for Critical, the "
    "policy's stated assumption). The distribution of the total slip is computed exactly "
    f"(for a release of more than {EXACT_MAX_RISKS} open risks, by the normal distribution of "
    "the same mean and variance, marked ≈). "
    "Tail drivers: how much the chance of exceeding the buffer drops without the risk."
)
CHART_POINTS = 30
"""At most this many slip values on a chart's axis (plus the buffer)."""


def _decimal(value: Fraction, places: str) -> str:
    with localcontext() as ctx:
        ctx.prec = 50
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def percent(p: Fraction) -> str:
    """A probability in percent with one decimal; never rounds a real chance to 0 or 100."""
    if 0 < p < Fraction(1, 2000):
        return "<0.1%"
    if Fraction(1999, 2000) < p < 1:
        return ">99.9%"
    text = _decimal(p * 100, "0.1")
    return f"{text.removesuffix('.0')}%"


def points(p: Fraction) -> str:
    """A difference of probabilities in percentage points: ``−20.2 pts``."""
    return f"−{_decimal(p * 100, '0.1')} pts"


def weeks(days: int) -> str:
    """Days as weeks with one decimal."""
    return _decimal(Fraction(days, DAYS_PER_WEEK), "0.1")


def buffer_text(o: ReleaseOdds) -> str:
    return f"{o.buffer_weeks:g}"


def slips_text(o: ReleaseOdds) -> str:
    return " / ".join(weeks(days) for _, days in o.quantiles)


def drivers_text(o: ReleaseOdds) -> str:
    return ", ".join(f"{d.id} {points(d.lowers_by)}" for d in o.top) or "-"


def render_odds_text(odds: Sequence[ReleaseOdds]) -> str:
    """One line per release: the chance of exceeding its buffer, the quantiles, the drivers."""
    rows = [("Release", "Buffer", "P(slip > buffer)", "Slip 50/80/95%", "Tail drivers")]
    rows += [
        (_release(o), buffer_text(o), percent(o.exceed), slips_text(o), drivers_text(o))
        for o in odds
    ]
    head = "Schedule odds (exact slip distribution of each release's open risks, in weeks):"
    if any(o.method == "normal" for o in odds):
        head += f"\n(≈: more than {EXACT_MAX_RISKS} open risks, the normal approximation)"
    return "\n".join([head, *text_table(rows)])


ODDS_HEADER = (
    "Release",
    "Buffer (weeks)",
    "Chance the slip exceeds the buffer",
    "Slip at 50 % / 80 % / 95 % (weeks)",
    "Tail drivers (chance without the risk)",
)


def _drivers_cell(o: ReleaseOdds) -> Markdown:
    if not o.top:
        return Markdown("-")
    return join(
        *[join(d.id, f" {points(d.lowers_by)} ({percent(d.exceed_without)})") for d in o.top],
        sep=", ",
    )


def render_odds_table(odds: Sequence[ReleaseOdds]) -> str:
    """The Markdown table of the odds per release."""
    rows = [
        (_release(o), buffer_text(o), percent(o.exceed), slips_text(o), _drivers_cell(o))
        for o in odds
    ]
    return table(ODDS_HEADER, rows)


def _release(o: ReleaseOdds) -> str:
    """The release's name, marked ≈ where its odds are the normal approximation."""
    return f"{o.release} ≈" if o.method == "normal" else o.release


def _axis(o: ReleaseOdds) -> list[Fraction]:
    """Slip values (weeks) for a chart: a regular grid up to past the 95 % slip, and the buffer."""
    p95 = o.quantiles[-1][1]
    top = max(math.ceil(Fraction(p95, DAYS_PER_WEEK)), math.ceil(o.buffer_weeks)) + 1
    step = max(1, math.ceil(top / CHART_POINTS))
    grid = {Fraction(w) for w in range(0, top + 1, step)}
    grid.add(Fraction(repr(o.buffer_weeks)))
    return sorted(grid)


BASE_COLOUR, HEAD_COLOUR = "#8c959f", "#0969da"
"""The odds charts' colours: grey for the base of a pull request, blue for what is (or will be)."""


def exceedance_chart(o: ReleaseOdds) -> Markdown:
    """The chance that the release slips by more than x weeks, for x along the axis."""
    axis = _axis(o)
    buffer = Fraction(repr(o.buffer_weeks))
    labels = [f"{float(w):g} buffer" if w == buffer else f"{float(w):g}" for w in axis]
    values = tuple(float(o.distribution.exceeds(float(w * DAYS_PER_WEEK))) * 100 for w in axis)
    return xychart(
        f"{o.release}: chance the slip exceeds x weeks (buffer {o.buffer_weeks:g}: "
        f"{percent(o.exceed)})",
        "slip x (weeks)",
        labels,
        "chance (%)",
        (0, 100),
        [Series("line", values)],
        [HEAD_COLOUR],
    )


def exceed_chart(odds: Sequence[ReleaseOdds]) -> Markdown:
    """One bar per release: the chance that its slip exceeds its buffer."""
    return xychart(
        "Chance the slip exceeds the buffer",
        "release",
        [o.release for o in odds],
        "chance (%)",
        (0, 100),
        [Series("bar", tuple(float(o.exceed) * 100 for o in odds))],
        [HEAD_COLOUR],
    )


def no_odds_text(reason: str) -> str:
    """The one line that stands for the exposure and the odds when the policy gives none."""
    return f"No contingency exposure and no schedule odds: {reason}."


def render_odds_markdown(odds: Sequence[ReleaseOdds], *, curves: bool = False) -> str:
    """The note, the table and a chart: one bar per release, or (``curves``) one curve each."""
    if not odds:
        return "No releases in the policy."
    lines = [ODDS_NOTE, "", render_odds_table(odds), ""]
    if curves:
        for o in odds:
            lines += [exceedance_chart(o), ""]
    else:
        lines += [exceed_chart(odds), ""]
    return "\n".join(lines).rstrip("\n")


def odds_moved(base: Sequence[ReleaseOdds], head: Sequence[ReleaseOdds]) -> bool:
    """Whether a change moves any release's chance of exceeding its buffer or its quantiles."""
    before = {o.release: o.figures() for o in base}
    after = {o.release: o.figures() for o in head}
    return before != after


CHANGE_HEADER = (
    "Release",
    "Buffer (weeks)",
    "Chance the slip exceeds the buffer",
    "Slip at 50 % / 80 % / 95 % (weeks)",
)


def change_chart(base: Sequence[ReleaseOdds], head: Sequence[ReleaseOdds]) -> Markdown:
    """Two bars per release, base (grey) and head (blue): the chance of exceeding the buffer."""
    before = {o.release: o for o in base}
    return xychart(
        "Chance the slip exceeds the buffer: base (grey) and head (blue)",
        "release",
        [o.release for o in head],
        "chance (%)",
        (0, 100),
        [
            Series(
                "bar",
                tuple(
                    float(before[o.release].exceed) * 100 if o.release in before else 0.0
                    for o in head
                ),
            ),
            Series("bar", tuple(float(o.exceed) * 100 for o in head)),
        ],
        [BASE_COLOUR, HEAD_COLOUR],
    )


def render_odds_change(base: Sequence[ReleaseOdds], head: Sequence[ReleaseOdds]) -> str:
    """Base → head for every release whose figures moved (empty when none did)."""
    before = {o.release: o for o in base}
    rows = []
    for o in head:
        b = before.get(o.release)
        if b is not None and b.figures() == o.figures():
            continue
        exceed = percent(o.exceed) if b is None else f"{percent(b.exceed)} → {percent(o.exceed)}"
        slips = slips_text(o) if b is None else f"{slips_text(b)} → {slips_text(o)}"
        rows.append((o.release, buffer_text(o), exceed, slips))
    if not rows:
        return ""
    return "\n".join([table(CHANGE_HEADER, rows), "", change_chart(base, head)])
