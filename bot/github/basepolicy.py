"""Reading the base policy a repository's policy extends, from its own repository, at a commit.

Only `riskbot policy pull` reads another repository, with two reads: the commit a ref names
(``GET /repos/{o}/{r}/commits/{ref}``), then the file at that commit
(``GET /repos/{o}/{r}/contents/{path}?ref={commit}``). ``check`` never comes here: it reads the
copy this vendors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from github import GithubException
from requests.exceptions import RequestException

from bot.errors import RiskbotError, UsageError
from bot.github.api import GitHubApi, Limits, SetupFailed, StopRun
from bot.github.run import describe_error, scrub
from bot.github.settings import Settings
from bot.register import defaults
from bot.render.summary import Stats

CONTENTS_MAX_BYTES = 1024 * 1024
"""The contents API gives no content above this size; a policy is never that large."""


@dataclass(frozen=True)
class FetchedFile:
    """A file of a repository as it is at a commit."""

    repo: str
    path: str
    commit: str
    raw: bytes


def fetch_file(settings: Settings, repo: str, path: str, ref: str) -> FetchedFile:
    """``path`` of ``repo`` at the commit ``ref`` (a branch, tag or commit) names.

    Raises :class:`UsageError` (exit 2) for what the user must set up or correct (no token, a
    refused token, a repository or ref or file that is not there), :class:`RiskbotError`
    (exit 1) when GitHub could not answer.
    """
    if not settings.has_token:
        raise UsageError(
            f"GITHUB_TOKEN is not set: the base policy is read from {repo} through the GitHub "
            "API; set it to a token that can read that repository (on a laptop: "
            "GITHUB_TOKEN=$(gh auth token))"
        )
    there = replace(settings, repository=repo)
    api = GitHubApi(there, Limits(max_wait=defaults.BASE_POLICY_MAX_WAIT), Stats())
    try:
        try:
            commit = api.commit_of(ref)
        except GithubException as exc:
            if exc.status == 404:
                raise UsageError(
                    f"{repo}: no such repository, or this token cannot read it (404); a "
                    "private base needs a token that can (`contents: read` on it)"
                ) from None
            if exc.status == 422:
                raise UsageError(f"{repo} has no branch, tag or commit {ref!r}") from None
            raise
        try:
            found = api.contents(path, commit)
        except GithubException as exc:
            if exc.status == 404:
                raise UsageError(f"{repo} has no file {path} at {commit[:12]}") from None
            raise
    except SetupFailed as exc:
        raise UsageError(scrub(str(exc), there)) from None
    except (StopRun, GithubException, RequestException) as exc:
        detail = str(exc) if isinstance(exc, StopRun) else describe_error(exc)
        raise RiskbotError(scrub(f"{repo} could not be read: {detail}", there)) from None
    finally:
        api.close()
    if isinstance(found, list) or found.type != "file":
        what = "a folder" if isinstance(found, list) else f"a {found.type}"
        raise UsageError(f"{repo}:{path} is {what} at {commit[:12]}, not a file")
    if found.encoding != "base64" or found.size > CONTENTS_MAX_BYTES:
        raise UsageError(f"{repo}:{path} is {found.size} bytes: more than a policy can be")
    return FetchedFile(repo, path, commit, found.decoded_content)
