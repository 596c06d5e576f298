"""The level resolver over a whole document: each factor's scale, the method that fits, and
every risk's levels, stated score and band word.

The method is the document's: a High/Medium/Low document is a 3×3 register, 1-5 levels are the
plan's 5×5 (or 5×5 with four bands when the document names four), severity, occurrence and
detection are FMEA. Thresholds and band names are the document's own when it states them, else
they are inferred from its risks when those agree with one another, else the method's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.intake.levels import (
    Level,
    Scale,
    own_scale,
    plain,
    rank_of,
    rank_scale,
    read_number,
    resolve,
    size_for,
    word_of,
    word_scale,
)
from bot.intake.mapper import Mapped
from bot.intake.matrix import MatrixBands, matrix_bands
from bot.intake.records import BandRule, Cell, Document
from bot.register.presets import (
    PLAN,
    PLAN_BAND_EMOJI,
    PLAN_BAND_LETTERS,
    PLAN_BAND_WORDS,
    PLAN_BANDS,
    PRESETS,
)

FACTORS = ("impact", "probability", "detection")
PRODUCT = re.compile(r"(\d{1,2})\s*[×xX*·]\s*(\d{1,2})(?:\s*[×xX*·]\s*(\d{1,2}))?\s*=\s*(\d{1,4})")
OUT_OF = re.compile(r"\d\s*/\s*(\d{1,2})\b")
STATED = re.compile(r"(?<![\d.])(\d{1,4})(?![\d.%])")


def _rank(band: str) -> int:
    """A plan band's rank from the top (0), the bottom one -1."""
    i = PLAN_BANDS.index(band)
    return -1 if i == len(PLAN_BANDS) - 1 else i


COLOUR_RANK = {
    word: _rank(band)
    for words_of in (PLAN_BAND_WORDS, PLAN_BAND_EMOJI, PLAN_BAND_LETTERS)
    for word, band in words_of.items()
}
"""Colour words, marks and initials as bands, by rank from the top (0) to the bottom (-1)."""


@dataclass
class Band:
    """A band of the method the document is written on."""

    name: str
    label: str
    min_score: int
    line: int = 0
    """The document's line stating its threshold (0 when the document states none)."""
    mark: str = ""
    """The mark the document draws the band with (``🔴``), if any."""


@dataclass
class Method:
    """The document's method: a preset's name (or the nearest one), scales, bands."""

    preset: str
    scales: dict[str, Scale]
    bands: list[Band]
    thresholds: str
    """Where the bands come from: ``document`` (its thresholds), ``matrix`` (the thresholds
    its matrix draws), ``table`` (its matrix, cell by cell), ``risks`` (inferred from its risks)
    or ``method`` (the preset's)."""
    formula: tuple[str, ...] = ("impact", "probability")
    table: dict[tuple[int, int], Band] = field(default_factory=dict)
    """With ``table``: the band of each (impact, probability), as the document's matrix draws it."""

    @property
    def factors(self) -> tuple[str, ...]:
        """The factors of the score, in the order impact, probability, detection."""
        return tuple(f for f in FACTORS if f in self.scales)

    def score(self, levels: dict[str, int]) -> int:
        out = 1
        for f in self.factors:
            out *= levels[f]
        return out

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]

    def band_of(self, levels: dict[str, int]) -> Band:
        """The band of a risk's levels: its cell of the table, else its score's."""
        if self.table:
            return self.table[(levels["impact"], levels["probability"])]
        return self.band_for(self.score(levels))

    def band_named(self, word: str) -> Band | None:
        """The band a word names: its label, or a colour by rank (``Amber`` is the middle)."""
        key = plain(word) or word.strip()
        for band in self.bands:
            if plain(band.label) == key or band.name == key.replace(" ", "-"):
                return band
        for colour, rank in COLOUR_RANK.items():
            named = colour == key or (not colour.isalpha() and colour in word)
            if named and (len(self.bands) == 3 or rank in (0, -1)):
                return self.bands[rank]
        return None


@dataclass
class Resolved:
    """One risk's levels (None where unreadable) and what the document states about it."""

    risk: Mapped
    levels: dict[str, Level] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    stated_score: tuple[int, Cell] | None = None
    product: tuple[tuple[int, ...], int, Cell] | None = None
    band_word: tuple[str, Cell] | None = None

    @property
    def ok(self) -> bool:
        return not self.unreadable


def _cells(risk: Mapped, name: str) -> list[Cell]:
    return list(risk.fields.get(name, []))


def _product(risk: Mapped) -> tuple[tuple[int, ...], int, Cell] | None:
    for cell in _cells(risk, "score") + _cells(risk, "band"):
        if m := PRODUCT.search(cell.text):
            factors = tuple(int(g) for g in m.groups()[:3] if g)
            return factors, int(m.group(4)), cell
    return None


def _factor_texts(risks: Sequence[Mapped], factor: str) -> list[str]:
    return [c.text for r in risks for c in _cells(r, factor)]


def factor_scale(doc: Document, risks: Sequence[Mapped], factor: str, numbers: int) -> Scale | None:
    """One factor's scale: the document's own, else the word scale of its words, else the size
    of its numbers (``numbers`` is the size the numbers of all factors call for)."""
    entries = [e for e in doc.scales if e.factor == factor] or [
        e for e in doc.scales if e.factor == "" and factor != "detection"
    ]
    texts = _factor_texts(risks, factor)
    if not texts and factor == "detection":
        return None
    mine = own_scale(entries)
    ranked = rank_scale([t for t in texts if t.strip()])
    if ranked is not None:
        return ranked
    used = [word_of(t) for t in texts]
    if mine is not None and all(mine.word_level(w) is not None for w in used if w):
        return mine
    # "3/5": a level out of five says the size of the scale the words are on too.
    out_of = [int(m.group(1)) for t in texts if (m := OUT_OF.search(t))]
    scale = word_scale(used, max(out_of) if out_of else None)
    if scale is not None:
        if mine is not None and mine.size == scale.size:
            mine.words.update({w: lvl for w, lvl in scale.words.items() if w not in mine.words})
            return mine
        return scale
    if mine is not None:
        return mine
    size = numbers
    return Scale(size, [str(i) for i in range(1, size + 1)], {})


def _number_size(risks: Sequence[Mapped], detection: bool) -> int:
    found: list[int] = []
    for r in risks:
        for f in FACTORS:
            for c in _cells(r, f):
                if (n := read_number(c.text)) is not None and "%" not in c.text:
                    found.append(n)
        if (p := _product(r)) is not None:
            found.extend(p[0])
    if detection and found and max(found) > 3:
        return 10
    return size_for(found)


def _band_words(risks: Sequence[Mapped]) -> list[str]:
    words: list[str] = []
    for r in risks:
        for c in _cells(r, "band") + _cells(r, "score"):
            w = word_of(c.text)
            if (w and not PRODUCT.search(c.text)) or (w and read_number(c.text) is None):
                words.append(w)
            elif m := re.search(r"\(([A-Za-z][A-Za-z ]*)\)", c.text):
                words.append(plain(m.group(1)))
    return [w for w in words if w]


def _own_bands(doc: Document, top: int) -> list[Band] | None:
    """The document's bands with their thresholds, highest first (None unless they make a
    ladder that starts at 1)."""
    rules: dict[str, BandRule] = {}
    for rule in doc.bands:
        rules.setdefault(plain(rule.label) or rule.label.casefold(), rule)
    if len(rules) < 2 or len(rules) > 7:
        return None
    bands = [
        Band(_band_id(r.label), r.label.strip(), r.low if r.low is not None else 1, r.line)
        for r in rules.values()
    ]
    bands.sort(key=lambda b: -b.min_score)
    lows = [b.min_score for b in bands]
    if len(set(lows)) != len(lows) or bands[-1].min_score != 1 or bands[0].min_score > top:
        return None
    return bands


def _band_id(label: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "-", plain(label) or label.casefold()).strip("-")
    return ident if re.match(r"^[a-z]", ident) else f"band-{ident or 'x'}"


def _preset(sizes: Sequence[int], detection: bool, bands: int) -> str:
    """The preset the document is on: of those that score detection as it does (FMEA), the one
    nearest its scales' sizes, then its number of bands; the earlier preset on a tie."""

    def distance(item: tuple[int, str]) -> tuple[int, int, int]:
        order, name = item
        sections = PRESETS[name].sections
        theirs = [len(sections["impact_scale"]), len(sections["probability_scale"])]
        apart = sum(abs(a - b) for a, b in zip(sizes, theirs, strict=True))
        return apart, abs(len(sections["bands"]) - bands), order

    fits = [
        (i, name)
        for i, (name, preset) in enumerate(PRESETS.items())
        if bool(preset.sections["method"].get("detection")) == detection
    ]
    return min(fits, key=distance)[1] if fits else PLAN


def _scaled(preset: str, top: int) -> list[Band]:
    """The preset's bands, thresholds scaled from its top score to ``top``."""
    sections = PRESETS[preset].sections
    preset_top = 1
    for f in FACTORS:
        preset_top *= len(sections.get(f"{f}_scale", [None]))
    out = []
    for band in sections["bands"]:
        low = int(band["min_score"])
        scaled = low if preset_top == top else max(1, round(low * top / preset_top))
        out.append(Band(str(band["name"]), str(band["label"]), 1 if low == 1 else scaled))
    for i in range(1, len(out)):  # keep the ladder strict after rounding
        if out[i].min_score >= out[i - 1].min_score:
            out[i].min_score = max(1, out[i - 1].min_score - 1)
    return out


def said_bands(method: Method, found: Sequence[Resolved]) -> list[tuple[int, int]]:
    """Each risk's score and the rank (0 the top band) of the band word it states."""
    out = []
    for r in found:
        if r.ok and r.band_word is not None and (band := method.band_named(r.band_word[0])):
            score = method.score({f: lv.level for f, lv in r.levels.items()})
            out.append((score, method.bands.index(band)))
    return out


def disagreements(bands: Sequence[Band], said: Sequence[tuple[int, int]]) -> int:
    """How many stated band words a ladder of thresholds contradicts."""

    def rank(score: int) -> int:
        return next((i for i, b in enumerate(bands) if score >= b.min_score), len(bands) - 1)

    return sum(1 for score, r in said if rank(score) != r)


def _inferred(method: Method, found: list[Resolved]) -> list[Band] | None:
    """The thresholds the document's own band words agree with best: the ladder (each band from
    the lowest score it holds) that contradicts the fewest of them, found by dynamic programming
    over the distinct scores; None when the words name fewer than two bands."""
    said = said_bands(method, found)
    k = len(method.bands)
    if len({r for _, r in said}) < 2:
        return None
    scores = sorted({s for s, _ in said})
    cost = [
        [sum(1 for s, r in said if s == score and r != rank) for rank in range(k)]
        for score in scores
    ]
    # best[g][r]: fewest contradictions for the scores up to g when score g is in rank r (ranks
    # may only rise toward the top, rank 0, as scores grow).
    best = [list(cost[0])]
    came: list[list[int]] = [[r for r in range(k)]]
    for g in range(1, len(scores)):
        row, back = [], []
        for r in range(k):
            prev = min(range(r, k), key=lambda q: best[g - 1][q])
            row.append(cost[g][r] + best[g - 1][prev])
            back.append(prev)
        best.append(row)
        came.append(back)
    ranks = [min(range(k), key=lambda r: best[-1][r])]
    for g in range(len(scores) - 1, 0, -1):
        ranks.append(came[g][ranks[-1]])
    ranks.reverse()
    lows: dict[int, int] = {}
    for score, r in zip(scores, ranks, strict=True):
        lows.setdefault(r, score)
    out = [Band(b.name, b.label, lows.get(i, b.min_score)) for i, b in enumerate(method.bands)]
    out[-1].min_score = 1
    for i in range(k - 2, -1, -1):
        if i not in lows:
            out[i].min_score = max(out[i].min_score, out[i + 1].min_score + 1)
    if any(a.min_score <= b.min_score for a, b in itertools.pairwise(out)):
        return None
    return out


def _percent_ranges(scales: dict[str, Scale], risks: Sequence[Mapped]) -> None:
    """Percentages need ranges: a document that states none gets the method's, on a
    probability scale of the impact's size."""
    if "impact" not in scales or "probability" not in scales or scales["probability"].own:
        return
    if not any("%" in t for t in _factor_texts(risks, "probability")):
        return
    base = scales["probability"]
    size = base.size if base.words else scales["impact"].size
    spec = next(
        (
            preset.sections["probability_scale"]
            for preset in PRESETS.values()
            if len(preset.sections["probability_scale"]) == size
            and all("percent" in level for level in preset.sections["probability_scale"])
        ),
        None,
    )
    if spec is None:
        return
    base.size = size
    base.percents = {
        int(level["level"]): (float(level["percent"]["min"]), float(level["percent"]["max"]))
        for level in spec
    }
    if not base.words:
        base.labels = [str(level["label"]) for level in spec]


def choose_method(doc: Document, risks: Sequence[Mapped]) -> Method:
    """The method the document is on (see the module doc)."""
    detection = any(
        read_number(c.text) is not None or word_of(c.text)
        for r in risks
        for c in _cells(r, "detection")
    )
    numbers = _number_size(risks, detection)
    scales: dict[str, Scale] = {}
    for f in FACTORS:
        if f == "detection" and not detection:
            continue
        scale = factor_scale(doc, risks, f, numbers)
        if scale is not None:
            scales[f] = scale
    _percent_ranges(scales, risks)
    for f in ("impact", "probability"):
        if f not in scales:
            scales[f] = Scale(numbers, [str(i) for i in range(1, numbers + 1)])
    top = 1
    for s in scales.values():
        top *= s.size
    own = _own_bands(doc, top)
    drawn = _drawn(doc, scales) if own is None else None
    words = set(_band_words(risks))
    count = len(own) if own else len(drawn.keys) if drawn else len(words)
    preset = _preset(
        [scales["impact"].size, scales["probability"].size], "detection" in scales, count
    )
    formula = doc.formula if set(doc.formula) <= set(scales) and len(doc.formula) >= 2 else ()
    table: dict[tuple[int, int], Band] = {}
    source = "document"
    if own is None and drawn is not None:
        own = _matrix_ladder(drawn)
        source = "matrix" if drawn.thresholds else "table"
        if drawn.thresholds is None:
            table = {levels: own[i] for levels, i in drawn.cells.items()}
    if own is not None:
        if preset == PLAN and len(own) == len(PLAN_BANDS):
            for band, name in zip(own, PLAN_BANDS, strict=True):
                band.name = name
        bands = own
    else:
        bands, source = _scaled(preset, top), "method"
        labelled = _labelled(bands, words)
        if labelled is not None:
            bands = labelled
    return Method(preset, scales, bands, source, formula or ("impact", "probability"), table)


def _drawn(doc: Document, scales: dict[str, Scale]) -> MatrixBands | None:
    """The bands of the document's matrix, when it is drawn on the scales of its risks (and
    the method scores no detection: a matrix is impact against probability)."""
    matrix = doc.matrix
    if matrix is None or "detection" in scales:
        return None
    rows = {r for r, _ in matrix.cells}
    columns = {c for _, c in matrix.cells}
    if len(rows) != scales[matrix.rows].size or len(columns) != scales[matrix.columns].size:
        return None
    return matrix_bands(matrix)


def _matrix_ladder(drawn: MatrixBands) -> list[Band]:
    """The matrix's bands, highest first: with its thresholds, or (a lookup table) each from
    the lowest score among its cells."""
    lows = drawn.thresholds or [
        min(i * p for (i, p), band in drawn.cells.items() if band == n)
        for n in range(len(drawn.keys))
    ]
    return [
        Band(_band_id(label), label, low, mark=mark)
        for label, low, mark in zip(drawn.labels, lows, drawn.marks, strict=True)
    ]


def _labelled(bands: list[Band], words: set[str]) -> list[Band] | None:
    """The method's bands under the document's own words for them, when its words are a
    ladder of the same length (``High``, ``Medium``, ``Low``)."""
    known = [w for w in words if rank_of(w) is not None and w not in COLOUR_RANK]
    if len(known) != len(bands):
        return None
    ranked = sorted(known, key=lambda w: -(rank_of(w) or 0))
    if len({rank_of(w) for w in ranked}) != len(ranked):
        return None
    return [
        Band(b.name if b.name in PLAN_BANDS else _band_id(w), w.title(), b.min_score)
        for b, w in zip(bands, ranked, strict=True)
    ]


def resolve_risk(risk: Mapped, method: Method) -> Resolved:
    """One risk's levels on the method's scales, and its stated score and band word."""
    out = Resolved(risk)
    product = _product(risk)
    out.product = product
    for f in method.factors:
        for cell in _cells(risk, f):
            level = resolve(cell.text, method.scales[f])
            if level is not None:
                out.levels[f] = level
                break
        if f not in out.levels and product is not None:
            order = method.formula if len(product[0]) == len(method.formula) else method.factors
            if f in order and len(product[0]) > order.index(f):
                n = product[0][order.index(f)]
                if 1 <= n <= method.scales[f].size:
                    out.levels[f] = Level(n, f"{n} (from {product[2].text.strip()})")
        if f not in out.levels:
            said = _cells(risk, f)
            what = (
                f"'{said[0].text.strip()}' is not a level of its scale" if said else "none stated"
            )
            label = said[0].label if said else f
            out.unreadable.append(f"{label.strip() or f}: {what}")
    for cell in _cells(risk, "score"):
        text = PRODUCT.sub("", cell.text) if product else cell.text
        if product is not None and cell is product[2]:
            out.stated_score = (product[1], cell)
        elif (m := STATED.search(text)) is not None and out.stated_score is None:
            out.stated_score = (int(m.group(1)), cell)
        if out.band_word is None and (w := _word_in(cell.text)):
            out.band_word = (w, cell)
    for cell in _cells(risk, "band"):
        if out.band_word is None and (w := _word_in(cell.text)):
            out.band_word = (w, cell)
        if out.stated_score is None and (m := STATED.search(cell.text)) and not plain(cell.text):
            out.stated_score = (int(m.group(1)), cell)
    return out


def _word_in(text: str) -> str:
    """The band word of a cell as the document writes it: ``16 (Red)`` → ``Red``, ``🔴 HIGH``
    kept whole (its mark names the band when its word does not)."""
    if m := re.search(r"\(([^)0-9]+)\)", text):
        return m.group(1).strip()
    bare = re.sub(r"[\d.]+|[()=×xX*·]", " ", text).strip(" *_:-–—")
    if plain(bare):
        return " ".join(bare.split())
    return next((c for c in COLOUR_RANK if c in text and not c.isalpha()), "")
