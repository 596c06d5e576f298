"""Words documents use for a risk's state and category, as data, with the rules that read them.

The plan importer and the importer of any register share them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

# Category of a risk, which the plan does not state. This is data, not code: each kind of
# category has the names plans give it and keywords that point to it. The keywords began as
# the program plan's own category descriptions ("Vulnerabilities, supply chain", "Adoption,
# competition", "Team, skill gaps") and the words its risks use; the rest are the common words
# for each kind. A keyword matches where a word of the risk's title or impact starts with it.
# The plan's own description of each category ("- **Technical Risk**: Architectural,
# performance, ...") adds its words, matched against the title only (descriptions are broad).
# The most matches win; ties go to the earlier kind below; no match gives DEFAULT_KIND.
CATEGORY_KINDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "security",
        ("security", "cybersecurity", "information security", "infosec"),
        ("security", "vulnerab", "supply chain", "byzantine", "malicious", "attack", "breach",
         "exploit", "compromis", "credential", "phishing", "ransomware", "pci", "audit"),
    ),
    (
        "compliance",
        ("compliance", "legal", "regulatory", "regulation"),
        ("complian", "regulat", "legal", "licens", "gdpr", "pci", "audit", "certif"),
    ),
    (
        "market",
        ("market", "business", "commercial", "adoption", "customer"),
        ("community", "adoption", "competit", "market", "demand", "churn", "pricing"),
    ),
    (
        "organizational",
        ("organizational", "organisational", "organization", "organisation", "people",
         "staffing", "team", "resource", "resourcing", "human"),
        ("documentation", "onboarding", "staffing", "skill", "hiring", "key person", "turnover",
         "attrition", "bus factor", "the only", "sole", "knowledge", "burnout"),
    ),
    (
        "operational",
        ("operational", "operations", "ops"),
        ("deployment", "incident", "outage", "on-call", "downtime", "backup", "cost", "hosting",
         "capacity"),
    ),
    (
        "financial",
        ("financial", "finance", "budget", "cost"),
        ("budget", "cost", "funding", "spend", "overrun"),
    ),
    (
        "vendor",
        ("vendor", "supplier", "third party", "third-party", "partner", "external"),
        ("vendor", "supplier", "third-party", "third party", "acquirer", "provider", "contractor"),
    ),
    (
        "schedule",
        ("schedule", "timeline", "delivery"),
        ("deadline", "slip", "delay", "late"),
    ),
    (
        "technical",
        ("technical", "technology", "engineering", "architecture"),
        ("performance", "architect", "reliab", "scalab", "migration", "integration", "api",
         "testing", "bug", "regression"),
    ),
)  # fmt: skip
DEFAULT_KIND = "technical"
# Words of a category description that say nothing about the category ("reliability issues").
DESCRIPTION_NOISE = frozenset({"issues", "issue", "changes", "change", "risk", "risks", "and"})

# A risk's state by the words its status line starts with (after any emoji). Data, as above.
STATE_WORDS = {
    "planning": "planning",
    "planned": "planning",
    "not started": "planning",
    "to do": "planning",
    "todo": "planning",
    "proposed": "planning",
    "identified": "planning",
    "new": "planning",
    "active": "active",
    "in progress": "active",
    "ongoing": "active",
    "underway": "active",
    "mitigating": "active",
    "open": "active",
    "monitor": "monitor",
    "monitoring": "monitor",
    "monitored": "monitor",
    "watch": "monitor",
    "watching": "monitor",
    "accepted": "monitor",
    "tracking": "monitor",
    "closed": "closed",
    "done": "closed",
    "resolved": "closed",
    "retired": "closed",
    "mitigated": "closed",
    "avoided": "closed",
    "complete": "closed",
    "completed": "closed",
    "transferred": "monitor",
    "accept": "monitor",
    "monitoring only": "monitor",
    "pending": "planning",
    "draft": "planning",
    "backlog": "planning",
    "analysis": "planning",
    "assessing": "planning",
    "escalated": "active",
    "blocked": "active",
    "occurred": "active",
    "materialized": "active",
    "realised": "active",
    "realized": "active",
    "mitigation in progress": "active",
    "reopened": "active",
}
STATUS_LINE = re.compile(r"^(?:[^\w\s]+\s*)?(.*?)\s*$")


@cache
def _longest_first(words: tuple[str, ...]) -> list[str]:
    return sorted(words, key=len, reverse=True)


def status_of(text: str) -> dict[str, str] | None:
    """``🟡 Active - Mitigation in progress`` → state active, note ``Mitigation in progress``."""
    m = STATUS_LINE.match(text.strip())
    rest = m.group(1) if m else ""
    low = rest.casefold()
    for words in _longest_first(tuple(STATE_WORDS)):
        if low == words or (low.startswith(words) and not low[len(words)].isalnum()):
            note = rest[len(words) :].strip().strip("()").strip()
            note = re.sub(r"^[-–—:,]\s*", "", note).strip()
            out = {"state": STATE_WORDS[words]}
            if note:
                out["note"] = note
            return out
    return None


def _kind_of(name: str) -> int | None:
    plain = re.sub(r"\s+risks?$", "", name.strip().casefold())
    for i, (_, names, _words) in enumerate(CATEGORY_KINDS):
        if plain in names:
            return i
    return None


@cache
def _stem(stem: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(stem)}")


def _matches(stem: str, text: str) -> bool:
    return stem in text and _stem(stem).search(text) is not None


def _description_stems(description: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z][a-z-]+", description.casefold())]
    # "vulnerabilities" also means "vulnerability": keep the start of longer words.
    return [w[: max(5, len(w) - 3)] for w in words if w not in DESCRIPTION_NOISE]


def category_for(
    title: str,
    impact: str,
    categories: Sequence[str],
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """The category by :data:`CATEGORY_KINDS`, limited to the plan's categories."""
    text = f"{title} {impact}".casefold()
    heading = title.casefold()
    best: tuple[int, int, str] | None = None
    for position, name in enumerate(categories):
        kind = _kind_of(name)
        keywords = CATEGORY_KINDS[kind][2] if kind is not None else ()
        hits = sum(1 for w in keywords if _matches(w, text))
        own = [name.casefold(), *_description_stems((descriptions or {}).get(name, ""))]
        hits += sum(1 for w in dict.fromkeys(own) if w and _matches(w, heading))
        rank = (kind if kind is not None else len(CATEGORY_KINDS)) * 100 + position
        if hits and (best is None or (-hits, rank) < (-best[0], best[1])):
            best = (hits, rank, name)
    if best is not None:
        return best[2]
    kinds = [_kind_of(c) for c in categories]
    default = [
        c
        for c, k in zip(categories, kinds, strict=True)
        if k is not None and CATEGORY_KINDS[k][0] == DEFAULT_KIND
    ]
    return default[0] if default else categories[0]
