"""Tests of the fake GitHub server, mostly through the real PyGithub client."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import github
import pytest
import requests
from github import Github, GithubException
from github.Repository import Repository
from jsonschema import Draft202012Validator

from tests.fakegithub import (
    ACTOR_HEADER,
    GITHUB_ACTIONS,
    FakeGitHub,
    Fault,
    served_operations,
)
from tests.fakegithub.extract_openapi import OPERATIONS, convert_schema
from tests.fakegithub.plugin import (
    is_documented,
    make_client,
    openapi_subset,
    response_validator,
    schema_problems,
)

REPO = "octo-org/risk-register"
ROOT = Path(__file__).resolve().parents[2]


class Http:
    """Raw HTTP against the server, for what PyGithub does not expose (headers, bad input)."""

    def __init__(self, server: FakeGitHub) -> None:
        self.server = server
        self.session = requests.Session()

    def __call__(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = "fake-token",
        headers: dict[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"token {token}"
        return self.session.request(
            method,
            self.server.url + path,
            json=body,
            params=params,
            headers=sent,
            timeout=10,
            allow_redirects=allow_redirects,
        )


@pytest.fixture
def http(github_server: FakeGitHub) -> Iterator[Http]:
    client = Http(github_server)
    try:
        yield client
    finally:
        client.session.close()


def links(response: requests.Response) -> dict[str, dict[str, list[str]]]:
    """rel -> query of that link."""
    found: dict[str, dict[str, list[str]]] = {}
    for part in response.headers.get("Link", "").split(", "):
        if not part:
            continue
        match = re.fullmatch(r'<([^>]+)>; rel="(\w+)"', part)
        assert match, part
        url = urllib.parse.urlsplit(match.group(1))
        found[match.group(2)] = urllib.parse.parse_qs(url.query)
    return found


# --------------------------------------------------------------------------------------------
# The OpenAPI subset and the routes
# --------------------------------------------------------------------------------------------


def test_served_operations_match_the_extracted_subset() -> None:
    served = set(served_operations())
    assert len(served) == len(served_operations()), "a route is registered twice"
    assert served == {f"{method} {path}" for method, path in OPERATIONS}
    assert served == set(openapi_subset()["operations"])


def test_subset_schemas_are_valid_json_schema() -> None:
    subset = openapi_subset()
    for operation, entry in subset["operations"].items():
        for status, response in entry["responses"].items():
            if response["schema"] is not None:
                Draft202012Validator.check_schema(response["schema"])
                assert response_validator(operation, status) is not None
    for schema in subset["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    text = json.dumps(subset)
    assert '"nullable":' not in text
    assert len(text) < 1_000_000


def test_convert_schema_turns_nullable_into_json_schema() -> None:
    refs: set[str] = set()
    converted = convert_schema(
        {
            "type": "object",
            "description": "dropped",
            "x-github": {"dropped": True},
            "properties": {
                "description": {"type": "string", "nullable": True, "example": "x"},
                "reason": {"type": "string", "nullable": True, "enum": ["a", "b"]},
                "user": {"$ref": "#/components/schemas/simple-user", "description": "no"},
                "maybe": {"$ref": "#/components/schemas/label", "nullable": True},
                "either": {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
                "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            },
            "required": ["description"],
        },
        refs,
    )
    assert refs == {"simple-user", "label"}
    props = converted["properties"]
    assert "description" not in converted
    assert props["description"] == {"type": ["string", "null"]}
    assert props["reason"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert props["user"] == {"$ref": "#/components/schemas/simple-user"}
    assert props["maybe"] == {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/label"}]}
    assert props["either"]["anyOf"][0] == {"type": "null"}
    assert props["count"] == {"type": "integer", "exclusiveMinimum": 0}
    assert converted["required"] == ["description"]
    assert not any(key.startswith("x-") for key in converted)


def test_every_served_operation_answers_with_its_documented_schema(
    github_server: FakeGitHub, http: Http
) -> None:
    """Drive every operation over HTTP, then validate every logged body against the subset."""
    server = github_server
    base = f"/repos/{REPO}"
    server.set_assignable(["octo-org", "alice"])
    server.add_label("risk", "b60205", "A risk")
    human = server.add_issue("Human issue", None, user="alice", labels=["risk"])
    server.add_comment(human.number, "a human comment", user="alice")
    server.add_pull("Add risks", head_ref="risks", user="alice", labels=["risk"])
    server.add_review(2, "alice", "APPROVED")
    server.add_pull("Merged change", merged=True)
    closed = server.add_issue("Closed", "done", state="closed", state_reason="not_planned")
    assert closed.closed_by is not None
    server.set_files(
        REPO, {".github/riskbot.yml": "program: x\n", "risks/R-001-a.yaml": "id: R-001\n"}
    )
    server.add_repo("octo-org/other", {"README.md": "hi\n"}, properties={"risk-register": "true"})
    with server._lock:
        main = server.state.commit_files({"risks/R-001.yaml": "id: R-001\n", "README.md": "hi"})
        tree = server.state.git_commits[main].tree
        blob = server.state.trees[tree]["risks/R-001.yaml"]
        server.state.refs["refs/heads/proposal"] = main
    server.add_repo("acme/.github", {"riskbot/base.yml": "version: 1\n", "README.md": "Hi\n"})
    org = "/repos/acme/.github"

    calls: list[tuple[str, str, Any, int]] = [
        ("GET", base, None, 200),
        ("GET", f"{base}/issues", None, 200),
        ("GET", f"{base}/issues?state=all&per_page=1", None, 200),
        ("POST", f"{base}/issues", {"title": "New", "labels": ["x"], "assignees": ["alice"]}, 201),
        ("POST", f"{base}/issues", {"body": "no title"}, 422),
        ("GET", f"{base}/issues/1", None, 200),
        ("GET", f"{base}/issues/2", None, 200),
        ("GET", f"{base}/issues/999", None, 404),
        ("PATCH", f"{base}/issues/1", {"state": "closed", "state_reason": "completed"}, 200),
        ("PATCH", f"{base}/issues/1", {"state": "bogus"}, 422),
        ("GET", f"{base}/issues/1/comments", None, 200),
        ("POST", f"{base}/issues/1/comments", {"body": "hello"}, 201),
        ("POST", f"{base}/issues/2/comments", {"body": "on a pull request"}, 201),
        ("POST", f"{base}/issues/1/comments", {}, 422),
        ("GET", f"{base}/issues/comments", None, 200),
        ("GET", f"{base}/issues/comments?sort=updated&direction=desc", None, 200),
        ("GET", f"{base}/issues/comments/3000000002", None, 200),
        ("PATCH", f"{base}/issues/comments/3000000002", {"body": "edited"}, 200),
        ("DELETE", f"{base}/issues/comments/3000000003", None, 204),
        ("GET", f"{base}/issues/comments/3000000003", None, 404),
        ("GET", f"{base}/issues/1/labels", None, 200),
        ("POST", f"{base}/issues/1/labels", {"labels": ["bug", "new-one"]}, 200),
        ("PUT", f"{base}/issues/1/labels", ["risk"], 200),
        ("DELETE", f"{base}/issues/1/labels/risk", None, 200),
        ("DELETE", f"{base}/issues/1/labels/risk", None, 404),
        ("DELETE", f"{base}/issues/1/labels", None, 204),
        ("POST", f"{base}/issues/1/assignees", {"assignees": ["alice"]}, 201),
        ("DELETE", f"{base}/issues/1/assignees", {"assignees": ["alice"]}, 200),
        ("GET", f"{base}/labels", None, 200),
        ("POST", f"{base}/labels", {"name": "fresh", "color": "00ff00"}, 201),
        ("POST", f"{base}/labels", {"name": "FRESH"}, 422),
        ("GET", f"{base}/labels/fresh", None, 200),
        ("PATCH", f"{base}/labels/fresh", {"new_name": "fresher", "description": "d"}, 200),
        ("DELETE", f"{base}/labels/fresher", None, 204),
        ("GET", f"{base}/labels/fresher", None, 404),
        ("GET", f"{base}/assignees", None, 200),
        ("GET", f"{base}/assignees/alice", None, 204),
        ("GET", f"{base}/assignees/mallory", None, 404),
        ("GET", f"{base}/pulls/2", None, 200),
        ("GET", f"{base}/pulls/3", None, 200),
        ("GET", f"{base}/pulls/1", None, 404),
        ("GET", f"{base}/pulls/2/reviews", None, 200),
        ("GET", f"{base}/pulls?state=all", None, 200),
        ("GET", f"{base}/pulls?head=octo-org:risks", None, 200),
        ("POST", f"{base}/pulls", {"title": "T", "head": "proposal", "base": "main"}, 201),
        ("POST", f"{base}/pulls", {"title": "T", "head": "proposal", "base": "main"}, 422),
        ("POST", f"{base}/pulls", {"title": "T", "head": "nowhere", "base": "main"}, 422),
        ("PATCH", f"{base}/pulls/2", {"body": "new body"}, 200),
        ("POST", f"{base}/issues/comments/3000000001/reactions", {"content": "eyes"}, 201),
        ("POST", f"{base}/issues/comments/3000000001/reactions", {"content": "eyes"}, 200),
        ("POST", f"{base}/issues/comments/3000000001/reactions", {"content": "nope"}, 422),
        ("GET", f"{base}/issues/comments/3000000001/reactions", None, 200),
        ("GET", f"{base}/git/ref/heads/main", None, 200),
        ("GET", f"{base}/git/ref/heads/none", None, 404),
        ("GET", f"{base}/git/matching-refs/heads/pro", None, 200),
        ("GET", f"{base}/git/trees/{main}?recursive=1", None, 200),
        ("GET", f"{base}/git/trees/{tree}", None, 200),
        ("GET", f"{base}/git/blobs/{blob}", None, 200),
        ("GET", f"{base}/git/commits/{main}", None, 200),
        (
            "POST",
            f"{base}/git/trees",
            {
                "base_tree": tree,
                "tree": [{"path": "a.txt", "mode": "100644", "type": "blob", "content": "x"}],
            },
            201,
        ),
        ("POST", f"{base}/git/commits", {"message": "m", "tree": tree, "parents": [main]}, 201),
        ("POST", f"{base}/git/refs", {"ref": "refs/heads/new", "sha": main}, 201),
        ("POST", f"{base}/git/refs", {"ref": "refs/heads/new", "sha": main}, 422),
        ("PATCH", f"{base}/git/refs/heads/new", {"sha": main, "force": True}, 200),
        ("PATCH", f"{base}/git/refs/heads/gone", {"sha": main, "force": True}, 422),
        ("GET", "/user", None, 403),
        ("GET", "/rate_limit", None, 200),
        ("GET", f"{base}/commits/HEAD", None, 200),
        ("GET", f"{base}/commits/main", "sha", 200),
        ("GET", f"{base}/commits/no-such-branch", None, 422),
        ("GET", f"{base}/tarball/main", None, 302),
        ("GET", "/orgs/octo-org/repos", None, 200),
        (
            "GET",
            "/orgs/octo-org/properties/values?repository_query=props.risk-register:true",
            None,
            200,
        ),
        ("GET", "/orgs/nobody/properties/values", None, 404),
        ("GET", f"{org}/commits/main", None, 200),
        ("GET", f"{org}/commits/no-such-branch", None, 422),
        ("GET", f"{org}/contents/riskbot/base.yml?ref=main", None, 200),
        ("GET", f"{org}/contents/riskbot", None, 200),
        ("GET", f"{org}/contents/riskbot/other.yml", None, 404),
        ("GET", "/repos/acme/unknown/contents/riskbot/base.yml", None, 404),
    ]
    for method, path, body, status in calls:
        if body == "sha":  # the commit id as text: no JSON body to validate
            response = http(method, path, headers={"Accept": "application/vnd.github.sha"})
        else:
            response = http(method, path, body=body, allow_redirects=False)
        assert response.status_code == status, (method, path, response.text)

    records = server.requests
    assert schema_problems(records) == []
    checked: set[str] = set()
    for record in records:
        assert record.operation is not None, record.path
        assert is_documented(record.operation, record.status), (record.operation, record.status)
        validator = response_validator(record.operation, record.status)
        if validator is not None and record.json:
            validator.validate(record.response_body)
        if record.status < 400 or record.operation == "GET /user":
            checked.add(record.operation)
    assert checked == set(served_operations())


# --------------------------------------------------------------------------------------------
# Protocol: auth, headers, errors, pagination
# --------------------------------------------------------------------------------------------


def test_auth_is_required(github_server: FakeGitHub, http: Http) -> None:
    for token in (None, "wrong"):
        response = http("GET", f"/repos/{REPO}", token=token)
        assert response.status_code == 401
        assert response.json()["message"] == "Bad credentials"
    bearer = http(
        "GET", f"/repos/{REPO}", token=None, headers={"Authorization": "Bearer fake-token"}
    )
    assert bearer.status_code == 200
    github_server.token = "other"
    assert http("GET", f"/repos/{REPO}").status_code == 401
    assert http("GET", f"/repos/{REPO}", token="other").status_code == 200


def test_bad_credentials_through_pygithub(github_server: FakeGitHub) -> None:
    client = make_client(github_server, token="not-the-token")
    try:
        with pytest.raises(github.BadCredentialsException):
            client.get_repo(REPO)
    finally:
        client.close()


def test_headers_like_github(github_server: FakeGitHub, http: Http) -> None:
    first = http("GET", f"/repos/{REPO}")
    second = http("GET", f"/repos/{REPO}/issues")
    assert first.headers["Content-Type"] == "application/json; charset=utf-8"
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "core"
    assert int(first.headers["x-ratelimit-used"]) + 1 == int(second.headers["x-ratelimit-used"])
    assert int(first.headers["x-ratelimit-remaining"]) - 1 == int(
        second.headers["x-ratelimit-remaining"]
    )
    assert int(first.headers["x-ratelimit-reset"]) > time.time()
    created = http("POST", f"/repos/{REPO}/issues", body={"title": "t"})
    assert created.status_code == 201
    assert created.headers["Location"] == created.json()["url"]
    assert created.json()["url"] == f"{github_server.url}/repos/{REPO}/issues/1"


def test_unknown_routes_and_repositories_are_404_json(http: Http) -> None:
    for path in ("/nope", f"/repos/{REPO}/hooks", "/repos/someone/else/issues"):
        response = http("GET", path)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body["message"] == "Not Found"
        assert body["documentation_url"].startswith("https://docs.github.com/")
    assert http("PUT", f"/repos/{REPO}/issues").status_code == 404


def test_repository_is_case_insensitive_and_reachable_by_id(
    github_server: FakeGitHub, http: Http
) -> None:
    assert http("GET", f"/repos/{REPO.upper()}").json()["full_name"] == REPO
    by_id = http("GET", f"/repositories/{github_server.state.id}/issues")
    assert by_id.status_code == 200
    assert github_server.requests[-1].operation == "GET /repos/{owner}/{repo}/issues"


def test_malformed_json_is_400(github_server: FakeGitHub) -> None:
    with requests.Session() as session:
        response = session.post(
            f"{github_server.url}/repos/{REPO}/issues",
            data=b"{not json",
            headers={"Authorization": "token fake-token"},
            timeout=10,
        )
    assert response.status_code == 400
    assert response.json()["message"] == "Problems parsing JSON"
    assert github_server.state.issues == {}


def test_link_headers(github_server: FakeGitHub, http: Http) -> None:
    for n in range(7):
        github_server.add_issue(f"issue {n}")
    path = f"/repos/{REPO}/issues"

    only = http("GET", path)
    assert "Link" not in only.headers
    assert len(only.json()) == 7

    first = http("GET", path, params={"per_page": 3, "state": "open"})
    assert [i["number"] for i in first.json()] == [7, 6, 5]
    rels = links(first)
    assert list(rels) == ["next", "last"]
    assert rels["next"] == {"per_page": ["3"], "state": ["open"], "page": ["2"]}
    assert rels["last"]["page"] == ["3"]
    assert first.headers["Link"].startswith(f"<{github_server.url}{path}?")

    middle = http("GET", path, params={"per_page": 3, "state": "open", "page": 2})
    assert [i["number"] for i in middle.json()] == [4, 3, 2]
    rels = links(middle)
    assert list(rels) == ["prev", "next", "last", "first"]
    assert [rels[r]["page"] for r in ("prev", "next", "last", "first")] == [
        ["1"],
        ["3"],
        ["3"],
        ["1"],
    ]

    last = http("GET", path, params={"per_page": 3, "state": "open", "page": 3})
    assert [i["number"] for i in last.json()] == [1]
    assert list(links(last)) == ["prev", "first"]

    beyond = http("GET", path, params={"per_page": 3, "page": 9})
    assert beyond.json() == []
    assert links(beyond)["prev"]["page"] == ["3"]

    capped = http("GET", path, params={"per_page": 1000})
    assert len(capped.json()) == 7  # per_page is capped at 100, not refused


def test_issue_list_filters_and_sorting(github_server: FakeGitHub, http: Http) -> None:
    server = github_server
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    a = server.add_issue("a", labels=["risk", "High"], created_at=t0)
    b = server.add_issue("b", labels=["risk"], created_at=t0 + timedelta(days=1))
    c = server.add_issue(
        "c", state="closed", created_at=t0 + timedelta(days=2), updated_at=t0 + timedelta(days=5)
    )
    a.updated_at = t0 + timedelta(days=9)
    pr = server.add_pull("p", created_at=t0 + timedelta(days=3))
    path = f"/repos/{REPO}/issues"

    def numbers(**params: Any) -> list[int]:
        response = http("GET", path, params=params)
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()]

    assert numbers() == [pr.number, b.number, a.number]
    assert numbers(state="closed") == [c.number]
    assert numbers(state="all", direction="asc") == [a.number, b.number, c.number, pr.number]
    assert numbers(state="all", sort="updated") == [a.number, c.number, pr.number, b.number]
    assert numbers(labels="risk") == [b.number, a.number]
    assert numbers(labels="risk,high") == [a.number]
    assert numbers(labels="risk,nope") == []
    assert numbers(state="all", since=(t0 + timedelta(days=4)).isoformat()) == [c.number, a.number]
    assert numbers(state="all", since="2025-01-05T00:00:00Z") == [c.number, a.number]
    assert numbers(creator="octo-org") == [pr.number, b.number, a.number]
    assert http("GET", path, params={"state": "weird"}).status_code == 422
    assert http("GET", path, params={"since": "yesterday"}).status_code == 422
    listed_pr = http("GET", path).json()[0]
    assert listed_pr["pull_request"]["url"].endswith(f"/pulls/{pr.number}")
    assert "pull_request" not in http("GET", f"{path}/{a.number}").json()


# --------------------------------------------------------------------------------------------
# PyGithub round trips
# --------------------------------------------------------------------------------------------


def test_create_issue_through_pygithub(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.set_assignable(["octo-org", "alice"])
    issue = github_repo.create_issue(
        "Risk R-001 is overdue",
        body="<!-- riskbot:R-001 -->\nPlease review.",
        labels=["risk", "bug"],
        assignees=["alice", "mallory"],
    )
    assert issue.number == 1
    assert issue.user.login == "github-actions[bot]"
    assert issue.user.type == "Bot"
    assert issue.user.id == 41898282
    assert [label.name for label in issue.labels] == ["risk", "bug"]
    assert [user.login for user in issue.assignees] == ["alice"]  # mallory silently dropped
    assert issue.state == "open"

    stored = github_server.state.issues[1]
    assert stored.body == "<!-- riskbot:R-001 -->\nPlease review."
    assert stored.label_names == ["risk", "bug"]
    risk = github_server.state.label_by_name("risk")
    assert risk is not None
    assert risk.color == "ededed"  # auto-created like GitHub
    assert [(r.method, r.path, r.status) for r in github_server.writes()] == [
        ("POST", f"/repos/{REPO}/issues", 201)
    ]
    assert github_server.writes()[0].request_body["title"] == "Risk R-001 is overdue"
    assert github_server.reads() == []


def test_pagination_over_250_issues(github_server: FakeGitHub, github_repo: Repository) -> None:
    for n in range(250):
        github_server.add_issue(f"issue {n}", labels=["risk"] if n % 2 else [])
    issues = list(github_repo.get_issues(state="all"))
    assert len(issues) == 250
    assert [i.number for i in issues] == list(range(250, 0, -1))
    reads = github_server.reads()
    assert len(reads) == 3
    assert [r.query.get("page") for r in reads] == [None, ["2"], ["3"]]
    assert all(r.query["per_page"] == ["100"] for r in reads)
    assert [len(r.response_body) for r in reads] == [100, 100, 50]

    github_server.reset_log()
    assert github_repo.get_issues(state="all").totalCount == 250
    assert len(github_server.reads()) == 1  # per_page=1 and the rel="last" link

    labelled = list(github_repo.get_issues(labels=["risk"]))
    assert len(labelled) == 125


def test_edit_issue_with_state_reason(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.clock.set(datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC))
    issue = github_repo.create_issue("to close")
    created = issue.updated_at

    issue.edit(state="closed", state_reason="not_planned")
    assert issue.state == "closed"
    assert issue.state_reason == "not_planned"
    assert issue.closed_by is not None
    assert issue.closed_by.login == "github-actions[bot]"
    assert issue.closed_at is not None
    assert issue.updated_at > created  # the clock is frozen, yet every edit moves updated_at

    closed_at = issue.closed_at
    issue.edit(state="open")
    assert issue.state == "open"
    assert issue.state_reason == "reopened"
    assert issue.closed_at is None
    assert issue.closed_by is None

    issue.edit(state="closed")
    assert issue.state_reason == "completed"
    assert issue.closed_at > closed_at

    issue.edit(state="closed", state_reason="duplicate")  # state unchanged: reason ignored
    assert issue.state_reason == "completed"

    issue.edit(title="new title", body="new body", labels=["a", "b"])
    fresh = github_repo.get_issue(issue.number)
    assert (fresh.title, fresh.body) == ("new title", "new body")
    assert [label.name for label in fresh.labels] == ["a", "b"]
    stamps = [r.response_body["updated_at"] for r in github_server.writes()]
    assert len(set(stamps)) == len(stamps) == 6

    with pytest.raises(GithubException) as raised:
        issue.edit(state_reason="because")
    assert raised.value.status == 422


def test_comments_through_pygithub(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.clock.set(datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC))
    human = github_server.add_issue("Human issue without marker", "hello", user="alice")
    assert human.author_association == "NONE"
    github_server.add_comment(human.number, "first, by a human", user="alice")
    before = github_server.state.issues[human.number].updated_at

    issue = github_repo.get_issue(human.number)
    assert issue.user.login == "alice"
    assert issue.user.type == "User"
    assert issue.comments == 1
    github_server.clock.advance(60)
    comment = issue.create_comment("<!-- riskbot --> bot reply")
    assert comment.user.login == "github-actions[bot]"
    stored = github_server.state.issues[human.number]
    assert stored.comments == 2
    assert stored.updated_at > before

    bodies = [c.body for c in issue.get_comments()]
    assert bodies == ["first, by a human", "<!-- riskbot --> bot reply"]
    since = github_server.clock.now() - timedelta(seconds=30)
    assert [c.id for c in issue.get_comments(since=since)] == [comment.id]

    other = github_repo.create_issue("other")
    github_server.clock.advance(60)
    other.create_comment("third")
    everything = list(github_repo.get_issues_comments())
    assert [c.body for c in everything] == [
        "first, by a human",
        "<!-- riskbot --> bot reply",
        "third",
    ]
    newest_first = github_repo.get_issues_comments(sort="created", direction="desc")
    assert [c.body for c in newest_first] == [
        "third",
        "<!-- riskbot --> bot reply",
        "first, by a human",
    ]
    recent = list(github_repo.get_issues_comments(since=since))
    assert [c.body for c in recent] == ["<!-- riskbot --> bot reply", "third"]

    comment.edit("edited body")
    assert github_server.state.comments[comment.id].body == "edited body"
    assert github_repo.get_issue(human.number).get_comment(comment.id).body == "edited body"
    comment.delete()
    assert comment.id not in github_server.state.comments
    assert github_server.state.issues[human.number].comments == 1


def test_labels_through_pygithub(github_server: FakeGitHub, github_repo: Repository) -> None:
    default_names = {label.name for label in github_repo.get_labels()}
    assert "bug" in default_names
    assert len(default_names) == 9

    label = github_repo.create_label("risk:high", "b60205", "High risk")
    assert (label.name, label.color, label.description) == ("risk:high", "b60205", "High risk")
    with pytest.raises(GithubException) as raised:
        github_repo.create_label("RISK:HIGH", "000000")
    assert raised.value.status == 422
    assert raised.value.data["errors"][0]["code"] == "already_exists"

    fetched = github_repo.get_label("risk:high")
    fetched.edit("risk/high", "ff0000", "Renamed")
    assert github_server.state.label_by_name("risk/high") is not None
    assert github_repo.get_label("risk/high").color == "ff0000"

    for n in range(120):
        github_server.add_label(f"extra-{n:03d}")
    assert len(list(github_repo.get_labels())) == 130

    issue = github_repo.create_issue("labelled")
    issue.add_to_labels("risk/high", "new-label")
    assert github_server.state.issues[issue.number].label_names == ["risk/high", "new-label"]
    issue.remove_from_labels("new-label")
    assert github_server.state.issues[issue.number].label_names == ["risk/high"]
    issue.set_labels("bug")
    assert [label.name for label in issue.get_labels()] == ["bug"]
    issue.delete_labels()
    assert github_server.state.issues[issue.number].labels == []


def test_assignees_through_pygithub(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.set_assignable(["alice", "bob"])
    assert github_repo.has_in_assignees("alice")
    assert not github_repo.has_in_assignees("mallory")
    statuses = [r.status for r in github_server.reads()]
    assert statuses == [204, 404]
    assert sorted(user.login for user in github_repo.get_assignees()) == ["alice", "bob"]

    issue = github_repo.create_issue("assign me", assignees=["alice"])
    issue.add_to_assignees("bob", "mallory")
    assert github_server.state.issues[issue.number].assignee_logins == ["alice", "bob"]
    issue.remove_from_assignees("alice")
    assert github_server.state.issues[issue.number].assignee_logins == ["bob"]
    issue.edit(assignees=["mallory"])
    assert github_server.state.issues[issue.number].assignees == []


def test_pull_requests_through_pygithub(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.add_issue("an issue first")
    seeded = github_server.add_pull(
        "Update the register",
        "body",
        user="alice",
        head_ref="update-risks",
        head_sha="a" * 40,
        base_sha="b" * 40,
    )
    assert seeded.number == 2

    pull = github_repo.get_pull(2)
    assert pull.number == 2
    assert pull.state == "open"
    assert pull.user.login == "alice"
    assert pull.head.sha == "a" * 40
    assert pull.head.ref == "update-risks"
    assert pull.base.sha == "b" * 40
    assert pull.base.ref == "main"
    assert pull.base.repo.full_name == REPO

    pull.create_issue_comment("riskbot summary")
    assert [c.body for c in pull.get_issue_comments()] == ["riskbot summary"]
    assert github_server.state.comments_on(2)[0].body == "riskbot summary"

    listed = list(github_repo.get_issues())
    assert [i.number for i in listed] == [2, 1]
    assert listed[0].pull_request is not None
    assert listed[1].pull_request is None

    with pytest.raises(github.UnknownObjectException):
        github_repo.get_pull(1)


def test_files_of_another_repository_through_pygithub(
    github_server: FakeGitHub, github_client: Github
) -> None:
    github_server.add_repo("acme/.github")
    first = github_server.set_files("acme/.github", {"riskbot/base.yml": "one\n"})
    second = github_server.set_files("acme/.github", {"riskbot/base.yml": "two\n", "x/y": "z"})
    assert second != first
    repo = github_client.get_repo("acme/.github")
    assert repo.get_commit("main").sha == second
    assert repo.get_commit(first[:7]).sha == first
    at_first = repo.get_contents("riskbot/base.yml", ref=first)
    assert not isinstance(at_first, list)
    assert at_first.decoded_content == b"one\n"
    at_head = repo.get_contents("riskbot/base.yml", ref=second)
    assert not isinstance(at_head, list)
    assert (at_head.decoded_content, at_head.path, at_head.type) == (
        b"two\n",
        "riskbot/base.yml",
        "file",
    )
    folder = repo.get_contents("x", ref="main")
    assert isinstance(folder, list)
    assert [(f.path, f.type) for f in folder] == [("x/y", "file")]
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("x/y", ref=first)  # not there yet at the first commit
    with pytest.raises(GithubException) as raised:
        repo.get_commit("no-such-branch").sha
    assert raised.value.status == 422
    big = github_server.set_files("acme/.github", {"big.yml": b"#" * (1024 * 1024 + 1)})
    large = repo.get_contents("big.yml", ref=big)
    assert not isinstance(large, list)
    assert (large.encoding, large.content, large.size) == ("none", "", 1024 * 1024 + 1)


def test_pull_request_reviews_through_pygithub(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    pull = github_server.add_pull("Lower a risk", head_sha="a" * 40)
    github_server.add_review(pull.number, "alice", "APPROVED", commit_id="b" * 40)
    github_server.add_review(pull.number, "alice", "APPROVED")
    github_server.add_review(pull.number, "bob", "CHANGES_REQUESTED", body="not yet")
    for _ in range(120):
        github_server.add_review(pull.number, "carol", "COMMENTED")
    reviews = list(github_repo.get_pull(pull.number).get_reviews())
    assert len(reviews) == 123  # paged like every listing
    assert [(r.user.login, r.state, r.commit_id) for r in reviews[:3]] == [
        ("alice", "APPROVED", "b" * 40),
        ("alice", "APPROVED", "a" * 40),
        ("bob", "CHANGES_REQUESTED", "a" * 40),
    ]
    assert reviews[2].body == "not yet"
    assert reviews[0].submitted_at is not None
    assert len(github_server.reads(r".*/reviews")) == 2
    with pytest.raises(ValueError, match="not a pull request"):
        github_server.add_review(github_server.add_issue("an issue").number, "alice")
    with pytest.raises(github.UnknownObjectException):
        list(github_repo.get_pull(999).get_reviews())


def test_user_endpoint_is_forbidden_for_the_actions_token(
    github_server: FakeGitHub, github_client: Github
) -> None:
    with pytest.raises(GithubException) as raised:
        _ = github_client.get_user().login
    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"


def test_rate_limit_endpoint(github_server: FakeGitHub, github_client: Github) -> None:
    github_client.get_repo(REPO)
    overview = github_client.get_rate_limit()
    assert overview.resources.core.limit == 5000
    assert overview.resources.core.remaining == 4999  # /rate_limit itself is free
    assert github_server.rate_limit_status()["used"] == 1


def test_actor_can_be_changed(
    github_server: FakeGitHub, github_repo: Repository, http: Http
) -> None:
    alice = github_server.add_user("alice")
    github_server.actor = alice
    assert github_repo.create_issue("by alice").user.login == "alice"
    github_server.actor = GITHUB_ACTIONS

    body = {"title": "by bob"}
    made = http("POST", f"/repos/{REPO}/issues", body=body, headers={ACTOR_HEADER: "bob"})
    assert made.json()["user"]["login"] == "bob"

    github_server.add_token("carol-token", "carol")
    client = make_client(github_server, token="carol-token")
    try:
        issue = client.get_repo(REPO).create_issue("by carol")
    finally:
        client.close()
    assert issue.user.login == "carol"
    assert [r.actor for r in github_server.writes()] == ["alice", "bob", "carol"]


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------


def test_502_after_the_write_leaves_the_issue_in_state(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    fault = github_server.inject(
        Fault.server_error(502, method="POST", path=r"/repos/[^/]+/[^/]+/issues", after_write=True)
    )
    with pytest.raises(GithubException) as raised:
        github_repo.create_issue("lost answer")
    assert raised.value.status == 502
    assert [i.title for i in github_server.state.issues.values()] == ["lost answer"]
    assert fault.fired == 1
    assert github_server.faults == []
    record = github_server.writes()[0]
    assert (record.status, record.fault) == (502, "server_error_502")

    retried = github_repo.create_issue("lost answer")  # a naive retry makes a duplicate
    assert retried.number == 2
    assert len(github_server.state.issues) == 2


def test_5xx_before_the_write_changes_nothing(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    github_server.inject(Fault.server_error(500, method="POST"))
    with pytest.raises(GithubException) as raised:
        github_repo.create_issue("never stored")
    assert raised.value.status == 500
    assert github_server.state.issues == {}
    assert github_repo.create_issue("stored").number == 1


def test_fault_on_the_nth_matching_request_for_n_times(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    issue = github_repo.create_issue("x")
    github_server.inject(
        Fault.server_error(502, method="GET", path=r".*/issues/\d+", nth=2, times=2)
    )
    statuses = []
    for _ in range(5):
        try:
            github_repo.get_issue(issue.number)
            statuses.append(200)
        except GithubException as error:
            statuses.append(error.status)
    assert statuses == [200, 502, 502, 200, 200]
    assert github_server.faults == []

    github_server.inject(Fault.server_error(502, times=100))
    github_server.clear_faults()
    assert github_repo.get_issue(issue.number).title == "x"


def test_secondary_rate_limit_403_with_retry_after(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    github_server.inject(Fault.secondary_rate_limit(retry_after=42, method="POST"))
    with pytest.raises(github.RateLimitExceededException) as raised:
        github_repo.create_issue("t")
    assert raised.value.status == 403
    assert raised.value.headers is not None
    assert raised.value.headers["retry-after"] == "42"
    assert raised.value.data["message"].startswith("You have exceeded a secondary rate limit")
    assert github_server.state.issues == {}


def test_429_with_retry_after(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.inject(Fault.too_many_requests(retry_after=7))
    with pytest.raises(GithubException) as raised:
        list(github_repo.get_issues())
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["retry-after"] == "7"


def test_primary_rate_limit_exhaustion(
    github_server: FakeGitHub, github_repo: Repository, http: Http
) -> None:
    reset = int(time.time()) + 1234
    github_server.inject(Fault.primary_rate_limit(reset=reset))
    with pytest.raises(github.RateLimitExceededException) as raised:
        github_repo.get_issue(1)
    assert raised.value.status == 403
    headers = raised.value.headers
    assert headers is not None
    assert headers["x-ratelimit-remaining"] == "0"
    assert headers["x-ratelimit-reset"] == str(reset)
    assert raised.value.data["message"].startswith("API rate limit exceeded for ")

    github_server.exhaust_rate_limit(reset=reset)
    for _ in range(2):
        response = http("GET", f"/repos/{REPO}/issues")
        assert response.status_code == 403
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert response.headers["x-ratelimit-reset"] == str(reset)
    assert http("GET", "/rate_limit").json()["resources"]["core"]["remaining"] == 0

    github_server.exhaust_rate_limit(reset=int(time.time()) - 1)  # the window has passed
    assert http("GET", f"/repos/{REPO}/issues").status_code == 200


def test_slow_answer(github_server: FakeGitHub, github_repo: Repository) -> None:
    github_server.inject(Fault.slow(0.3, method="GET"))
    started = time.monotonic()
    assert list(github_repo.get_issues()) == []
    assert time.monotonic() - started >= 0.3
    assert github_server.reads()[0].fault == "slow"


def test_slow_answer_times_out_the_client(github_server: FakeGitHub) -> None:
    client = make_client(github_server, timeout=1)
    github_server.inject(Fault.slow(3, method="POST"))
    try:
        repo = client.get_repo(REPO)
        with pytest.raises(requests.exceptions.Timeout):
            repo.create_issue("too slow")
    finally:
        client.close()


def test_dropped_connection_after_the_write(
    github_server: FakeGitHub, github_repo: Repository
) -> None:
    github_server.inject(Fault.disconnect(method="POST", after_write=True))
    with pytest.raises(requests.exceptions.ConnectionError):
        github_repo.create_issue("answer never came")
    assert [i.title for i in github_server.state.issues.values()] == ["answer never came"]
    assert github_repo.get_issue(1).title == "answer never came"  # the client reconnects


def test_faults_match_method_and_path(github_server: FakeGitHub, http: Http) -> None:
    github_server.inject(Fault.server_error(503, method="PATCH", path=r".*/labels/.*"))
    assert http("GET", f"/repos/{REPO}/labels/bug").status_code == 200
    assert http("PATCH", f"/repos/{REPO}/issues/1", body={}).status_code == 404
    assert http("PATCH", f"/repos/{REPO}/labels/bug", body={"color": "000000"}).status_code == 503
    assert http("PATCH", f"/repos/{REPO}/labels/bug", body={"color": "000000"}).status_code == 200


# --------------------------------------------------------------------------------------------
# Log, reset, lifecycle
# --------------------------------------------------------------------------------------------


def test_request_log(github_server: FakeGitHub, github_repo: Repository) -> None:
    before = time.time()
    issue = github_repo.create_issue("t")
    issue.edit(state="closed")
    list(github_repo.get_issues(state="closed", labels=["bug"]))
    log = github_server.requests
    assert [(r.method, r.status) for r in log] == [("POST", 201), ("PATCH", 200), ("GET", 200)]
    assert log[2].query["state"] == ["closed"]
    assert log[2].query["labels"] == ["bug"]
    assert log[2].operation == "GET /repos/{owner}/{repo}/issues"
    assert all(before <= r.timestamp <= time.time() for r in log)
    assert [r.method for r in github_server.writes()] == ["POST", "PATCH"]
    assert len(github_server.reads(path=r".*/issues")) == 1
    assert github_server.writes(path=r".*/issues/\d+")[0].method == "PATCH"
    github_server.reset_log()
    assert github_server.requests == []


def test_reset_restores_a_fresh_repository(github_server: FakeGitHub) -> None:
    github_server.add_issue("x")
    github_server.inject(Fault.server_error())
    github_server.token = "changed"
    github_server.clock.set(datetime(2020, 1, 1, tzinfo=UTC))
    github_server.reset()
    assert github_server.state.issues == {}
    assert github_server.faults == []
    assert github_server.token == "fake-token"
    assert github_server.clock.now().year > 2020
    assert github_server.add_issue("y").number == 1
    github_server.reset(repo="someone/else")
    assert github_server.state.full_name == "someone/else"
    github_server.reset()
    assert github_server.state.full_name == REPO


def test_standalone_server_stops_cleanly_with_open_connections() -> None:
    with FakeGitHub("me/repo", token=None) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        session = requests.Session()
        try:
            response = session.get(
                f"{server.url}/repos/me/repo", headers={"Authorization": "token any"}, timeout=5
            )
            assert response.status_code == 200
            server.inject(Fault.slow(30))
            started = time.monotonic()
            server.stop()  # a keep-alive connection and a sleeping request are still open
            assert time.monotonic() - started < 5
            assert not server.running
        finally:
            session.close()


def test_module_entry_point() -> None:
    # A process of its own: it is started as a developer starts it and stopped by Ctrl-C.
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakegithub", "--port", "0", "--repo", "me/thing"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        with requests.Session() as session:
            response = session.get(
                f"{match.group(0)}/repos/me/thing",
                headers={"Authorization": "token fake-token"},
                timeout=5,
            )
        assert response.json()["full_name"] == "me/thing"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert process.returncode == 0


# --------------------------------------------------------------------------------------------
# Many repositories: files, archives, organisations, conditional requests
# --------------------------------------------------------------------------------------------


def test_added_repositories_are_served_beside_the_first(
    github_server: FakeGitHub, http: Http
) -> None:
    github_server.add_repo("octo-org/payments", {"risks/R-001-a.yaml": "id: R-001\n"})
    github_server.add_repo("octo-org/secret", {"a": "b"}, private=True, visible=False)
    other = http("GET", "/repos/octo-org/payments")
    assert other.status_code == 200
    assert other.json()["full_name"] == "octo-org/payments"
    assert other.json()["id"] != github_server.state.id
    assert http("GET", f"/repos/{REPO}").json()["full_name"] == REPO  # the first, unchanged
    assert http("GET", "/repos/octo-org/secret").status_code == 404  # private to others
    assert http("GET", "/repos/octo-org/secret/commits/HEAD").status_code == 404
    by_id = http("GET", f"/repositories/{other.json()['id']}")
    assert by_id.json()["full_name"] == "octo-org/payments"


def test_a_branch_commit_as_text_and_its_archive(github_server: FakeGitHub, http: Http) -> None:
    import io
    import tarfile

    files = {".github/riskbot.yml": "program: P\n", "risks/R-001-a.yaml": "id: R-001\n"}
    head = github_server.set_files(REPO, files)
    sha = http(
        "GET", f"/repos/{REPO}/commits/HEAD", headers={"Accept": "application/vnd.github.sha"}
    )
    assert sha.text == head
    assert sha.headers["Content-Type"].startswith("application/vnd.github.sha")
    moved = http("GET", f"/repos/{REPO}/tarball/{head}", allow_redirects=False)
    assert moved.status_code == 302
    assert "token=" in moved.headers["Location"]
    archive = http("GET", f"/repos/{REPO}/tarball/main")  # follows the redirect
    assert archive.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(archive.content), mode="r:gz") as tar:
        assert tar.pax_headers["comment"] == head  # as git archive writes it
        names = {m.name: m for m in tar.getmembers()}
        top = f"octo-org-risk-register-{head[:7]}"
        data = tar.extractfile(names[f"{top}/risks/R-001-a.yaml"])
        assert data is not None
        assert data.read() == b"id: R-001\n"
    # The download is no API request: it costs no rate limit and has no operation.
    download = github_server.requests[-1]
    assert download.operation is None
    assert download.path.startswith("/_codeload/")
    assert github_server.set_files(REPO, files) == head  # the same files: no new commit
    assert github_server.set_files(REPO, {**files, "risks/R-002-b.yaml": "x"}) != head


def test_a_conditional_request_is_a_304_that_costs_no_rate_limit(
    github_server: FakeGitHub, http: Http
) -> None:
    github_server.set_files(REPO, {"a": "1"})
    path = f"/repos/{REPO}/commits/HEAD"
    sha = {"Accept": "application/vnd.github.sha"}
    first = http("GET", path, headers=sha)
    etag = first.headers["ETag"]
    used = int(first.headers["x-ratelimit-used"])
    again = http("GET", path, headers={**sha, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert int(again.headers["x-ratelimit-used"]) == used  # not counted
    # The JSON answer is another representation: another ETag.
    assert http("GET", path).headers["ETag"] != etag
    github_server.set_files(REPO, {"a": "2"})
    moved = http("GET", path, headers={**sha, "If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != etag


def test_an_organisations_repositories_and_their_custom_properties(
    github_server: FakeGitHub, http: Http
) -> None:
    for n in range(120):
        github_server.add_repo(
            f"acme/repo-{n:03d}",
            topics=["risk-register"] if n % 2 else [],
            properties={"risk-register": "true" if n % 3 == 0 else "false"},
        )
    github_server.add_repo("acme/hidden", visible=False, properties={"risk-register": "true"})
    first = http("GET", "/orgs/acme/repos", params={"per_page": 100})
    assert len(first.json()) == 100
    assert links(first)["next"]["page"] == ["2"]
    second = http("GET", "/orgs/acme/repos", params={"per_page": 100, "page": 2})
    names = [r["full_name"] for r in first.json() + second.json()]
    assert names == [f"acme/repo-{n:03d}" for n in range(120)]  # the hidden one is not listed
    assert first.json()[1]["topics"] == ["risk-register"]
    chosen = http(
        "GET",
        "/orgs/acme/properties/values",
        params={"repository_query": "props.risk-register:true", "per_page": 100},
    )
    assert [r["repository_name"] for r in chosen.json()] == [
        f"repo-{n:03d}" for n in range(0, 120, 3)
    ]
    assert chosen.json()[0]["properties"] == [{"property_name": "risk-register", "value": "true"}]
    assert (
        http(
            "GET", "/orgs/acme/properties/values", params={"repository_query": "stars:>1"}
        ).status_code
        == 422
    )
    assert http("GET", "/orgs/nobody/repos").status_code == 404
