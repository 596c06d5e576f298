"""The scoring methods a document can be on, as data, and the neutral policy of each.

:func:`preset_policy` is the one place that turns a method's name into a whole policy mapping
(the shape of the policy's ``method`` section: scales of 2-10 levels, 2-7 named bands, the
product formula, a detection factor for FMEA). The importer starts from it and puts the
document's own labels, thresholds and band names in.
"""

from __future__ import annotations

import copy
from typing import Any

PLAN_SLIPS = ((0, 0), (0, 1), (1, 4), (4, 13), (13, 26))
PLAN_PERCENTS = ((0, 5), (5, 20), (20, 50), (50, 80), (80, 100))

# name: (factor labels, impact labels, probability labels, detection labels, percents, bands)
# Each band: (name, label, min_score, monitoring, opens an issue). Highest band first.
METHODS: dict[str, dict[str, Any]] = {
    "plan": {
        "impact": ("Negligible", "Minor", "Moderate", "Major", "Critical"),
        "probability": ("Rare", "Unlikely", "Possible", "Likely", "Almost Certain"),
        "percent": PLAN_PERCENTS,
        "slips": PLAN_SLIPS,
        "bands": (
            ("red", "Red", 15, "daily", True),
            ("yellow", "Yellow", 8, "weekly", False),
            ("green", "Green", 1, "monthly", False),
        ),
    },
    "3x3": {
        "impact": ("Low", "Medium", "High"),
        "probability": ("Low", "Medium", "High"),
        "percent": ((0, 33), (33, 66), (66, 100)),
        "bands": (
            ("high", "High", 6, "daily", True),
            ("medium", "Medium", 3, "weekly", False),
            ("low", "Low", 1, "monthly", False),
        ),
    },
    "5x5-4band": {
        "impact": ("Negligible", "Minor", "Moderate", "Major", "Critical"),
        "probability": ("Rare", "Unlikely", "Possible", "Likely", "Almost Certain"),
        "percent": PLAN_PERCENTS,
        "bands": (
            ("critical", "Critical", 15, "daily", True),
            ("high", "High", 10, "weekly", True),
            ("medium", "Medium", 6, "monthly", False),
            ("low", "Low", 1, "quarterly", False),
        ),
    },
    "fmea": {
        "factor_labels": {
            "impact": "Severity",
            "probability": "Occurrence",
            "detection": "Detection",
        },
        "impact": (
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
        ),
        "probability": (
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
        ),
        "detection": (
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
        ),
        "bands": (
            ("critical", "Critical", 200, "daily", True),
            ("high", "High", 100, "weekly", True),
            ("medium", "Medium", 40, "monthly", False),
            ("low", "Low", 1, "quarterly", False),
        ),
    },
}
CADENCES = (("daily", 1), ("weekly", 7), ("bi-weekly", 14), ("monthly", 30), ("quarterly", 91))
CATEGORIES = (
    ("Technical", "Architectural, performance, reliability issues"),
    ("Organizational", "Team, resource, skill gaps"),
    ("Market", "Adoption, competition, ecosystem changes"),
    ("Operational", "Deployment, maintenance, incident response"),
    ("Security", "Vulnerabilities, supply chain, compliance"),
)
OWNER_ROLE = {"id": "risk-manager", "name": "Risk Manager", "logins": []}


def _percent_levels(labels: tuple[str, ...], percents: tuple[tuple[int, int], ...]) -> list[Any]:
    return [
        {"level": i, "label": label, "percent": {"min": low, "max": high}}
        for i, (label, (low, high)) in enumerate(zip(labels, percents, strict=True), start=1)
    ]


def preset_policy(name: str) -> dict[str, Any]:
    """A whole neutral policy on the method ``name`` (plan, 3x3, 5x5-4band, fmea): its scales,
    bands and formula, riskbot's cadences and categories, one owner role, no releases."""
    method = METHODS[name]
    top = method["bands"][0][2]
    impact = [{"level": i, "label": label} for i, label in enumerate(method["impact"], start=1)]
    for level, (low, high) in zip(impact, method.get("slips", ()), strict=False):
        level["schedule_slip_weeks"] = {"min": low, "max": high}
    section: dict[str, Any] = {"name": name, "formula": "product"}
    if "detection" in method:
        section["detection"] = True
    if "factor_labels" in method:
        section["factor_labels"] = dict(method["factor_labels"])
    policy: dict[str, Any] = {
        "version": 1,
        "program": "Program",
        "method": section,
        "impact_scale": impact,
        "probability_scale": (
            _percent_levels(method["probability"], method["percent"])
            if "percent" in method
            else [{"level": i, "label": x} for i, x in enumerate(method["probability"], 1)]
        ),
    }
    if "detection" in method:
        policy["detection_scale"] = [
            {"level": i, "label": label} for i, label in enumerate(method["detection"], start=1)
        ]
    policy["bands"] = [
        {"name": n, "label": label, "min_score": low, "monitoring": cadence, "opens_issue": opens}
        for n, label, low, cadence, opens in method["bands"]
    ]
    policy.update(
        {
            "cadences": [{"name": c, "days": d, "label": c.capitalize()} for c, d in CADENCES],
            "quarterly_review": {"scope": "all risks + new risk identification"},
            "categories": [{"name": n, "description": d} for n, d in CATEGORIES],
            "phases": [
                {"name": "All", "description": "Every planned release", "counts_toward": []},
                {
                    "name": "Long-term",
                    "description": "Beyond the planned releases",
                    "counts_toward": [],
                },
            ],
            "releases": [],
            "roles": [copy.deepcopy(OWNER_ROLE)],
            "escalation": {
                "path": ["risk-owner", OWNER_ROLE["id"]],
                "new_red": {"notify": ["risk-owner", OWNER_ROLE["id"]]},
                "score_increase": {
                    "min_increase": max(1, round(top / 3)),
                    "notify": [OWNER_ROLE["id"]],
                },
                "same_level": {
                    "min_risks": 2,
                    "bands": [method["bands"][0][0]],
                    "notify": [OWNER_ROLE["id"]],
                },
            },
            "bot": {"label": "risk", "write_budget": 30, "max_rate_limit_wait": 300},
        }
    )
    return policy
