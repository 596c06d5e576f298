"""A release: the files build, check and install as .github/workflows/release.yml does it.

The slow test runs the steps of the workflow's build and check jobs on a copy of this tree:
`python -m build`, `twine check --strict`, `tools/release.py versions` and `tools/release.py
smoke` (the wheel installed in a fresh venv, `riskbot init` and `riskbot check` in an empty git
repository, then the workflows' own install line run against the built files with no index).
Offline, unlike the workflow: the build uses the backend installed here (`--no-isolation`), and
the fresh venv finds riskbot's dependencies in a folder of links to this environment's packages
(`--packages`) instead of on PyPI. riskbot itself comes only from the built wheel.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot import __version__

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RELEASE = ROOT / "tools" / "release.py"
NOT_SHIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    ".*_cache",
    ".hypothesis",
    "__pycache__",
    ".coverage*",
    "htmlcov",
    "build",
    "dist",
    "*.egg-info",
)


# The built files are shared by this module's tests: under pytest-xdist they run in one worker,
# so the files are built once (`make test` distributes with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("release")


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def release(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, RELEASE, *args)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it, from a copy of this tree (as a fresh clone)."""
    tree = tmp_path_factory.mktemp("tree") / "riskbot"
    shutil.copytree(ROOT, tree, ignore=NOT_SHIPPED)
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, tree, cwd=tree)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """riskbot's dependencies, as links into this environment, without riskbot itself."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()))
    folder = tmp_path_factory.mktemp("packages")
    for entry in site.iterdir():
        name = entry.name
        if name == "bot" or name.startswith(("riskbot-", "_editable_impl_riskbot", "__editable__")):
            continue  # the editable riskbot of this checkout: the wheel must stand alone
        (folder / name).symlink_to(entry.resolve())
    return folder


# --- done when: the release dry run, locally ----------------------------------------------


@pytest.mark.slow
def test_the_release_builds_checks_and_installs_the_wheel_offline(
    dist: Path, packages: Path
) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"riskbot-{__version__}-py3-none-any.whl", f"riskbot-{__version__}.tar.gz"]

    checked = run(BIN / "twine", "check", "--strict", *sorted(dist.iterdir()))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2

    versions = release("versions", dist)
    assert versions.returncode == 0, versions.stderr
    assert versions.stdout == f"{__version__}\n"

    smoke = release("smoke", dist, "--packages", packages)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "`riskbot init` then `riskbot check` pass in an empty repository" in smoke.stderr
    assert (
        f"riskbot=={__version__}, installs this wheel from an index holding only this release"
        in smoke.stderr
    )


def test_the_wheel_ships_the_templates_the_schemas_and_the_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    info = f"riskbot-{__version__}.dist-info"
    expected = {
        "bot/templates/riskbot.yml",
        "bot/templates/example-risk.yaml",
        "bot/schema/risk.schema.json",
        "bot/schema/policy.schema.json",
        *(f"bot/templates/workflows/riskbot-{n}.yml" for n in ("pr", "comment", "sync", "remind")),
        f"{info}/licenses/LICENSE",
    }
    assert expected <= names
    assert not any(n.startswith(("tests/", "risks/")) for n in names)
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "tools/release.py"} <= top


# --- tools/release.py versions: the tag and the files -------------------------------------------


def changelog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_tag_that_is_not_the_package_version_is_refused(dist: Path, tmp_path: Path) -> None:
    notes = changelog(tmp_path, f"# Changelog\n\n## [{__version__}] - 2026-12-01\n\n- Done.\n")
    wrong = release("versions", dist, "--tag", "v9.9.9", "--changelog", notes)
    assert wrong.returncode == 1
    assert f"tag v9.9.9 does not match the package version {__version__}" in wrong.stderr
    bare = release("versions", dist, "--tag", __version__, "--changelog", notes)
    assert bare.returncode == 1, "the tag is v<version>, with its v"
    right = release("versions", dist, "--tag", f"v{__version__}", "--changelog", notes)
    assert right.returncode == 0, right.stderr
    assert right.stdout == f"{__version__}\n"


def test_a_tag_without_its_changelog_section_is_refused(dist: Path, tmp_path: Path) -> None:
    notes = changelog(tmp_path, "# Changelog\n\n## [Unreleased]\n\n- Done.\n")
    result = release("versions", dist, "--tag", f"v{__version__}", "--changelog", notes)
    assert result.returncode == 1
    assert f"no section `## [{__version__}] - YYYY-MM-DD` (sections: Unreleased)" in result.stderr


def sdist_of(version: str, folder: Path) -> Path:
    path = folder / f"riskbot-{version}.tar.gz"
    data = f"Metadata-Version: 2.4\nName: riskbot\nVersion: {version}\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(f"riskbot-{version}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_files_that_disagree_are_refused(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(wheel, mixed)
    sdist_of("9.9.9", mixed)
    result = release("versions", mixed)
    assert result.returncode == 1
    assert f"riskbot-9.9.9.tar.gz is version 9.9.9, {wheel.name} {__version__}" in result.stderr

    renamed = tmp_path / "renamed"
    renamed.mkdir()
    shutil.copy(wheel, renamed / wheel.name.replace(__version__, "9.9.9"))
    sdist_of(__version__, renamed)
    assert "the names disagree" in release("versions", renamed).stderr

    (mixed / f"riskbot-{__version__}.tar.gz").write_bytes(b"")
    result = release("versions", mixed)
    assert result.returncode == 1
    assert "expected one riskbot wheel and one sdist" in result.stderr
    empty = release("versions", tmp_path / "nothing")
    assert empty.returncode == 1
    assert "found nothing" in empty.stderr
    assert "Traceback" not in result.stderr + empty.stderr


# --- tools/release.py notes: the GitHub release's text ------------------------------------------

KEEP_A_CHANGELOG = """\
# Changelog

## [Unreleased]

- Coming.

## [1.2.0] - 2026-12-01

### Added

- One thing.

## [1.1.0] - 2026-11-01

### Fixed

- Another.

## [1.0.0] - 2026-10-01

[1.2.0]: https://example.org/compare/v1.1.0...v1.2.0
[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0
"""


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.2.0", "### Added\n\n- One thing.\n"),
        ("1.1.0", "### Fixed\n\n- Another.\n"),  # the last section, without the link references
        ("Unreleased", "- Coming.\n"),
    ],
)
def test_notes_are_the_versions_section(tmp_path: Path, version: str, expected: str) -> None:
    result = release("notes", version, "--changelog", changelog(tmp_path, KEEP_A_CHANGELOG))
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_notes_of_a_missing_or_empty_section_fail(tmp_path: Path) -> None:
    path = changelog(tmp_path, KEEP_A_CHANGELOG)
    missing = release("notes", "3.0.0", "--changelog", path)
    assert missing.returncode == 1
    assert "(sections: Unreleased, 1.2.0, 1.1.0, 1.0.0)" in missing.stderr
    empty = release("notes", "1.0.0", "--changelog", path)
    assert empty.returncode == 1
    assert "the section [1.0.0] is empty" in empty.stderr


# --- one version ----------------------------------------------------------------------------------


def test_the_version_has_one_place() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"]
    assert config["project"]["dynamic"] == ["version"]
    assert config["tool"]["hatch"]["version"] == {"path": "bot/__init__.py"}


def test_riskbot_version_shows_the_package_version() -> None:
    result = run(BIN / "riskbot", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"riskbot, version {__version__}\n"
    from importlib import metadata

    assert metadata.version("riskbot") == __version__


def test_the_readme_pins_this_version() -> None:
    # The README's init example and text name the current release (CONTRIBUTING.md, Releasing).
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pins = set(re.findall(r"riskbot==([0-9][^\s\"`]*)", readme))
    assert pins == {__version__}


# --- the README's install routes, each tried offline ----------------------------------------------

ROUTE = re.compile(r"`pipx install ([^`]+)`")


def readme_routes() -> list[str]:
    """What the README tells people to install: each `pipx install …` of its install routes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return ROUTE.findall(text.split("### `riskbot init`", 1)[1].split("\n#", 1)[0])


def fresh_venv(folder: Path, packages: Path) -> Path:
    """A new virtual environment whose dependencies come from ``packages`` (no index): its bin."""
    made = run(sys.executable, "-m", "venv", folder)
    assert made.returncode == 0, made.stderr
    site = next(folder.glob("lib/python*/site-packages"))
    (site / "riskbot-test-deps.pth").write_text(f"{packages}\n", encoding="utf-8")
    return folder / "bin"


def local_index(folder: Path, files: list[Path]) -> str:
    """A package index (a folder, PEP 503) holding only ``files``; its URL."""
    (folder / "riskbot").mkdir(parents=True)
    links = "".join(f'<a href="{p.resolve().as_uri()}">{p.name}</a>\n' for p in files)
    (folder / "riskbot" / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    return folder.as_uri()


def riskbot_in(bindir: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RISKBOT_"))}
    return subprocess.run(
        [str(bindir / "riskbot"), *args],
        cwd=cwd,
        env={**environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pip_in(bindir: Path, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PYTHON"))}
    done = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--disable-pip-version-check", *args],
        cwd=cwd,
        env={**environ, "PIP_NO_INPUT": "1", **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def empty_repository(path: Path) -> Path:
    path.mkdir()
    assert run("git", "init", "-q", "-b", "main", cwd=path).returncode == 0
    return path


def workflow_pins(repo: Path) -> set[str]:
    found = re.findall(
        r'python -m pip install --disable-pip-version-check "([^"]+)"',
        "".join(p.read_text(encoding="utf-8") for p in (repo / ".github" / "workflows").glob("*")),
    )
    return set(found)


def test_the_readme_shows_three_install_routes() -> None:
    assert readme_routes() == [
        '"git+https://github.com/OWNER/riskbot@<commit>"',
        f"./riskbot-{__version__}-py3-none-any.whl",
        "riskbot",
    ]


@pytest.mark.slow
def test_the_git_route_installs_and_init_pins_its_commit(packages: Path, tmp_path: Path) -> None:
    """`pipx install "git+https://github.com/OWNER/riskbot@<commit>"`, the URL served by a local
    clone (git's `insteadOf`): riskbot installs, init pins that commit, and the workflows'
    install step installs it again."""
    source = tmp_path / "riskbot"
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    for args in (("init", "-q", "-b", "main"), ("add", "-A")):
        assert run("git", *args, cwd=source).returncode == 0
    committed = run(
        "git", "-c", "user.name=r", "-c", "user.email=r@example.invalid", "commit", "-q",
        "-m", "riskbot", cwd=source,
    )  # fmt: skip
    assert committed.returncode == 0, committed.stderr
    commit = run("git", "rev-parse", "HEAD", cwd=source).stdout.strip()
    config = tmp_path / "gitconfig"
    config.write_text(
        f'[url "{source.as_uri()}"]\n\tinsteadOf = https://github.com/OWNER/riskbot\n',
        encoding="utf-8",
    )
    git_env = {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
    (route, _, _) = readme_routes()
    requirement = route.strip('"').replace("<commit>", commit)
    offline = ("--no-index", "--no-build-isolation")  # the build backend comes from `packages`
    bindir = fresh_venv(tmp_path / "venv", packages)
    pip_in(bindir, *offline, requirement, env=git_env)
    repo = empty_repository(tmp_path / "repo")
    made = riskbot_in(bindir, "init", cwd=repo)
    assert made.returncode == 0, made.stderr
    assert workflow_pins(repo) == {f"git+https://github.com/OWNER/riskbot@{commit}"}
    assert riskbot_in(bindir, "check", cwd=repo).returncode == 0
    runner = fresh_venv(tmp_path / "runner", packages)  # what a workflow's install step does
    pip_in(runner, *offline, *workflow_pins(repo), env=git_env)
    shown = riskbot_in(runner, "--version", cwd=repo)
    assert shown.stdout == f"riskbot, version {__version__}\n"


@pytest.mark.slow
def test_the_wheel_and_index_routes_pin_only_what_the_index_holds(
    dist: Path, packages: Path, tmp_path: Path
) -> None:
    """`pipx install ./riskbot-X-py3-none-any.whl`: init pins riskbot==X only once the index
    holds it (else it says how to pass --source); `pipx install riskbot` from that index."""
    (_, wheel_route, index_route) = readme_routes()
    (wheel,) = dist.glob("*.whl")
    assert wheel_route == f"./{wheel.name}"
    bindir = fresh_venv(tmp_path / "venv", packages)
    pip_in(bindir, "--no-index", wheel_route, cwd=dist)
    repo = empty_repository(tmp_path / "repo")
    nothing = local_index(tmp_path / "empty-index", [])
    refused = riskbot_in(bindir, "init", cwd=repo, PIP_INDEX_URL=nothing)
    assert refused.returncode == 2
    assert f"the package index {nothing} has no riskbot {__version__}" in refused.stderr
    assert "pass --source" in refused.stderr
    assert "#sha256=" in refused.stderr
    assert not (repo / ".github").exists()  # nothing written
    index = local_index(tmp_path / "index", sorted(dist.iterdir()))
    made = riskbot_in(bindir, "init", cwd=repo, PIP_INDEX_URL=index)
    assert made.returncode == 0, made.stderr
    assert workflow_pins(repo) == {f"riskbot=={__version__}"}
    # `pipx install riskbot`, the route once a release is on an index: here, the local one.
    runner = fresh_venv(tmp_path / "runner", packages)
    pip_in(runner, "--index-url", index, index_route)
    pip_in(runner, "--index-url", index, *workflow_pins(repo))  # the workflows' install step
    shown = riskbot_in(runner, "--version", cwd=repo)
    assert shown.stdout == f"riskbot, version {__version__}\n"
