"""Risk matrices a document draws: a table of likelihood against impact with a band in each cell
(``High``, ``🔴``, ``15 🔴``).

:func:`read_matrix` finds one in a table's header and rows (the levels on both axes, as numbers
or as words of a ladder; the axes named in the corner cell, or the table's lead, or likelihood
down and impact across as most matrices draw them). :func:`matrix_bands` turns it into the
document's bands: when a ladder of score thresholds gives every cell its band, those thresholds
(the product formula), else the cells themselves (a lookup table, as the policy's
``method.table`` holds one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.intake.levels import plain, rank_of, read_number, word_scale
from bot.intake.records import Cell, Matrix, ScaleEntry
from bot.intake.synonyms import field_of, words
from bot.register.presets import (
    LEVEL_ALIASES,
    PLAN_BAND_EMOJI,
    PLAN_BAND_LETTERS,
    PLAN_BAND_WORDS,
    PLAN_BANDS,
)

AXES = ("impact", "probability")
MAX_BANDS = 7


def band_key(text: str) -> str:
    """The band a cell names, as a key: its word (``high``; ``H`` is high), or a plan colour for
    a colour word, mark or initial (``Amber``, ``🟡``, ``A`` → ``yellow``); empty when none."""
    for mark, band in PLAN_BAND_EMOJI.items():
        if mark in text:
            return band
    bare = text.strip().strip("*_ ").casefold()
    if len(bare) <= 2 and bare.isalpha():  # an initial alone: R, A, G or H, M, L
        if bare in PLAN_BAND_LETTERS:
            return PLAN_BAND_LETTERS[bare]
        if bare in LEVEL_ALIASES:
            return LEVEL_ALIASES[bare][0]
    word = plain(re.sub(r"[\d.]+", " ", text))
    return PLAN_BAND_WORDS.get(word, word)


def _is_band(key: str, labels: Sequence[str]) -> bool:
    return bool(key) and (key in PLAN_BAND_WORDS or rank_of(key) is not None or key in labels)


def axis_levels(labels: Sequence[str]) -> list[int] | None:
    """The level of each label on one axis (``Rare (1)``, ``5 - Almost certain``, ``High``):
    1 to N, each once; None when they are not."""
    numbers = [read_number(label) for label in labels]
    if all(n is not None for n in numbers):
        levels = [n for n in numbers if n is not None]
    else:
        used = [plain(label) for label in labels]
        scale = word_scale(used, len(labels))
        if scale is None:
            return None
        found = [scale.word_level(w) for w in used]
        if any(n is None for n in found):
            return None
        levels = [n for n in found if n is not None]
    return levels if sorted(levels) == list(range(1, len(labels) + 1)) else None


def _factors_named(text: str) -> list[str]:
    found = [field_of(w) for w in words(text).split()]
    return list(dict.fromkeys(f for f in found if f in AXES))


def axes(corner: str, lead: str) -> tuple[str, str]:
    """(rows, columns): the factors in the order the corner cell names them (``Likelihood \\
    Impact``), an arrow's (``Impact →`` runs across), or the lead's; else likelihood down."""
    named = _factors_named(corner)
    if len(named) == 1:
        across = "→" in corner or "->" in corner
        other = next(f for f in AXES if f != named[0])
        return (other, named[0]) if across else (named[0], other)
    if len(named) < 2:
        named = _factors_named(lead)
    if len(named) == 2:
        return named[0], named[1]
    return "probability", "impact"


AXIS_NUMBER = re.compile(r"\(\s*\d{1,2}\s*\)|^\s*\d{1,2}\s*(?:[-–—:.)=]\s*|$)")


def _entries(factor: str, labels: Sequence[tuple[str, int, int]]) -> list[ScaleEntry]:
    """An axis's labels as the document's scale (``Rare (1)`` is level 1, Rare)."""
    out = []
    for text, level, line in labels:
        label = AXIS_NUMBER.sub(" ", text).replace("*", "").strip()
        if label:
            out.append(ScaleEntry(factor, level, " ".join(label.split()), "", line))
    return out


def read_matrix(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    lead: str,
    labels: Sequence[str],
) -> Matrix | None:
    """The matrix a table draws, or None when it is no matrix of bands (``labels``: the band
    labels the document defines, which cells may name too)."""
    columns = [h.strip() for h in header[1:]]
    body = [(n, [c.strip() for c in row]) for n, row in rows if any(c.strip() for c in row)]
    if len(columns) < 2 or len(body) < 2 or any(len(row) < len(header) for _, row in body):
        return None
    across = axis_levels(columns)
    down = axis_levels([row[0] for _, row in body])
    if across is None or down is None:
        return None
    known = [plain(label) for label in labels]
    cells: dict[tuple[int, int], Cell] = {}
    for (n, row), row_level in zip(body, down, strict=True):
        for text, column, column_level in zip(row[1:], columns, across, strict=False):
            if not _is_band(band_key(text), known):
                return None
            cells[(row_level, column_level)] = Cell(f"{row[0]} × {column}", text, n)
    if len({band_key(c.text) for c in cells.values()}) not in range(2, MAX_BANDS + 1):
        return None
    down_factor, across_factor = axes(header[0], lead)
    first = body[0][0]
    tops = [(c, level, first) for c, level in zip(columns, across, strict=True)]
    sides = [(r[0], level, n) for (n, r), level in zip(body, down, strict=True)]
    scales = _entries(across_factor, tops) + _entries(down_factor, sides)
    return Matrix(down_factor, across_factor, cells, scales)


@dataclass
class MatrixBands:
    """The bands a matrix draws, highest first: their keys and labels, each cell's band (by
    impact and probability), and the thresholds when a ladder of them gives every cell."""

    keys: list[str]
    labels: list[str]
    cells: dict[tuple[int, int], int]
    """(impact, probability) → the index of its band in :attr:`keys`."""
    thresholds: list[int] | None
    marks: list[str]
    """The mark each band's cells are drawn with (``🔴``), or ``""``."""


def _label(key: str, cells: Sequence[Cell]) -> str:
    """A band's label as the document writes it (``Amber``), a mark by its colour (``Red``)."""
    for cell in cells:
        word = " ".join(re.sub(r"[\d.()]+", " ", cell.text).replace("*", "").split())
        if band_key(cell.text) == key and plain(word):
            return word if len(plain(word)) > 2 else key.title()
    return key.title()


def matrix_bands(matrix: Matrix) -> MatrixBands:
    """The document's bands as its matrix draws them (see the module doc)."""
    by_levels: dict[tuple[int, int], str] = {}
    for (down, across), cell in matrix.cells.items():
        levels = {matrix.rows: down, matrix.columns: across}
        by_levels[(levels["impact"], levels["probability"])] = band_key(cell.text)
    products: dict[str, list[int]] = {}
    for (impact, probability), key in by_levels.items():
        products.setdefault(key, []).append(impact * probability)

    def height(key: str) -> tuple[float, float]:
        if key in PLAN_BANDS:  # a colour: the plan's order
            return (float(len(PLAN_BANDS) - PLAN_BANDS.index(key)), 0.0)
        word = PLAN_BAND_WORDS.get(key)
        if word is not None:
            return (float(len(PLAN_BANDS) - PLAN_BANDS.index(word)), 0.0)
        rank = rank_of(key)
        mean = sum(products[key]) / len(products[key])
        return (rank if rank is not None else mean, mean)

    ranked = [key for key in products if rank_of(key) is not None or key in PLAN_BAND_WORDS]
    heights = {key: height(key) for key in products}
    if len(ranked) != len(products) or len({heights[k][0] for k in products}) != len(products):
        heights = {key: (sum(p) / len(p), 0.0) for key, p in products.items()}  # by the cells
    keys = sorted(products, key=lambda k: heights[k], reverse=True)
    cells = {levels: keys.index(key) for levels, key in by_levels.items()}
    lows = [min(products[k]) for k in keys]
    highs = [max(products[k]) for k in keys]
    ladder = all(lows[i] > max(highs[i + 1 :]) for i in range(len(keys) - 1))
    thresholds = [*lows[:-1], 1] if ladder else None
    all_cells = list(matrix.cells.values())
    marks = [
        next(
            (m for c in all_cells if band_key(c.text) == k for m in PLAN_BAND_EMOJI if m in c.text),
            "",
        )
        for k in keys
    ]
    return MatrixBands(keys, [_label(k, all_cells) for k in keys], cells, thresholds, marks)
