"""Every input ends in a finding or a clear message: never an internal error (exit 3), a write
outside the repository, or a workflow command. Each case here was found by trying such inputs."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_riskbot
from tests.factories import (
    commit,
    commit_at,
    copy_register,
    git,
    init_repo,
    line_of,
    risk_yaml,
    set_levels,
    write_risk,
)

INTERNAL = "internal error"


def test_an_id_with_a_final_newline_is_an_error_everywhere(
    committed_register: tuple[Path, str],
) -> None:
    """``^R-[0-9]{3,}$`` matched ``"R-100\\n"``: check and pr passed, sync opened issues and then
    failed on the marker (exit 3)."""
    root, _ = committed_register
    path = write_risk(
        root,
        "R-100\n-x.yaml",
        risk_yaml("R-100\n", impact={"level": 5}, probability={"level": 5}),
    )
    commit(root, "a Red risk whose id ends in a newline")
    line = line_of(path.read_text(encoding="utf-8"), "id:")
    check = run_riskbot("check", "--root", str(root))
    assert check.returncode == 1, check.stdout
    assert f"-x.yaml:{line}:" in check.stdout
    assert "$.id: 'R-100\\n' is not a risk id" in check.stdout
    pr = run_riskbot("pr", "--base", "HEAD~1", "--head", "HEAD", "--root", str(root))
    assert pr.returncode == 1, pr.stdout
    sync = run_riskbot("sync", "--dry-run", "--root", str(root))
    assert sync.returncode == 1, sync.stderr
    assert INTERNAL not in sync.stderr
    assert "would create issue red-issue/R-100" not in sync.stderr


def test_a_policy_login_with_a_final_newline_is_an_error(
    committed_register: tuple[Path, str],
) -> None:
    root, _ = committed_register
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "name: Team Lead\n    logins: []", 'name: Team Lead\n    logins: ["lead\\n"]'
    )
    policy.write_text(text, encoding="utf-8")
    check = run_riskbot("check", "--root", str(root))
    assert check.returncode == 1, check.stdout
    login_line = line_of(text, 'logins: ["lead')
    assert f"riskbot.yml:{login_line}:" in check.stdout
    assert "'lead\\n' is not a GitHub login" in check.stdout
    for args in (["sync", "--dry-run"], ["remind", "--dry-run", "--today", "2026-11-27"]):
        done = run_riskbot(*args, "--root", str(root))
        assert done.returncode == 2, done.stderr
        assert INTERNAL not in done.stderr
        assert "the policy has errors" in done.stderr


def raw_commit(root: Path, message: str, author: str, committer: str) -> str:
    """Commit what is staged with the raw dates given (``<seconds> <+hhmm>``), dates git itself
    refuses to write included: the commit object is made by hand."""
    git(root, "add", "-A")
    tree = git(root, "write-tree")
    parent = git(root, "rev-parse", "HEAD")
    text = (
        f"tree {tree}\nparent {parent}\nauthor t <t@example.com> {author}\n"
        f"committer t <t@example.com> {committer}\n\n{message}\n"
    )
    made = subprocess.run(
        ["git", "-C", str(root), "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git(root, "update-ref", "refs/heads/main", made)
    return made


def dated_repo(tmp_path: Path) -> Path:
    root = init_repo(copy_register(tmp_path / "repo"))
    commit_at(root, "register", "2026-01-05T10:00:00+00:00")
    return root


FEB_2 = "1770026400 +0000"
"""2026-02-02 10:00 UTC, as git writes a date."""


FEB_9 = "1770631200 +0000"
"""2026-02-09 10:00 UTC."""


@pytest.mark.parametrize(
    ("author", "placed"),
    [
        ("253402214400 +0000", "2026-02-09"),  # 9999-12-31: in the future
        ("253402300800 +0000", "2026-02-09"),  # 10000-01-01: past any calendar
        ("253402300799999 +0000", "2026-02-09"),  # year 8 million
        ("99999999999999999999 +0000", "2026-02-09"),  # more seconds than git can hold
        ("1770026400 +9959", "2026-02-02"),  # an offset of 99 hours: the moment is good
    ],
)
def test_a_commit_dated_out_of_range_is_placed_and_noted(
    tmp_path: Path, author: str, placed: str
) -> None:
    """One such commit killed history, report and report --check for good (OverflowError after
    walking 415,000 weeks): it is placed at its committer date instead, and the history says so."""
    root = dated_repo(tmp_path)
    set_levels(root, "R-001", 2, 2)
    made = raw_commit(root, "lower R-001", author, FEB_9)
    for args in (["history"], ["report"], ["report", "--check"], ["history", "--format", "json"]):
        done = run_riskbot(*args, "--root", str(root))
        assert done.returncode in (0, 1), (args, done.stderr)
        assert INTERNAL not in done.stderr
    history = json.loads(done.stdout)
    lowered = next(r for r in history["risks"] if r["id"] == "R-001")["changes"][-1]
    assert (lowered["commit"], lowered["date"]) == (made, placed)
    notes = [(n["commit"], n["date"]) for n in history["notes"]]
    if placed == "2026-02-02":
        assert notes == []
        assert [w["week"] for w in history["weeks"]] == ["2026-W02", "2026-W06"]
    else:
        assert notes == [(made, placed)]
        assert "placed at its committer date" in history["notes"][0]["message"]
        assert [w["week"] for w in history["weeks"]] == ["2026-W02", "2026-W07"]


def test_a_commit_dated_in_the_future_does_not_freeze_later_dates(tmp_path: Path) -> None:
    """A commit dated 2100 made every later commit's date 2100 ("never earlier than the revision
    before"): it is placed at its committer date, and the later commits keep theirs."""
    root = dated_repo(tmp_path)
    set_levels(root, "R-001", 2, 2)
    future = raw_commit(root, "from the future", "4102444800 +0000", FEB_2)
    set_levels(root, "R-002", 1, 1)
    commit_at(root, "later", "2026-03-02T10:00:00+00:00")
    done = run_riskbot("history", "--format", "json", "--root", str(root))
    history = json.loads(done.stdout)
    dates = {r["id"]: r["changes"][-1]["date"] for r in history["risks"]}
    assert dates["R-001"] == "2026-02-02"
    assert dates["R-002"] == "2026-03-02"
    assert history["last"] == "2026-03-02"
    assert [(n["commit"], n["date"]) for n in history["notes"]] == [(future, "2026-02-02")]


def test_a_commit_whose_dates_are_both_unusable_takes_the_date_before_it(tmp_path: Path) -> None:
    root = dated_repo(tmp_path)
    set_levels(root, "R-001", 2, 2)
    made = raw_commit(root, "no usable date", "4102444800 +0000", "4102444800 +0000")
    done = run_riskbot("history", "--format", "json", "--root", str(root))
    history = json.loads(done.stdout)
    assert history["last"] == "2026-01-05"
    assert [(n["commit"], n["date"]) for n in history["notes"]] == [(made, "2026-01-05")]
    assert "commit before it" in history["notes"][0]["message"]


DEPTH = 988
"""Folders below risks/: deep enough for a recursive walk to exhaust Python's stack."""


def test_a_folder_nested_past_the_limit_is_one_finding_in_every_command(
    committed_register: tuple[Path, str],
) -> None:
    """``pr`` (reading git's tree) passed such a folder, then check, sync, remind, report and
    history failed with a RecursionError (exit 3). The folder past the limit is refused with one
    finding, the same in a working tree and in git."""
    root, _ = committed_register
    deep = nest(root / "risks", DEPTH)
    (deep / "R-100-deep.yaml").write_text(risk_yaml("R-100"), encoding="utf-8")
    commit(root, "a deep folder")
    try:
        deep_everywhere(root)
    finally:
        unnest(root / "risks" / "d")


def nest(folder: Path, depth: int) -> Path:
    """``folder/d/d/…`` ``depth`` folders deep (pathlib's own mkdir recurses)."""
    for _ in range(depth):
        folder = folder / "d"
        os.mkdir(folder)
    return folder


def unnest(top: Path) -> None:
    """Remove what :func:`nest` made, deepest first (shutil.rmtree recurses too)."""
    chain = [top]
    while (chain[-1] / "d").is_dir():
        chain.append(chain[-1] / "d")
    for folder in reversed(chain):
        for path in folder.iterdir():
            if not path.is_dir():
                path.unlink()
        folder.rmdir()


def deep_everywhere(root: Path) -> None:
    from bot.register.load import MAX_FOLDER_DEPTH

    refused = "risks/" + "/".join(["d"] * (MAX_FOLDER_DEPTH + 1))
    check = run_riskbot("check", "--format", "json", "--root", str(root))
    assert check.returncode == 1, check.stderr
    findings = json.loads(check.stdout)["findings"]
    assert [(f["file"], f["code"]) for f in findings if f["severity"] == "error"] == [
        (refused, "too-deep")
    ]
    pr = run_riskbot(
        "pr", "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--root", str(root)
    )
    assert pr.returncode == 1, pr.stderr
    assert refused in pr.stdout
    assert "too-deep" in pr.stdout
    for args in (
        ["sync", "--dry-run"],
        ["remind", "--dry-run", "--today", "2026-11-27"],
        ["report", "--output", "-"],
        ["history"],
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
    ):
        done = run_riskbot(*args, "--root", str(root))
        assert done.returncode in (0, 1, 2), (args, done.stderr[-500:])
        assert INTERNAL not in done.stderr


@contextlib.contextmanager
def never_waits_on(pipe: Path, seconds: float = 20) -> Iterator[None]:
    """Fail, not hang, when the run in the block opens ``pipe`` to read (a reader waits for a
    writer): after ``seconds`` a writer opens and closes it, which ends the wait, and the test
    fails. The run is in this process, so nothing else would stop it."""
    waited = threading.Event()

    def end_the_wait() -> None:
        try:  # without waiting: this succeeds only while a reader has the pipe open
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        waited.set()
        os.close(fd)

    timer = threading.Timer(seconds, end_the_wait)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
    assert not waited.is_set(), f"the run opened the pipe {pipe.name} to read and waited on it"


NEW_RISK = (
    *("new", "--title", "t", "--category", "Technical", "--phase", "v3"),
    *("--impact", "1", "--probability", "1", "--owner", "team-lead", "--description", "d"),
)


def test_a_pipe_named_like_a_risk_file_is_a_finding_and_nothing_waits(
    committed_register: tuple[Path, str],
) -> None:
    """A FIFO ``risks/R-100-x.yaml`` made ``review`` wait forever (and ``check`` skip it
    silently): every command sees it as check does, a file it does not read, without opening it
    for reading."""
    root, _ = committed_register
    pipe = root / "risks" / "R-100-x.yaml"
    os.mkfifo(pipe)
    with never_waits_on(pipe):
        check = run_riskbot("check", "--format", "json", "--root", str(root))
    assert check.returncode == 1
    findings = json.loads(check.stdout)["findings"]
    assert [(f["file"], f["code"]) for f in findings if f["severity"] == "error"] == [
        ("risks/R-100-x.yaml", "not-a-file")
    ]
    with never_waits_on(pipe):
        review = run_riskbot("review", "R-100", "--date", "2026-11-01", "--root", str(root))
    assert review.returncode == 1
    assert "risks/R-100-x.yaml is not a regular file" in review.stderr
    with never_waits_on(pipe):
        new = run_riskbot(*NEW_RISK, "--root", str(root))
    assert "wrote risks/R-101-t.yaml" in new.stdout, new.stderr


def test_a_pipe_in_the_validator_cache_is_passed_by(
    tmp_path: Path, committed_register: tuple[Path, str]
) -> None:
    """The compiled validators' cache is opened without waiting: a pipe where an entry should be
    is no entry, and the schema is compiled afresh."""
    from bot.register.schemas import RISK_SCHEMA
    from bot.repo.schemas import cache_key, schema_bytes

    root, _ = committed_register
    cache = tmp_path / "cache" / "riskbot"
    cache.mkdir(parents=True, mode=0o700)
    pipe = cache / cache_key(schema_bytes(RISK_SCHEMA))
    os.mkfifo(pipe, mode=0o600)
    with never_waits_on(pipe):
        done = run_riskbot(
            "check", "--root", str(root), env={"XDG_CACHE_HOME": str(tmp_path / "cache")}
        )
    assert done.returncode == 0, done.stderr


def test_review_finds_a_risk_where_check_reads_it(committed_register: tuple[Path, str]) -> None:
    """``check`` reads ``risks/archive/R-050-….yaml``; ``review R-050`` could not find it."""
    root, _ = committed_register
    path = write_risk(root, "archive/R-050-old.yaml", risk_yaml("R-050"))
    done = run_riskbot("review", "R-050", "--date", "2026-11-01", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert "risks/archive/R-050-old.yaml: last_reviewed 2026-11-01" in done.stdout
    assert 'last_reviewed: "2026-11-01"' in path.read_text(encoding="utf-8")
    assert run_riskbot("check", "--root", str(root)).returncode == 0


GATE = ".github/workflows/riskbot-pr.yml"


def test_a_pull_request_that_changes_the_gate_is_warned_about(tmp_path: Path) -> None:
    """A pull request runs its own version of the check's workflow: one that adds ``|| true``
    (or pins an older riskbot) approves itself. riskbot cannot stop that (branch protection
    can), but it says so, in the report, the JSON and an annotation on the file."""
    root = copy_register(tmp_path / "repo")
    workflow = root / GATE
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: riskbot\njobs:\n  check:\n    steps:\n      - run: riskbot pr\n")
    git(root, "init", "-q", "-b", "main")
    base = commit(root, "base")
    workflow.write_text(workflow.read_text().replace("riskbot pr", "riskbot pr || true"))
    set_levels(root, "R-001", 1, 1)
    head = commit(root, "lower R-001, and make the check pass whatever it finds")
    done = run_riskbot(
        "pr", "--base", base, "--head", head, "--format", "json", "--root", str(root)
    )
    report = json.loads(done.stdout)
    assert report["gate_files"] == [GATE]
    assert report["touches_risks"]
    markdown = run_riskbot("pr", "--base", base, "--head", head, "--root", str(root)).stdout
    assert "changes the workflows that check it" in markdown
    assert "Require review from Code Owners" in markdown
    policy = root / ".github" / "riskbot.yml"
    policy.write_text(policy.read_text().replace("label: risk\n", "label: risks\n"))
    only_policy = commit(root, "a policy change")
    done = run_riskbot(
        "pr", "--base", head, "--head", only_policy, "--format", "json", "--root", str(root)
    )
    assert json.loads(done.stdout)["gate_files"] == [".github/riskbot.yml"]
    same = run_riskbot(
        "pr", "--base", only_policy, "--head", only_policy, "--format", "json", "--root", str(root)
    )
    assert json.loads(same.stdout)["gate_files"] == []


def test_init_says_how_to_protect_the_gate(tmp_path: Path) -> None:
    from tests.acceptance.test_init import INIT

    done = run_riskbot(*INIT, cwd=init_repo(tmp_path / "new"))
    assert done.returncode == 0, done.stderr
    steps = done.stdout
    assert "`.github/workflows/**`" in steps
    assert "CODEOWNERS" in steps
    assert '"Require review from Code Owners"' in steps


HEAD_SHA = "a" * 40
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (
            json.dumps(
                {"version": 1, "pr": 1.0, "head_sha": HEAD_SHA, "touches_risks": True, "body": "x"}
            ),
            "pr",
        ),
        (DEEP, "nested"),
        (
            json.dumps(
                {
                    "version": 1,
                    "pr": 1,
                    "head_sha": HEAD_SHA,
                    "touches_risks": True,
                    "body": json.loads("[" * 50 + "]" * 50),
                }
            ),
            "body",
        ),
    ],
    ids=["pr 1.0", "deep", "deep body"],
)
def test_a_comment_payload_of_the_wrong_shape_is_a_clear_error(
    tmp_path: Path, committed_register: tuple[Path, str], payload: str, says: str
) -> None:
    """``pr: 1.0`` passed JSON Schema's integer and reached the comment as ``#1.0``; deeply
    nested JSON stopped the decoder (exit 3)."""
    root, _ = committed_register
    path = tmp_path / "comment.json"
    path.write_text(payload, encoding="utf-8")
    done = run_riskbot(
        "comment", "--payload", str(path), "--head-sha", HEAD_SHA, "--dry-run", "--root", str(root)
    )
    assert done.returncode == 1, done.stderr
    assert INTERNAL not in done.stderr
    assert "comment.json" in done.stderr
    assert says in done.stderr
    assert "would comment" not in done.stderr


def test_an_event_nested_too_deep_is_a_clear_error(
    tmp_path: Path, committed_register: tuple[Path, str]
) -> None:
    root, _ = committed_register
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": ' + DEEP + "}", encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
    }
    done = run_riskbot("pr", "--root", str(root), env=env)
    assert done.returncode == 2, done.stderr
    assert INTERNAL not in done.stderr
    assert "GITHUB_EVENT_PATH: event.json is nested too deeply" in done.stderr


def test_a_slip_of_ten_million_weeks_is_refused_on_its_line(
    committed_register: tuple[Path, str],
) -> None:
    """The odds are computed day by day: ``schedule_slip_weeks.max: 10000000`` took minutes.
    The schema caps a level's slip at 520 weeks (ten years) and says so on the line."""
    root, _ = committed_register
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "schedule_slip_weeks: {min: 13, max: 26}", "schedule_slip_weeks: {min: 13, max: 10000000}"
    )
    policy.write_text(text, encoding="utf-8")
    done = run_riskbot("check", "--root", str(root))
    assert done.returncode == 1, done.stdout
    line = line_of(text, "max: 10000000")
    assert f".github/riskbot.yml:{line}:" in done.stdout
    assert "10000000 is greater than the maximum of 520" in done.stdout


def test_new_reads_its_options_as_it_reads_its_prompts(
    committed_register: tuple[Path, str],
) -> None:
    """The prompt took ``technical`` for Technical and trimmed spaces; the same words given as
    options failed check after the fact (exit 1) or were written as typed."""
    root, _ = committed_register
    done = run_riskbot(
        *("new", "--title", "  Key person leaves ", "--category", "technical", "--phase", "V3"),
        *("--impact", "2", "--probability", "2", "--owner", " team-lead "),
        *("--description", " Bus factor of one. ", "--root", str(root)),
    )
    assert done.returncode == 0, done.stderr
    written = (root / "risks" / "R-011-key-person-leaves.yaml").read_text(encoding="utf-8")
    assert "title: Key person leaves\n" in written
    assert "category: Technical\n" in written
    assert "phase: v3\n" in written
    assert "owner: team-lead\n" in written
    wrong = run_riskbot(
        *("new", "--title", "t", "--category", "Techncial", "--phase", "v3"),
        *("--impact", "2", "--probability", "2", "--owner", "team-lead"),
        *("--description", "d", "--root", str(root)),
    )
    assert wrong.returncode == 2
    assert (
        "--category 'Techncial': 'Techncial' is not a category (did you mean 'Technical'?)"
        in wrong.stderr
    )


def test_a_dry_run_shows_what_it_would_write(
    tmp_path: Path, committed_register: tuple[Path, str]
) -> None:
    """A dry run listed marker keys (``would create issue red-issue/R-001``): it names each
    issue by its title and each comment by its first line, and the step summary holds the
    bodies, so what would be posted can be read before it is."""
    root, _ = committed_register
    summary = tmp_path / "summary.md"
    done = run_riskbot(
        "sync", "--dry-run", "--root", str(root), env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert done.returncode == 0, done.stderr
    assert (
        "would create issue red-issue/R-001: R-001: PostgreSQL Migration Complexity (score 16)"
        in done.stderr
    )
    assert (
        "would comment red/R-001/round-1 on new issue red-issue/R-001: 🚨 New Red risk: "
        "immediate escalation." in done.stderr
    )
    written = summary.read_text(encoding="utf-8")
    assert "<summary>R-001: PostgreSQL Migration Complexity (score 16)</summary>" in written
    assert "## 🟥 R-001 · PostgreSQL Migration Complexity" in written


def test_pr_json_writes_numbers_as_numbers(committed_register: tuple[Path, str]) -> None:
    """A level or a threshold that changed came out as text (``"old": "2"``); text that reads
    like a number stays text."""
    root, _ = committed_register
    base = git(root, "rev-parse", "HEAD")
    set_levels(root, "R-004", 3, 4, title="2026")
    policy = root / ".github" / "riskbot.yml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("min_score: 15", "min_score: 14", 1),
        encoding="utf-8",
    )
    head = commit(root, "levels, a threshold and a title")
    done = run_riskbot(
        "pr", "--base", base, "--head", head, "--format", "json", "--root", str(root)
    )
    report = json.loads(done.stdout)
    [r004] = [c for c in report["changed"] if c["id"] == "R-004"]
    fields = {f["field"]: (f["old"], f["new"]) for f in r004["fields"]}
    assert fields["probability"] == (3, 4)
    assert fields["title"] == ("ML Model Recommendation Bias", "2026")
    [threshold] = [c for c in report["policy_changes"] if c["key"] == "bands.red.min_score"]
    assert (threshold["old"], threshold["new"]) == (15, 14)


def test_a_long_description_is_shortened_inside_the_issue_not_its_end(tmp_path: Path) -> None:
    """The issue body was cut from the end to fit GitHub's 65,536 characters: a long
    description pushed out the mitigation plan and "Who must act". The description is what is
    shortened, with a note; everything after it stays."""
    from bot.reconcile.plan import EnsureIssue
    from bot.render.issues import red_issue_body
    from tests.factories import register_of

    root = copy_register(tmp_path / "repo")
    long = "\n\n".join(f"Paragraph {n}: " + "why this could go wrong. " * 40 for n in range(200))
    write_risk(
        root,
        "R-100-long.yaml",
        risk_yaml("R-100", impact={"level": 5}, probability={"level": 5}, description=long),
    )
    register = register_of(root)
    [risk] = [a for a in register.assessments if a.risk.id == "R-100"]
    body = red_issue_body(risk, register.policy, link="https://example.invalid", not_assignable=())
    text = EnsureIssue("red-issue/R-100", "R-100", body).text
    assert len(text) <= 65_536
    assert "### Who must act" in text
    assert "### Mitigation plan" in text
    assert text.rstrip().endswith("riskbot sync.") or "risks/R-100-long.yaml" in text[-300:]
    assert "Paragraph 0:" in text
    assert "Paragraph 199:" not in text
    assert "the description is shortened here" in text
    assert "truncated to fit GitHub's limit" not in text
