"""A risk invalid on head keeps its base values in the pull request's schedule odds and heat
map, marked as such: a typo in a Red risk moves no figure."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.test_pr import pr, pr_json, repo
from tests.factories import commit, set_levels

__all__ = ["repo"]  # the fixture, shared with test_pr


def risk_file(root: Path, risk_id: str) -> Path:
    return next((root / "risks").glob(f"{risk_id}-*.yaml"))


def heat_map(text: str) -> str:
    return text.split("(head)", 1)[1]


def test_a_typo_in_a_red_risk_moves_no_figure(repo: tuple[Path, str]) -> None:
    root, base = repo
    path = risk_file(root, "R-001")  # Red, 4 × 4, most of v3's odds
    path.write_text(path.read_text(encoding="utf-8").replace("owner:", "ownr:"), "utf-8")
    head = commit(root, "a typo")
    doc = pr_json(root, base, head)
    assert doc["exit"] == 1  # head has an error
    assert doc["odds"]["head"] == doc["odds"]["base"]  # R-001 still counts, as on base
    assert doc["odds"]["kept_from_base"] == ["R-001"]
    assert "R-001" in next(o for o in doc["odds"]["head"] if o["release"] == "v3")["risks"]
    text = pr(root, "--base", base, "--head", head).stdout
    assert "### Schedule odds moved" not in text
    grid = heat_map(text)
    row = next(line for line in grid.splitlines() if line.startswith("| **4 Major**"))
    assert "R-001 (as on base)" in row.split("|")[5]  # probability 4: its base cell
    assert "(as on base): invalid on head, so counted at its base values" in grid


def test_levels_changed_in_a_file_with_an_error_count_as_on_base(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_levels(root, "R-001", 1, 1)  # 16 → 1, but the file also declares a wrong score
    path = risk_file(root, "R-001")
    path.write_text(path.read_text(encoding="utf-8") + "score: 16\n", encoding="utf-8")
    set_levels(root, "R-004", 4, 4)  # a valid change still moves the figures
    head = commit(root, "lower R-001 (with a wrong declared score), raise R-004")
    doc = pr_json(root, base, head)
    assert doc["odds"]["kept_from_base"] == ["R-001"]
    v3 = {o["release"]: o for o in doc["odds"]["head"]}["v3"]
    assert "R-001" in v3["risks"]
    text = pr(root, "--base", base, "--head", head).stdout
    grid = heat_map(text)
    assert "R-001 (as on base)" in next(
        line for line in grid.splitlines() if line.startswith("| **4 Major**")
    )
    assert "R-001" not in next(
        line for line in grid.splitlines() if line.startswith("| **1 Negligible**")
    )
    assert "**R-004**" in grid
