"""The register's history from git, on a scripted year of commits: exactly the scripted scores."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.register.history import (
    History,
    last_quarterly_review,
    only,
    quarter_start,
    since,
)
from bot.render.history import (
    band_chart,
    chart_weeks,
    render_history_markdown,
    render_history_text,
    trend_text,
)
from bot.repo.git import ShallowClone
from bot.repo.history import read_history
from tests import scripted
from tests.factories import copy_register, git, init_repo
from tests.mermaid import assert_charts_parse


@pytest.fixture(scope="module")
def repo(scripted_repository: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    return scripted_repository


@pytest.fixture(scope="module")
def history(repo: tuple[Path, dict[str, Any]]) -> History:
    return read_history(repo[0])


def test_history_reproduces_the_scripted_scores_exactly(
    repo: tuple[Path, dict[str, Any]], history: History
) -> None:
    _, expected = repo
    assert history.available
    assert history.risk_ids == ["R-001", "R-002", "R-003"]
    for rid, trend in expected.items():
        assert history.trend(rid) == trend, rid


def test_each_change_names_date_commit_author_and_old_to_new(history: History) -> None:
    changes = history.of("R-001")
    assert [c.author for c in changes] == ["alice", "bob", "bob", "bob", "sponsor", "bob", "bob"]
    raised = changes[2]
    assert raised.date == dt.date(2025, 3, 17)
    assert len(raised.commit) == 40
    assert {(f.field, f.old, f.new) for f in raised.fields} == {
        ("score", "12 (3 × 4)", "16 (4 × 4)"),
        ("band", "yellow", "red"),
    }
    # The policy alone moved R-001 into Red (red from 12): a change with no new score.
    by_policy = changes[4]
    assert by_policy.author == "sponsor"
    assert [(f.field, f.old, f.new) for f in by_policy.fields] == [("band", "yellow", "red")]
    assert not by_policy.score_changed
    renamed = changes[5]
    assert [(f.field, f.old, f.new) for f in renamed.fields] == [
        ("file", "risks/R-001-db.yaml", "risks/R-001-database.yaml")
    ]


def test_reviews_owners_closures_residuals_and_removals_are_changes(history: History) -> None:
    r002 = history.of("R-002")
    assert [c.kind for c in r002] == ["added", "changed", "changed"]
    assert [(f.field, f.new) for f in r002[1].fields] == [("reviewed", "2025-05-19")]
    assert ("status", "active: In progress", "closed: Retired") in {
        (f.field, f.old, f.new) for f in r002[2].fields
    }
    r003 = history.of("R-003")
    assert [c.kind for c in r003] == ["added", "changed", "changed", "removed"]
    assert [f.field for f in r003[1].fields] == ["owner"]
    assert [(f.field, f.new) for f in r003[2].fields] == [("residual", "5 (5 × 1)")]
    assert r003[3].date == dt.date(2025, 12, 15)


def test_a_broken_policy_is_replaced_by_the_nearest_valid_one_and_said(history: History) -> None:
    notes = {(n.date, n.file): n.message for n in history.notes}
    assert "nearest valid policy" in notes[(dt.date(2025, 11, 24), ".github/riskbot.yml")]
    assert "skipped" in notes[(dt.date(2025, 8, 4), "risks/R-009-broken.yaml")]
    # Scored with the nearest valid policy (red from 12), R-001 stays Red at that commit.
    week = next(w for w in history.weeks if w.end == dt.date(2025, 11, 30))
    assert week.counts == {"red": 2, "yellow": 0, "green": 0}


def test_commits_outside_the_register_are_not_revisions(history: History) -> None:
    assert history.revisions == len(scripted.DAYS) - 1  # the docs commit is not one
    assert all(c.date != dt.date(2025, 7, 7) for c in history.changes)


def test_the_register_week_by_week(history: History) -> None:
    weeks = {w.week: w for w in history.weeks}
    assert history.weeks[0].week == "2025-W02"
    assert history.weeks[-1].week == "2025-W51"
    # The weeks of the commits that touched the register (the commit of 2025-07-07 did not; the
    # last two share a week): a quiet week is the week before it, and costs nothing.
    touched = {dt.date.fromisoformat(d[:10]).isocalendar()[:2] for d in scripted.DAYS}
    touched.remove((2025, 28))
    assert [w.week for w in history.weeks] == [f"{y}-W{n:02d}" for y, n in sorted(touched)]
    assert weeks["2025-W02"].counts == {"red": 0, "yellow": 1, "green": 1}
    assert weeks["2025-W02"].total_score == 13
    assert weeks["2025-W21"].counts == {"red": 2, "yellow": 0, "green": 1}  # 16, 15 and 4
    assert weeks["2025-W21"].total_score == 35
    assert weeks["2025-W26"].total_score == 31  # R-001 mitigated: 12 + 15 + 4
    assert "2025-W20" not in weeks
    assert weeks["2025-W38"].counts == {"red": 1, "yellow": 1, "green": 0}  # R-002 closed
    assert weeks["2025-W48"].total_residual == 12 + 5  # R-003's residual target counts
    assert weeks["2025-W51"].counts == {"red": 0, "yellow": 0, "green": 1}


def test_since_and_one_risk(history: History) -> None:
    later = since(history, dt.date(2025, 9, 1))
    assert {c.date for c in later.changes} >= {dt.date(2025, 9, 15)}
    assert all(c.date >= dt.date(2025, 9, 1) for c in later.changes)
    assert all(w.end >= dt.date(2025, 9, 1) for w in later.weeks)
    assert since(history, None) is history
    assert only(history, ["R-002"]).risk_ids == ["R-002"]


def test_the_last_quarterly_review_comes_from_the_newest_commit(history: History) -> None:
    assert last_quarterly_review(history) == dt.date(2025, 10, 1)
    assert quarter_start(dt.date(2026, 3, 31)) == dt.date(2026, 1, 1)
    assert quarter_start(dt.date(2026, 4, 1)) == dt.date(2026, 4, 1)


def test_trend_text(history: History) -> None:
    assert trend_text(history, "R-001") == (
        "9 (2025-01-06) → 12 (2025-02-10) → 16 (2025-03-17) → 12 (2025-06-23) → 6 (2025-12-16)"
    )
    assert trend_text(History(unavailable="not a git repository"), "R-001") == "no history"


def test_renderings_and_the_band_chart_parse(history: History) -> None:
    text = render_history_text(history)
    assert "R-001 Database migration" in text
    assert "2025-W02" in text
    markdown = render_history_markdown(history)
    assert "### R-001: Database migration" in markdown
    blocks = assert_charts_parse(markdown)
    assert blocks[0]["config"]["themeVariables"]["xyChart"]["plotColorPalette"]
    chart = band_chart(history.weeks, history.bands)
    assert chart.count("  line [") == 3
    assert [b.name for b in history.bands] == ["red", "yellow", "green"]
    shown = chart_weeks(history.weeks)
    assert len(shown) <= 26
    assert shown[-1] == history.weeks[-1]


def test_few_git_processes_whatever_the_length(
    repo: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_popen = subprocess.Popen

    def counting_popen(cmd: Any, **kwargs: Any) -> Any:
        if cmd[0] == "git":
            calls.append(cmd[3])
        return real_popen(cmd, **kwargs)

    # Every git process, `subprocess.run` included, starts through Popen.
    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    assert read_history(repo[0]).available
    # the commits' folders in one batch, then their blobs in another (and one a level for
    # folders below risks/, which this register has none of)
    assert calls == ["rev-parse", "log", "cat-file", "cat-file"]


def test_outside_git_or_below_the_top_there_is_no_history(tmp_path: Path) -> None:
    assert read_history(copy_register(tmp_path / "plain")).unavailable == "not a git repository"
    top = init_repo(tmp_path / "repo")
    below = copy_register(top / "sub")
    assert "not at the top" in (read_history(below).unavailable or "")
    assert "no commits" in (read_history(top).unavailable or "")


def test_a_shallow_clone_is_refused(repo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo[0]}", str(clone))
    with pytest.raises(ShallowClone, match="fetch-depth: 0"):
        read_history(clone)


def test_risk_files_in_folders_below_risks_have_a_history(tmp_path: Path) -> None:
    """The folders below risks/ are read a level at a time, in one batch each."""
    from bot.repo.history import log, read_revisions
    from tests.factories import commit

    root = init_repo(copy_register(tmp_path / "nested"))
    commit(root, "flat")
    first = sorted((root / "risks").glob("R-00*.yaml"))[:2]
    (root / "risks" / "a" / "b").mkdir(parents=True)
    for path, folder in zip(first, ("a", "a/b"), strict=True):
        path.rename(root / "risks" / folder / path.name)
    commit(root, "risks in folders")
    revisions, blobs = read_revisions(root, log(root))
    flat, nested = ({path: blob for path, blob in r.risks} for r in revisions)
    assert nested[f"risks/a/{first[0].name}"] == flat[f"risks/{first[0].name}"]
    assert nested[f"risks/a/b/{first[1].name}"] == flat[f"risks/{first[1].name}"]
    assert set(nested.values()) == set(flat.values()) <= set(blobs)
    assert read_history(root).available
