"""A register with a scripted year of git history: risks raised, lowered, reviewed, closed,
renamed and removed, a policy change that moves a band, and a broken policy and risk file.

``SCRIPT`` is the truth the history must reproduce: each step's date, author, and the score of
each risk after it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from tests.factories import POLICY, commit_at, init_repo, risk_yaml

DAYS = [
    "2025-01-06T10:00:00+00:00",
    "2025-02-10T10:00:00+00:00",
    "2025-03-17T10:00:00+00:00",
    "2025-04-14T10:00:00+00:00",
    "2025-05-19T10:00:00+00:00",
    "2025-06-23T10:00:00+00:00",
    "2025-07-07T10:00:00+00:00",
    "2025-08-04T10:00:00+00:00",
    "2025-09-15T10:00:00+00:00",
    "2025-10-20T10:00:00+00:00",
    "2025-11-24T10:00:00+00:00",
    "2025-12-15T10:00:00+00:00",
    "2025-12-16T10:00:00+00:00",
]


def _risk(
    root: Path, name: str, risk_id: str, impact: int, probability: int, **extra: object
) -> None:
    path = root / "risks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"impact": {"level": impact}, "probability": {"level": probability}, **extra}
    path.write_text(risk_yaml(risk_id, **data), encoding="utf-8")


def _policy(root: Path, red_min: int = 15) -> None:
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for band in data["bands"]:
        if band["name"] == "red":
            band["min_score"] = red_min
    target = root / ".github" / "riskbot.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def build(root: Path) -> dict[str, list[tuple[dt.date, int]]]:
    """Make the repository; return each risk's expected trend: (date, score) at each change."""
    init_repo(root)
    _policy(root)
    _risk(root, "R-001-db.yaml", "R-001", 3, 3, title="Database migration")
    _risk(root, "R-002-ml.yaml", "R-002", 2, 2, title="Model bias")
    (root / "README.md").write_text("not the register\n", encoding="utf-8")
    commit_at(root, "the register", DAYS[0], "alice")
    _risk(root, "R-001-db.yaml", "R-001", 3, 4, title="Database migration")  # 9 → 12
    commit_at(root, "R-001 more likely", DAYS[1], "bob")
    _risk(root, "R-001-db.yaml", "R-001", 4, 4, title="Database migration")  # 12 → 16 Red
    commit_at(root, "R-001 worse", DAYS[2], "bob")
    _risk(root, "R-003-net.yaml", "R-003", 5, 3, title="Byzantine node")  # new Red 15
    commit_at(root, "R-003", DAYS[3], "carol")
    _risk(
        root,
        "R-002-ml.yaml",
        "R-002",
        2,
        2,
        title="Model bias",
        review={"cadence": "monthly", "last_reviewed": "2025-05-19"},
    )
    commit_at(root, "review R-002", DAYS[4], "alice")
    _risk(root, "R-001-db.yaml", "R-001", 4, 3, title="Database migration")  # 16 → 12
    commit_at(root, "R-001 mitigated", DAYS[5], "bob")
    (root / "README.md").write_text("a commit outside the register\n", encoding="utf-8")
    commit_at(root, "docs", DAYS[6], "dave")
    _risk(root, "R-003-net.yaml", "R-003", 5, 3, title="Byzantine node", owner="Security Lead")
    (root / "risks" / "R-009-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    commit_at(root, "R-003 owner; a broken file", DAYS[7], "carol")
    (root / "risks" / "R-009-broken.yaml").unlink()
    _risk(
        root,
        "R-002-ml.yaml",
        "R-002",
        2,
        2,
        title="Model bias",
        status={"state": "closed", "note": "Retired"},
        review={"cadence": "monthly", "last_reviewed": "2025-05-19"},
    )
    commit_at(root, "close R-002", DAYS[8], "alice")
    _policy(root, red_min=12)  # R-001 (12) becomes Red by the policy alone
    commit_at(root, "Red from 12", DAYS[9], "sponsor")
    _risk(
        root,
        "R-003-net.yaml",
        "R-003",
        5,
        3,
        title="Byzantine node",
        owner="Security Lead",
        residual={"impact": 5, "probability": 1},
    )
    (root / ".github" / "riskbot.yml").write_text("version: [broken\n", encoding="utf-8")
    commit_at(root, "R-003 residual; the policy breaks", DAYS[10], "carol")
    _policy(root, red_min=12)
    (root / "risks" / "R-003-net.yaml").unlink()
    (root / "risks" / "R-001-db.yaml").rename(root / "risks" / "R-001-database.yaml")
    commit_at(root, "remove R-003, rename R-001", DAYS[11], "bob")
    _risk(root, "R-001-database.yaml", "R-001", 2, 3, title="Database migration")  # 12 → 6
    commit_at(root, "R-001 nearly done", DAYS[12], "bob")
    day = [dt.date.fromisoformat(d[:10]) for d in DAYS]
    return {
        "R-001": [(day[0], 9), (day[1], 12), (day[2], 16), (day[5], 12), (day[12], 6)],
        "R-002": [(day[0], 4)],
        "R-003": [(day[3], 15)],
    }
