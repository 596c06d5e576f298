"""The quarterly review issue links to RISKS.md's changes since the last quarterly review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.github.commands import changes_link
from bot.github.settings import from_env
from bot.reconcile.plan import EnsureIssue, Snapshot
from bot.reconcile.remind import plan_remind
from bot.render.history import CHANGED_ANCHOR, CHANGED_HEADING, github_anchor
from tests.factories import copy_register, register_of

ENV = {"GITHUB_REPOSITORY": "octo/register", "GITHUB_SERVER_URL": "https://github.example"}


def test_the_anchor_is_githubs_for_the_heading() -> None:
    assert CHANGED_ANCHOR == "changed-since-the-last-quarterly-review"
    assert github_anchor("7. History") == "7-history"


def test_the_quarterly_issue_links_the_section_on_the_default_branch(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    settings = from_env(ENV, require_repository=False)
    assert changes_link(root, settings) is None  # no RISKS.md committed: nothing to link
    (root / "RISKS.md").write_text("x", encoding="utf-8")
    link = changes_link(root, settings)
    assert link == (
        "https://github.example/octo/register/blob/HEAD/RISKS.md"
        "#changed-since-the-last-quarterly-review"
    )
    plan, report = plan_remind(register_of(root), Snapshot(), dt.date(2026, 10, 1), None, link)
    assert report.quarterly == "2026-Q4"
    (issue,) = [a for a in plan.actions if isinstance(a, EnsureIssue) and "Quarterly" in a.title]
    assert f"[RISKS.md § {CHANGED_HEADING}](<{link}>)" in issue.body
    plain, _ = plan_remind(register_of(root), Snapshot(), dt.date(2026, 10, 1))
    assert all("RISKS.md §" not in getattr(a, "body", "") for a in plain.actions)
