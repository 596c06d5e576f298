"""The methods riskbot ships, as data, and the neutral policy `riskbot init --method NAME` writes.

A preset is the method part of a policy (``method``, the scales, the bands), in the shape of
``.github/riskbot.yml``; :func:`preset_policy` wraps one in a whole policy with no program's
particulars: one owner role, one phase, no releases (so no odds until releases are added).

- ``plan``: the program's plan, 5 × 5, Red ≥ 15, Yellow 8–14, Green < 8 (the default);
- ``3x3``: Low, Medium, High on both axes; High 6–9, Medium 3–5, Low 1–2;
- ``5x5-4band``: 5 × 5 with four bands, Critical ≥ 15, High 10–14, Medium 6–9, Low ≤ 5;
  Critical and High risks get an issue each;
- ``fmea``: severity, occurrence and detection, 1–10 each; the score is the risk priority
  number S × O × D; Critical ≥ 200, High 100–199, Medium 40–99, Low < 40.

It also holds the words documents write for bands and levels (``Amber``, 🔴, ``Very High``),
which the importer reads. This module and the plan's own policy are the only places band names
are written.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.register import defaults

PLAN = "plan"
DEFAULT_METHOD = PLAN

PLAN_BANDS = ("red", "yellow", "green")
"""The plan's bands, highest first."""
PLAN_BAND_WORDS: Mapping[str, str] = {
    "red": "red",
    "yellow": "yellow",
    "amber": "yellow",
    "orange": "yellow",
    "green": "green",
}
"""A band's colour word as plans write it ("Amber" is yellow) → the plan's band."""
PLAN_BAND_EMOJI: Mapping[str, str] = {
    "🔴": "red",
    "🟥": "red",
    "🟡": "yellow",
    "🟨": "yellow",
    "🟠": "yellow",
    "🟧": "yellow",
    "🟢": "green",
    "🟩": "green",
}
"""A band's mark as plans draw it → the plan's band."""
PLAN_BAND_LETTERS: Mapping[str, str] = {"r": "red", "a": "yellow", "y": "yellow", "g": "green"}
"""A band's initial as RAG registers write it (R, A or Y, G) → the plan's band."""

# The words documents write for levels, which `riskbot import` reads (bot/intake/levels.py).
# They are data, and here because a level word ("High") is also the name of a band.
LEVEL_WORD_SCALES: tuple[tuple[str, ...], ...] = (
    ("low", "medium", "high"),
    ("low", "medium", "high", "critical"),
    ("very low", "low", "medium", "high", "very high"),
    ("rare", "unlikely", "possible", "likely", "almost certain"),
    ("negligible", "minor", "moderate", "major", "critical"),
    ("insignificant", "minor", "moderate", "major", "catastrophic"),
    ("remote", "unlikely", "occasional", "probable", "frequent"),
    ("very low", "low", "medium", "high", "very high", "critical"),
)
"""The ladders of level words documents use, lowest level first (the importer reads a
document's words on the first ladder that holds them all)."""
LEVEL_ALIASES: Mapping[str, tuple[str, ...]] = {
    "l": ("low",),
    "lo": ("low",),
    "m": ("medium",),
    "med": ("medium",),
    "mid": ("medium",),
    "medium high": ("high",),
    "medium low": ("low",),
    "h": ("high",),
    "hi": ("high",),
    "vl": ("very low",),
    "vh": ("very high",),
    "c": ("critical",),
    "crit": ("critical",),
    "moderate": ("medium",),
    "minor": ("low",),
    "major": ("high",),
    "significant": ("major", "high"),
    "severe": ("critical", "major", "very high", "high"),
    "extreme": ("critical", "very high", "catastrophic"),
    "catastrophic": ("critical", "very high"),
    "critical": ("very high",),
    "minimal": ("negligible", "very low", "low"),
    "negligible": ("very low", "low"),
    "insignificant": ("negligible", "very low"),
    "very unlikely": ("rare", "very low"),
    "improbable": ("unlikely", "rare", "low"),
    "unlikely": ("low",),
    "possible": ("medium",),
    "likely": ("high",),
    "probable": ("likely", "high"),
    "very likely": ("almost certain", "very high"),
    "almost certain": ("very high",),
    "certain": ("almost certain", "very high"),
    "frequent": ("almost certain", "very high"),
    "rare": ("very low", "low"),
    "remote": ("rare", "very low"),
    "occasional": ("possible", "medium"),
}
"""Other words for a level, tried in order against the ladder in use (``Med`` is medium,
``Moderate`` is medium on a ladder without moderate). Add a document's words here."""
LEVEL_MARKS: Mapping[str, str] = {
    "🔴": "high",
    "🟥": "high",
    "🟠": "high",
    "🟧": "high",
    "🟡": "medium",
    "🟨": "medium",
    "🟢": "low",
    "🟩": "low",
}
"""A band's mark as a level on a ladder of three (what 🔴 means in a Likelihood column)."""

CADENCES = [
    {"name": "daily", "days": 1, "label": "Daily"},
    {"name": "weekly", "days": 7, "label": "Weekly"},
    {"name": "bi-weekly", "days": 14, "label": "Bi-weekly"},
    {"name": "monthly", "days": 30, "label": "Monthly"},
    {"name": "quarterly", "days": 91, "label": "Quarterly"},
]
CATEGORIES = [
    {"name": "Technical", "description": "Architectural, performance, reliability issues"},
    {"name": "Organizational", "description": "Team, resource, skill gaps"},
    {"name": "Market", "description": "Adoption, competition, ecosystem changes"},
    {"name": "Operational", "description": "Deployment, maintenance, incident response"},
    {"name": "Security", "description": "Vulnerabilities, supply chain, compliance"},
]
OWNER_ROLE = {"id": "technical-lead", "name": "Technical Lead", "short": "Tech Lead", "logins": []}
"""The one role of a new register: owner of its risks and top of its escalation path."""
EXAMPLE_LEVELS = {"impact": 2, "probability": 2, "detection": 5}
"""The levels of the example risk `riskbot init` writes: on every preset's scales, in none of
the bands that open issues."""


def _levels(labels: list[str], **extra: list[Any]) -> list[dict[str, Any]]:
    """Levels 1..N with their labels, and per-level extras (``meaning=[...]``)."""
    out: list[dict[str, Any]] = []
    for i, label in enumerate(labels):
        level: dict[str, Any] = {"level": i + 1, "label": label}
        for key, values in extra.items():
            level.update(values[i] if isinstance(values[i], dict) else {key: values[i]})
        out.append(level)
    return out


def _band(
    name: str,
    label: str,
    min_score: int,
    meaning: str,
    monitoring: str,
    *,
    opens_issue: bool = False,
) -> dict[str, Any]:
    band: dict[str, Any] = {
        "name": name,
        "label": label,
        "min_score": min_score,
        "meaning": meaning,
        "monitoring": monitoring,
    }
    if opens_issue:
        band["opens_issue"] = True
    return band


_PLAN_IMPACT = [
    {
        "level": 1,
        "label": "Negligible",
        "meaning": "workaround available",
        "schedule_slip_weeks": {"min": 0, "max": 0},
    },
    {
        "level": 2,
        "label": "Minor",
        "meaning": "schedule slip <1 week",
        "schedule_slip_weeks": {"min": 0, "max": 1},
    },
    {
        "level": 3,
        "label": "Moderate",
        "meaning": "schedule slip 1-4 weeks",
        "schedule_slip_weeks": {"min": 1, "max": 4},
    },
    {
        "level": 4,
        "label": "Major",
        "meaning": "schedule slip 1-3 months",
        "schedule_slip_weeks": {"min": 4, "max": 13},
    },
    {
        "level": 5,
        "label": "Critical",
        "meaning": "program jeopardy",
        "schedule_slip_weeks": {"min": 13, "max": 26},
    },
]
_PLAN_PROBABILITY = [
    {"level": 1, "label": "Rare", "range": "<5%", "percent": {"min": 0, "max": 5}},
    {"level": 2, "label": "Unlikely", "range": "5-20%", "percent": {"min": 5, "max": 20}},
    {"level": 3, "label": "Possible", "range": "20-50%", "percent": {"min": 20, "max": 50}},
    {"level": 4, "label": "Likely", "range": "50-80%", "percent": {"min": 50, "max": 80}},
    {"level": 5, "label": "Almost Certain", "range": ">80%", "percent": {"min": 80, "max": 100}},
]
_FIVE_PROBABILITY = [{k: v for k, v in p.items() if k != "range"} for p in _PLAN_PROBABILITY]
_THREE = ["Low", "Medium", "High"]


@dataclass(frozen=True)
class Preset:
    """A method riskbot ships: its one-line summary, and the policy sections it fills."""

    name: str
    summary: str
    sections: Mapping[str, Any]
    min_increase: int
    """The score rise that asks for a team lead review, on this method's scale of scores."""
    schedule_impact: int | None = None
    """The impact level from which the sponsor reviews the schedule (None: no such rule)."""


PRESETS: Mapping[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            PLAN,
            "the plan's 5 × 5: impact × probability, Red ≥ 15, Yellow 8–14, Green < 8 "
            "(with schedule slips and percent ranges: odds once releases are added)",
            {
                "method": {"name": PLAN, "formula": "product", "detection": False},
                "impact_scale": _PLAN_IMPACT,
                "probability_scale": _PLAN_PROBABILITY,
                "bands": [
                    _band("red", "Red", 15, "immediate mitigation required", "daily"),
                    _band("yellow", "Yellow", 8, "active monitoring & mitigation", "weekly"),
                    _band("green", "Green", 1, "accept or monitor", "monthly"),
                ],
            },
            min_increase=5,
            schedule_impact=3,
        ),
        Preset(
            "3x3",
            "3 × 3: Low, Medium, High (1–3) on both axes, High 6–9, Medium 3–5, Low 1–2",
            {
                "method": {"name": "3x3", "formula": "product", "detection": False},
                "impact_scale": _levels(
                    _THREE,
                    meaning=["a nuisance", "a setback the plan absorbs", "a missed goal"],
                ),
                "probability_scale": _levels(
                    _THREE,
                    percent=[
                        {"percent": {"min": 0, "max": 33}},
                        {"percent": {"min": 33, "max": 67}},
                        {"percent": {"min": 67, "max": 100}},
                    ],
                ),
                "bands": [
                    _band("high", "High", 6, "act now", "weekly"),
                    _band("medium", "Medium", 3, "mitigate and watch", "monthly"),
                    _band("low", "Low", 1, "accept and review", "quarterly"),
                ],
            },
            min_increase=3,
        ),
        Preset(
            "5x5-4band",
            "5 × 5 with four bands: Critical ≥ 15, High 10–14, Medium 6–9, Low ≤ 5; "
            "Critical and High risks get an issue",
            {
                "method": {"name": "5x5-4band", "formula": "product", "detection": False},
                "impact_scale": _levels(
                    ["Negligible", "Minor", "Moderate", "Major", "Severe"],
                    meaning=[
                        "hardly noticed",
                        "a small delay or cost",
                        "a goal at risk",
                        "a goal missed",
                        "the program at risk",
                    ],
                ),
                "probability_scale": _FIVE_PROBABILITY,
                "bands": [
                    _band("critical", "Critical", 15, "act at once", "daily", opens_issue=True),
                    _band("high", "High", 10, "mitigate now", "weekly", opens_issue=True),
                    _band("medium", "Medium", 6, "mitigate and monitor", "bi-weekly"),
                    _band("low", "Low", 1, "accept and monitor", "monthly"),
                ],
            },
            min_increase=5,
        ),
        Preset(
            "fmea",
            "FMEA: severity × occurrence × detection, 1–10 each (the risk priority number), "
            "Critical ≥ 200, High 100–199, Medium 40–99, Low < 40",
            {
                "method": {
                    "name": "fmea",
                    "formula": "product",
                    "detection": True,
                    "factor_labels": {
                        "impact": "Severity",
                        "probability": "Occurrence",
                        "detection": "Detection",
                    },
                },
                "impact_scale": _levels(
                    [
                        "None",
                        "Very minor",
                        "Minor",
                        "Very low",
                        "Low",
                        "Moderate",
                        "High",
                        "Very high",
                        "Hazardous with warning",
                        "Hazardous without warning",
                    ]
                ),
                "probability_scale": _levels(
                    [
                        "Remote",
                        "Very low",
                        "Low",
                        "Moderately low",
                        "Moderate",
                        "Moderately high",
                        "High",
                        "Very high",
                        "Extremely high",
                        "Almost certain",
                    ]
                ),
                "detection_scale": _levels(
                    [
                        "Almost certain",
                        "Very high",
                        "High",
                        "Moderately high",
                        "Moderate",
                        "Low",
                        "Very low",
                        "Remote",
                        "Very remote",
                        "Absolutely uncertain",
                    ]
                ),
                "bands": [
                    _band("critical", "Critical", 200, "act at once", "weekly", opens_issue=True),
                    _band("high", "High", 100, "act before release", "bi-weekly", opens_issue=True),
                    _band("medium", "Medium", 40, "improve when possible", "monthly"),
                    _band("low", "Low", 1, "accept", "quarterly"),
                ],
            },
            min_increase=100,
        ),
    )
}


def _escalation(preset: Preset, top: str) -> dict[str, Any]:
    lead = str(OWNER_ROLE["id"])
    escalation: dict[str, Any] = {
        "path": ["risk-owner", lead],
        "new_red": {
            "notify": ["risk-owner", lead],
            "label": "Immediate escalation",
            "description": "A risk enters a band that opens an issue → immediate escalation",
        },
        "score_increase": {
            "min_increase": preset.min_increase,
            "notify": [lead],
            "label": "Lead review",
            "description": f"Risk score increases by {preset.min_increase}+ points → lead review",
        },
        "same_level": {
            "min_risks": 2,
            "bands": [top],
            "notify": [lead],
            "label": "Several at the top",
            "description": "Several risks in the top band at once → lead review",
        },
    }
    if preset.schedule_impact is not None:
        escalation["schedule_impact"] = {
            "min_impact": preset.schedule_impact,
            "notify": [lead],
            "label": "Schedule review",
            "description": "Schedule impact >1 week → lead review",
        }
    return escalation


def preset_policy(name: str) -> dict[str, Any]:
    """A whole neutral policy with the method of preset ``name`` (KeyError for an unknown one):
    one owner role, one phase, no releases."""
    preset = PRESETS[name]
    sections = copy.deepcopy(dict(preset.sections))
    top = str(sections["bands"][0]["name"])
    policy: dict[str, Any] = {
        "version": 1,
        "program": "Your program",
        **sections,
        "cadences": copy.deepcopy(CADENCES),
        "quarterly_review": {"scope": "all risks + new risk identification"},
        "categories": copy.deepcopy(CATEGORIES),
        "phases": [
            {"name": "All", "description": "The whole program", "counts_toward": []},
        ],
        "releases": [],
        "roles": [copy.deepcopy(OWNER_ROLE)],
        "escalation": _escalation(preset, top),
        "bot": {
            "label": defaults.LABEL,
            "write_budget": defaults.WRITE_BUDGET,
            "max_rate_limit_wait": int(defaults.MAX_RATE_LIMIT_WAIT),
            "timezone": defaults.TIMEZONE,
        },
    }
    return policy
