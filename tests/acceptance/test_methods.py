"""Every preset method end to end, in an empty git repository, as a new user meets it.

`riskbot init --method NAME`, then risks added with `riskbot new` at the corners of the scales
and on both sides of every band edge; `check --format json` gives each the band the preset's
own thresholds say (computed here from the preset's data, not by riskbot's method code); a level
off the scale is one finding naming the scale; `report` and `pr` exit 0 and name the bands; and
in the 4-band preset `sync` gives the top two bands' risks an issue each, the others none.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.register import clock
from bot.register.presets import PRESETS, preset_policy
from tests.cli import run_riskbot
from tests.factories import REPO, commit_at, init_repo
from tests.fakegithub.server import FakeGitHub

CONTRACT = json.loads((REPO / "tests" / "contract" / "check-output.schema.json").read_text())
TODAY = clock.today().isoformat()
"""The day `riskbot new` records its risks on: no date a risk file holds is after it."""
SECRET = "ghs_MethodsTestToken1234567890abcdef"


def expected_band(score: int, bands: list[Mapping[str, Any]]) -> str:
    """The band a score falls in by the preset's thresholds: the highest it reaches."""
    reached = [b for b in bands if score >= int(b["min_score"])]
    return str(max(reached, key=lambda b: int(b["min_score"]))["name"])


@dataclass(frozen=True)
class Built:
    method: str
    root: Path
    policy: dict[str, Any]
    expected: dict[str, tuple[tuple[int, ...], int, str]]
    """Risk id → (levels, score, band) as the preset's thresholds say."""


def _scales(policy: Mapping[str, Any]) -> list[int]:
    names = ["impact_scale", "probability_scale"]
    if policy.get("method", {}).get("detection"):
        names.append("detection_scale")
    return [len(policy[n]) for n in names]


def levels_to_test(policy: Mapping[str, Any]) -> list[tuple[int, ...]]:
    """The corners of the scales, and on each side of every band edge the nearest score the
    scales can make (the highest below the edge, the lowest at or above it)."""
    sizes = _scales(policy)
    every = list(itertools.product(*(range(1, n + 1) for n in sizes)))

    def score(levels: tuple[int, ...]) -> int:
        out = 1
        for level in levels:
            out *= level
        return out

    picked: list[tuple[int, ...]] = [
        tuple(1 if i != j else sizes[i] for i in range(len(sizes))) for j in range(len(sizes))
    ]
    picked += [tuple(1 for _ in sizes), tuple(sizes)]
    for band in policy["bands"]:
        edge = int(band["min_score"])
        if edge <= 1:
            continue
        below = max((x for x in every if score(x) < edge), key=score)
        above = min((x for x in every if score(x) >= edge), key=score)
        picked += [below, above]
    return list(dict.fromkeys(picked))


def new(root: Path, n: int, levels: tuple[int, ...]) -> None:
    """`riskbot new` (in-process) with every answer given as an option."""
    args = [
        "new",
        "--root",
        str(root),
        "--title",
        f"Risk number {n}",
        "--category",
        "Technical",
        "--phase",
        "All",
        "--owner",
        "Technical Lead",
        "--description",
        "Something could go wrong.",
    ]
    for option, level in zip(("--impact", "--probability", "--detection"), levels, strict=False):
        args += [option, str(level)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote risks/" in result.output


@pytest.fixture(scope="module", params=list(PRESETS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    method = str(request.param)
    root = init_repo(tmp_path_factory.mktemp(f"method-{method}") / "repo")
    done = run_riskbot("init", "--method", method, "--source", "riskbot==0.1.0", cwd=root)
    assert done.returncode == 0, done.stderr
    commit_at(root, "riskbot init", "2026-11-20T09:00:00+00:00")
    policy = yaml.safe_load((root / ".github" / "riskbot.yml").read_text(encoding="utf-8"))
    assert policy == preset_policy(method)
    expected: dict[str, tuple[tuple[int, ...], int, str]] = {}
    for n, levels in enumerate(levels_to_test(policy), start=2):
        new(root, n, levels)
        score = 1
        for level in levels:
            score *= level
        expected[f"R-{n:03d}"] = (levels, score, expected_band(score, policy["bands"]))
    return Built(method, root, policy, expected)


def check_json(root: Path) -> dict[str, Any]:
    result = run_riskbot("check", "--root", str(root), "--format", "json", "--today", TODAY)
    doc: dict[str, Any] = json.loads(result.stdout)
    doc["exit"] = result.returncode
    return doc


def test_check_gives_the_band_the_presets_thresholds_say(built: Built) -> None:
    doc = check_json(built.root)
    assert doc["exit"] == 0, [f["message"] for f in doc["findings"]]
    jsonschema.validate({k: v for k, v in doc.items() if k != "exit"}, CONTRACT)
    got = {r["id"]: (r["score"], r["band"]) for r in doc["risks"] if r["id"] != "R-001"}
    assert got == {rid: (score, band) for rid, (_, score, band) in built.expected.items()}
    # Every band is met, at its lowest score and just below it.
    assert {band for *_, band in built.expected.values()} == {
        b["name"] for b in built.policy["bands"]
    }
    counts = {b["name"]: doc["summary"][b["name"]] for b in built.policy["bands"]}
    assert sum(counts.values()) == doc["summary"]["risks"]


def test_a_level_off_the_scale_is_one_finding_naming_the_scale(
    built: Built, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    (root / ".github").mkdir(parents=True)
    (root / ".github" / "riskbot.yml").write_bytes(
        (built.root / ".github" / "riskbot.yml").read_bytes()
    )
    (root / "risks").mkdir()
    source = next((built.root / "risks").glob("R-002-*.yaml"))
    top = len(built.policy["impact_scale"])
    text = source.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["impact"]["level"] = top + 1
    data.pop("score", None)
    data.pop("band", None)
    (root / "risks" / source.name).write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    doc = check_json(root)
    assert doc["exit"] == 1
    (finding,) = doc["findings"]
    first, last = built.policy["impact_scale"][0], built.policy["impact_scale"][-1]
    assert finding["code"] == "level"
    assert finding["message"].startswith(f"impact level {top + 1} is outside the policy's ")
    assert f"scale, 1–{top} (1 {first['label']} … {top} {last['label']})" in finding["message"]
    lines = (root / "risks" / source.name).read_text(encoding="utf-8").splitlines()
    assert lines[finding["line"] - 1].strip() == f"level: {top + 1}"
    assert doc["risks"] == []


def test_report_and_pr_exit_0_and_name_the_bands(built: Built) -> None:
    report = run_riskbot("report", "--root", str(built.root), "--output", "-")
    assert report.returncode == 0, report.stderr
    pr = run_riskbot("pr", "--root", str(built.root), "--base", "HEAD", "--format", "markdown")
    assert pr.returncode == 0, pr.stdout + pr.stderr
    for band in built.policy["bands"]:
        assert f" {band['label']} (score " in report.stdout, band["name"]
    seen = {band for *_, band in built.expected.values()}
    for band in built.policy["bands"]:
        if band["name"] in seen:
            assert f"| {band['label']} |" in pr.stdout, band["name"]


def _sync(server: FakeGitHub, root: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RISKBOT_"))}
    env.update(
        {
            "GITHUB_REPOSITORY": server.repo,
            "GITHUB_API_URL": server.url,
            "GITHUB_TOKEN": SECRET,
        }
    )
    done = run_riskbot(
        "sync", "--root", str(root), "--write-interval", "0", "--today", TODAY, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.returncode


@pytest.mark.parametrize("built", ["5x5-4band"], indirect=True)
def test_the_top_two_bands_get_issues_the_others_none(
    built: Built, github_server: FakeGitHub
) -> None:
    four_bands = built
    github_server.token = SECRET
    _sync(github_server, four_bands.root)
    issues = {i.title.split(":", 1)[0]: i.label_names for i in github_server.state.issues.values()}
    wanted = {
        rid for rid, (_, _, band) in four_bands.expected.items() if band in ("critical", "high")
    }
    assert set(issues) == wanted
    for rid, labels in issues.items():
        assert f"risk:{four_bands.expected[rid][2]}" in labels
    assert any(band == "medium" for *_, band in four_bands.expected.values())
    assert any(band == "low" for *_, band in four_bands.expected.values())


def test_list_methods_names_each_preset_in_one_line() -> None:
    done = run_riskbot("init", "--list-methods")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    unknown = run_riskbot("init", "--method", "6x6", "--source", "riskbot==0.1.0")
    assert unknown.returncode == 2
    assert "plan, 3x3, 5x5-4band, fmea" in unknown.stderr


@pytest.mark.parametrize("built", ["fmea"], indirect=True)
def test_actions_output_names_the_issue_bands_and_the_summary_the_factors(
    built: Built, tmp_path: Path
) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    done = run_riskbot(
        "check",
        "--root",
        str(built.root),
        "--format",
        "github",
        env={
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(outputs),
        },
    )
    assert done.returncode == 0, done.stdout
    written = outputs.read_text(encoding="utf-8")
    names = [line.split("<<")[0] for line in written.splitlines() if "<<ghadelimiter_" in line]
    assert names == ["ok", "errors", "warnings", "critical", "high"]
    text = summary.read_text(encoding="utf-8")
    assert "### Severity × occurrence" in text
    assert "No contingency exposure and no schedule odds: the policy has no releases." in text
    assert text.count("No contingency exposure") == 1


def test_retro_needs_percent_ranges_and_says_so(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    assert (
        run_riskbot("init", "--method", "fmea", "--source", "riskbot==0.1.0", cwd=root).returncode
        == 0
    )
    done = run_riskbot("retro", "v1", cwd=root)
    assert done.returncode == 2
    assert "the policy's probability scale gives no percent ranges" in done.stderr
