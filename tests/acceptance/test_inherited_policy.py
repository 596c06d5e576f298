"""The installed `riskbot check` on a repository whose policy extends a vendored base: the base
decides what the repository may override, on the repository's line, and nothing goes online."""

from __future__ import annotations

import json
from pathlib import Path

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.inherit import sha256_of
from bot.register.load import POLICY_PATH
from tests.cli import run_riskbot
from tests.factories import REPO, commit_at, init_repo, risk_yaml, write_risk
from tests.fakegithub.server import FakeGitHub

DATA = REPO / "tests" / "data" / "inherit"
BASE = (DATA / "base.yml").read_text(encoding="utf-8")
REF = "5f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4"
OWN_BANDS = (
    "bands:\n"
    "  - {name: red, label: Red, min_score: 12, meaning: act now, monitoring: daily}\n"
    "  - {name: yellow, label: Yellow, min_score: 6, meaning: watch, monitoring: weekly}\n"
    "  - {name: green, label: Green, min_score: 1, meaning: accept or watch, monitoring: monthly}\n"
)


def vendored(root: Path, base: str = BASE, extra: str = "") -> Path:
    """The program's register with the base vendored and pinned as `policy pull` leaves it."""
    (root / ".github").mkdir(parents=True)
    (root / BASE_POLICY_PATH).write_text(base, encoding="utf-8")
    policy = (
        (DATA / "riskbot.yml")
        .read_text(encoding="utf-8")
        .replace(
            "  path: riskbot/base.yml\n",
            f'  path: riskbot/base.yml\n  ref: "{REF}"\n  sha256: "{sha256_of(base.encode())}"\n',
        )
    )
    (root / POLICY_PATH).write_text(policy + extra, encoding="utf-8")
    data = {"owner": "Technical Lead", "category": "Payments", "phase": "All"}
    write_risk(root, "R-001-settlement-batch.yaml", risk_yaml("R-001", **data))
    return root


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_overriding_the_bands_the_base_fixes_fails_check_on_the_repository_line(
    tmp_path: Path,
) -> None:
    root = vendored(tmp_path, extra=OWN_BANDS)
    line = line_of(root / POLICY_PATH, "bands:")
    text = run_riskbot("check", "--root", str(root))
    assert text.returncode == 1
    assert (
        f"{POLICY_PATH}:{line}:1: error[base-override] `bands` is fixed by the base policy "
        "(acme/.github:riskbot/base.yml): this repository may not override it"
    ) in text.stdout
    data = json.loads(run_riskbot("check", "--root", str(root), "--format", "json").stdout)
    assert data["ok"] is False
    assert [(f["file"], f["line"], f["code"]) for f in data["findings"]] == [
        (POLICY_PATH, line, "base-override")
    ]
    github = run_riskbot("check", "--root", str(root), "--format", "github")
    assert github.returncode == 1
    assert f"::error file={POLICY_PATH},line={line}," in github.stdout


def test_a_base_that_lets_repositories_set_the_bands_takes_them(tmp_path: Path) -> None:
    base = BASE.replace("overridable:\n", "overridable:\n  - bands\n")
    root = vendored(tmp_path, base, extra=OWN_BANDS)
    done = run_riskbot("check", "--root", str(root), "--format", "json", "--today", "2026-03-02")
    assert done.returncode == 0, done.stdout
    data = json.loads(done.stdout)
    assert data["risks"][0]["band"] == "yellow"  # 3 × 2 = 6: Yellow from 6 here, Green in the base
    sources = data["policy_sources"]
    assert sources["keys"]["bands"] == "both"
    assert "bands.red.min_score" in sources["overrides"]
    assert "bands.yellow.min_score" in sources["overrides"]


def test_check_and_pr_never_ask_github(github_server: FakeGitHub, tmp_path: Path) -> None:
    root = init_repo(vendored(tmp_path))
    commit_at(root, "Extend the organisation's policy", "2026-03-02T09:00:00+00:00")
    env = {
        "GITHUB_TOKEN": github_server.token or "",
        "GITHUB_API_URL": github_server.url,
        "GITHUB_REPOSITORY": github_server.repo,
    }
    github_server.reset_log()
    assert run_riskbot("check", "--root", str(root), env=env).returncode == 0
    assert run_riskbot("pr", "--root", str(root), "--base", "HEAD", env=env).returncode == 0
    assert github_server.requests == []
