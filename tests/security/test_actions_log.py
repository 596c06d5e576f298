"""Case 3: no line riskbot prints lets risk data run a workflow command.

A newline in a category, phase, owner, unknown key or file name reached stderr raw in ``sync`` and
``remind`` (``riskbot: skipped: …``), so ``::add-mask::`` and ``::error::`` lines ran as commands
in the write-token jobs. Every command here runs as in Actions (``GITHUB_ACTIONS=true``),
on a register full of such text; its stdout and stderr are then read the way the runner reads
them: line by line (CR and LF both end a line), skipping what ``::stop-commands::`` fences.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli import run_riskbot
from tests.factories import commit, copy_register, git, risk_yaml, write_risk

PAYLOADS = ["\n::add-mask::PWNED", "\r::error title=PWNED::PWNED", "\n  ::set-output name=x::PWNED"]
BAD = "".join(PAYLOADS)
COMMAND = re.compile(r"[ \t]*(?:::|##\[)")
FENCE = re.compile(r"::stop-commands::(?P<token>.+)")


def commands_run(output: str) -> list[str]:
    """The workflow-command lines the runner would act on (stop-commands fences honoured)."""
    found: list[str] = []
    end: str | None = None
    for line in re.split(r"\r\n|\r|\n", output):
        if end is not None:
            if line == end:
                end = None
            continue
        fence = FENCE.fullmatch(line)
        if fence:
            end = f"::{fence.group('token')}::"
            continue
        if COMMAND.match(line):
            found.append(line)
    return found


def injected(output: str) -> list[str]:
    """Commands that come from the risk data. riskbot's own are annotations whose name, property
    keys and title riskbot chose and whose message it begins (a file name, escaped, may carry
    anything); an injected one has PWNED in one of those places, or another command's name."""
    bad = []
    for line in commands_run(output):
        match = re.fullmatch(r"[ \t]*::(?P<name>[a-z-]+)(?: (?P<props>.*?))?::(?P<data>.*)", line)
        if match is None or match.group("name") not in ("error", "warning", "notice"):
            bad.append(line)
            continue
        props = dict(
            pair.partition("=")[::2] for pair in (match.group("props") or "").split(",") if pair
        )
        if (
            not set(props) <= {"file", "line", "col", "endLine", "endColumn", "title"}
            or "PWNED" in props.get("title", "")
            or match.group("data").startswith("PWNED")
        ):
            bad.append(line)
    return bad


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A register whose risk files carry workflow commands in every text a finding can echo."""
    root = copy_register(tmp_path / "repo")
    write_risk(
        root,
        "R-100-hostile.yaml",
        risk_yaml("R-100", category=f"Tech{BAD}", phase=f"v3{BAD}", owner=f"Someone{BAD}")
        + f'"unknown{BAD}": 1\n'.replace("\n", "\\n").replace("\r", "\\r").replace('\\n"', '"')
        + "\n",
    )
    write_risk(root, f"R-101-name{BAD}.yaml", "id: [unclosed\n")
    write_risk(
        root,
        "R-102-red.yaml",
        risk_yaml(
            "R-102",
            title=f"Red{BAD}",
            impact={"level": 5, "narrative": f"x{BAD}"},
            probability={"level": 5, "narrative": "y"},
            status={"state": "active", "note": f"n{BAD}"},
        ),
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "hostile register")
    return root


ACTIONS = {"GITHUB_ACTIONS": "true"}


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--format", "github"],
        ["check", "--format", "json"],
        ["sync", "--dry-run"],
        ["remind", "--dry-run", "--today", "2026-11-27"],
        ["pr", "--base", "HEAD"],
        ["pr", "--base", "HEAD", "--format", "json"],
        ["review", "R-102", "--date", "2026-11-27", "--note", f"ok{BAD}"],
        ["report", "--output", "-"],
        ["retro", "v3"],
        [
            "new",
            "--title",
            "t",
            "--category",
            "Technical",
            "--phase",
            "v3",
            "--impact",
            "1",
            "--probability",
            "1",
            "--owner",
            "Team Lead",
            "--description",
            "d",
        ],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_no_command_runs_a_workflow_command_from_risk_data(hostile: Path, args: list[str]) -> None:
    done = run_riskbot(*args, "--root", str(hostile), env=ACTIONS)
    assert done.returncode in (0, 1), done.stderr
    assert injected(done.stdout) == []
    assert injected(done.stderr) == []


def test_a_skipped_finding_names_the_data_on_one_line(hostile: Path) -> None:
    done = run_riskbot("sync", "--dry-run", "--root", str(hostile), env=ACTIONS)
    skipped = [line for line in done.stderr.splitlines() if line.startswith("riskbot: skipped:")]
    assert any("unknown key 'unknown\\n::add-mask::PWNED\\r::error" in s for s in skipped)
    assert any("R-101-name\\n::add-mask::PWNED" in s for s in skipped)


def test_import_of_a_hostile_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(f"# Plan{BAD}\n\n## Risk{BAD}\n", encoding="utf-8")
    done = run_riskbot("import", str(plan), "--out", str(tmp_path / "out"), env=ACTIONS)
    assert injected(done.stdout + "\n" + done.stderr) == []


def test_comment_summary_of_a_hostile_payload(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "repo")
    payload = tmp_path / "comment.json"
    payload.write_text(
        json.dumps({"pr": 1, "head_sha": "a" * 40, "touches_risks": True, "body": BAD}),
        encoding="utf-8",
    )
    done = run_riskbot(
        "comment", "--payload", str(payload), "--root", str(root), "--dry-run", env=ACTIONS
    )
    assert injected(done.stdout + "\n" + done.stderr) == []


@pytest.mark.parametrize("payload", [*PAYLOADS, "::error::PWNED", "##[error]PWNED", "\x1b[2K"])
def test_log_line_is_one_line_that_starts_no_command(payload: str) -> None:
    from bot.render.actions import log_line, log_lines

    line = log_line(f"x{payload}")
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert commands_run(log_line(payload)) == []
    assert commands_run(log_lines(f"a\n{payload}\nb")) == []
