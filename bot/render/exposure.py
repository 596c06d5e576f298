"""Contingency exposure as text and Markdown: each release's expected slip against its buffer."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from bot.register.exposure import ReleaseExposure
from bot.render.markdown import Markdown, join, table
from bot.render.text import text_table


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
    lines = ["Contingency exposure (expected schedule slip vs buffer, in weeks):"]
    return "\n".join(lines + text_table(rows))


EXPOSURE_HEADER = (
    "Release",
    "Buffer (weeks)",
    "Expected slip (weeks)",
    "Of buffer",
    "Top risks (weeks)",
)


def render_exposure_markdown(exposures: Sequence[ReleaseExposure]) -> str:
    """A Markdown table of each release's buffer, expected slip and top contributing risks."""
    lines = [
        "Expected schedule slip of each release's open risks: probability (midpoint of its "
        "level's range) × schedule slip (midpoint of its impact level's range), summed and set "
        "against the release's timeline buffer.",
        "",
    ]
    rows = [
        (
            e.release,
            weeks_text(e.buffer_weeks),
            two_places(e.expected_slip_weeks),
            f"{'🟥 over' if e.over_buffer else '🟩 within'} ({ratio_text(e)})",
            join(*[join(c.id, " ", c.title, f" ({two_places(c.weeks)})") for c in e.top], sep=", ")
            if e.top
            else Markdown("-"),
        )
        for e in exposures
    ]
    return "\n".join([*lines, table(EXPOSURE_HEADER, rows)])
