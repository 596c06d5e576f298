"""riskbot-respond.yml as written: real `issue_comment` and `issues` payloads (the webhook
examples package) edited into each case, its jobs' `run:` steps with their `env:`, against the
local GitHub API server holding the register on its default branch."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.documents.proposal import LABELS
from bot.reconcile.commands import FORM_LABEL
from bot.register.defaults import BASE_POLICY_PATH
from bot.render.markdown import parse_marker
from tests.factories import POLICY, REPO, RISKS
from tests.fakegithub.server import GITHUB_ACTIONS, Comment, FakeGitHub, Issue
from tests.workflow_run import JobRun, load_workflow, run_job, triggered

WORKFLOW = REPO / ".github" / "workflows" / "riskbot-respond.yml"
WEBHOOKS = REPO / "tests" / "data" / "webhooks"
OWNER, LEAD, SPONSOR, STRANGER = "db-owner", "lead-person", "sponsor-person", "passer-by"
PERF = "perf-owner"
LOGINS = {
    "db-lead": OWNER,  # owns R-001 (Red: it has an issue)
    "performance-lead": PERF,  # owns R-005 (Yellow: reminded in the digest)
    "team-lead": LEAD,
    "program-sponsor": SPONSOR,
}
FOLD = "riskbot/reviews"
REVIEWED = '\nreview:\n  last_reviewed: "2026-11-20"\n'


def policy_text() -> str:
    text = POLICY.read_text(encoding="utf-8")
    for role, login in LOGINS.items():
        text = re.sub(
            rf"(id: {role}\n(?:.*\n)*?\s+logins: )\[\]", rf"\g<1>[{login}]", text, count=1
        )
    return text


@pytest.fixture
def repo(github_server: FakeGitHub) -> dict[str, Issue]:
    """The register on main, riskbot's issues (R-001's, the digest) and a person's issue."""
    files: dict[str, bytes | str | None] = {".github/riskbot.yml": policy_text()}
    for path in sorted(RISKS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        files[f"risks/{path.name}"] = text.replace("\nreview:\n", REVIEWED, 1)
    with github_server._lock:
        github_server.state.commit_files(files, message="The register")
    red = github_server.add_issue(
        "R-001: PostgreSQL migration (score 16, Red)",
        "<!-- riskbot:id=red-issue/R-001 -->\nR-001 is Red.",
        user=GITHUB_ACTIONS,
        labels=["risk"],
    )
    digest = github_server.add_issue(
        "Risk reviews", "<!-- riskbot:id=reviews -->\nThe daily digest.", user=GITHUB_ACTIONS
    )
    human = github_server.add_issue("A question", "Can riskbot do this?", user=STRANGER)
    return {"red": red, "digest": digest, "human": human}


def comment_event(
    issue: Issue, comment: Comment, *, action: str = "created", bot: bool = False
) -> dict[str, Any]:
    """The real payload, edited into this comment on this issue."""
    event = json.loads((WEBHOOKS / f"issue_comment.{action}.json").read_text(encoding="utf-8"))
    event = copy.deepcopy(event)
    user_type = "Bot" if bot else "User"
    c = event["comment"]
    c.update(
        id=comment.id,
        body=comment.body,
        created_at=comment.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        updated_at=comment.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        html_url=f"https://github.com/octo-org/risk-register/issues/{issue.number}"
        f"#issuecomment-{comment.id}",
    )
    c["user"].update(login=comment.user.login, type=user_type)
    i = event["issue"]
    i.update(number=issue.number, title=issue.title, body=issue.body, labels=[])
    i["user"].update(login=issue.user.login, type=issue.user.type)
    i.pop("pull_request", None)
    event["sender"].update(login=comment.user.login, type=user_type)
    event["repository"].update(default_branch="main", full_name="octo-org/risk-register")
    return event


def run_workflow(
    server: FakeGitHub, tmp: Path, event_name: str, event: dict[str, Any]
) -> tuple[JobRun, JobRun]:
    """Both jobs, as the workflow chains them, from an empty working folder (no checkout of
    the register: riskbot reads the default branch through the API)."""
    workflow = load_workflow(WORKFLOW)
    work = tmp / "runner"
    work.mkdir(exist_ok=True)
    event_path = work / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    options: dict[str, Any] = {
        "event_name": event_name,
        "event": event,
        "event_path": event_path,
        "env": {"GITHUB_REPOSITORY": server.repo, "GITHUB_API_URL": server.url},
        "secrets": {"GITHUB_TOKEN": server.token or ""},
        "cwd": work,
        "work": work,
    }
    first = run_job(workflow, "respond", **options)
    second = run_job(workflow, "propose", needs={"respond": first}, **options)
    return first, second


def bot_reactions(server: FakeGitHub, comment: Comment) -> list[str]:
    return [r.content for r in server.state.reactions_on(comment.id) if r.user == GITHUB_ACTIONS]


def replies(server: FakeGitHub, issue: Issue) -> list[str]:
    return [c.body for c in server.state.comments_on(issue.number) if c.user == GITHUB_ACTIONS]


def pulls(server: FakeGitHub) -> list[Issue]:
    return [i for i in server.state.issues.values() if i.pull is not None]


def changed_lines(server: FakeGitHub, branch: str) -> dict[str, list[str]]:
    """Per file, the lines the branch removes and adds against main."""
    main, head = server.state.files_at("main"), server.state.files_at(branch)
    out: dict[str, list[str]] = {}
    for path in sorted(set(main) | set(head)):
        before = main.get(path, b"").decode().splitlines()
        after = head.get(path, b"").decode().splitlines()
        diff = [
            line
            for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        if diff:
            out[path] = diff
    return out


def post(server: FakeGitHub, issue: Issue, login: str, body: str) -> Comment:
    return server.add_comment(issue.number, body, user=login)


def rerun_writes_nothing(server: FakeGitHub, tmp: Path, event: dict[str, Any]) -> None:
    server.reset_log()
    again = run_workflow(server, tmp, "issue_comment", event)
    assert all(job.ok for job in again), again[0].stderr + again[1].stderr
    assert server.writes() == []


def test_the_owner_records_a_review_on_the_risks_issue(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], OWNER, "/riskbot review Migration tests are green")
    event = comment_event(repo["red"], comment)
    respond, propose = run_workflow(github_server, tmp_path, "issue_comment", event)
    assert respond.ok, respond.stderr
    assert respond.outputs == {"propose": "true"}
    assert propose.ran, propose.stderr
    assert propose.ok, propose.stderr
    assert bot_reactions(github_server, comment) == ["eyes", "+1"]
    assert replies(github_server, repo["red"]) == []  # 👍 says it: no reply needed
    (pull,) = pulls(github_server)
    assert pull.pull is not None
    assert pull.pull.head_ref == FOLD
    assert pull.user == GITHUB_ACTIONS
    assert f"#issuecomment-{comment.id}" in (pull.body or "")
    day = comment.created_at.date().isoformat()
    assert changed_lines(github_server, FOLD) == {
        "risks/R-001-postgresql-migration.yaml": [
            '-  last_reviewed: "2026-11-20"',
            f'+  last_reviewed: "{day}"',
        ]
    }
    assert (parse_marker(pull.body or "") or {})["id"] == "fold-reviews"
    # Never the default branch; one commit on top of it.
    assert github_server.writes(r".*/git/refs/heads/main") == []
    fold_head = github_server.state.resolve_commit(FOLD)
    assert fold_head is not None
    assert fold_head.parents == (github_server.state.refs["refs/heads/main"],)
    rerun_writes_nothing(github_server, tmp_path, event)


def test_a_policy_that_extends_a_base_is_read_with_the_copy_vendored_beside_it(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    """Who may act comes from the policy resolved with its vendored base, as `check` reads it."""
    base = policy_text().encode("utf-8")
    extending = (
        "version: 1\n"
        "extends:\n"
        "  repo: acme/.github\n"
        "  path: riskbot/base.yml\n"
        '  ref: "0123456789abcdef0123456789abcdef01234567"\n'
        f'  sha256: "{hashlib.sha256(base).hexdigest()}"\n'
    )
    with github_server._lock:
        github_server.state.commit_files(
            {".github/riskbot.yml": extending, BASE_POLICY_PATH: base}, message="Extend the base"
        )
    comment = post(github_server, repo["red"], OWNER, "/riskbot review Migration tests are green")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["red"], comment)
    )
    assert respond.ok, respond.stderr
    assert propose.ok, propose.stderr
    assert bot_reactions(github_server, comment) == ["eyes", "+1"]
    stranger = post(github_server, repo["red"], STRANGER, "/riskbot review Looks fine")
    run_workflow(github_server, tmp_path, "issue_comment", comment_event(repo["red"], stranger))
    assert bot_reactions(github_server, stranger) == ["eyes", "confused"]


def test_a_second_review_updates_the_one_pull_request(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    first = post(github_server, repo["red"], OWNER, "/riskbot review")
    run_workflow(github_server, tmp_path, "issue_comment", comment_event(repo["red"], first))
    # The sponsor, above the owner on the escalation path, on the digest: names the risk.
    second = post(github_server, repo["digest"], SPONSOR, "/riskbot review R-005 Load test ok")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["digest"], second)
    )
    assert respond.ok, respond.stderr
    assert propose.ok, propose.stderr
    assert bot_reactions(github_server, second) == ["eyes", "+1"]
    (pull,) = pulls(github_server)
    changed = changed_lines(github_server, FOLD)
    assert set(changed) == {
        "risks/R-001-postgresql-migration.yaml",
        "risks/R-005-performance-regression.yaml",
    }
    assert all(all("last_reviewed:" in line for line in lines) for lines in changed.values()), (
        changed
    )
    body = pull.body or ""
    assert f"#issuecomment-{first.id}" in body
    assert f"#issuecomment-{second.id}" in body
    fold_head = github_server.state.resolve_commit(FOLD)
    assert fold_head is not None
    assert len(fold_head.parents) == 1


def test_a_stranger_is_refused_in_one_line_that_pings_nobody(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], STRANGER, "/riskbot review looks fine to me")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["red"], comment)
    )
    assert respond.ok, respond.stderr
    assert not propose.ran
    assert bot_reactions(github_server, comment) == ["eyes", "confused"]
    (reply,) = replies(github_server, repo["red"])
    text = reply.split("\n", 1)[1]
    assert text.startswith("Not done: only the logins of Database/Infrastructure Lead, ")
    assert "\n" not in text.strip()
    assert "@" not in text, "a refusal names roles, never pings their logins"
    assert pulls(github_server) == []
    assert github_server.state.refs.keys() == {"refs/heads/main"}
    rerun_writes_nothing(github_server, tmp_path, comment_event(repo["red"], comment))


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("quoted", "> /riskbot review\n\nI would not run that yet."),
        ("fenced", "Try this:\n\n```\n/riskbot review\n```"),
        ("inline", "Use `/riskbot review` when done."),
        ("mid-line", "Someone should /riskbot review this."),
    ],
)
def test_a_command_that_is_only_text_is_ignored(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path, case: str, body: str
) -> None:
    comment = post(github_server, repo["red"], OWNER, body)
    github_server.reset_log()
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["red"], comment)
    )
    assert respond.ran, case
    assert respond.ok, (case, respond.stderr)
    assert "holds no command" in respond.stderr
    assert not propose.ran
    assert github_server.requests == [], "decided from the event alone: not even a read"


def test_an_edited_comment_is_not_read(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], OWNER, "Thanks\n\n/riskbot review")
    event = comment_event(repo["red"], comment, action="edited")
    assert event["action"] == "edited"
    assert not triggered(load_workflow(WORKFLOW), "issue_comment", "edited")
    github_server.reset_log()  # riskbot itself ignores it too, should the trigger change
    respond, _ = run_workflow(github_server, tmp_path, "issue_comment", event)
    assert respond.ok
    assert "only new comments are read" in respond.stderr
    assert github_server.requests == []


def test_a_bots_comment_is_not_read(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], "other-app[bot]", "/riskbot review")
    event = comment_event(repo["red"], comment, bot=True)
    github_server.reset_log()
    respond, propose = run_workflow(github_server, tmp_path, "issue_comment", event)
    assert not respond.ran, "the job's `if:` skips every bot"
    assert not propose.ran
    workflow = load_workflow(WORKFLOW)
    workflow["jobs"]["respond"].pop("if")  # and riskbot itself ignores it
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    forced = run_job(
        workflow,
        "respond",
        event_name="issue_comment",
        event=event,
        event_path=path,
        env={"GITHUB_REPOSITORY": github_server.repo, "GITHUB_API_URL": github_server.url},
        secrets={"GITHUB_TOKEN": github_server.token or ""},
        cwd=tmp_path,
        work=tmp_path,
    )
    assert forced.ok
    assert "is a bot's" in forced.stderr
    assert github_server.requests == []


def test_riskbot_never_answers_itself(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], GITHUB_ACTIONS.login, "/riskbot help")
    github_server.reset_log()
    respond, _ = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["red"], comment, bot=True)
    )
    assert not respond.ran
    assert github_server.writes() == []


def test_a_comment_on_a_persons_issue_is_not_read(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["human"], OWNER, "/riskbot review")
    github_server.reset_log()
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["human"], comment)
    )
    assert respond.ok
    assert "not riskbot's" in respond.stderr
    assert not propose.ran
    assert github_server.requests == []


def test_help_lists_the_commands(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["digest"], STRANGER, "/riskbot help")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["digest"], comment)
    )
    assert respond.ok
    assert not propose.ran
    (reply,) = replies(github_server, repo["digest"])
    for usage in ("/riskbot review [R-NNN] [note]", "/riskbot accept", "/riskbot help"):
        assert usage in reply
    assert bot_reactions(github_server, comment) == ["eyes", "+1"]


def test_the_digest_needs_the_risk_named(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["digest"], PERF, "/riskbot review")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["digest"], comment)
    )
    assert respond.ok
    assert not propose.ran
    (reply,) = replies(github_server, repo["digest"])
    assert "name the risk here" in reply
    assert bot_reactions(github_server, comment) == ["eyes", "confused"]


def test_an_acceptance_request_opens_its_own_pull_request(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(
        github_server,
        repo["red"],
        OWNER,
        "/riskbot accept until 2099-03-01 because the old cluster retires with v3",
    )
    event = comment_event(repo["red"], comment)
    respond, propose = run_workflow(github_server, tmp_path, "issue_comment", event)
    assert respond.ok, respond.stderr
    assert propose.ok, propose.stderr
    assert bot_reactions(github_server, comment) == ["eyes", "+1"]
    (pull,) = pulls(github_server)
    assert pull.pull is not None
    branch = pull.pull.head_ref
    assert branch == f"riskbot/accept-{comment.id}"
    assert (parse_marker(pull.body or "") or {})["id"] == f"accept/{comment.id}"
    text = github_server.state.files_at(branch)["risks/R-001-postgresql-migration.yaml"].decode()
    assert yaml.safe_load(text)["acceptance"] == {
        "by": f"@{OWNER}",
        "rationale": "the old cluster retires with v3",
        "until": "2099-03-01",
    }
    assert changed_lines(github_server, branch)["risks/R-001-postgresql-migration.yaml"] == [
        "+acceptance:",
        f'+  by: "@{OWNER}"',
        '+  rationale: "the old cluster retires with v3"',
        '+  until: "2099-03-01"',
    ]
    rerun_writes_nothing(github_server, tmp_path, event)


def test_an_acceptance_without_its_reason_is_refused(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    comment = post(github_server, repo["red"], OWNER, "/riskbot accept until 2099-03-01")
    respond, propose = run_workflow(
        github_server, tmp_path, "issue_comment", comment_event(repo["red"], comment)
    )
    assert respond.ok
    assert not propose.ran
    (reply,) = replies(github_server, repo["red"])
    shown = reply.replace("\\", "")  # as it renders: the escapes of [ and ] are not shown
    assert "/riskbot accept [R-NNN] until YYYY-MM-DD because REASON" in shown
    assert bot_reactions(github_server, comment) == ["eyes", "confused"]


# -- the issue form "Propose a risk" -------------------------------------------------------------


def form_body(answers: dict[str, str]) -> str:
    """A submitted form as GitHub renders it: each label as a heading, then the answer."""
    return "\n\n".join(
        f"### {label}\n\n{answers.get(key) or '_No response_'}" for key, label in LABELS.items()
    )


def propose_event(issue: Issue) -> dict[str, Any]:
    event = json.loads((WEBHOOKS / "issues.opened.json").read_text(encoding="utf-8"))
    i = event["issue"]
    i.update(number=issue.number, title=issue.title, body=issue.body)
    i["labels"] = [{**i["labels"][0], "name": label.name} for label in issue.labels]
    i["user"].update(login=issue.user.login, type="User")
    event["sender"].update(login=issue.user.login, type="User")
    event["repository"].update(default_branch="main", full_name="octo-org/risk-register")
    return event


VALID = {
    "title": "Sole hosting vendor folds",
    "description": "Our only hosting vendor may close.\n\nWe would need weeks to move.",
    "category": "Market",
    "phase": "v3",
    "impact": "4 — Major",
    "probability": "3 — Possible",
    "owner": "Performance Lead",
}


def open_proposal(server: FakeGitHub, answers: dict[str, str]) -> Issue:
    return server.add_issue(
        "Risk: a proposal", form_body(answers), user=STRANGER, labels=[FORM_LABEL]
    )


def test_a_valid_proposal_opens_a_pull_request_with_the_next_id(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path, run_riskbot: Any
) -> None:
    issue = open_proposal(github_server, VALID)
    event = propose_event(issue)
    respond, propose = run_workflow(github_server, tmp_path, "issues", event)
    assert respond.outputs == {"propose": "true"}, respond.stderr
    assert propose.ok, propose.stderr
    (pull,) = pulls(github_server)
    assert pull.pull is not None
    assert pull.pull.head_ref == f"riskbot/propose-{issue.number}"
    assert f"Closes #{issue.number}" in (pull.body or "")
    added = changed_lines(github_server, pull.pull.head_ref)
    assert list(added) == ["risks/R-011-sole-hosting-vendor.yaml"]
    text = github_server.state.files_at(pull.pull.head_ref)[
        "risks/R-011-sole-hosting-vendor.yaml"
    ].decode()
    data = yaml.safe_load(text)
    assert (data["id"], data["impact"], data["probability"], data["owner"]) == (
        "R-011",
        {"level": 4},
        {"level": 3},
        "Performance Lead",
    )
    # The file passes riskbot check in the register it is proposed for.
    root = tmp_path / "checkout"
    for path, raw in github_server.state.files_at(pull.pull.head_ref).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(raw)
    checked = run_riskbot("check", "--root", str(root), "--format", "json")
    findings = json.loads(checked.stdout)["findings"]
    assert [f for f in findings if f["file"].startswith("risks/R-011")] == []
    assert replies(github_server, issue) == []
    github_server.reset_log()
    again = run_workflow(github_server, tmp_path, "issues", event)
    assert all(job.ok for job in again)
    assert github_server.writes() == []
    # A second proposal while the first is open takes the id after it.
    second = open_proposal(github_server, {**VALID, "title": "Key engineer leaves"})
    run_workflow(github_server, tmp_path, "issues", propose_event(second))
    head = f"riskbot/propose-{second.number}"
    assert list(changed_lines(github_server, head)) == ["risks/R-012-key-engineer-leaves.yaml"]


def test_an_invalid_proposal_gets_a_comment_naming_its_fields(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    answers = {**VALID, "category": "Marketing", "impact": "", "owner": "Whoever"}
    issue = open_proposal(github_server, answers)
    event = propose_event(issue)
    respond, propose = run_workflow(github_server, tmp_path, "issues", event)
    assert respond.ok, respond.stderr
    assert not propose.ran
    (comment,) = replies(github_server, issue)
    assert (parse_marker(comment) or {})["id"] == f"form/{issue.number}"
    rows = {line.split("|")[1].strip() for line in comment.splitlines() if line.startswith("| ")}
    assert rows == {"field", "Category", "Impact level", "Owner"}
    assert "did you mean 'Market'?" in comment
    assert pulls(github_server) == []
    github_server.reset_log()
    run_workflow(github_server, tmp_path, "issues", event)
    assert github_server.writes() == []


def test_an_issue_without_the_forms_label_is_not_read(
    github_server: FakeGitHub, repo: dict[str, Issue], tmp_path: Path
) -> None:
    issue = github_server.add_issue("Risk?", form_body(VALID), user=STRANGER)
    github_server.reset_log()
    respond, propose = run_workflow(github_server, tmp_path, "issues", propose_event(issue))
    assert respond.ok
    assert "not a risk proposal" in respond.stderr
    assert not propose.ran
    assert github_server.requests == []


def test_without_a_token_respond_only_plans(
    repo: dict[str, Issue], github_server: FakeGitHub, tmp_path: Path, run_riskbot: Any
) -> None:
    comment = post(github_server, repo["red"], OWNER, "/riskbot review")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(comment_event(repo["red"], comment)), encoding="utf-8")
    env = {"GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(path)}
    github_server.reset_log()
    for command in ("respond", "propose"):
        planned = run_riskbot(command, env=env)
        assert planned.returncode == 0, planned.stderr
        assert "dry run" in planned.stderr
        in_actions = run_riskbot(command, env={**env, "GITHUB_ACTIONS": "true"})
        assert in_actions.returncode == 2
        assert "GITHUB_TOKEN is not set" in in_actions.stderr
    wrong = run_riskbot("respond", env={**env, "GITHUB_EVENT_NAME": "push"})
    assert wrong.returncode != 0
    assert "runs on issue_comment and issues events" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert github_server.requests == []
