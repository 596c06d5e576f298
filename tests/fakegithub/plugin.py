"""pytest plugin: a fake GitHub server and a real PyGithub client pointed at it.

Register with ``pytest_plugins = ["tests.fakegithub.plugin"]`` (or ``-p tests.fakegithub.plugin``).

Fixtures:

* ``github_server`` -> ``FakeGitHub``: fresh state, log, faults and settings for each test.  The
  HTTP server itself lives for the whole session (``fakegithub_session_server``) and is reset
  between tests.  At teardown the test fails if the server hit an internal error, or if any
  response it sent does not validate against GitHub's OpenAPI schema for that operation and
  status (``openapi_subset.json``); mark a test ``@pytest.mark.fakegithub_unchecked`` to skip
  those checks.
* ``github_client`` -> ``github.Github`` with ``base_url=server.url``, ``per_page=100``,
  ``retry=None`` and PyGithub's own throttling off; closed after the test.
* ``github_repo`` -> ``github.Repository.Repository`` for the server's repository (fetched
  with one GET, after which the request log is cleared, so tests count only their own calls).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github
from github.Repository import Repository
from jsonschema import Draft202012Validator

from tests.fakegithub.server import FakeGitHub, RequestRecord

SUBSET_PATH = Path(__file__).with_name("openapi_subset.json")
UNCHECKED_MARKER = "fakegithub_unchecked"


@functools.cache
def openapi_subset() -> dict[str, Any]:
    """The checked-in extract of GitHub's OpenAPI description (see extract_openapi.py)."""
    with SUBSET_PATH.open(encoding="utf-8") as handle:
        subset: dict[str, Any] = json.load(handle)
    return subset


@functools.cache
def response_validator(operation: str, status: int | str) -> Draft202012Validator | None:
    """Validator for the body of ``operation`` (``"GET /repos/{owner}/{repo}"``) at ``status``.

    None when the description documents no JSON body for that status (e.g. 204), or does not
    document the status at all.
    """
    subset = openapi_subset()
    entry = subset["operations"].get(operation, {}).get("responses", {}).get(str(status))
    if entry is None or entry["schema"] is None:
        return None
    root = {"components": subset["components"], **entry["schema"]}
    return Draft202012Validator(root)


def is_documented(operation: str, status: int | str) -> bool:
    responses = openapi_subset()["operations"].get(operation, {}).get("responses", {})
    return str(status) in responses


def schema_problems(records: Iterable[RequestRecord]) -> list[str]:
    """Every schema violation in the logged JSON responses (undocumented statuses skipped)."""
    problems: list[str] = []
    for record in records:
        if record.operation is None or record.fault is not None or not record.json:
            continue  # a fault's answer, or one that is not JSON (an archive, a commit id)
        validator = response_validator(record.operation, record.status)
        if validator is None:
            continue
        for error in list(validator.iter_errors(record.response_body))[:3]:
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            problems.append(
                f"{record.method} {record.path} -> {record.status} ({record.operation}): "
                f"{where}: {error.message[:300]}"
            )
    return problems


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{UNCHECKED_MARKER}: skip the fake GitHub server's schema and internal-error checks",
    )


@pytest.fixture(scope="session")
def fakegithub_session_server() -> Iterator[FakeGitHub]:
    """One running server for the session; use ``github_server`` for a clean state."""
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def github_server(
    fakegithub_session_server: FakeGitHub, request: pytest.FixtureRequest
) -> Iterator[FakeGitHub]:
    """The fake GitHub server, reset to a fresh repository for this test."""
    server = fakegithub_session_server
    if not server.running:  # a test stopped it
        server.start()
    server.reset()
    yield server
    errors = list(server.errors)
    problems = schema_problems(server.requests)
    server.reset()
    if request.node.get_closest_marker(UNCHECKED_MARKER) is not None:
        return
    if errors:
        pytest.fail("fake GitHub server error(s):\n" + "\n".join(errors), pytrace=False)
    if problems:
        pytest.fail(
            "fake GitHub responses do not match GitHub's OpenAPI schema:\n" + "\n".join(problems),
            pytrace=False,
        )


def make_client(server: FakeGitHub, token: str | None = None, **options: Any) -> Github:
    """A real PyGithub client for ``server``; close it when done (``client.close()``)."""
    settings: dict[str, Any] = {
        "base_url": server.url,
        "per_page": 100,
        "retry": None,
        "seconds_between_requests": 0,
        "seconds_between_writes": 0,
    }
    settings.update(options)
    return Github(auth=Auth.Token(token or server.token or "fake-token"), **settings)


@pytest.fixture
def github_client(github_server: FakeGitHub) -> Iterator[Github]:
    """``github.Github(auth=Auth.Token(...), base_url=server.url, per_page=100, retry=None)``."""
    client = make_client(github_server)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def github_repo(github_server: FakeGitHub, github_client: Github) -> Repository:
    """The server's repository through PyGithub; the request log is cleared afterwards."""
    repo = github_client.get_repo(github_server.state.full_name)
    github_server.reset_log()
    return repo
