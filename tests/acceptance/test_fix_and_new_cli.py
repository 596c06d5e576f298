"""`riskbot check --fix` rewrites only wrong scores and bands; `riskbot new` asks until right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli import run_riskbot as run
from tests.factories import copy_register, line_of

R004 = "risks/R-004-ml-recommendation-bias.yaml"
R005 = "risks/R-005-performance-regression.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path)


def raise_levels(root: Path, name: str, *, crlf: bool = False, bom: bool = False) -> bytes:
    """R-00N's impact 3 → 4 (score 9 → 12 is still Yellow; R-004's probability too: 16, Red)."""
    path = root / name
    text = path.read_text(encoding="utf-8").replace("  level: 3\n", "  level: 4\n")
    raw = text.replace("\n", "\r\n").encode("utf-8") if crlf else text.encode("utf-8")
    raw = (b"\xef\xbb\xbf" if bom else b"") + raw
    path.write_bytes(raw)
    return raw


def test_fix_rewrites_only_the_score_and_band_lines(root: Path) -> None:
    before = raise_levels(root, R004)
    crlf = raise_levels(root, R005, crlf=True, bom=True)
    untouched = {
        p: p.read_bytes()
        for p in (root / "risks").iterdir()
        if p.name[:5] not in ("R-004", "R-005")
    }
    result = run("check", "--fix", "--today", "2026-11-27", cwd=root)
    assert result.returncode == 0, result.stdout
    text = before.decode()
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        f"{R004}:{line_of(text, 'score:')}: score 9 → 16",
        f"{R004}:{line_of(text, 'band:')}: band yellow → red",
        f"{R005}:{line_of(text, 'score:')}: score 9 → 16",
        f"{R005}:{line_of(text, 'band:')}: band yellow → red",
        "Fixed 4 values in 2 files.",
    ]
    assert "declared score" not in result.stdout  # fixed, so no longer a finding
    after = (root / R004).read_bytes()
    assert after == before.replace(b"score: 9\n", b"score: 16\n").replace(
        b"band: yellow\n", b"band: red\n"
    )
    fixed_crlf = (root / R005).read_bytes()
    assert fixed_crlf == crlf.replace(b"score: 9\r\n", b"score: 16\r\n").replace(
        b"band: yellow\r\n", b"band: red\r\n"
    )
    assert fixed_crlf.startswith(b"\xef\xbb\xbf")
    assert {p: p.read_bytes() for p in untouched} == untouched
    again = run("check", "--fix", cwd=root)
    assert again.stdout.splitlines()[0] == "Nothing to fix."


def test_fix_reports_what_it_cannot_fix_and_exits_as_check(root: Path) -> None:
    raise_levels(root, R004)
    broken = root / "risks" / "R-006-community-resistance.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("phase: v3+", "phase: v9"))
    result = run("check", "--fix", "--format", "json", cwd=root)
    assert result.returncode == 1
    doc = json.loads(result.stdout)  # stdout stays JSON; the fixes are on stderr
    assert [f["code"] for f in doc["findings"] if f["severity"] == "error"] == ["phase"]
    assert f"{R004}:" in result.stderr
    assert "score 9 → 16" in result.stderr
    assert yaml.safe_load((root / R004).read_text(encoding="utf-8"))["score"] == 16


def test_without_fix_check_writes_nothing(root: Path) -> None:
    before = raise_levels(root, R004)
    result = run("check", cwd=root)
    assert result.returncode == 1
    assert "declared score 9 is wrong" in result.stdout
    assert (root / R004).read_bytes() == before


# --- new --------------------------------------------------------------------------------------


def test_new_asks_again_instead_of_losing_the_answers(root: Path) -> None:
    answers = "\n".join(
        ["Cloud Bill Shock", "Weather", "market", "v9", "v3", "7", "2", "3", "QA Leed", "QA Lead",
         "Costs outgrow budget.", ""]
    )  # fmt: skip
    result = run("new", stdin=answers, cwd=root)
    assert result.returncode == 0, result.stderr
    assert "'Weather' is not a category" in result.stdout + result.stderr
    assert "'v9' is not a phase" in result.stdout + result.stderr
    assert (
        "the impact level is a level of the policy's impact scale, 1–5 (1 Negligible … "
        "5 Critical), not '7'"
    ) in result.stdout + result.stderr
    assert "'QA Leed' is neither a policy role nor an @login (did you mean 'QA Lead'?)" in (
        result.stdout + result.stderr
    )
    data = yaml.safe_load((root / "risks" / "R-011-cloud-bill-shock.yaml").read_text())
    assert (data["category"], data["phase"], data["owner"]) == ("Market", "v3", "QA Lead")
    assert (data["impact"]["level"], data["probability"]["level"]) == (2, 3)


def test_new_without_a_terminal_names_the_missing_option(root: Path) -> None:
    result = run(
        "new", "--title", "Key Person Leaves", "--category", "Organizational", "--phase", "All",
        "--impact", "3", "--probability", "2", "--description", "Bus factor of one.", cwd=root,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--owner is required when stdin is not a terminal" in result.stderr
    assert "Aborted" not in result.stderr
    assert len(list((root / "risks").iterdir())) == 10


def test_new_caps_the_file_name(root: Path) -> None:
    title = "Regulators In Several Jurisdictions Simultaneously Reinterpret " * 2
    result = run(
        "new", "--title", title.strip(), "--category", "Market", "--phase", "All", "--impact",
        "2", "--probability", "2", "--owner", "Program Sponsor", "--description", "d", cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (path,) = (root / "risks").glob("R-011-*.yaml")
    slug = path.name.removeprefix("R-011-").removesuffix(".yaml")
    assert slug == "regulators-several-jurisdictions"
    assert len(slug) <= 40
