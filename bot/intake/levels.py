"""The level resolver: a level as a document writes it (``4``, ``High``, ``Very Low``, ``30%``,
``Medium (60%)``, ``High (4)``, ``🔴``) to a number on a scale.

The scale of each factor is the document's own where it defines one (``1: Very Low (0-10%
chance)``, ``H=3, M=2, L=1``); else the ladder of level words that holds every word the document
uses for that factor (the words are data: :data:`bot.register.presets.LEVEL_WORD_SCALES`), or,
for numbers, the size of the largest number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.intake.records import ScaleEntry
from bot.register.presets import LEVEL_ALIASES as ALIASES
from bot.register.presets import LEVEL_MARKS
from bot.register.presets import LEVEL_WORD_SCALES as WORD_SCALES

PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
PERCENT_RANGE = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*%?\s*(?:[-–—]|to)\s*(\d+(?:\.\d+)?)\s*%"
    r"|([<≤>≥])\s*=?\s*(\d+(?:\.\d+)?)\s*%)"
)
NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?:\s*/\s*\d{1,2})?(?![\d.%])")
_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[^\w\s'-]+|\d+")


def plain(text: str) -> str:
    """A level word as plain lower-case words: ``🔴 **High** (60%)`` → ``high``."""
    text = _NOISE.sub(" ", text.replace("_", " ")).casefold()
    text = re.sub(r"\b(?:risk|likelihood|probability|impact|severity|level|chance)\b", " ", text)
    return " ".join(text.replace("-", " ").split())


def _fits(word: str, scale: Sequence[str]) -> str | None:
    if word in scale:
        return word
    return next((w for w in ALIASES.get(word, ()) if w in scale), None)


@dataclass
class Scale:
    """One factor's scale as the document uses it: its size, labels, percent ranges and words."""

    size: int
    labels: list[str]
    words: dict[str, int] = field(default_factory=dict)
    percents: dict[int, tuple[float, float]] = field(default_factory=dict)
    own: bool = False
    """True when the document defines it (then its words and ranges are the document's)."""

    def word_level(self, word: str) -> int | None:
        if word in self.words:
            return self.words[word]
        for alt in ALIASES.get(word, ()):
            if alt in self.words:
                return self.words[alt]
        return None

    def percent_level(self, value: float) -> int | None:
        for level, (low, high) in sorted(self.percents.items()):
            if low <= value <= high:
                return level
        return None


@dataclass(frozen=True)
class Level:
    """A level read from a cell: the number and the text it came from (its narrative)."""

    level: int
    text: str
    percent: float | None = None
    word: str = ""


def percent_range(detail: str) -> tuple[float, float] | None:
    """``0-10% chance`` → (0, 10), ``<30%`` → (0, 30), ``≥70%`` → (70, 100)."""
    m = PERCENT_RANGE.search(detail)
    if m is None:
        return None
    if m.group(1) is not None:
        return float(m.group(1)), float(m.group(2))
    value = float(m.group(4))
    return (0.0, value) if m.group(3) in "<≤" else (value, 100.0)


def own_scale(entries: Sequence[ScaleEntry]) -> Scale | None:
    """The scale a document defines for one factor (levels numbered or listed in order)."""
    if len({plain(e.label) for e in entries}) < 2:
        return None
    numbered = [e for e in entries if e.level is not None]
    by_word: dict[str, int] = {}
    if numbered:
        for e in numbered:
            assert e.level is not None
            by_word.setdefault(plain(e.label), e.level)
    else:
        order = [plain(e.label) for e in entries]
        order = list(dict.fromkeys(order))
        ranks = [rank_of(w) for w in order]
        first, last = ranks[0], ranks[-1]
        if all(r is not None for r in ranks) and first is not None and last is not None:
            order = order[::-1] if first > last else order
        by_word = {w: i for i, w in enumerate(order, start=1)}
    size = max(by_word.values())
    if size < 2 or size > 10:
        return None
    labels = [""] * size
    for e in entries:
        level = by_word.get(plain(e.label))
        if level is not None and not labels[level - 1]:
            labels[level - 1] = e.label.strip()
    for i, label in enumerate(labels):
        labels[i] = label or str(i + 1)
    scale = Scale(size, labels, by_word, own=True)
    for e in entries:
        level = by_word.get(plain(e.label))
        if level is not None and (r := percent_range(e.detail)) is not None:
            scale.percents.setdefault(level, r)
    return scale


def rank_of(word: str) -> float | None:
    """Where a word sits on the first word scale that has it, from 0 (lowest) to 1."""
    for scale in WORD_SCALES:
        hit = _fits(word, scale)
        if hit is not None:
            return scale.index(hit) / (len(scale) - 1)
    return None


def word_scale(used: Iterable[str], size: int | None = None) -> Scale | None:
    """The ladder of :data:`WORD_SCALES` for the words a document uses: among those that
    hold every word (aliases allowed), the one naming most of them as they are, the earliest
    on a tie; else the one holding most."""
    words = {w for w in used if w}
    if not words:
        return None
    ranked: list[tuple[bool, int, int, int]] = []
    sized = [s for s in WORD_SCALES if len(s) == size]
    for i, scale in enumerate(WORD_SCALES):
        if sized and scale not in sized:
            continue
        exact = sum(1 for w in words if w in scale)
        fit = sum(1 for w in words if _fits(w, scale) is not None)
        if fit:
            ranked.append((fit == len(words), exact, fit, -i))
    if not ranked:
        return None
    chosen = WORD_SCALES[-max(ranked)[3]]
    return Scale(
        len(chosen),
        [w.title() for w in chosen],
        {w: i for i, w in enumerate(chosen, start=1)},
    )


def read_number(text: str) -> int | None:
    """``4``, ``4/5``, ``High (4)``, ``4 - Likely``: the level number a cell states, if any."""
    found = NUMBER.findall(text)
    return int(found[0]) if len(found) == 1 else None


def read_percent(text: str) -> float | None:
    m = PERCENT.search(text)
    return float(m.group(1)) if m else None


def word_of(text: str) -> str:
    """The level word of a cell: ``🔴 High (60%)`` → ``high``; an emoji alone → its word."""
    word = plain(text)
    if not word:
        for emoji, name in LEVEL_MARKS.items():
            if emoji in text:
                return name
    return word


RANK = re.compile(r"^\s*(?:sev(?:erity)?|s|p|priority)[\s_-]*(\d{1,2})\s*$", re.IGNORECASE)


def rank_scale(texts: Sequence[str]) -> Scale | None:
    """``Sev-1``, ``P2``: ranks, where 1 is the worst; the scale runs the other way."""
    ranks = [RANK.match(t) for t in texts]
    if not texts or not all(ranks):
        return None
    numbers = [int(m.group(1)) for m in ranks if m]
    size = max(3, max(numbers))
    if size > 10 or min(numbers) < 1:
        return None
    words = {t.strip().casefold(): size + 1 - n for t, n in zip(texts, numbers, strict=True)}
    labels = [f"Rank {size + 1 - level}" for level in range(1, size + 1)]
    for text, n in zip(texts, numbers, strict=True):
        labels[size - n] = text.strip()  # level size + 1 - n, as the document names it
    return Scale(size, labels, words, own=True)


def size_for(numbers: Iterable[int]) -> int:
    """The usual scale a set of level numbers is on: 3, 5 or 10 levels."""
    top = max(numbers, default=0)
    return 3 if top <= 3 else 5 if top <= 5 else 10


def _leads(text: str, word: str) -> list[str]:
    """The level word, then the words a longer cell starts with (``High – launch slips``)."""
    if not word:
        return []
    out = [word]
    head = re.split(r"\s[-–—:]\s|[,;(:.]", text.strip(), maxsplit=1)[0]
    out.append(plain(head))
    words = word.split()
    out += [" ".join(words[:2]), words[0]]
    return [w for w in dict.fromkeys(out) if w]


def resolve(text: str, scale: Scale) -> Level | None:
    """A cell's level on ``scale`` (None when it states none the scale knows)."""
    exact = scale.words.get(text.strip().casefold())
    if exact is not None:
        return Level(exact, text.strip())
    word = word_of(text)
    percent = read_percent(text)
    number = read_number(text) if percent is None or NUMBER.sub("", text) != text else None
    for said in _leads(text, word):
        level = scale.word_level(said)
        if level is not None:
            return Level(level, text.strip(), percent, said)
    if number is not None and 1 <= number <= scale.size and not PERCENT.search(text):
        return Level(number, text.strip(), percent, word)
    if percent is not None:
        level = scale.percent_level(percent)
        if level is not None:
            return Level(level, text.strip(), percent, word)
    return None
