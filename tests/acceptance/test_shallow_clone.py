"""A shallow clone's history is cut off: `new` refuses to number a risk from it and `check`
warns that removed ids cannot be checked, each saying how to fetch the rest, as `report` and
`history` do; once the history is whole, both work from it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run_riskbot
from tests.factories import commit, copy_register, git

NEW = (
    "new", "--title", "Key Person Leaves", "--category", "Organizational", "--phase", "All",
    "--impact", "2", "--probability", "2", "--owner", "Team Lead", "--description", "Bus factor.",
)  # fmt: skip
UNSHALLOW = "`git fetch --unshallow`, or actions/checkout with `fetch-depth: 0`"


def test_new_refuses_and_check_warns_in_a_shallow_clone(tmp_path: Path) -> None:
    origin = copy_register(tmp_path / "origin")
    git(origin, "init", "-q", "-b", "main")
    commit(origin, "the register")
    git(origin, "rm", "-q", next(str(p) for p in (origin / "risks").glob("R-010-*")))
    commit(origin, "remove R-010")
    (origin / "notes.md").write_text("later\n", encoding="utf-8")
    commit(origin, "a later commit")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))

    made = run_riskbot(*NEW, cwd=clone)
    assert made.returncode == 2, made.stdout
    assert "this clone is shallow" in made.stderr
    assert UNSHALLOW in made.stderr
    assert "nothing written" in made.stderr
    assert sorted(p.name[:5] for p in (clone / "risks").glob("*.yaml"))[-1] == "R-009"

    checked = run_riskbot("check", "--format", "json", cwd=clone)
    assert checked.returncode == 0, checked.stdout  # a warning: the register itself is fine
    (shallow,) = [
        f for f in json.loads(checked.stdout)["findings"] if f["code"] == "shallow-history"
    ]
    assert (shallow["file"], shallow["line"], shallow["severity"]) == ("risks", 1, "warning")
    assert UNSHALLOW in shallow["message"]
    text = run_riskbot("check", cwd=clone).stdout
    assert "risks:1: warning[shallow-history] this clone is shallow" in text

    git(clone, "fetch", "-q", "--unshallow")
    assert "shallow-history" not in run_riskbot("check", cwd=clone).stdout
    made = run_riskbot(*NEW, cwd=clone)
    assert made.returncode == 0, made.stderr
    assert "wrote risks/R-011-key-person-leaves.yaml" in made.stdout  # R-010 was used before
