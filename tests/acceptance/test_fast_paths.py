"""`check` and `pr` print the same bytes with and without their fast paths.

The fast paths: a process pool (``RISKBOT_WORKERS=N`` forces one on any register, ``1`` forbids
it), the cache of compiled validators (cold, warm, or off with ``RISKBOT_CACHE=0``), and, for
``pr``, one ``cat-file`` for both revisions with each unchanged file checked once. Each
register is the frozen plan register and a generated one with errors and warnings in it.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from pathlib import Path

import pytest

from bot.register.load import SourceFile, build_register
from bot.render.pr import render_json, render_markdown_report
from bot.repo.git import blob_ids, register_tree, resolve, sources_of, start_reading_blobs
from bot.repo.parallel import check_in_parallel
from bot.repo.revisions import build_report
from bot.repo.worktree import discover, read_register
from tests.factories import commit, copy_register, git, risk_yaml, set_levels, write_risk

TODAY = "2026-11-27"
ROLES = ["Technical Lead", "Security Lead", "QA Lead", "@someone", "Nobody Lead"]


def register_at(root: Path, rev: str) -> tuple[SourceFile | None, list[SourceFile]]:
    """The policy and risk files of a revision, as riskbot pr reads them."""
    tree = register_tree(root, resolve(root, rev))
    return sources_of(tree, start_reading_blobs(root, blob_ids(tree))())


def generated(root: Path, count: int = 150, seed: int = 15) -> Path:
    """The frozen register plus ``count`` varied risks, a few of them broken or odd."""
    copy_register(root)
    for name, text in generated_files(count, seed):
        write_risk(root, name, text)
    return root


@functools.cache
def generated_files(count: int, seed: int) -> tuple[tuple[str, str], ...]:
    """The varied risk files of :func:`generated`: their names and texts (made once)."""
    files = []
    rng = random.Random(seed)
    for n in range(count):
        risk_id = f"R-{200 + n}"
        kind = rng.random()
        if kind < 0.04:
            text = f"id: {risk_id}\ntitle: [unclosed\n"  # YAML error
        elif kind < 0.08:
            text = risk_yaml(risk_id, impact={"level": 9}, extra_key=True)  # schema errors
        elif kind < 0.10:
            text = risk_yaml("R-201")  # a duplicate id, and a file name that does not match
        else:
            text = risk_yaml(
                risk_id,
                impact={"level": rng.randint(1, 5), "narrative": "x"},
                probability={"level": rng.randint(1, 5), "narrative": "y"},
                owner=rng.choice(ROLES),
                status={"state": rng.choice(["planning", "active", "monitor", "closed"])},
                review={
                    "cadence": rng.choice(["daily", "weekly", "monthly"]),
                    "last_reviewed": f"2026-{rng.randint(9, 11):02d}-{rng.randint(1, 28):02d}",
                },
            )
        files.append((f"{risk_id}-generated.yaml", text))
    return tuple(files)


@pytest.fixture(params=["plan", "generated"])
def register(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "register"
    return copy_register(root) if request.param == "plan" else generated(root)


def variants(tmp_path: Path) -> dict[str, dict[str, str]]:
    cache = str(tmp_path / "cache")
    return {
        "one process, no cache": {"RISKBOT_WORKERS": "1", "RISKBOT_CACHE": "0"},
        "pool of 3, cold cache": {"RISKBOT_WORKERS": "3", "XDG_CACHE_HOME": cache},
        "pool of 2, warm cache": {"RISKBOT_WORKERS": "2", "XDG_CACHE_HOME": cache},
        "automatic, warm cache": {"XDG_CACHE_HOME": cache},
    }


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_check_prints_the_same_bytes_every_way(
    register: Path, tmp_path: Path, run_riskbot, fmt: str
) -> None:
    outputs = {
        name: run_riskbot(
            "check", "--root", str(register), "--format", fmt, "--today", TODAY, env=env
        )
        for name, env in variants(tmp_path).items()
    }
    reference = outputs.pop("one process, no cache")
    assert reference.returncode in (0, 1), reference.stderr
    for name, done in outputs.items():
        assert (done.returncode, done.stdout, done.stderr) == (
            reference.returncode,
            reference.stdout,
            reference.stderr,
        ), name


def test_check_in_a_pool_builds_the_same_register(register: Path) -> None:
    today = dt.date.fromisoformat(TODAY)
    policy, sources = discover(register)
    alone = build_register(policy, sources, today)
    pooled = build_register(policy, sources, today, lambda s: check_in_parallel(s, 2))
    assert pooled == alone
    assert read_register(register, today) == alone


def changed_repo(register: Path) -> tuple[Path, str, str]:
    """The register committed, then changed: levels, a removal, an addition, a broken file."""
    git(register, "init", "-q", "-b", "main")
    base = commit(register, "base")
    set_levels(register, "R-004", 4, 4)
    set_levels(register, "R-001", 2, 2)
    next(register.glob("risks/R-010-*.yaml")).unlink()
    write_risk(register, "R-011-new.yaml", risk_yaml("R-011", owner="Security Lead"))
    write_risk(register, "R-012-broken.yaml", "id: R-012\ntitle: [\n")
    head = commit(register, "change")
    return register, base, head


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_pr_prints_the_same_bytes_every_way(
    register: Path, tmp_path: Path, run_riskbot, fmt: str
) -> None:
    root, base, head = changed_repo(register)
    for revision in (["--head", head], []):  # a commit, and the working tree
        outputs = {
            name: run_riskbot(
                "pr",
                "--root",
                str(root),
                "--base",
                base,
                *revision,
                "--format",
                fmt,
                "--today",
                TODAY,
                env=env,
            )
            for name, env in variants(tmp_path).items()
        }
        reference = outputs.pop("one process, no cache")
        assert reference.returncode == 1, reference.stderr  # head has the broken file
        for name, done in outputs.items():
            assert (done.returncode, done.stdout) == (reference.returncode, reference.stdout), name


def test_pr_report_is_the_one_two_separate_reads_give(register: Path) -> None:
    """One cat-file for both revisions and unchanged files checked once change nothing."""
    root, base, head = changed_repo(register)
    today = dt.date.fromisoformat(TODAY)
    for workers in (1, 2):
        report = build_report(root, base, head, today, workers=workers)
        separately = [build_register(*register_at(root, rev), today) for rev in (base, head)]
        assert report.comparison.base == separately[0]
        assert report.comparison.head == separately[1]
        assert render_json(report) == render_json(build_report(root, base, head, today, 1))
        assert render_markdown_report(report).count("R-004") >= 1
