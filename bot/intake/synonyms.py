"""Labels and column names as documents write them, and the field of a risk each one means.

Data, not code: add a document's wording here (or pass ``--map COLUMN=FIELD``). A label is
compared as plain lower-case words (no punctuation, emoji, numbering or parenthesised notes):
first whole in :data:`LABELS`, then by the first of :data:`KEYWORDS` that starts one of its words.
A label that means nothing here is kept in the risk's ``extra`` map, not dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

FIELDS = (
    "id",
    "title",
    "description",
    "category",
    "phase",
    "impact",
    "probability",
    "detection",
    "score",
    "band",
    "owner",
    "status",
    "status note",
    "mitigation",
    "prevention",
    "detection measures",
    "response",
    "cadence",
    "identified",
    "last reviewed",
    "impact narrative",
    "probability narrative",
    "progress",
    "file",
    "more",
    "source",
    "extra",
)
"""Every field a label can mean; ``extra`` keeps a value under its own label."""

LABELS: dict[str, str] = {
    # identity
    "id": "id",
    "risk id": "id",
    "ref": "id",
    "reference": "id",
    "risk ref": "id",
    "risk no": "id",
    "no": "id",
    "nr": "id",
    "number": "id",
    "key": "id",
    "risk": "title",
    "title": "title",
    "name": "title",
    "risk title": "title",
    "risk name": "title",
    "threat": "title",
    "failure mode": "title",
    "potential failure mode": "title",
    "hazard": "title",
    "summary": "title",
    "description": "description",
    "risk description": "description",
    "risk statement": "description",
    "statement": "description",
    "details": "description",
    "detail": "description",
    "scenario": "description",
    "effect": "description",
    "potential effect": "description",
    "potential effects of failure": "description",
    "cause": "extra",
    "category": "category",
    "risk category": "category",
    "type": "category",
    "risk type": "category",
    "area": "category",
    "domain": "category",
    "phase": "phase",
    "release": "phase",
    "milestone": "phase",
    # levels
    "likelihood": "probability",
    "probability": "probability",
    "occurrence": "probability",
    "occurence": "probability",
    "frequency": "probability",
    "chance": "probability",
    "l": "probability",
    "p": "probability",
    "o": "probability",
    "prob": "probability",
    "impact": "impact",
    "severity": "impact",
    "consequence": "impact",
    "consequences": "impact",
    "i": "impact",
    "s": "impact",
    "sev": "impact",
    "detection": "detection",
    "detectability": "detection",
    "detection rating": "detection",
    "d": "detection",
    "det": "detection",
    "score": "score",
    "risk score": "score",
    "rpn": "score",
    "risk priority number": "score",
    "rating": "score",
    "risk rating": "score",
    "exposure": "score",
    "risk exposure": "score",
    "inherent risk": "score",
    "p x i": "score",
    "l x i": "score",
    "i x p": "score",
    "i x l": "score",
    "s x o x d": "score",
    "p i": "score",
    "l i": "score",
    "band": "band",
    "level": "band",
    "risk level": "band",
    "zone": "band",
    "risk zone": "band",
    "priority": "band",
    "rag": "band",
    "rag status": "band",
    "heat": "band",
    "criticality": "band",
    # people and state
    "owner": "owner",
    "owners": "owner",
    "risk owner": "owner",
    "responsible": "owner",
    "responsibility": "owner",
    "assignee": "owner",
    "assigned to": "owner",
    "accountable": "owner",
    "who": "owner",
    "status": "status",
    "state": "status",
    "risk status": "status",
    "current status": "status",
    "status note": "status note",
    # what is done about it
    "mitigation": "mitigation",
    "mitigations": "mitigation",
    "mitigation strategy": "mitigation",
    "mitigation plan": "mitigation",
    "mitigation actions": "mitigation",
    "mitigation prevention": "prevention",
    "treatment": "mitigation",
    "risk treatment": "mitigation",
    "response": "mitigation",
    "response plan": "mitigation",
    "response strategy": "extra",
    "strategy": "extra",
    "recommended action": "mitigation",
    "solution": "mitigation",
    "solutions": "mitigation",
    "countermeasure": "mitigation",
    "countermeasures": "mitigation",
    "recommended actions": "mitigation",
    "actions": "mitigation",
    "action": "mitigation",
    "controls": "mitigation",
    "current controls": "mitigation",
    "existing controls": "mitigation",
    "prevention": "prevention",
    "prevent": "prevention",
    "preventive": "prevention",
    "preventative": "prevention",
    "avoid": "prevention",
    "detect": "detection measures",
    "early detection": "detection measures",
    "respond": "response",
    "reaction": "response",
    "mitigation response": "response",
    "mitigation detection": "detection measures",
    "status state": "status",
    "review last reviewed": "last reviewed",
    "impact level": "impact",
    "probability level": "probability",
    "detection level": "detection",
    "detection measures": "detection measures",
    "current detection controls": "detection measures",
    "monitoring": "detection measures",
    "early warning": "detection measures",
    "contingency": "response",
    "contingency plan": "response",
    "contingency fallback": "response",
    "fallback": "response",
    "recovery": "response",
    # dates and cadence
    "review": "cadence",
    "review cadence": "cadence",
    "review frequency": "cadence",
    "cadence": "cadence",
    "identified": "identified",
    "date identified": "identified",
    "date raised": "identified",
    "raised": "identified",
    "opened": "identified",
    "created": "identified",
    "last reviewed": "last reviewed",
    "last review": "last reviewed",
    "reviewed": "last reviewed",
    "impact narrative": "impact narrative",
    "probability narrative": "probability narrative",
    "mitigation status": "progress",
    "mitigation progress": "progress",
    "progress": "progress",
    # riskbot's own export
    "file": "file",
    "more": "more",
    "source": "source",
}

# Words that give a label away when it is not in LABELS as a whole: the first keyword that
# starts a word of the label wins ("Likelihood of occurrence" → probability), so the order
# matters: level words before the generic "risk".
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("rpn", "score"),
    ("likelihood", "probability"),
    ("probab", "probability"),
    ("occurr", "probability"),
    ("detectab", "detection"),
    ("severit", "impact"),
    ("impact", "impact"),
    ("consequen", "impact"),
    ("score", "score"),
    ("rating", "score"),
    ("exposure", "score"),
    ("zone", "band"),
    ("priorit", "band"),
    ("owner", "owner"),
    ("responsib", "owner"),
    ("assign", "owner"),
    ("status", "status"),
    ("mitigat", "mitigation"),
    ("treatment", "mitigation"),
    ("control", "mitigation"),
    ("contingen", "response"),
    ("fallback", "response"),
    ("categor", "category"),
    ("descri", "description"),
    ("statement", "description"),
    ("title", "title"),
    ("identified", "identified"),
    ("risk", "title"),
)

_NOT_WORD = re.compile(r"[^\w#+]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_TIMES = re.compile(r"\s*[×xX*·]\s*")


@lru_cache(maxsize=4096)
def words(label: str) -> str:
    """A label as plain words: ``**Likelihood (1-5)**:`` → ``likelihood``, ``P×I`` → ``p x i``."""
    text = _PAREN.sub(" ", label) if _PAREN.sub("", label).strip() else label
    text = _TIMES.sub(" x ", text) if re.fullmatch(r"[\w\s×xX*·]+", text.strip()) else text
    found = [w for w in _NOT_WORD.split(text.casefold()) if w and w != "_" and not w.isdigit()]
    return " ".join(w for w in found if w != "#") or ("#" if "#" in label else "")


def field_of(label: str, extra_labels: Mapping[str, str] | None = None) -> str:
    """The field a label means (see the module doc), ``extra`` when none."""
    plain = words(label)
    if extra_labels and plain in extra_labels:
        return extra_labels[plain]
    return _field(plain)


@lru_cache(maxsize=4096)
def _field(plain: str) -> str:
    if plain in LABELS:
        return LABELS[plain]
    if plain == "#":
        return "id"
    # "risk description", "risk owner": a leading "risk" says nothing more.
    if plain.startswith("risk ") and plain[5:] in LABELS:
        return LABELS[plain[5:]]
    for word in plain.split():
        for stem, field in KEYWORDS:
            if word.startswith(stem):
                return field
    return "extra"


def parse_map(pairs: list[str]) -> dict[str, str]:
    """``--map "Threat Level=band"`` options as label → field; ValueError names a bad one."""
    out: dict[str, str] = {}
    for pair in pairs:
        label, sep, field = pair.rpartition("=")
        field = field.strip().casefold().replace("_", " ")
        if not sep or not label.strip():
            raise ValueError(f"--map {pair!r}: expected COLUMN=FIELD, e.g. 'Threat Level=band'")
        if field not in FIELDS:
            raise ValueError(
                f"--map {pair!r}: '{field}' is not a field; fields: {', '.join(FIELDS)}"
            )
        out[words(label)] = field
    return out
