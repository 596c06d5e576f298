"""Checks of a release: run by .github/workflows/release.yml and by tests/test_release.py.

Standard library only, so it runs on a bare runner's Python before anything is installed.

    python tools/release.py versions dist [--tag v1.2.3]   the files' version (and the tag's)
    python tools/release.py notes 1.2.3                    that version's CHANGELOG.md section
    python tools/release.py smoke dist [--packages DIR]    install the wheel in a fresh venv,
                                                           `riskbot init` + `riskbot check` in an
                                                           empty repository, then install the pin
                                                           the workflows it wrote contain

Each prints what it checked and exits 0, or prints what is wrong and exits 1.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"
# Keep a Changelog headings: `## [1.2.3] - 2026-12-01`, `## [Unreleased]`.
SECTION = re.compile(r"^## \[(?P<name>[^\]]+)\](?P<rest>.*)$", re.MULTILINE)
# The install step of every workflow `riskbot init` writes (bot/documents/init.py).
INSTALL_LINE = re.compile(r"run: (python -m pip install --disable-pip-version-check \"[^\"]+\")$")


class ReleaseError(Exception):
    """A release check failed; the message says what and where."""


def say(message: str) -> None:
    print(f"release: {message}", file=sys.stderr, flush=True)


# --- versions -----------------------------------------------------------------------------------


def distributions(dist: Path) -> tuple[Path, Path]:
    """The one wheel and the one sdist of riskbot in ``dist``."""
    wheels = sorted(dist.glob("riskbot-*.whl"))
    sdists = sorted(dist.glob("riskbot-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        found = ", ".join(p.name for p in sorted(dist.iterdir())) if dist.is_dir() else "nothing"
        raise ReleaseError(f"{dist}: expected one riskbot wheel and one sdist, found {found}")
    return wheels[0], sdists[0]


def _metadata_version(text: str, where: str) -> str:
    version = email.parser.HeaderParser().parsestr(text).get("Version")
    if not version:
        raise ReleaseError(f"{where}: no Version in the metadata")
    return str(version).strip()


def wheel_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise ReleaseError(f"{wheel.name}: expected one .dist-info/METADATA")
        return _metadata_version(archive.read(names[0]).decode("utf-8"), wheel.name)


def sdist_version(sdist: Path) -> str:
    with tarfile.open(sdist) as archive:
        names = [n for n in archive.getnames() if re.fullmatch(r"[^/]+/PKG-INFO", n)]
        member = archive.extractfile(names[0]) if len(names) == 1 else None
        if member is None:
            raise ReleaseError(f"{sdist.name}: expected one PKG-INFO at its top")
        return _metadata_version(member.read().decode("utf-8"), sdist.name)


def changelog_section(version: str, changelog: Path = CHANGELOG) -> str:
    """The text under ``## [version]`` in the changelog, without its heading."""
    text = changelog.read_text(encoding="utf-8")
    headings = list(SECTION.finditer(text))
    for index, heading in enumerate(headings):
        if heading.group("name") == version:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
            # Link references (`[1.2.3]: https://...`) close the file; they are not notes.
            body = re.split(r"^\[[^\]]+\]: ", text[heading.end() : end], flags=re.MULTILINE)[0]
            if not body.strip():
                raise ReleaseError(f"{changelog.name}: the section [{version}] is empty")
            return body.strip() + "\n"
    names = ", ".join(h.group("name") for h in headings) or "none"
    raise ReleaseError(
        f"{changelog.name}: no section `## [{version}] - YYYY-MM-DD` (sections: {names}); "
        "move the [Unreleased] entries under it before tagging"
    )


def check_versions(dist: Path, tag: str | None, changelog: Path = CHANGELOG) -> str:
    """The version of the wheel and sdist in ``dist``, which must agree (and match ``tag``)."""
    wheel, sdist = distributions(dist)
    version, other = wheel_version(wheel), sdist_version(sdist)
    if other != version:
        raise ReleaseError(f"{sdist.name} is version {other}, {wheel.name} {version}")
    if wheel.name.split("-")[1] != version or sdist.name != f"riskbot-{version}.tar.gz":
        raise ReleaseError(f"{wheel.name}, {sdist.name}: the names disagree with version {version}")
    if tag is not None:
        if tag != f"v{version}":
            raise ReleaseError(
                f"tag {tag} does not match the package version {version} (bot/__init__.py): "
                f"tag v{version}, or set __version__ = {tag.removeprefix('v')!r} and tag again"
            )
        changelog_section(version, changelog)
        say(f"tag {tag} matches version {version}, and {changelog.name} has its section")
    else:
        say(f"{wheel.name} and {sdist.name} are version {version}")
    return version


# --- smoke: the wheel as a user installs it -------------------------------------------------


def run(*args: str | Path, cwd: Path | None = None, index: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PYTHON"))}
    env["PIP_NO_INPUT"] = "1"
    if index is not None:
        env["PIP_INDEX_URL"] = index
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        shown = " ".join(shlex.quote(str(a)) for a in args)
        raise ReleaseError(
            f"`{shown}` exited {result.returncode}\n{result.stdout}{result.stderr}".rstrip()
        )
    return result.stdout


def site_packages(venv: Path) -> Path:
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = venv / ("Lib" if os.name == "nt" else f"lib/{python}") / "site-packages"
    if not found.is_dir():
        raise ReleaseError(f"{venv}: no site-packages at {found}")
    return found


WORKFLOWS_WRITTEN = 5
"""riskbot-pr, -comment, -sync, -remind and -respond.yml."""


def installed_pins(repo: Path) -> list[str]:
    """The install command of every workflow `riskbot init` wrote into ``repo``."""
    lines = []
    for path in sorted((repo / ".github" / "workflows").glob("riskbot-*.yml")):
        found = [
            m.group(1)
            for line in path.read_text(encoding="utf-8").splitlines()
            if (m := INSTALL_LINE.search(line.strip()))
        ]
        # One install step per job: a workflow of two jobs installs the same pin twice.
        if len(set(found)) != 1:
            raise ReleaseError(f"{path.name}: expected one riskbot install pin, found {found}")
        lines.append(found[0])
    if len(lines) != WORKFLOWS_WRITTEN:
        raise ReleaseError(
            f"riskbot init wrote {len(lines)} workflows, expected {WORKFLOWS_WRITTEN}"
        )
    return lines


def simple_index(dist: Path, folder: Path) -> str:
    """A package index (PEP 503, as a folder) that holds only the files in ``dist``: the
    index `riskbot init` asks, and the workflows' install step installs from, before the
    release is on PyPI. Its file: URL."""
    project = folder / "riskbot"
    project.mkdir(parents=True, exist_ok=True)
    links = "".join(
        f'<a href="{p.resolve().as_uri()}">{p.name}</a>\n' for p in sorted(dist.iterdir())
    )
    (project / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    return folder.resolve().as_uri()


def smoke(dist: Path, packages: Path | None = None) -> None:
    """Install the wheel in a fresh venv; init + check an empty repository; install its pin."""
    version = check_versions(dist, None)
    wheel, _ = distributions(dist)
    # --packages: the dependencies come from that folder instead of an index (the tests run
    # offline); riskbot itself still comes only from ``dist``.
    offline = ["--no-index"] if packages else []
    with tempfile.TemporaryDirectory(prefix="riskbot-release-") as tmp:
        venv, repo = Path(tmp) / "venv", Path(tmp) / "repo"
        run(sys.executable, "-m", "venv", venv)
        if packages:
            (site_packages(venv) / "riskbot-release-deps.pth").write_text(f"{packages}\n")
        bindir = venv / ("Scripts" if os.name == "nt" else "bin")
        python, riskbot = bindir / "python", bindir / "riskbot"
        pip = [python, "-m", "pip", "install", "--disable-pip-version-check", *offline]
        run(*pip, wheel.resolve())
        say(f"installed {wheel.name} in a fresh virtual environment")

        shown = run(riskbot, "--version").strip()
        if shown != f"riskbot, version {version}":
            raise ReleaseError(f"`riskbot --version` printed {shown!r}, expected {version}")
        repo.mkdir()
        run("git", "init", "-q", "-b", "main", cwd=repo)
        # init pins riskbot==VERSION only once an index holds it: this release's own files.
        index = simple_index(dist, Path(tmp) / "index")
        run(riskbot, "init", cwd=repo, index=index)
        run(riskbot, "check", cwd=repo)
        say("`riskbot init` then `riskbot check` pass in an empty repository")

        pins = installed_pins(repo)
        expected = f'python -m pip install --disable-pip-version-check "riskbot=={version}"'
        if set(pins) != {expected}:
            raise ReleaseError(f"the workflows install {sorted(set(pins))}, expected {expected}")
        # The workflows' own install line, run against the files of this release only.
        run(python, "-m", "pip", "uninstall", "--yes", "riskbot")
        words = shlex.split(pins[0])
        run(python, *words[1:], "--index-url", index)
        run(riskbot, "init", "--force", cwd=repo, index=index)
        if set(installed_pins(repo)) != {expected}:
            raise ReleaseError("riskbot installed by its pin no longer pins its own version")
        run(riskbot, "check", cwd=repo)
        say(
            f"the workflows' install step, {words[-1]}, installs this wheel from an index "
            "holding only this release"
        )


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/release.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    versions = commands.add_parser("versions", help="check the version of the built files")
    versions.add_argument("dist", type=Path)
    versions.add_argument("--tag", help="the pushed tag, which must be v<version>")
    notes = commands.add_parser("notes", help="print a version's changelog section")
    notes.add_argument("version")
    for command in (versions, notes):
        command.add_argument("--changelog", type=Path, default=CHANGELOG, help=argparse.SUPPRESS)
    check = commands.add_parser("smoke", help="install and run the wheel as a user would")
    check.add_argument("dist", type=Path)
    check.add_argument(
        "--packages", type=Path, help="a folder holding riskbot's dependencies (no index)"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "versions":
            print(check_versions(args.dist, args.tag, args.changelog))
        elif args.command == "notes":
            sys.stdout.write(changelog_section(args.version, args.changelog))
        else:
            smoke(args.dist, args.packages.resolve() if args.packages else None)
    except (ReleaseError, OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
