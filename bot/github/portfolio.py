"""Reading other repositories' registers through the API, in few requests, conditionally.

Each repository is first asked for its branch's commit, as text (``GET …/commits/{branch}`` with
``Accept: application/vnd.github.sha``: 40 bytes, with an ETag), conditional on the ETag the last
run saw (``If-None-Match``). Unchanged, GitHub answers 304, which costs no rate limit, and the
last run's summary is used as it is. A first run, or a branch that moved, then asks for the
archive of that very commit (``GET …/tarball/{commit}``: the API's redirect) and downloads it
from where the redirect points (codeload, on GitHub: a download, not an API request, that costs
no rate limit). So a first run costs 2 API requests and a download per repository, and every
rerun of an unchanged repository one request answered 304. The branch is the hub file's, else
the default branch the organisation's listing names, else ``HEAD`` (the default branch).

A repository that cannot be read (missing, private to the token, rate-limited, failing) is
named with its reason, and the others are read all the same. Only the register's files are kept
from the archive (the policy, the base policy vendored beside it, and ``risks/``), and links are
refused, as in a working tree.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from requests.exceptions import HTTPError, RequestException

from bot.github.api import PER_PAGE, Limits, SetupFailed, client
from bot.github.settings import TOKEN_FIX, Settings
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, RISKS_DIR, SourceFile
from bot.register.portfolio import Known, Listed, ReadFailure, RegisterSummary
from bot.repo.git import linked

SHA_MEDIA_TYPE = "application/vnd.github.sha"
COMMIT_ID = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
"""A commit id as the sha media type gives it (SHA-1, or SHA-256 in a repository that uses it)."""
CHUNK = 1 << 16
MAX_ARCHIVE_BYTES = 256 << 20
"""A repository whose archive is larger is named as not read (its register is not worth that)."""


@dataclass
class ReadStats:
    """Requests made, by kind, and what became of each repository."""

    requests: int = 0
    """API requests (those that count against the rate limit, unless answered 304)."""
    not_modified: int = 0
    """API requests answered 304: they cost no rate limit."""
    downloads: int = 0
    """Archives downloaded from where the API redirected: no API requests."""
    archives: int = 0
    unchanged: int = 0
    waited: float = 0.0
    per_repo: dict[str, int] = field(default_factory=dict)
    """API requests per repository."""


Summarize = Callable[[str, str, SourceFile | None, list[SourceFile]], RegisterSummary]
"""(repository, commit, policy file, risk files) → the register's summary."""


class Answer:
    """One HTTP answer: status, headers (lower-case names) and body."""

    def __init__(self, status: int, headers: Mapping[str, Any], body: bytes | str) -> None:
        self.status = status
        self.headers = {k.lower(): str(v) for k, v in headers.items()}
        self.body = body

    def text(self) -> str:
        return self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body


class Refused(Exception):
    """A repository GitHub will not give: the reason, for the portfolio to name."""


class RegisterReader:
    """Reads registers of many repositories with one token (an App's, to see private ones)."""

    def __init__(
        self,
        settings: Settings,
        limits: Limits,
        stats: ReadStats | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if settings.token is None:
            raise ValueError("a token is needed to read other repositories")
        self.limits = limits
        self.stats = stats or ReadStats()
        self._sleep = sleep
        self._clock = clock
        self._retries = 0
        self._gh = client(settings, limits)
        self._requester = self._gh.requester
        self._etags: dict[str, str | None] = {}

    def close(self) -> None:
        self._gh.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _count(self, repo: str | None) -> None:
        """One API request (for ``repo``; None: the organisation's listing)."""
        self.stats.requests += 1
        if repo is not None:
            self.stats.per_repo[repo] = self.stats.per_repo.get(repo, 0) + 1

    def _get(self, url: str, headers: dict[str, str], repo: str | None) -> Answer:
        """One GET, retried after a 5xx or a lost connection, or a short rate limit."""
        attempt = 0
        while True:
            self._count(repo)
            try:
                status, got, body = self._requester.requestJson("GET", url, headers=dict(headers))
            except RequestException as exc:
                answer = Answer(0, {}, type(exc).__name__)
            else:
                answer = Answer(status, got, body)
            if self._should_retry(answer, attempt):
                attempt += 1
                continue
            return answer

    def _should_retry(self, answer: Answer, attempt: int) -> bool:
        status = answer.status
        if status == 401:
            raise SetupFailed(
                f"GitHub refused the token (401): give the step a token that can read the "
                f"repositories (an App installation token; `{TOKEN_FIX}` reads only its own)"
            )
        wait = _rate_limit_wait(answer, self._clock())
        if wait is not None:
            if wait > self.limits.max_wait or self.stats.waited + wait > self.limits.total_wait:
                return False
            if not self._spend_retry():
                return False
            self.stats.waited += wait
            self._sleep(wait)
            return True
        if (status == 0 or status >= 500) and attempt < self.limits.read_retries:
            if not self._spend_retry():
                return False
            self._sleep(min(2.0 ** (attempt + 1), 10.0))
            return True
        return False

    def _spend_retry(self) -> bool:
        self._retries += 1
        return self._retries <= self.limits.max_retries

    # -- which repositories -------------------------------------------------------------------
    def organisation(
        self, org: str, *, topic: str | None = None, prop: tuple[str, str] | None = None
    ) -> list[Listed]:
        """The organisation's repositories the token sees, with ``topic`` and ``prop`` (name,
        value), each on its default branch: its listing, 100 a page (and, for a custom
        property, GitHub's own filter of the property values)."""
        chosen = None
        if prop is not None:
            query = quote(f"props.{prop[0]}:{prop[1]}", safe=":")
            rows = self._pages(f"/orgs/{quote(org)}/properties/values?repository_query={query}")
            chosen = {str(r["repository_full_name"]) for r in rows}
        found = []
        for repo in self._pages(f"/orgs/{quote(org)}/repos?type=all&sort=full_name"):
            name = str(repo["full_name"])
            if repo.get("archived"):
                continue
            if topic is not None and topic not in (repo.get("topics") or []):
                continue
            if chosen is not None and name not in chosen:
                continue
            found.append(Listed(name, repo.get("default_branch") or None))
        return sorted(found, key=lambda x: x.repo.lower())

    def _pages(self, url: str) -> Iterator[dict[str, Any]]:
        sep = "&" if "?" in url else "?"
        page = 1
        while True:
            answer = self._get(f"{url}{sep}per_page={PER_PAGE}&page={page}", {}, None)
            if answer.status != 200:
                raise SetupFailed(f"cannot list {url.split('?')[0]}: {_why(answer)}")
            items = json.loads(answer.text() or "[]")
            yield from items
            if len(items) < PER_PAGE:
                return
            page += 1

    # -- one register -------------------------------------------------------------------------
    def read(
        self, source: Listed, known: Known | None, summarize: Summarize
    ) -> RegisterSummary | ReadFailure | None:
        """The register of one repository: its summary, a failure, or None when it has not
        changed since ``known`` (the caller keeps the last run's summary)."""
        repo = source.repo
        try:
            commit = self._probe(repo, source.branch or "HEAD", known)
            if commit is None or (known is not None and commit == known.commit):
                self.stats.unchanged += 1
                return None
            found, policy, risks = self._archive(repo, commit)
            return summarize(repo, found, policy, risks)
        except Refused as exc:
            return ReadFailure(repo, str(exc))

    def etag(self, repo: str) -> str | None:
        """The ETag of the repository's last probe (to send next run)."""
        return self._etags.get(repo)

    def _probe(self, repo: str, ref: str, known: Known | None) -> str | None:
        """The branch's commit id, or None when it is the one ``known`` (a 304: GitHub's answer
        to the ETag the last run saw). The answer's ETag is kept for the next run."""
        headers = {"Accept": SHA_MEDIA_TYPE}
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        answer = self._get(f"/repos/{repo}/commits/{quote(ref, safe='')}", headers, repo)
        etag = answer.headers.get("etag")
        if answer.status == 304:
            self.stats.not_modified += 1
            self._etags[repo] = etag or (known.etag if known is not None else None)
            return None
        if answer.status != 200:
            raise Refused(_why(answer))
        commit = answer.text().strip()
        if not COMMIT_ID.fullmatch(commit):
            raise Refused("GitHub answered no commit id for the branch")
        self._etags[repo] = etag
        return commit

    def _archive(self, repo: str, commit: str) -> tuple[str, SourceFile | None, list[SourceFile]]:
        """The register's files from the commit's archive: (commit, policy, risk files). One
        API request (GitHub's redirect), then the download it points to."""
        url = f"/repos/{repo}/tarball/{commit}"
        attempt = 0
        while True:
            self._count(repo)  # the API's redirect
            try:
                _, _, chunks = self._requester.getStream(url, chunk_size=CHUNK)
                self.stats.downloads += 1
                data = _bounded(chunks)
                break
            except HTTPError as exc:
                response = exc.response
                answer = Answer(
                    response.status_code if response is not None else 0,
                    dict(response.headers) if response is not None else {},
                    response.text if response is not None else "",
                )
                if response is not None and "/tarball/" not in (response.url or ""):
                    self.stats.downloads += 1  # redirected, and the download failed
                if self._should_retry(answer, attempt):
                    attempt += 1
                    continue
                raise Refused(_why(answer)) from None
            except RequestException as exc:
                answer = Answer(0, {}, type(exc).__name__)
                if self._should_retry(answer, attempt):
                    attempt += 1
                    continue
                raise Refused(_why(answer)) from None
        self.stats.archives += 1
        return read_archive(data)


def _bounded(chunks: Iterable[bytes]) -> bytes:
    out = io.BytesIO()
    for chunk in chunks:
        out.write(chunk)
        if out.tell() > MAX_ARCHIVE_BYTES:
            raise Refused(f"archive larger than {MAX_ARCHIVE_BYTES >> 20} MiB: not read")
    return out.getvalue()


def read_archive(data: bytes) -> tuple[str, SourceFile | None, list[SourceFile]]:
    """(commit, policy, risk files) of a repository archive as GitHub makes it: ``git
    archive``'s pax header names the commit; one top folder; links refused, never followed. The
    policy carries the base policy vendored beside it, if any (an inherited policy)."""
    policy: SourceFile | None = None
    base: SourceFile | None = None
    risks: list[SourceFile] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as tar:
            commit = ""
            for member in tar:
                commit = commit or str(tar.pax_headers.get("comment", ""))
                _, _, name = member.name.partition("/")
                if name == POLICY_PATH:
                    if member.issym() or member.islnk():
                        policy = linked(name)
                    elif member.isfile():
                        policy = SourceFile(name, _read(tar, member))
                elif name == BASE_POLICY_PATH:
                    if member.issym() or member.islnk():
                        base = linked(name)
                    elif member.isfile():
                        base = SourceFile(name, _read(tar, member))
                elif name == RISKS_DIR and (member.issym() or member.islnk()):
                    risks.append(linked(name))
                elif name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES):
                    if member.issym() or member.islnk():
                        risks.append(linked(name))
                    elif member.isfile():
                        risks.append(SourceFile(name, _read(tar, member)))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise Refused(f"the archive could not be read ({type(exc).__name__})") from None
    if not commit:
        raise Refused("the archive names no commit")
    if policy is not None and policy.refused is None and base is not None:
        policy = policy._replace(base=base)
    risks.sort(key=lambda s: s.name)
    return commit, policy, risks


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    return handle.read() if handle is not None else b""


def _rate_limit_wait(answer: Answer, now: float) -> float | None:
    """Seconds until a rate limit clears (403/429), or None when the answer is no rate limit."""
    if answer.status not in (403, 429):
        return None
    retry_after = answer.headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if answer.headers.get("x-ratelimit-remaining") == "0":
        reset = answer.headers.get("x-ratelimit-reset", "")
        return max(0.0, int(reset) - now) + 1 if reset.isdigit() else 60.0
    if "rate limit" in answer.text().lower() or answer.status == 429:
        return 60.0
    return None


def _why(answer: Answer) -> str:
    """Why a repository was not read, in a few words."""
    status = answer.status
    if status == 0:
        return f"GitHub could not be reached ({answer.text()})"
    if status == 404:
        return "not found (404): missing, or private to this token"
    if status in (403, 429) and _rate_limit_wait(answer, 0.0) is not None:
        return f"rate-limited ({status}); not read this run"
    if status == 403:
        return "forbidden (403): the token may not read it"
    if status == 409:
        return "empty repository (409)"
    if status == 422:
        return "no such branch (422)"
    return f"GitHub answered {status}"


def read_all(
    reader: RegisterReader,
    sources: Sequence[Listed],
    known: Mapping[str, Known],
    summarize: Summarize,
    last: Mapping[str, RegisterSummary],
) -> tuple[list[RegisterSummary], list[ReadFailure], dict[str, Known]]:
    """Every register: read, or the last run's summary when unchanged; the failures named.
    Returns (summaries, failures, what to remember for the next run)."""
    summaries: list[RegisterSummary] = []
    failures: list[ReadFailure] = []
    seen: dict[str, Known] = {}
    for source in sources:
        previous = last.get(source.repo)
        hint = known.get(source.repo) if previous is not None else None
        got = reader.read(source, hint, summarize)
        if got is None and previous is not None:
            summaries.append(previous)
            seen[source.repo] = Known(previous.commit, reader.etag(source.repo))
        elif isinstance(got, ReadFailure):
            failures.append(got)
        elif got is not None:
            summaries.append(got)
            seen[source.repo] = Known(got.commit, reader.etag(source.repo))
    return summaries, failures, seen
