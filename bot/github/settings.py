"""Settings from the standard GitHub Actions environment variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlparse

from bot.errors import UsageError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_BOT_LOGIN = "github-actions[bot]"
"""Who writes with the Actions GITHUB_TOKEN; RISKBOT_BOT_LOGIN names a PAT's or an App's login."""
REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?\Z")


TOKEN_FIX = "env: GITHUB_TOKEN: ${{ github.token }}"  # noqa: S105 - the setting, not a token
"""The step setting that gives riskbot the job's token (with the job's ``permissions:``)."""


class SettingsError(UsageError):
    """A missing or malformed setting: one line for the user, exit 2."""


def no_token_in_actions(command: str) -> SettingsError:
    """In Actions a missing token is a workflow that forgot it: a setup error, never a dry run."""
    return SettingsError(
        f"{command}: GITHUB_TOKEN is not set in GitHub Actions; give the step the job's token "
        f"(`{TOKEN_FIX}`), or pass --dry-run to only plan"
    )


class Secret:
    """A token that never shows itself: not in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything a GitHub command needs from its environment."""

    token: Secret | None
    repository: str | None
    api_url: str = DEFAULT_API_URL
    event_name: str | None = None
    event_path: str | None = None
    step_summary: str | None = None
    output: str | None = None
    sha: str | None = None
    server_url: str = "https://github.com"
    run_id: str | None = None
    bot_login: str = DEFAULT_BOT_LOGIN
    extra: Mapping[str, str] = field(default_factory=dict)
    in_actions: bool = False
    """Running in GitHub Actions (``GITHUB_ACTIONS=true``): a missing token is then a setup
    error, not a dry run."""

    @property
    def has_token(self) -> bool:
        return self.token is not None and bool(self.token)

    @property
    def run_url(self) -> str | None:
        """This workflow run's page (its step summaries), when the run is known."""
        if not self.repository or not self.run_id:
            return None
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"

    def blob_url(self, path: str, ref: str | None = None) -> str:
        """A link to a file of the repository at a commit (or the default branch).

        The path is percent-encoded: a file name with spaces, ``)``, ``>`` or a newline cannot
        end the link or the Markdown around it.
        """
        ref = ref or self.sha or "HEAD"
        return (
            f"{self.server_url.rstrip('/')}/{self.repository}/blob/{quote(ref, safe='')}/"
            f"{quote(path, safe='/')}"
        )


def _clean(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def from_env(env: Mapping[str, str], *, require_repository: bool = True) -> Settings:
    """Read and check the Actions variables; raise SettingsError naming the one that is wrong."""
    token_text = _clean(env, "GITHUB_TOKEN")
    if token_text is not None and any(c.isspace() for c in token_text):
        raise SettingsError("GITHUB_TOKEN is malformed (it contains white space)")
    repository = _clean(env, "GITHUB_REPOSITORY")
    if repository is None and require_repository:
        raise SettingsError("GITHUB_REPOSITORY is not set (expected owner/name)")
    if repository is not None and not REPO_RE.match(repository):
        raise SettingsError(
            f"GITHUB_REPOSITORY is malformed: expected owner/name, got {repository!r}"
        )
    api_url = _clean(env, "GITHUB_API_URL") or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"GITHUB_API_URL is malformed: {api_url!r} is not an http(s) URL")
    sha = _clean(env, "GITHUB_SHA")
    if sha is not None and not SHA_RE.match(sha):
        raise SettingsError(f"GITHUB_SHA is malformed: {sha!r} is not a commit id")
    server_url = _clean(env, "GITHUB_SERVER_URL") or "https://github.com"
    return Settings(
        token=Secret(token_text) if token_text else None,
        repository=repository,
        api_url=api_url.rstrip("/"),
        event_name=_clean(env, "GITHUB_EVENT_NAME"),
        event_path=_clean(env, "GITHUB_EVENT_PATH"),
        step_summary=_clean(env, "GITHUB_STEP_SUMMARY"),
        output=_clean(env, "GITHUB_OUTPUT"),
        sha=sha,
        server_url=server_url,
        run_id=_clean(env, "GITHUB_RUN_ID"),
        bot_login=_clean(env, "RISKBOT_BOT_LOGIN") or DEFAULT_BOT_LOGIN,
        in_actions=_clean(env, "GITHUB_ACTIONS") == "true",
    )
