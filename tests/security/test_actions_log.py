"""Case 3: no line riskbot prints lets risk data run a workflow command.

A newline in a category, phase, owner, unknown key or file name reached stderr raw in ``sync`` and
``remind`` (``riskbot: skipped: …``), so ``::add-mask::`` and ``::error::`` lines ran as commands
in the write-token jobs. Every command here runs as in Actions (``GITHUB_ACTIONS=true``),
on a register full of such text; its stdout and stderr are then read the way the runner reads
them: line by line (CR and LF both end a line), skipping what ``::stop-commands::`` fences.

The runner (``ActionCommand.TryParseV2`` and ``TryParse``) acts on ``::name::`` at the start of a
line after .NET's ``TrimStart()`` (any Unicode white space: U+00A0, U+0085, U+3000 …), and on the
older ``##[name]`` *anywhere* in a line; a line it reads as a ``::`` command is not read again
as a ``##[`` one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli import run_riskbot
from tests.factories import commit, copy_register, git, risk_yaml, write_risk

PAYLOADS = [
    "\n::add-mask::PWNED",
    "\r::error title=PWNED::PWNED",
    "\n  ::set-output name=x::PWNED",
    " ##[add-mask]PWNED ##[error]PWNED",
    "\n\u00a0::error::PWNED",
    "\n\u0085::warning::PWNED",
    "\n\u3000\u2003::notice::PWNED",
]
BAD = "".join(PAYLOADS)
ROLE_BAD = " ##[error]PWNED ##[add-mask]PWNED"
"""What a valid role name can carry (no line break)."""
FENCE = re.compile(r"::stop-commands::(?P<token>.+)")
ANNOTATION = re.compile(r"::(?P<name>[a-z-]+)(?: (?P<props>.*?))?::(?P<data>.*)")


def starts_command(line: str) -> bool:
    """Whether the runner reads ``line`` as a workflow command: ``::`` after any white space
    (Python's ``str.lstrip`` strips all that .NET's ``TrimStart`` does, and more), or ``##[``
    anywhere."""
    return line.lstrip().startswith("::") or "##[" in line


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
        if starts_command(line):
            found.append(line)
    return found


def injected(output: str) -> list[str]:
    """Commands that come from the risk data. riskbot's own are annotations whose name, property
    keys and title riskbot chose and whose message it begins (a file name, escaped, may carry
    anything); an injected one has PWNED in one of those places, or another command's name."""
    bad = []
    for line in commands_run(output):
        match = ANNOTATION.fullmatch(line.lstrip())
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
    """A register whose risk files carry workflow commands in every text a finding can echo,
    and whose valid policy names a role (on every escalation path) with one."""
    root = copy_register(tmp_path / "repo")
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace("name: Team Lead\n", f"name: 'Team Lead{ROLE_BAD}'\n"), encoding="utf-8"
    )
    write_risk(
        root,
        "R-100-hostile.yaml",
        risk_yaml("R-100", category=f"Tech{BAD}", phase=f"v3{BAD}", owner=f"Someone{BAD}")
        # A key in double quotes, its line breaks written as YAML escapes (NEL is one too).
        + '"unknown'
        + BAD.replace("\n", "\\n").replace("\r", "\\r").replace("\u0085", "\\N")
        + '": 1\n',
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
        ["history"],
        ["history", "--format", "json"],
        ["history", "--format", "markdown"],
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
            "team-lead",
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


def test_check_json_in_actions_is_one_json_object_with_the_same_values(hostile: Path) -> None:
    """The JSON contract holds in Actions: no fence around it, and the escapes of ``##[`` and
    the C1 controls are JSON's own, so the document reads back as the data."""
    done = run_riskbot("check", "--format", "json", "--root", str(hostile), env=ACTIONS)
    document = json.loads(done.stdout)
    titles = {r["id"]: r["title"] for r in document["risks"]}
    assert titles["R-102"] == f"Red{BAD}"
    assert "##[" not in done.stdout


@pytest.mark.parametrize("text", ["a ##[error]b", "x\x9b[2Jy", "p\u2028q", "##[[##[", "\x7f"])
def test_json_documents_escape_what_the_runner_and_terminals_act_on(text: str) -> None:
    from bot.render import jsondoc

    out = jsondoc.dumps({"list": [{"title": text}], "value": text})
    assert json.loads(out) == {"list": [{"title": text}], "value": text}
    assert commands_run(out) == []
    assert not re.search(r"[\x7f-\x9f\u2028\u2029]", out)


def test_remind_names_a_hostile_role_on_one_inert_line(hostile: Path) -> None:
    done = run_riskbot(
        "remind", "--dry-run", "--today", "2026-11-27", "--root", str(hostile), env=ACTIONS
    )
    assert "Team Lead ##\\[error]PWNED ##\\[add-mask]PWNED" in done.stderr


def test_a_file_name_in_the_run_summary_stays_on_its_line(hostile: Path) -> None:
    done = run_riskbot("sync", "--dry-run", "--root", str(hostile), env=ACTIONS)
    undone = [line for line in done.stderr.splitlines() if "left undone: R-101" in line]
    assert undone, done.stderr
    assert "R-101-name\\n::add-mask::PWNED" in undone[0]


ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x9b31m"
"""A terminal title, a clear screen and an 8-bit CSI colour."""


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--format", "json"],
        ["sync", "--dry-run"],
        ["remind", "--dry-run", "--today", "2026-11-27"],
        ["pr", "--base", "HEAD~1"],
        ["history"],
        ["history", "--format", "markdown"],
        ["report", "--output", "-"],
    ],
    ids=" ".join,
)
def test_no_terminal_escape_from_risk_data_reaches_a_terminal(tmp_path: Path, args) -> None:
    """Outside Actions too: a title, a category or a file name with escape sequences is shown
    with its escapes written out, never interpreted by the terminal."""
    root = copy_register(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    commit(root, "register")
    write_risk(root, "R-100-ok.yaml", risk_yaml("R-100", title=f"T{ESCAPES}"))
    write_risk(
        root,
        "R-101-closed.yaml",
        risk_yaml("R-101", title=f"C{ESCAPES}", status={"state": "closed", "note": "x"}),
    )
    write_risk(root, "R-102-bad.yaml", risk_yaml("R-102", category=f"Tech{ESCAPES}"))
    write_risk(root, f"R-103-{ESCAPES}.yaml", risk_yaml("R-103", category="nope"))
    commit(root, "hostile")
    done = run_riskbot(*args, "--root", str(root))
    assert done.returncode in (0, 1), done.stderr
    for out in (done.stdout, done.stderr):
        assert not re.search(r"[\x1b\x07\x9b]", out), out
