"""`riskbot portfolio` against the local GitHub server hosting many repositories.

Some registers are sound, one fails its own check, one repository is missing, one is private to
the token, one is rate-limited: the figures of the issue hold (at most 2 requests per repository
on a first run, one conditional request on a rerun of unchanged ones, answered 304 once the
ETag is known), the shared releases' odds are the single-register computation on the union of
the risks, and shards merged give the one job's documents byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import __version__
from bot.documents import portfolio as docs
from bot.github.api import Limits
from bot.github.portfolio import ReadStats, RegisterReader, read_all, read_archive
from bot.github.settings import from_env
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.load import Register, SourceFile, build_register, load_policy
from bot.register.odds import odds_for
from bot.register.portfolio import Listed, Portfolio, heat_maps, shared_releases
from bot.register.presets import preset_policy
from bot.render.markdown import escape_cell, escape_text
from bot.render.matrix import render_markdown
from tests.cli import run_riskbot
from tests.factories import POLICY, RISKS, outcome, risk_yaml
from tests.fakegithub.server import FakeGitHub, Fault

TODAY = dt.date(2026, 11, 27)
ORG = "acme"


def register_files(variant: int = 0) -> dict[str, bytes]:
    """The frozen register's files; ``variant`` shifts some levels so registers differ."""
    files = {".github/riskbot.yml": POLICY.read_bytes()}
    for path in sorted(RISKS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if variant and data["id"] in ("R-004", "R-006"):
            data["impact"]["level"] = min(5, data["impact"]["level"] + variant)
            data.pop("score", None)
            data.pop("band", None)
        files[f"risks/{path.name}"] = yaml.safe_dump(data, sort_keys=False).encode()
    return files


def with_outcomes(files: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(files)
    out["risks/R-011-outcome.yaml"] = risk_yaml(
        "R-011",
        title="Vendor slips",
        phase="v3+",
        category="Organizational",
        owner="Team Lead",
        outcome=[outcome("v3", True), outcome("v4", False)],
    ).encode()
    return out


@pytest.fixture
def many(github_server: FakeGitHub) -> dict[str, Any]:
    """Six sound registers, one failing its check, and three repositories that cannot be read:
    missing, private to the token, rate-limited."""
    sound = [f"{ORG}/team-{n}" for n in range(6)]
    for n, name in enumerate(sound):
        files = register_files(n % 2)
        if n == 0:
            files = with_outcomes(files)
        github_server.add_repo(name, files, properties={"risk-register": "true"})
    broken = register_files()
    broken["risks/R-003-byzantine-failure.yaml"] = b"id: [unclosed\n"
    github_server.add_repo(f"{ORG}/broken", broken, properties={"risk-register": "true"})
    github_server.add_repo(f"{ORG}/secret", register_files(), visible=False)
    github_server.add_repo(
        f"{ORG}/busy", register_files(), properties={"risk-register": "true"}, private=True
    )
    github_server.inject(Fault.too_many_requests(5, path=rf"/repos/{ORG}/busy/.*", times=10_000))
    github_server.add_repo(f"{ORG}/website", {"README.md": "no register\n"})
    listed = [*sound, f"{ORG}/broken", f"{ORG}/missing", f"{ORG}/secret", f"{ORG}/busy"]
    return {"sound": sound, "listed": listed}


def reader_for(server: FakeGitHub, stats: ReadStats | None = None) -> RegisterReader:
    settings = from_env(
        {"GITHUB_TOKEN": server.token or "t", "GITHUB_API_URL": server.url},
        require_repository=False,
    )
    # Rate limits are waited out only briefly: the busy repository is named, not waited for.
    return RegisterReader(settings, Limits(max_wait=1, read_retries=0), stats, sleep=lambda s: None)


def summarize(repo: str, commit: str, policy: Any, risks: Any) -> Any:
    return docs.summarize_sources(repo, commit, policy, risks, TODAY)


def read(
    server: FakeGitHub, repos: list[str], last: docs.Loaded | None = None
) -> tuple[docs.Loaded, ReadStats]:
    stats = ReadStats()
    reader = reader_for(server, stats)
    try:
        cached = {s.repo: s for s in last.portfolio.registers} if last else {}
        summaries, failures, seen = read_all(
            reader, [Listed(r) for r in repos], last.known if last else {}, summarize, cached
        )
    finally:
        reader.close()
    return docs.Loaded(Portfolio(summaries, failures), seen), stats


def per_repo(server: FakeGitHub) -> tuple[Counter[str], Counter[str]]:
    """(API requests, archive downloads) the server saw per repository. A download is no API
    request: codeload serves it on GitHub, and it costs no rate limit."""
    api: Counter[str] = Counter()
    downloads: Counter[str] = Counter()
    for record in server.requests:
        parts = record.path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] in ("repos", "_codeload"):
            counter = api if parts[0] == "repos" else downloads
            counter[f"{parts[1]}/{parts[2]}"] += 1
    return api, downloads


# --- economy -------------------------------------------------------------------------------------


def test_first_run_two_api_requests_a_repository_every_rerun_one_answered_304(
    github_server: FakeGitHub, many: dict[str, Any]
) -> None:
    listed = many["listed"]
    first, stats = read(github_server, listed)
    readable = [*many["sound"], f"{ORG}/broken"]
    api, downloads = per_repo(github_server)
    # The branch's commit (with its ETag), then the archive of that commit: the API's redirect,
    # and the download it points to.
    assert all(api[r] == 2 for r in readable), api
    assert all(downloads[r] == 1 for r in readable), downloads
    assert stats.requests == sum(api.values())
    assert stats.per_repo == dict(api)  # the reader counts what the server saw
    assert (stats.downloads, stats.archives) == (len(readable), len(readable))
    for repo in readable:
        head = github_server.repo_state(repo).head_sha
        paths = [r.path for r in github_server.requests if f"/{repo}/" in r.path]
        assert paths[:2] == [f"/repos/{repo}/commits/HEAD", f"/repos/{repo}/tarball/{head}"]
        assert first.known[repo].etag  # kept for the next run
    assert sorted(f.repo for f in first.portfolio.failures) == [
        f"{ORG}/busy",
        f"{ORG}/missing",
        f"{ORG}/secret",
    ]
    assert {s.repo for s in first.portfolio.registers} == set(readable)

    # The first rerun already asks conditionally: one request each, answered 304, which costs
    # no rate limit; no archive.
    github_server.reset_log()
    before = github_server.rate_used
    second, stats = read(github_server, listed, first)
    api, downloads = per_repo(github_server)
    assert all(api[r] == 1 for r in readable), api
    assert not downloads
    probes = [r for r in github_server.requests if "/commits/" in r.path]
    assert {r.path.split("/")[3] for r in probes if r.status == 304} == {
        r.split("/")[1] for r in readable
    }
    assert (stats.not_modified, stats.unchanged, stats.archives) == (len(readable), 7, 0)
    refused = sum(api[r] for r in listed if r not in readable)  # asked again, refused again
    assert github_server.rate_used - before <= refused, "a 304 costs no rate limit"
    assert [s.as_json() for s in second.portfolio.registers] == [
        s.as_json() for s in first.portfolio.registers
    ]
    assert all(second.known[r] == first.known[r] for r in readable)
    # A repository that moved is read again: the probe (200) and the new commit's archive.
    github_server.reset_log()
    moved = f"{ORG}/team-1"
    head = github_server.set_files(moved, register_files(2))
    third, stats = read(github_server, listed, second)
    api, downloads = per_repo(github_server)
    assert (api[moved], downloads[moved]) == (2, 1)
    assert f"/repos/{moved}/tarball/{head}" in [r.path for r in github_server.requests]
    assert (stats.archives, stats.not_modified) == (1, len(readable) - 1)
    changed = {s.repo: s for s in third.portfolio.registers}[moved]
    assert changed.commit == head
    assert third.known[moved].etag != second.known[moved].etag


def test_an_organisations_repository_is_read_on_its_default_branch(
    github_server: FakeGitHub,
) -> None:
    github_server.add_repo(f"{ORG}/trunk", register_files(), default_branch="trunk")
    github_server.add_repo(f"{ORG}/pinned", register_files(), default_branch="trunk")
    reader = reader_for(github_server)
    try:
        found = reader.organisation(ORG)
    finally:
        reader.close()
    assert found == [Listed(f"{ORG}/pinned", "trunk"), Listed(f"{ORG}/trunk", "trunk")]
    # A branch the hub names wins; a repository the hub alone names is read at HEAD.
    hub = docs.Hub("t", (Listed(f"{ORG}/pinned", "release"), Listed(f"{ORG}/other")), ORG)
    assert docs.chosen(hub, found) == [
        Listed(f"{ORG}/other"),
        Listed(f"{ORG}/pinned", "release"),
        Listed(f"{ORG}/trunk", "trunk"),
    ]
    github_server.reset_log()
    stats = ReadStats()
    reader = reader_for(github_server, stats)
    try:
        read_all(reader, [Listed(f"{ORG}/trunk", "trunk")], {}, summarize, {})
    finally:
        reader.close()
    assert github_server.requests[0].path == f"/repos/{ORG}/trunk/commits/trunk"
    assert (stats.requests, stats.downloads, stats.archives) == (2, 1, 1)


def test_a_failing_repository_is_named_and_the_rest_still_report(
    github_server: FakeGitHub, many: dict[str, Any], tmp_path: Path
) -> None:
    current, _ = read(github_server, many["listed"])
    markdown, data = docs.documents("Acme", current, None, TODAY)
    reasons = {f.repo: f.reason for f in current.portfolio.failures}
    assert reasons[f"{ORG}/missing"].startswith("not found (404)")
    assert reasons[f"{ORG}/secret"].startswith("not found (404)")  # GitHub hides private ones
    assert reasons[f"{ORG}/busy"].startswith("rate-limited (429)")
    for repo in reasons:
        assert escape_text(repo) in markdown.split("## Not read")[1]
    failing = markdown.split("## Registers that fail their own check")[1]
    assert f"**{escape_text(ORG + '/broken')}**" in failing
    assert "R-003-byzantine-failure.yaml" in failing
    assert json.loads(data)["counts"][0]["repo"] == f"{ORG}/broken"


# --- the documents -------------------------------------------------------------------------------


def test_counts_flagged_risks_heat_map_and_calibration(
    github_server: FakeGitHub, many: dict[str, Any]
) -> None:
    current, _ = read(github_server, many["sound"])
    markdown, data = docs.documents("Acme", current, None, TODAY, "https://github.example")
    doc = json.loads(data)
    register = build_register(
        SourceFile(".github/riskbot.yml", POLICY.read_bytes()),
        [SourceFile(f"risks/{p.name}", p.read_bytes()) for p in sorted(RISKS.glob("*.yaml"))],
        TODAY,
    )
    assert isinstance(register, Register)
    top = register.policy.method.issue_bands
    # Counts per band, in the policy's band order, for each register.
    team2 = next(c for c in doc["counts"] if c["repo"] == f"{ORG}/team-2")
    expected = Counter(a.band.name for a in register.assessments if a.risk.is_open)
    assert team2["bands"] == {b.name: expected[b.name] for b in register.policy.bands}
    assert list(team2["bands"]) == [b.name for b in register.policy.bands]
    # Every open risk of an issue band, with a link to its file at the commit read.
    flagged = [f for f in doc["flagged"] if f["repo"] == f"{ORG}/team-2"]
    in_top = sorted(a.risk.id for a in register.assessments if a.risk.is_open and a.band in top)
    assert sorted(f["id"] for f in flagged) == in_top
    commit = github_server.repo_state(f"{ORG}/team-2").head_sha
    assert flagged[0]["url"].startswith(f"https://github.example/{ORG}/team-2/blob/{commit}/risks/")
    assert f"[{flagged[0]['id']}]({flagged[0]['url']})" in markdown
    # One heat map over the registers (they share the plan's grid): open risks per cell.
    heat = markdown.split("## Heat map")[1].split("##")[0]
    assert "over 6 registers" in heat
    opened = sum(len([r for r in s.risks if r.open]) for s in current.portfolio.registers)
    assert sum(int(n) for n in re.findall(r"×(\d+)", heat)) == opened
    # Calibration: team-0's two outcomes, by repository, category and owner.
    by = {(c["by"], c["group"]): c for c in doc["calibration"]}
    assert by[("repository", f"{ORG}/team-0")]["outcomes"] == 2
    assert by[("category", "Organizational")]["occurred"] == 1
    assert by[("owner", "Team Lead")]["outcomes"] == 2
    assert "### By probability level" in markdown


def test_shared_release_odds_equal_the_single_register_computation_on_the_union(
    github_server: FakeGitHub, many: dict[str, Any]
) -> None:
    repos = many["sound"][:3]
    current, _ = read(github_server, repos)
    shared = {s.release: s for s in shared_releases(current.portfolio)}
    assert set(shared) == {"v2", "v3", "v4", "v5"}
    # The same risks as one register: every repository's risks, renamed apart, in one policy.
    union = []
    names: dict[str, str] = {}
    for n, repo in enumerate(repos):
        files = github_server.repo_state(repo).files
        sources = [SourceFile(k, v) for k, v in files.items() if k.startswith("risks/")]
        one = build_register(SourceFile(".github/riskbot.yml", POLICY.read_bytes()), sources, TODAY)
        assert isinstance(one, Register)
        for a in one.assessments:
            new_id = f"R-{(n + 1) * 100 + int(a.risk.id[2:]):04d}"
            names[new_id] = f"{repo}:{a.risk.id}"
            union.append(dataclasses.replace(a.risk, id=new_id))
    assert isinstance(one, Register)
    single = {o.release: o for o in odds_for(one.policy, union)}
    for release, s in shared.items():
        expected = single[release]
        assert s.odds is not None
        assert s.odds.exceed == expected.exceed
        assert s.odds.quantiles == expected.quantiles
        assert s.odds.distribution == expected.distribution
        assert [(d.id, d.lowers_by) for d in s.odds.drivers] == [
            (names[d.id], d.lowers_by) for d in expected.drivers
        ]
    assert all(":" in d.id for s in shared.values() if s.odds for d in s.odds.top)


def test_the_shared_release_buffer_is_the_smallest_declared(github_server: FakeGitHub) -> None:
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for release in policy["releases"]:
        if release["name"] == "v3":
            release["buffer_weeks"] = 1
    files = register_files()
    github_server.add_repo(f"{ORG}/a", files)
    github_server.add_repo(f"{ORG}/b", {**files, ".github/riskbot.yml": yaml.safe_dump(policy)})
    current, _ = read(github_server, [f"{ORG}/a", f"{ORG}/b"])
    v3 = next(s for s in shared_releases(current.portfolio) if s.release == "v3")
    assert v3.odds is not None
    assert v3.odds.buffer_weeks == 1
    assert v3.buffers_differ
    markdown, _ = docs.documents("x", current, None, TODAY)
    assert "their buffers differ" in markdown


def test_what_changed_since_the_last_run(github_server: FakeGitHub, many: dict[str, Any]) -> None:
    first, _ = read(github_server, many["listed"])
    markdown, _ = docs.documents("Acme", first, None, TODAY)
    assert "This is the first run" in markdown
    files = register_files()
    raised = yaml.safe_load(files["risks/R-004-ml-recommendation-bias.yaml"])
    raised["impact"]["level"], raised["probability"]["level"] = 5, 5
    files["risks/R-004-ml-recommendation-bias.yaml"] = yaml.safe_dump(raised).encode()
    del files["risks/R-010-documentation-gaps.yaml"]
    github_server.set_files(f"{ORG}/team-2", files)
    github_server.set_files(f"{ORG}/broken", register_files())
    github_server.clear_faults()  # the busy repository can be read now
    second, _ = read(github_server, many["listed"], first)
    markdown, data = docs.documents("Acme", second, first, TODAY)
    found = {(c["repo"], c["risk"]): c["what"] for c in json.loads(data)["changes"]}
    assert found[(f"{ORG}/team-2", "R-004")] == "Yellow → Red (score 9 → 25)"
    assert found[(f"{ORG}/team-2", "R-010")] == "removed"
    assert found[(f"{ORG}/broken", None)] == "passes its own check again"
    assert found[(f"{ORG}/busy", None)] == "read again"
    assert "Yellow → Red (score 9 → 25)" in markdown.split("## Changes since the last run")[1]


def test_sharded_reads_merge_into_the_single_jobs_documents_byte_for_byte(
    github_server: FakeGitHub, many: dict[str, Any], tmp_path: Path
) -> None:
    listed = [Listed(r) for r in many["listed"]]
    whole, _ = read(github_server, many["listed"])
    single = docs.documents("Acme", whole, None, TODAY)
    for n in (1, 2, 3, 5):
        parts = []
        for k in range(1, n + 1):
            repos = [x.repo for x in docs.shard_of(listed, (k, n))]
            part, _ = read(github_server, repos)
            path = tmp_path / f"shard-{n}-{k}.json"
            path.write_text(docs.shard_json((k, n), part.portfolio, part.known), encoding="utf-8")
            parts.append(docs.read_json(path))
        assert sum(len(docs.shard_of(listed, (k, n))) for k in range(1, n + 1)) == len(listed)
        merged = docs.documents("Acme", docs.merge(parts), None, TODAY)
        assert merged == single, f"{n} shards"
    with pytest.raises(Exception, match="two shards"):
        docs.merge([docs.read_json(tmp_path / "shard-1-1.json")] * 2)


# --- discovery ------------------------------------------------------------------------------


def test_an_organisation_by_custom_property_or_topic(
    github_server: FakeGitHub, many: dict[str, Any]
) -> None:
    github_server.repo_state(f"{ORG}/team-3").topics = ["risk-register"]
    reader = reader_for(github_server)
    try:
        by_property = reader.organisation(ORG, prop=("risk-register", "true"))
        by_topic = reader.organisation(ORG, topic="risk-register")
        both = reader.organisation(ORG, topic="risk-register", prop=("risk-register", "true"))
        everything = reader.organisation(ORG)
    finally:
        reader.close()
    assert [x.repo for x in by_property] == sorted([*many["sound"], f"{ORG}/broken", f"{ORG}/busy"])
    assert [x.repo for x in by_topic] == [x.repo for x in both] == [f"{ORG}/team-3"]
    assert all(x.branch == "main" for x in everything)  # each on its default branch
    assert f"{ORG}/secret" not in [x.repo for x in everything]  # the token does not see it
    assert f"{ORG}/website" in [x.repo for x in everything]
    hub = docs.Hub("t", (Listed(f"{ORG}/team-0", "main"),), ORG, exclude=frozenset({f"{ORG}/busy"}))
    assert [x.repo for x in docs.chosen(hub, by_property)] == sorted(
        [*many["sound"], f"{ORG}/broken"]
    )


# --- archives ------------------------------------------------------------------------------------


def tarball(entries: list[tuple[str, bytes | None, str | None]], commit: str | None) -> bytes:
    raw = io.BytesIO()
    headers = {"comment": commit} if commit else {}
    with tarfile.open(
        fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers=headers
    ) as tar:
        for name, data, link in entries:
            info = tarfile.TarInfo(f"top/{name}")
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            else:
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))
    return raw.getvalue()


def test_an_archive_gives_only_the_register_and_refuses_links() -> None:
    data = tarball(
        [
            (".github/riskbot.yml", b"p", None),
            ("risks/R-001-a.yaml", b"a", None),
            ("risks/R-002-b.yaml", None, "/etc/passwd"),
            ("risks/notes.txt", b"n", None),
            ("src/app.py", b"x", None),
        ],
        "a" * 40,
    )
    commit, policy, risks = read_archive(data)
    assert commit == "a" * 40
    assert policy == SourceFile(".github/riskbot.yml", b"p")
    assert [r.name for r in risks] == ["risks/R-001-a.yaml", "risks/R-002-b.yaml"]
    assert risks[1].refused is not None


def test_an_inherited_policy_is_read_with_the_base_vendored_beside_it(
    github_server: FakeGitHub,
) -> None:
    """A register whose policy extends a base is resolved with the copy its archive holds; a
    copy that is not the pinned one fails that register's check, and only that one."""
    base = POLICY.read_bytes()
    policy = (
        "version: 1\n"
        "extends:\n"
        "  repo: acme/.github\n"
        "  path: riskbot/base.yml\n"
        '  ref: "0123456789abcdef0123456789abcdef01234567"\n'
        f'  sha256: "{hashlib.sha256(base).hexdigest()}"\n'
        "program: Payments\n"
    )
    inherited: dict[str, bytes | str] = {
        **register_files(),
        ".github/riskbot.yml": policy,
        BASE_POLICY_PATH: base,
    }
    github_server.add_repo(f"{ORG}/pinned", inherited)
    github_server.add_repo(f"{ORG}/drifted", {**inherited, BASE_POLICY_PATH: base + b"# edit\n"})
    done, _ = read(github_server, [f"{ORG}/pinned", f"{ORG}/drifted"])
    by_repo = {s.repo: s for s in done.portfolio.registers}
    assert by_repo[f"{ORG}/pinned"].ok, by_repo[f"{ORG}/pinned"].findings
    assert len(by_repo[f"{ORG}/pinned"].risks) == len(register_files()) - 1
    drifted = by_repo[f"{ORG}/drifted"]
    assert not drifted.ok
    assert "does not match its pin" in drifted.findings[0]


@pytest.mark.parametrize(
    "data",
    [b"not a tarball", tarball([("a", b"b", None)], None)],
    ids=["not a tarball", "no commit in its header"],
)
def test_an_unreadable_archive_is_a_named_failure(data: bytes) -> None:
    from bot.github.portfolio import Refused

    with pytest.raises(Refused):
        read_archive(data)


# --- the command ---------------------------------------------------------------------------------


def test_the_command_writes_the_documents_and_exits_1_when_a_repository_was_not_read(
    github_server: FakeGitHub, many: dict[str, Any], tmp_path: Path
) -> None:
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "portfolio.yml").write_text(
        "# yaml-language-server: $schema=schema/portfolio.schema.json\n"
        f"title: Acme risks\norganization: {ORG}\n"
        "property: {name: risk-register, value: true}\n"
        f"repositories: [{ORG}/missing]\n",
        encoding="utf-8",
    )
    env = {
        "GITHUB_TOKEN": github_server.token or "",
        "GITHUB_API_URL": github_server.url,
    }
    args = (
        "portfolio",
        "--hub",
        str(hub / "portfolio.yml"),
        "--today",
        TODAY.isoformat(),
        "--max-wait",
        "0",
    )
    done = run_riskbot(*args, env=env)
    assert done.returncode == 1, done.stderr
    assert f"not read: {ORG}/missing" in done.stderr
    assert f"not read: {ORG}/busy" in done.stderr
    text = (hub / "PORTFOLIO.md").read_text(encoding="utf-8")
    assert text.startswith("# Acme risks\n")
    doc = json.loads((hub / "portfolio.json").read_text(encoding="utf-8"))
    assert len(doc["registers"]) == 7
    # The rerun reads from the last run's JSON: no archive, the same registers.
    github_server.reset_log()
    again = run_riskbot(*args, env=env)
    assert again.returncode == 1
    # (The repositories that could not be read are tried again, and refused again.)
    assert not [r for r in github_server.requests if "/tarball/" in r.path and r.status == 302]
    assert "0 read, 7 unchanged" in again.stderr
    assert "(7 answered 304, which cost no rate limit) and 0 archive downloads" in again.stderr
    # Shards in an Actions matrix, then one merge: the same bytes as the single run.
    single = (hub / "PORTFOLIO.md").read_bytes(), (hub / "portfolio.json").read_bytes()
    merged = tmp_path / "merged"
    merged.mkdir()
    shard_args: list[str] = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        run_riskbot(
            "portfolio",
            "--hub",
            str(hub / "portfolio.yml"),
            "--previous",
            str(hub / "portfolio.json"),
            "--shard",
            f"{k}/2",
            "--shard-output",
            str(out),
            "--max-wait",
            "0",
            env=env,
        )
        shard_args += ["--merge", str(out)]
    done = run_riskbot(
        "portfolio",
        "--hub",
        str(hub / "portfolio.yml"),
        "--output-dir",
        str(merged),
        "--previous",
        str(hub / "portfolio.json"),
        "--today",
        TODAY.isoformat(),
        *shard_args,
        env={},
    )
    assert done.returncode == 1, done.stderr
    assert (merged / "PORTFOLIO.md").read_bytes() == single[0]
    assert (merged / "portfolio.json").read_bytes() == single[1]


def test_without_a_token_the_command_says_what_it_needs(tmp_path: Path) -> None:
    (tmp_path / "portfolio.yml").write_text("repositories: [a/b]\n", encoding="utf-8")
    done = run_riskbot("portfolio", "--hub", str(tmp_path / "portfolio.yml"))
    assert done.returncode == 2
    assert "App installation token" in done.stderr


def test_a_broken_hub_file_is_named_on_its_line(tmp_path: Path) -> None:
    (tmp_path / "portfolio.yml").write_text(
        "title: x\nrepositories: [not a repo]\n", encoding="utf-8"
    )
    done = run_riskbot("portfolio", "--hub", str(tmp_path / "portfolio.yml"))
    assert done.returncode == 2
    assert "portfolio.yml:2" in done.stderr


def test_the_readmes_hub_file_is_valid(tmp_path: Path) -> None:
    from tests.test_readme import yaml_blocks

    (block,) = [b for b in yaml_blocks() if "organization:" in b.text]
    path = tmp_path / "portfolio.yml"
    path.write_text(block.text, encoding="utf-8")
    hub, findings = docs.load_hub(path)
    assert findings == []
    assert hub is not None
    assert hub.prop == ("risk-register", "true")  # a YAML boolean reads as GitHub's string
    assert hub.listed == (Listed("acme-labs/prototype"), Listed("acme/payments", "release"))


# --- faults -------------------------------------------------------------------------------------


def test_a_server_error_is_retried_and_a_persistent_one_named(github_server: FakeGitHub) -> None:
    github_server.add_repo(f"{ORG}/flaky", register_files())
    github_server.add_repo(f"{ORG}/down", register_files())
    github_server.inject(Fault.server_error(502, path=rf"/repos/{ORG}/flaky/tarball/.*"))
    github_server.inject(Fault.server_error(503, path=rf"/repos/{ORG}/down/tarball/.*", times=1000))
    stats = ReadStats()
    settings = from_env(
        {"GITHUB_TOKEN": github_server.token or "", "GITHUB_API_URL": github_server.url},
        require_repository=False,
    )
    reader = RegisterReader(settings, Limits(read_retries=2), stats, sleep=lambda s: None)
    try:
        summaries, failures, _ = read_all(
            reader, [Listed(f"{ORG}/flaky"), Listed(f"{ORG}/down")], {}, summarize, {}
        )
    finally:
        reader.close()
    assert [s.repo for s in summaries] == [f"{ORG}/flaky"]
    assert [(f.repo, f.reason) for f in failures] == [(f"{ORG}/down", "GitHub answered 503")]


def test_a_short_rate_limit_is_waited_out(github_server: FakeGitHub) -> None:
    github_server.add_repo(f"{ORG}/a", register_files())
    github_server.inject(Fault.secondary_rate_limit(3, path=rf"/repos/{ORG}/a/tarball/.*"))
    waited: list[float] = []
    settings = from_env(
        {"GITHUB_TOKEN": github_server.token or "", "GITHUB_API_URL": github_server.url},
        require_repository=False,
    )
    stats = ReadStats()
    reader = RegisterReader(settings, Limits(max_wait=10), stats, sleep=waited.append)
    try:
        summaries, failures, _ = read_all(reader, [Listed(f"{ORG}/a")], {}, summarize, {})
    finally:
        reader.close()
    assert (len(summaries), failures, waited, stats.waited) == (1, [], [3.0], 3.0)


def test_a_refused_token_stops_the_run(github_server: FakeGitHub) -> None:
    from bot.github.api import SetupFailed

    github_server.add_repo(f"{ORG}/a", register_files())
    settings = from_env(
        {"GITHUB_TOKEN": "not-the-token", "GITHUB_API_URL": github_server.url},
        require_repository=False,
    )
    reader = RegisterReader(settings, Limits())
    try:
        with pytest.raises(SetupFailed, match="401"):
            read_all(reader, [Listed(f"{ORG}/a")], {}, summarize, {})
    finally:
        reader.close()


def test_a_missing_branch_and_an_empty_repository_are_named(github_server: FakeGitHub) -> None:
    github_server.add_repo(f"{ORG}/a", register_files())
    github_server.add_repo(f"{ORG}/empty")
    github_server.inject(
        Fault(
            status=409,
            path=rf"/repos/{ORG}/empty/commits/.*",
            body={"message": "Git Repository is empty."},
        )
    )
    first, _ = read(github_server, [f"{ORG}/a", f"{ORG}/empty"])
    assert [f.reason for f in first.portfolio.failures] == ["empty repository (409)"]
    reader = reader_for(github_server)
    try:
        _, failures, _ = read_all(
            reader,
            [Listed(f"{ORG}/a", "no-such-branch")],
            first.known,
            summarize,
            {s.repo: s for s in first.portfolio.registers},
        )
    finally:
        reader.close()
    assert [f.reason for f in failures] == ["no such branch (422)"]


def test_another_riskbots_json_is_compared_with_but_not_reused(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(f"{ORG}/a", register_files())
    (tmp_path / "portfolio.yml").write_text(f"repositories: [{ORG}/a]\n", encoding="utf-8")
    env = {"GITHUB_TOKEN": github_server.token or "", "GITHUB_API_URL": github_server.url}
    args = ("portfolio", "--hub", str(tmp_path / "portfolio.yml"), "--today", TODAY.isoformat())
    assert run_riskbot(*args, env=env).returncode == 0
    data = tmp_path / "portfolio.json"
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert doc["riskbot"] == __version__
    data.write_text(data.read_text(encoding="utf-8").replace(__version__, "0.0.0-old"))
    github_server.reset_log()
    again = run_riskbot(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert [r.status for r in github_server.requests if "/tarball/" in r.path] == [302]
    assert "Nothing changed." in (tmp_path / "PORTFOLIO.md").read_text(encoding="utf-8")


# --- registers of different methods ----------------------------------------------------------


def preset_register(
    method: str, risks: list[dict[str, Any]], releases: list[str]
) -> dict[str, bytes]:
    """A register of a preset method (`riskbot init --method`), with a phase and a release for
    each of ``releases`` so that its risks count toward them."""
    policy = preset_policy(method)
    policy["phases"] += [
        {"name": name, "description": f"Release {name}", "counts_toward": [name]}
        for name in releases
    ]
    policy["releases"] = [{"name": name, "buffer_weeks": 4} for name in releases]
    files = {".github/riskbot.yml": yaml.safe_dump(policy, sort_keys=False).encode()}
    for n, extra in enumerate(risks, start=1):
        risk_id = f"R-{n:03d}"
        files[f"risks/{risk_id}-risk.yaml"] = risk_yaml(
            risk_id, title=f"{method} risk {n}", **extra
        ).encode()
    return files


def levels(impact: int, probability: int, **extra: Any) -> dict[str, Any]:
    return {"impact": {"level": impact}, "probability": {"level": probability}, **extra}


@pytest.fixture
def two_methods(github_server: FakeGitHub) -> Portfolio:
    """Two registers of the plan's method and two of the four-band 5 × 5 (one with an FMEA
    neighbour): all name v3; the four-band ones also name a pilot release."""
    for name in ("plan-a", "plan-b"):
        github_server.add_repo(f"{ORG}/{name}", register_files())
    four = [
        levels(5, 3, phase="v3"),  # 15: the top band
        levels(4, 3, phase="v3"),  # 12: the second band, which opens issues too
        levels(2, 4, phase="pilot"),  # 8
        levels(1, 2, phase="v3", outcome=[outcome("v3", False)]),  # 2
    ]
    github_server.add_repo(f"{ORG}/four-a", preset_register("5x5-4band", four, ["v3", "pilot"]))
    github_server.add_repo(f"{ORG}/four-b", preset_register("5x5-4band", four[:2], ["v3", "pilot"]))
    fmea = [levels(9, 6, detection={"level": 4}), levels(9, 6, detection={"level": 1})]
    github_server.add_repo(f"{ORG}/fmea", preset_register("fmea", fmea, ["v3"]))
    repos = [f"{ORG}/{n}" for n in ("plan-a", "plan-b", "four-a", "four-b", "fmea")]
    current, _ = read(github_server, repos)
    assert current.portfolio.failures == []
    assert all(s.ok for s in current.portfolio.registers), [
        s.findings for s in current.portfolio.registers
    ]
    return current.portfolio


def policy_of(method: str) -> Any:
    policy, findings = load_policy(
        SourceFile(".github/riskbot.yml", yaml.safe_dump(preset_policy(method)).encode())
    )
    assert policy is not None, findings
    return policy


def test_each_register_is_counted_and_flagged_by_its_own_policy(two_methods: Portfolio) -> None:
    markdown, data = docs.documents("Acme", docs.Loaded(two_methods, {}), None, TODAY)
    counts = {c["repo"]: c["bands"] for c in json.loads(data)["counts"]}
    four = policy_of("5x5-4band").method
    plan = policy_of("plan").method
    # Per band of each register's own policy, in its order: four bands here, the plan's three.
    assert list(counts[f"{ORG}/four-a"].items()) == [(b.name, 1) for b in four.bands]
    assert list(counts[f"{ORG}/plan-a"]) == [b.name for b in plan.bands]
    # The issue bands are each policy's: the four-band policy opens issues for its top two.
    flagged = {(f["repo"], f["id"]): f["band"] for f in json.loads(data)["flagged"]}
    issue = [b.name for b in four.issue_bands]
    assert len(issue) == 2
    assert flagged[(f"{ORG}/four-a", "R-001")] == issue[0]
    assert flagged[(f"{ORG}/four-a", "R-002")] == issue[1]
    assert (f"{ORG}/four-a", "R-003") not in flagged
    plan_flagged = {band for (repo, _), band in flagged.items() if "plan" in repo}
    assert plan_flagged == {b.name for b in plan.issue_bands}
    # Shown with the policy's own mark and label.
    second = four.band(issue[1])
    row = next(line for line in markdown.splitlines() if "four-a" in line and "R-002" in line)
    assert f"| {escape_cell(second.mark)} {escape_cell(second.label)} |" in row
    assert "never converted into one another" in markdown


def test_one_heat_map_per_grid_drawn_by_the_register_heat_map_renderer(
    two_methods: Portfolio,
) -> None:
    maps = heat_maps(two_methods)
    assert [m.repos for m in maps] == [
        (f"{ORG}/four-a", f"{ORG}/four-b"),
        (f"{ORG}/plan-a", f"{ORG}/plan-b"),
        (f"{ORG}/fmea",),
    ]
    markdown, _ = docs.documents("Acme", docs.Loaded(two_methods, {}), None, TODAY)
    heat = markdown.split("## Heat map")[1].split("\n## ")[0]
    assert "draw 3 different grids" in heat
    tables = [block for block in heat.split("\n\n") if block.startswith("| ")]
    assert len(tables) == 3
    # Without its counts, each map is the register heat map of an empty register of that
    # method: one renderer, the policy's marks and scores.
    for block, method in zip(tables, ("5x5-4band", "plan"), strict=False):
        assert re.sub(r" ×\d+", "", block) == render_markdown([], policy_of(method))
    four = policy_of("5x5-4band").method
    assert f"| {escape_cell(four.band_of(5, 3).mark)} 15 ×2 |" in tables[0]
    assert f"| {escape_cell(four.band_of(2, 4).mark)} 8 ×1 |" in tables[0]
    # FMEA: risks of one cell in two bands, each count with its own band's mark.
    fmea = policy_of("fmea").method
    high, low = fmea.band_of(9, 6, 4), fmea.band_of(9, 6, 1)
    assert high != low
    assert f"| {escape_cell(high.mark)} ×1, {escape_cell(low.mark)} ×1 |" in tables[2]


def test_shared_odds_count_only_the_registers_whose_scales_give_odds(
    github_server: FakeGitHub, two_methods: Portfolio
) -> None:
    shared = {s.release: s for s in shared_releases(two_methods)}
    v3 = shared["v3"]
    assert v3.repos == (f"{ORG}/plan-a", f"{ORG}/plan-b")
    four = policy_of("5x5-4band").method
    assert four.no_odds is not None
    assert (f"{ORG}/four-a", four.no_odds) in v3.without_odds
    assert {r for r, _ in v3.without_odds} == {f"{ORG}/four-a", f"{ORG}/four-b", f"{ORG}/fmea"}
    # The odds are those of the plan's registers alone.
    plans = Portfolio([s for s in two_methods.registers if s.repo in v3.repos])
    alone = next(s for s in shared_releases(plans) if s.release == "v3")
    assert v3.odds is not None
    assert alone.odds is not None
    assert (v3.odds.exceed, v3.odds.distribution) == (alone.odds.exceed, alone.odds.distribution)
    # A release that only registers without odds name has none, and says why.
    assert shared["pilot"].odds is None
    markdown, data = docs.documents("Acme", docs.Loaded(two_methods, {}), None, TODAY)
    odds = markdown.split("## Schedule odds of shared releases")[1].split("\n## ")[0]
    assert "- pilot: no odds: no register that names it has scales that give them" in odds
    assert escape_text(four.no_odds) in odds
    pilot = next(r for r in json.loads(data)["shared_releases"] if r["release"] == "pilot")
    assert pilot["repos"] == []
    assert len(pilot["without_odds"]) == 2
    # Calibration scores the four-band register's outcome (its levels have percent ranges) and
    # names the FMEA register, whose levels have none.
    by = {(c["by"], c["group"]): c for c in json.loads(data)["calibration"]}
    assert by[("repository", f"{ORG}/four-a")]["outcomes"] == 1
    calibration = markdown.split("## Calibration across registers")[1]
    assert "no percent ranges to score: " + escape_text(f"{ORG}/fmea") in calibration


def test_a_summary_keeps_its_method_through_json(two_methods: Portfolio, tmp_path: Path) -> None:
    path = tmp_path / "portfolio.json"
    text = docs.shard_json((1, 1), two_methods, {})
    # The policies' marks are escaped: a big document of ASCII text takes a quarter of the
    # memory of one with a single emoji in it, in the run that writes it and in the one that
    # reads it back.
    _, data = docs.documents("Acme", docs.Loaded(two_methods, {}), None, TODAY)
    assert text.isascii()
    assert data.isascii()
    marks = {b.mark for s in two_methods.registers if s.method for b in s.method.bands}
    assert not all(m.isascii() for m in marks)
    path.write_text(text, encoding="utf-8")
    back = docs.read_json(path).portfolio
    assert [s.method for s in back.registers] == [s.method for s in two_methods.registers]
    # Registers of one policy share one method once read back.
    four = [s.method for s in back.registers if "four" in s.repo]
    assert four[0] is four[1]
