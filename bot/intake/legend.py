"""What a document says about its own method, outside the risks: its scale levels, its band
thresholds, its score formula and the counts it states about itself.

Read line by line (any shape whose text has lines: Markdown, the cells of a legend table), with
the factor or part the nearest heading or lead-in line names as context, so that
``1: Very Low (0-10% chance)`` under "Likelihood" is a probability level.
"""

from __future__ import annotations

import re

from bot.intake.levels import rank_of
from bot.intake.records import BandRule, CountClaim, Document, ScaleEntry
from bot.intake.synonyms import field_of, words
from bot.register.presets import PLAN_BAND_WORDS

FACTORS = ("impact", "probability", "detection")
# Words of a heading or lead-in that say the lines below define bands, not levels.
BAND_CONTEXT = ("band", "threshold", "zone", "rating", "score", "level", "matrix", "priority")

_NUM = r"(\d{1,4})"
_RANGE = (
    rf"(?:{_NUM}\s*(?:[-–—]|to)\s*{_NUM}"  # 15-25
    rf"|(?:[≥>]=?|>=)\s*{_NUM}"  # ≥ 15
    rf"|{_NUM}\s*\+"  # 15+
    rf"|{_NUM}\s*(?:or|and)\s*(?:above|more|higher|over)"  # 15 or above
    rf"|(?:[<≤]=?|<=)\s*{_NUM}"  # < 8
    rf"|{_NUM}\s*(?:or|and)\s*(?:below|less|under|lower)"  # 5 or below
    rf"|(?:below|under|less\s+than)\s*{_NUM}"  # below 8
    rf"|(?:above|over|more\s+than)\s*{_NUM})"  # above 14
)
_LEAD = r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:[^\w\s(<>≥≤|]+\s*)?\**\s*"
BAND_LINE = re.compile(
    _LEAD + r"([A-Za-z][A-Za-z /&-]{0,30}?)\s*\**\s*(?:risk|zone|band)?\s*\**\s*[:=(–—-]\s*\**\s*"
    r"(?:score\s*(?:of\s*)?)?" + _RANGE + r"(?!\s*%)"
)
# "🔴 Red 15 and above, 🟡 Amber 8 to 14": a band word, then its range, in running text.
BAND_WORDS = re.compile(
    r"(?:^|[\s,;(]|[^\w\s])\s*([A-Za-z]+(?: [A-Za-z]+)?)\s+(?:score\s+)?" + _RANGE + r"(?!\s*%)",
    re.IGNORECASE,
)
RANGE_FIRST = re.compile(
    _LEAD
    + r"(?:score\s*)?"
    + _RANGE
    + r"(?!\s*%)\s*\**\s*[:=|–—-]\s*\**\s*([A-Za-z][A-Za-z /&-]{0,30})"
)
LEVEL_FIRST = re.compile(
    r"^\s*(?:[-*+]\s+)?\**\s*(\d{1,2})\s*\**\s*[=:.)–—-]\s*\**\s*([A-Za-z][A-Za-z '/-]*?)\s*\**"
    r"\s*(?:[(:,–—-]\s*(.*?)\)?)?\s*$"
)
LABEL_LEVEL = re.compile(
    r"^\s*(?:[-*+]\s+)?\**\s*([A-Za-z][A-Za-z '/-]*?)\s*[(=:]\s*(\d{1,2})\s*\)?\s*\**\s*"
    r"(?:[:–—-]\s*(.*))?$"
)
PART = re.compile(
    r"^\s*\**\s*([A-Za-z][A-Za-z '-]*?)\s*\**\s*(?:\(\s*([^)]*)\)|[=:]\s*(\d{1,2}))?\s*$"
)
COUNT = re.compile(
    r"^\s*(?:[-*+]\s+)?\**\s*((?:total\s+(?:number\s+of\s+)?)?[A-Za-z][A-Za-z /&-]*?\s*risks?"
    r"|total|total\s+risks?)\s*\**\s*[:=]\s*\**\s*(\d+)\s*\**\s*(?:risks?)?"
    r"\s*(?:\([^)]*\))?\s*$",
    re.IGNORECASE,
)
# One count of a summary line that holds several (``Total: 5 | Open: 3 | High: 1``).
COUNT_PART = re.compile(r"^([A-Za-z][A-Za-z /&-]*?)\s*[:=]\s*(\d+)\s*(?:risks?)?$", re.IGNORECASE)
SUMMARY_SPLIT = re.compile(r"\s*(?:\||·|•)\s*")
FORMULA = re.compile(
    r"(?i)\b(score|rpn|rating|exposure|risk)\b[^=\n]{0,20}=\s*\**\s*([A-Za-z]+)\s*\)?\s*[×xX*·]\s*\(?\s*"
    r"([A-Za-z]+)(?:\s*\)?\s*[×xX*·]\s*\(?\s*([A-Za-z]+))?"
)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def factor_named(text: str) -> str:
    """The factor a heading or lead-in names: ``Likelihood Scale`` → probability, else ``""``."""
    for word in words(text).split():
        field = field_of(word)
        if field in FACTORS:
            return field
    return ""


def band_range(groups: tuple[str | None, ...]) -> tuple[int | None, int | None]:
    """The (low, high) of a matched :data:`_RANGE`, its alternatives in order."""
    a, b, ge, plus, above, lt, below, under, over = groups
    if a is not None and b is not None:
        return int(a), int(b)
    if ge or plus or above:
        return int(ge or plus or above or 0), None
    if over is not None:
        return int(over) + 1, None
    if lt is not None or under is not None:
        return None, int(lt or under or 0) - 1
    if below is not None:
        return None, int(below)
    return None, None


def plain_band(label: str) -> bool:
    """Whether a word is one bands are named by (a colour, or a word of a level scale)."""
    word = words(label)
    return word in PLAN_BAND_WORDS or rank_of(word) is not None


class LegendReader:
    """Feeds lines that are not inside a risk; collects scales, bands, counts and the formula."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.context = ""

    def heading(self, text: str) -> None:
        """A heading or a lead-in line (``Likelihood levels:``) sets what the next lines define."""
        factor = factor_named(text)
        plain = words(text).split()
        if factor and "x" not in plain and "score" not in plain:
            self.context = factor
        elif any(w in plain for w in BAND_CONTEXT):
            self.context = "bands"
        else:
            self.context = ""

    def line(self, text: str, n: int) -> None:
        """One line of the document outside any risk."""
        if not text.strip():
            return
        if m := FORMULA.search(text):
            factors = tuple(field_of(g) for g in m.groups()[1:] if g)
            if all(f in FACTORS for f in factors) and len(set(factors)) == len(factors):
                self.doc.formula = factors
                self.context = "bands"  # the score's bands are listed under its formula
                return
        if self._summary(text, n):
            return
        if m := COUNT.match(text):
            label = words(m.group(1))
            if label and not factor_named(label):
                self.doc.counts.append(CountClaim(label, int(m.group(2)), n))
                return
        lead = re.match(
            r"^\s*(?:[-*+]\s+)?\**\s*([A-Za-z][A-Za-z /()-]*?)\s*\**\s*:\s*\**\s*(.*)$", text
        )
        if lead and (factor := factor_named(lead.group(1))) and len(lead.group(1)) < 40:
            rest = lead.group(2).strip()
            if not rest:
                self.heading(lead.group(1))
                return
            if self._inline(factor, rest, n):
                return
        if self.context != "bands" and self._level(text, n):
            return
        self._band(text, n)

    def _summary(self, text: str, n: int) -> bool:
        """``*Total risks: 5 | Open: 4 | High: 2*``: a line of counts, one of them a total."""
        if not re.search(r"[|·•]", text):
            return False
        found: list[CountClaim] = []
        for part in SUMMARY_SPLIT.split(text.strip().strip("*_ ")):
            m = COUNT_PART.match(part.strip("*_ "))
            if m is not None and (label := words(m.group(1))) and not factor_named(label):
                found.append(CountClaim(label, int(m.group(2)), n))
        if len(found) < 2 or not any(c.label.split()[0] == "total" for c in found):
            return False
        self.doc.counts.extend(found)
        return True

    def _inline(self, factor: str, rest: str, n: int) -> bool:
        """``Low / Medium / High``, ``High (4) / Medium (3)``, ``H=3, M=2, L=1`` after a label."""
        parts = [p.strip() for p in re.split(r"\s*(?:/|,|;|\||\bor\b)\s*", rest) if p.strip()]
        found: list[ScaleEntry] = []
        for part in parts:
            m = PART.match(part)
            if m is None:
                return False
            detail = m.group(2) or ""
            number = m.group(3) or (detail if detail.isdigit() else None)
            found.append(
                ScaleEntry(factor, int(number) if number else None, m.group(1).strip(), detail, n)
            )
        if len(found) < 2:
            return False
        self.doc.scales.extend(found)
        return True

    def _level(self, text: str, n: int) -> bool:
        factor = self.context if self.context in FACTORS else ""
        if m := LEVEL_FIRST.match(text):
            label = m.group(2).strip()
            if factor or PERCENT.search(m.group(3) or "") or len(label.split()) <= 3:
                if not factor and not PERCENT.search(text) and self.context != "":
                    return False
                self.doc.scales.append(
                    ScaleEntry(factor, int(m.group(1)), label, (m.group(3) or "").strip(), n)
                )
                return True
        if (
            factor
            and (m := LABEL_LEVEL.match(text))
            and not re.match(r"\s*[-–]\s*\d", text[m.end(2) :])
        ):
            self.doc.scales.append(
                ScaleEntry(factor, int(m.group(2)), m.group(1).strip(), (m.group(3) or ""), n)
            )
            return True
        if factor and (
            m := re.match(r"^\s*[-*+]\s+\**([A-Za-z][A-Za-z '-]*?)\**\s*\(([^)]*%[^)]*)\)", text)
        ):
            self.doc.scales.append(ScaleEntry(factor, None, m.group(1).strip(), m.group(2), n))
            return True
        return False

    def _band(self, text: str, n: int) -> bool:
        if DATE.search(text):
            return False
        for m in BAND_LINE.finditer(text):
            label = m.group(1).strip()
            if factor_named(label) or words(label) in ("score", "risk score", "total"):
                continue
            low, high = band_range(m.groups()[1:10])
            if low is not None and high is not None and low > high:
                continue
            self.doc.bands.append(BandRule(label, low, high, n))
        if not any(b.line == n for b in self.doc.bands):
            for m in BAND_WORDS.finditer(text):
                label = m.group(1).strip()
                if plain_band(label):
                    low, high = band_range(m.groups()[1:10])
                    if low is None or high is None or low <= high:
                        self.doc.bands.append(BandRule(label, low, high, n))
        if any(b.line == n for b in self.doc.bands):
            return True
        first = RANGE_FIRST.match(text) if self.context == "bands" else None
        if first is not None:
            low, high = band_range(first.groups()[:9])
            label = first.group(10).strip()
            if not factor_named(label):
                self.doc.bands.append(BandRule(label, low, high, n))
                return True
        return False
