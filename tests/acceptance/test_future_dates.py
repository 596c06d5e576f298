"""No date in a risk file is in the future: `check` and `pr` make each one an error on its line,
by the rule `riskbot review` applies, and a pull request that moves a review back says so."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.register.load import POLICY_PATH
from tests.acceptance.test_pr import pr, pr_json, repo
from tests.cli import run_riskbot
from tests.factories import commit, line_of

__all__ = ["repo"]  # the fixture, shared with test_pr

TODAY = "2026-11-27"


def risk_path(root: Path, risk_id: str) -> Path:
    return next((root / "risks").glob(f"{risk_id}-*.yaml"))


def set_dates(root: Path, risk_id: str, **dates: object) -> Path:
    """Set a risk's ``identified``, ``review`` and ``outcome`` (each as given)."""
    path = risk_path(root, risk_id)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(dates)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_every_date_in_the_future_is_an_error_on_its_line(repo: tuple[Path, str]) -> None:
    root, _ = repo
    silenced = set_dates(
        root, "R-001", review={"cadence": "daily", "last_reviewed": "2030-01-01"}
    )  # a Red risk's reminders silenced for three years
    found = set_dates(root, "R-002", identified="2026-11-28")  # tomorrow
    logged = set_dates(
        root,
        "R-004",
        review={
            "last_reviewed": "2026-11-20",
            "log": [{"date": "2026-11-20"}, {"date": "2027-05-01", "note": "planned"}],
        },
    )
    outcome = set_dates(
        root,
        "R-005",
        outcome=[
            {"release": "v2", "occurred": False, "date": "2026-10-01"},
            {"release": "v3", "occurred": True, "date": "2027-03-01"},
        ],
    )
    set_dates(root, "R-006", identified=TODAY)  # today is not the future
    result = run_riskbot("check", "--root", str(root), "--today", TODAY, "--format", "json")
    assert result.returncode == 1
    errors = [
        (f["file"], f["line"], f["path"], f["message"])
        for f in json.loads(result.stdout)["findings"]
        if f["code"] == "future-date"
    ]
    tail = ": a risk file records what happened; write the day it happened"

    def at(path: Path, needle: str) -> tuple[str, int]:
        return f"risks/{path.name}", line_of(path.read_text(encoding="utf-8"), needle)

    assert errors == [
        (
            *at(silenced, "last_reviewed"),
            "$.review.last_reviewed",
            f"review.last_reviewed 2030-01-01 is in the future (today is {TODAY}){tail}",
        ),
        (
            *at(found, "identified"),
            "$.identified",
            f"identified 2026-11-28 is in the future (today is {TODAY}){tail}",
        ),
        (
            *at(logged, "2027-05-01"),
            "$.review.log[1].date",
            f"review.log.date 2027-05-01 is in the future (today is {TODAY}){tail}",
        ),
        (
            *at(outcome, "2027-03-01"),
            "$.outcome[1].date",
            f"outcome.date 2027-03-01 is in the future (today is {TODAY}){tail}",
        ),
    ]
    text = run_riskbot("check", "--root", str(root), "--today", TODAY)
    assert f"{errors[0][0]}:{errors[0][1]}: error[future-date] review.last_reviewed" in text.stdout
    # `riskbot review` refuses the same day by the same rule, in the same words.
    refused = run_riskbot("review", "R-003", "--root", str(root), "--date", "2030-01-01")
    assert refused.returncode == 1
    assert "review date 2030-01-01 is in the future (today is " in refused.stderr


def test_pr_fails_on_a_future_date_and_shows_a_review_moved_back(repo: tuple[Path, str]) -> None:
    root, _ = repo
    set_dates(root, "R-002", review={"cadence": "daily", "last_reviewed": "2026-11-20"})
    base = commit(root, "reviewed")
    future = set_dates(root, "R-001", review={"cadence": "daily", "last_reviewed": "2030-01-01"})
    set_dates(root, "R-002", review={"cadence": "daily", "last_reviewed": "2026-10-01"})
    head = commit(root, "a date typed by hand, a review moved back")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 1
    (error,) = [f for f in doc["findings"] if f["code"] == "future-date"]
    assert (error["file"], error["line"]) == (
        f"risks/{future.name}",
        line_of(future.read_text(encoding="utf-8"), "last_reviewed"),
    )
    assert "R-001" in {n["id"] for n in doc["invalid"]}  # not compared: its file has an error
    moved = next(c for c in doc["changed"] if c["id"] == "R-002")
    assert moved["review_moved_back"] == {"old": "2026-11-20", "new": "2026-10-01"}
    text = pr(root, "--base", base, "--head", head).stdout
    row = next(line for line in text.splitlines() if line.startswith("| **R-002**"))
    assert "⚠️ **last review moved back** from 2026-11-20 to 2026-10-01" in row
    assert "review.last\\_reviewed 2030-01-01 is in the future" in text
    assert POLICY_PATH not in error["file"]
