"""The reusable workflow: the five workflows' jobs, for any repository that calls it.

`.github/workflows/riskbot-reusable.yml` is held to what the five hold (tests/test_workflows.py
lints it with every other workflow): the same jobs, permissions, checkouts, riskbot commands and
concurrency as riskbot-pr.yml, riskbot-comment.yml, riskbot-sync.yml, riskbot-remind.yml and
riskbot-respond.yml. Which of its jobs run is decided by each job's `if:` on the caller's event:
those conditions are evaluated here with GitHub's own expression evaluator (npm package
`@actions/expressions`, run by `tools/expressions.mjs`, a Node program: hence a subprocess) on
the real event payloads of tests/data/webhooks, a fork's pull request and commands in comments
included, against the callers `riskbot init --reusable` writes and against the five.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.documents import init as setup
from tests.factories import REPO
from tests.test_workflows import (
    COMMENT,
    PERMISSIONS,
    PR,
    REMIND,
    RESPOND,
    SYNC,
    WORKFLOWS,
    action,
    index_of,
    job_steps,
    load,
    node_or_fail,
    triggers,
)

REUSABLE = "riskbot-reusable.yml"
EXPRESSIONS = REPO / "tools" / "expressions.mjs"
WEBHOOKS = REPO / "tests" / "data" / "webhooks"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Each of the five workflows, and the jobs of the reusable workflow that do its work (each
# named as in that workflow).
JOBS_OF: dict[str, tuple[str, ...]] = {
    PR: ("check",),
    COMMENT: ("comment",),
    SYNC: ("sync",),
    REMIND: ("remind",),
    RESPOND: ("respond", "propose"),
}
WORKFLOW_OF = {job: workflow for workflow, jobs in JOBS_OF.items() for job in jobs}
PAIRS = [(workflow, job) for workflow, jobs in JOBS_OF.items() for job in jobs]


def reusable() -> dict[str, Any]:
    return load(REUSABLE)


def callers(branch: str = "main") -> dict[str, dict[str, Any]]:
    import yaml

    return {
        name: yaml.safe_load(
            setup.caller_workflow(name, repo="OWNER/riskbot", commit=COMMIT, branch=branch)
        )
        for name in setup.CALLERS
    }


def commands(items: list[dict[str, Any]]) -> list[str]:
    return [s["run"].strip() for s in items if "riskbot " in s.get("run", "")]


# --- the same jobs as the four ------------------------------------------------------------------


def test_it_is_called_with_a_pinned_source_and_nothing_else() -> None:
    doc = reusable()
    on = triggers(doc)
    assert set(on) == {"workflow_call"}
    inputs = on["workflow_call"]["inputs"]
    assert inputs["source"]["required"] is True
    assert inputs["python-version"]["default"] == "3.11"
    assert "secrets" not in on["workflow_call"], "the job's own GITHUB_TOKEN, never a secret"
    assert doc.get("permissions") == {}


@pytest.mark.parametrize(("workflow", "job_id"), PAIRS)
def test_each_job_has_the_permissions_of_its_workflow(workflow: str, job_id: str) -> None:
    assert reusable()["jobs"][job_id]["permissions"] == PERMISSIONS[workflow][job_id]


def test_it_has_exactly_the_jobs_of_the_five() -> None:
    assert set(reusable()["jobs"]) == set(WORKFLOW_OF)
    for workflow, jobs in JOBS_OF.items():
        assert set(load(workflow)["jobs"]) == set(jobs), workflow


@pytest.mark.parametrize(("workflow", "own_id"), PAIRS)
def test_each_job_runs_the_commands_and_checkout_of_its_workflow(
    workflow: str, own_id: str
) -> None:
    ours, theirs = job_steps(load(workflow), own_id), job_steps(reusable(), own_id)
    # The same riskbot commands, with the same tokens; `report --check` stays opt-in (init).
    expected = [c for c in commands(ours) if c != "riskbot report --check"]
    assert commands(theirs) == expected
    for mine in (s for s in theirs if "riskbot " in s.get("run", "")):
        (same,) = [s for s in ours if s.get("run", "").strip() == mine["run"].strip()]
        env = dict(same.get("env", {}))
        if "DATE" in env:  # the caller's workflow_dispatch input, as a called workflow sees it
            env["DATE"] = "${{ github.event.inputs.date }}"
        assert mine.get("env") == env
    for kind in ("actions/checkout", "actions/upload-artifact", "actions/download-artifact"):
        got = [s["with"] for s in theirs if action(s) == kind]
        assert got == [s["with"] for s in ours if action(s) == kind], kind
    job, own = reusable()["jobs"][own_id], load(workflow)["jobs"][own_id]
    assert job["name"] == own["name"]  # the required check's name
    assert job["timeout-minutes"] == own["timeout-minutes"]
    # A workflow may set concurrency on itself; a called workflow sets it on each job.
    assert job.get("concurrency") == own.get("concurrency", load(workflow).get("concurrency"))
    # Jobs that hand work on (respond to propose) do it the same way.
    for key in ("needs", "outputs"):
        assert job.get(key) == own.get(key), key


def test_no_expression_inside_a_script() -> None:
    for job in reusable()["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


def test_the_token_is_given_only_to_the_steps_that_use_it() -> None:
    text = (WORKFLOWS / REUSABLE).read_text(encoding="utf-8")
    uses = re.findall(r"^\s*([\w-]+): \$\{\{ secrets\.(\w+) \}\}$", text, re.MULTILINE)
    assert set(uses) == {("GITHUB_TOKEN", "GITHUB_TOKEN"), ("github-token", "GITHUB_TOKEN")}
    assert text.count("secrets.") == len(uses)


def test_riskbot_is_installed_pinned_and_isolated_before_any_untrusted_file() -> None:
    jobs = reusable()["jobs"]
    for job_id, job in jobs.items():
        items = job["steps"]
        install = index_of(items, lambda s: "pip install" in s.get("run", ""), "installs")
        assert items[install]["env"] == {"SOURCE": "${{ inputs.source }}"}
        assert "cache" not in job_steps(reusable(), job_id)[0].get("with", {})
        first_riskbot = min(i for i, s in enumerate(items) if "riskbot " in s.get("run", ""))
        assert install < first_riskbot
    check = jobs["check"]["steps"]
    # Installed before the pull request's files are checked out.
    assert index_of(check, lambda s: "pip install" in s.get("run", ""), "installs") < index_of(
        check, lambda s: action(s) == "actions/checkout", "checks out"
    )
    comment = jobs["comment"]["steps"]
    assert index_of(comment, lambda s: "pip install" in s.get("run", ""), "installs") < index_of(
        comment, lambda s: action(s) == "actions/download-artifact", "downloads"
    )


def install_script() -> str:
    items = reusable()["jobs"]["sync"]["steps"]
    return str(
        items[index_of(items, lambda s: "pip install" in s.get("run", ""), "installs")]["run"]
    )


def run_install(source: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """The install step in bash, with a `python` on PATH that records what it was asked."""
    bin_dir, temp = tmp_path / "bin", tmp_path / "runner-temp"
    bin_dir.mkdir(exist_ok=True)
    temp.mkdir(exist_ok=True)
    log = tmp_path / "python.log"
    stub = bin_dir / "python"
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'if [ "$3" = venv ]; then mkdir -p "$4/bin" && cp "$0" "$4/bin/python"; fi\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(temp),
        "GITHUB_PATH": str(tmp_path / "github-path"),
        "SOURCE": source,
    }
    done = subprocess.run(
        ["bash", "-e", "-c", install_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, log.read_text(encoding="utf-8") if log.exists() else ""


@pytest.mark.parametrize(
    "source", ["riskbot==0.1.0", f"git+https://github.com/OWNER/riskbot@{COMMIT}"]
)
def test_the_install_step_installs_a_pinned_source_in_its_own_venv(
    source: str, tmp_path: Path
) -> None:
    done, log = run_install(source, tmp_path)
    assert done.returncode == 0, done.stderr
    venv = tmp_path / "runner-temp" / "riskbot-venv"
    assert log.splitlines() == [
        f"-I -m venv {venv}",
        f"-I -m pip install --quiet --disable-pip-version-check {source}",
    ]
    assert (tmp_path / "github-path").read_text(encoding="utf-8") == f"{venv / 'bin'}\n"


@pytest.mark.parametrize(
    "source",
    [
        "riskbot",
        "riskbot>=0.1",
        "git+https://github.com/OWNER/riskbot@main",
        "riskbot==0.1 --index-url=https://evil.example/",
        'riskbot==0.1"; touch pwned; "',
    ],
)
def test_the_install_step_refuses_a_source_that_is_not_pinned(source: str, tmp_path: Path) -> None:
    done, log = run_install(source, tmp_path)
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=riskbot::")
    assert log == ""
    assert not (tmp_path / "pwned").exists()


# --- which jobs run, on real payloads -----------------------------------------------------------


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def fork_pull_request() -> dict[str, Any]:
    event = payload("pull_request.synchronize")
    event["pull_request"]["head"]["repo"]["full_name"] = "someone/fork"
    event["pull_request"]["head"]["repo"]["fork"] = True
    return event


def run_of(event: str, conclusion: str) -> dict[str, Any]:
    """A workflow_run event: the PR workflow's run (``event``) ended with ``conclusion``."""
    data = copy.deepcopy(payload("workflow_run.completed"))
    data["workflow_run"].update({"event": event, "conclusion": conclusion, "name": "riskbot"})
    return data


def push_to_main() -> dict[str, Any]:
    data = payload("push.event")
    data["ref"] = "refs/heads/main"
    return data


def comment(body: str, action: str = "created", sender: str = "User") -> dict[str, Any]:
    """An issue_comment event: ``body`` in a comment on an issue, by a user or a bot."""
    data = copy.deepcopy(payload(f"issue_comment.{action}"))
    data["comment"]["body"] = body
    data["sender"]["type"] = sender
    return data


# event name, payload, the jobs (by the workflow whose work they are) that must run.
EVENTS: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("pull request opened", "pull_request", payload("pull_request.opened"), {PR}),
    ("pull request pushed", "pull_request", payload("pull_request.synchronize"), {PR}),
    ("fork pull request", "pull_request", fork_pull_request(), {PR}),
    ("review", "pull_request_review", payload("pull_request_review.submitted"), {PR}),
    ("PR run passed", "workflow_run", run_of("pull_request", "success"), {COMMENT}),
    ("PR run failed", "workflow_run", run_of("pull_request", "failure"), {COMMENT}),
    ("review run", "workflow_run", run_of("pull_request_review", "success"), {COMMENT}),
    ("PR run cancelled", "workflow_run", run_of("pull_request", "cancelled"), set()),
    ("a push's run", "workflow_run", run_of("push", "success"), set()),
    ("push to main", "push", push_to_main(), {SYNC}),
    ("schedule", "schedule", {"schedule": "17 6 * * *"}, {REMIND}),
    ("by hand", "workflow_dispatch", payload("workflow_dispatch.event"), {REMIND}),
    ("a command", "issue_comment", comment("/riskbot review R-001 done"), {RESPOND}),
    ("a plain comment", "issue_comment", payload("issue_comment.created"), set()),
    ("an edited command", "issue_comment", comment("/riskbot help", "edited"), set()),
    ("a bot's command", "issue_comment", comment("/riskbot help", sender="Bot"), set()),
    ("a proposal", "issues", payload("issues.opened"), {RESPOND}),
]


def evaluate(
    expressions: list[str], github: dict[str, Any], needs: dict[str, Any] | None = None
) -> list[bool]:
    contexts = {"github": github, "inputs": {}, "vars": {}, "needs": needs or {}}
    done = subprocess.run(
        [node_or_fail(), str(EXPRESSIONS)],
        input=json.dumps({"contexts": contexts, "expressions": expressions}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    result: list[bool] = json.loads(done.stdout)
    return result


def jobs_that_run(doc: dict[str, Any], event_name: str, event: dict[str, Any]) -> set[str]:
    """The jobs GitHub starts on this event: each whose ``if:`` holds and whose ``needs`` ran
    (a job after a skipped one is skipped). A job that needs another sees its outputs as asking
    for more work (respond's ``propose: 'true'``)."""
    github = {"event_name": event_name, "event": event, "ref": event.get("ref", "")}
    jobs = doc["jobs"]
    needs = {
        job_id: {"result": "success", "outputs": dict.fromkeys(job.get("outputs", {}), "true")}
        for job_id, job in jobs.items()
    }
    conditions = [str(job.get("if", "true")) for job in jobs.values()]
    verdicts = dict(zip(jobs, evaluate(conditions, github, needs), strict=True))
    ran: set[str] = set()
    for job_id, job in jobs.items():  # a job's needs come before it in the file
        wanted = job.get("needs", [])
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if verdicts[job_id] and all(w in ran for w in wanted):
            ran.add(job_id)
    return ran


def starts(doc: dict[str, Any], event_name: str, event: dict[str, Any]) -> bool:
    """Whether a workflow's ``on:`` takes this event (and its activity type, where it names
    them: ``issue_comment: types: [created]`` is not started by an edit)."""
    on = triggers(doc)
    if event_name not in on:
        return False
    options = on[event_name]  # schedule: a list of crons; others: a mapping or nothing
    types = options.get("types") if isinstance(options, dict) else None
    return types is None or event.get("action") in types


def called(name: str, event_name: str, event: dict[str, Any]) -> bool:
    """Whether the caller ``name`` starts on this event (its ``on:``, and for workflow_run the
    name of the run's workflow)."""
    on = triggers(callers()[name])
    if not starts(callers()[name], event_name, event):
        return False
    if event_name == "workflow_run":
        return bool(event["workflow_run"]["name"] in on["workflow_run"]["workflows"])
    return True


@pytest.mark.parametrize(("what", "event_name", "event", "expected"), EVENTS, ids=lambda x: x)
def test_the_callers_run_the_jobs_the_five_workflows_run(
    what: str, event_name: str, event: dict[str, Any], expected: set[str]
) -> None:
    ran: set[str] = set()
    for name in setup.CALLERS:
        if called(name, event_name, event):
            jobs = jobs_that_run(reusable(), event_name, event)
            ran |= {WORKFLOW_OF[job] for job in jobs}
            # Every job of a workflow whose work it is: respond hands on to propose.
            assert jobs == {j for w in ran for j in JOBS_OF[w]}, what
    assert ran == expected, what
    # The five: each workflow whose work it is starts on the event and runs its jobs.
    for workflow in expected:
        assert starts(load(workflow), event_name, event), (what, workflow)
        assert jobs_that_run(load(workflow), event_name, event) == set(JOBS_OF[workflow]), what


def test_the_comment_caller_listens_to_the_main_caller() -> None:
    both = callers()
    main, comment = both["riskbot.yml"], both["riskbot-comment.yml"]
    assert triggers(both["riskbot-respond.yml"]) == triggers(load(RESPOND))
    assert triggers(comment)["workflow_run"]["workflows"] == [main["name"]]
    assert set(triggers(main)) == {
        "pull_request",
        "pull_request_review",
        "push",
        "schedule",
        "workflow_dispatch",
    }
    assert triggers(main)["pull_request_review"] == triggers(load(PR))["pull_request_review"]
    assert triggers(main)["push"] == triggers(load(SYNC))["push"]
    assert triggers(main)["schedule"] == triggers(load(REMIND))["schedule"]


def test_each_caller_grants_what_its_jobs_need_and_no_more() -> None:
    granted = {name: doc["jobs"]["riskbot"]["permissions"] for name, doc in callers().items()}
    needs: dict[str, dict[str, str]] = {}
    for name, jobs in (
        ("riskbot.yml", ("check", "sync", "remind")),
        ("riskbot-comment.yml", ("comment",)),
        ("riskbot-respond.yml", ("respond", "propose")),
    ):
        merged: dict[str, str] = {}
        for job in jobs:
            for scope, level in reusable()["jobs"][job]["permissions"].items():
                if merged.get(scope) != "write":
                    merged[scope] = level
        needs[name] = merged
    assert granted == needs
