"""`riskbot init`: set up a register and the bot's workflows in any repository.

Nothing here is a second copy of riskbot's own files. The policy is a neutral one (one owner
role, no releases) around the method the user picks (:mod:`bot.register.presets`; the plan's by
default), the schemas are the ones riskbot validates with, and the workflows are this
repository's own `riskbot-*.yml`, all shipped in the wheel; the only change made to a workflow
is listed in :data:`WORKFLOW_EDITS`: install riskbot at a pinned version instead of from
the checkout, and drop what only this repository has. Each edit must apply exactly once, so a
workflow that changes shape fails loudly (in the tests) instead of generating something wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import yaml

from bot import __version__
from bot.documents import output, package_index
from bot.documents.proposal import FORM_PATH, form_text
from bot.errors import RiskbotError, UsageError
from bot.reconcile.commands import FORM_LABEL
from bot.register.load import POLICY_PATH
from bot.register.presets import (
    DEFAULT_METHOD,
    EXAMPLE_LEVELS,
    OWNER_ROLE,
    PRESETS,
    preset_policy,
)
from bot.repo.files import risk_file_names
from bot.repo.git import GitError, git
from bot.repo.root import enclosing_register
from bot.repo.schemas import schema_dir

POLICY_FILE = POLICY_PATH
EXAMPLE_RISK = "risks/R-001-example.yaml"
SCHEMA_FOLDER = "schema"
WORKFLOW_FOLDER = ".github/workflows"
WORKFLOWS = (
    "riskbot-pr.yml",
    "riskbot-comment.yml",
    "riskbot-sync.yml",
    "riskbot-remind.yml",
    "riskbot-respond.yml",
)
DEFAULT_BRANCH = "main"
PR_CHECK_NAME = "check the register"  # the job name of riskbot-pr.yml: the status check to require
# --reusable: three short callers of riskbot's reusable workflow instead of the five workflows.
REUSABLE_WORKFLOW = "riskbot-reusable.yml"
CALLERS = ("riskbot.yml", "riskbot-comment.yml", "riskbot-respond.yml")
REUSABLE_CHECK_NAME = f"riskbot / {PR_CHECK_NAME}"  # the caller's job id / the called job's name
REUSABLE_SPEC = re.compile(r"([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@([0-9a-f]{40})")

INSTALL_FROM_CHECKOUT = "run: python -m pip install --disable-pip-version-check .\n"
INSTALL_PINNED = 'run: python -m pip install --disable-pip-version-check "{source}"\n'

# file -> (text, replacement) pairs; {source} and {branch} are filled in. Every pair must match
# exactly once (see the module docstring).
WORKFLOW_EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    "riskbot-pr.yml": (
        (INSTALL_FROM_CHECKOUT, INSTALL_PINNED),
        # The repository has no pyproject.toml; the pin lives in this file, so it keys the cache.
        (
            "cache-dependency-path: pyproject.toml\n",
            "cache-dependency-path: .github/workflows/riskbot-pr.yml\n",
        ),
        # RISKS.md is opt-in for other repositories (see the next steps).
        (
            "      - name: RISKS.md is up to date\n"
            "        if: ${{ !cancelled() && steps.install.outcome == 'success' }}\n"
            "        run: riskbot report --check\n\n",
            "",
        ),
    ),
    "riskbot-comment.yml": (
        (INSTALL_FROM_CHECKOUT, INSTALL_PINNED),
        ("it installs riskbot from the default branch,", "it installs riskbot (pinned below),"),
    ),
    "riskbot-sync.yml": (
        (INSTALL_FROM_CHECKOUT, INSTALL_PINNED),
        ("    branches: [main]\n", "    branches: [{branch}]\n"),
    ),
    "riskbot-remind.yml": ((INSTALL_FROM_CHECKOUT, INSTALL_PINNED),),
    "riskbot-respond.yml": ((INSTALL_FROM_CHECKOUT, INSTALL_PINNED),),
}
# The edits that apply more than once: (file, text) -> how many times (each job installs).
EDIT_COUNTS: dict[tuple[str, str], int] = {("riskbot-respond.yml", INSTALL_FROM_CHECKOUT): 2}

GENERATED_HEADER = (
    "# Written by `riskbot init` (riskbot {version}) from riskbot's own workflow. riskbot is\n"
    "# installed at a pinned version, {source}: to upgrade, change the pin in every\n"
    "# .github/workflows/riskbot-*.yml.\n#\n"
)

# Safe inside a double-quoted shell word and a plain YAML scalar: no quotes, `$`, backticks,
# backslashes, spaces, `{`/`}` (no `${{ }}` expression can be smuggled into a run: line).
SOURCE_CHARS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-=<>!~@:/#,\[\]%?&]*")
PINNED_VERSION = re.compile(r"[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?===?[A-Za-z0-9.!+_-]+")
PINNED_URL = re.compile(r".+@[0-9a-f]{40}(#.*)?|.+#sha256=[0-9a-f]{64}")
LOCAL_SOURCE = re.compile(r"(git\+)?file:|[./~\\]|[A-Za-z]:[\\/]")
"""How a path on this machine starts: /, ./, ../, ~, a drive letter, or a file: URL."""
BRANCH_NAME = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._/-]*")
COMMIT = re.compile(r"[0-9a-f]{40}")
# A version a package index holds: PEP 440 in its normal form, without a local part (`+...`),
# which PyPI refuses.
RELEASE_VERSION = re.compile(r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")

POLICY_HEADER = """\
# yaml-language-server: $schema=../schema/policy.schema.json
{summary}
# Name your program, give the role its GitHub logins, and add the roles, phases and releases
# your program has (releases with their buffers give contingency exposure and schedule odds).
# riskbot's README explains the method (scales, bands, formula): "The method: scales,
# bands and the score".
"""

CALLER_HEADER = (
    "# Written by `riskbot init --reusable` (riskbot {version}). To upgrade riskbot, change\n"
    "# its commit in every riskbot*.yml caller, in `uses:` and in `source:`.\n"
)
CALLER_JOB = """\
permissions: {{}}

jobs:
  riskbot:
    uses: {repo}/.github/workflows/{workflow}@{commit}
    permissions: {{{permissions}}}
    with:
      source: git+https://github.com/{repo}@{commit}
"""
# file -> (its name and triggers, the permissions its events need: those of the called jobs).
CALLER_EVENTS: dict[str, tuple[str, str]] = {
    "riskbot.yml": (
        """\
name: riskbot
on:
  pull_request:
  pull_request_review:
    types: [submitted, dismissed]
  push:
    branches: [{branch}]
    paths: ["risks/**", "{policy}"]
  schedule:
    - cron: "17 6 * * *"
  workflow_dispatch:
    inputs:
      date: {{description: "Remind as of this date (YYYY-MM-DD)", type: string}}

""",
        "contents: read, issues: write, pull-requests: read",
    ),
    "riskbot-comment.yml": (
        """\
name: riskbot comment
on:
  workflow_run: # zizmor: ignore[dangerous-triggers] -- {why}
    workflows: ["riskbot"]
    types: [completed]

""",
        "actions: read, contents: read, pull-requests: write",
    ),
    "riskbot-respond.yml": (
        """\
name: riskbot respond
on:
  issue_comment: # zizmor: ignore[dangerous-triggers] -- {why_comments}
    types: [created]
  issues:
    types: [opened]

""",
        "contents: write, issues: write, pull-requests: write",
    ),
}

WORKFLOW_RUN_IS_SAFE = (
    "the called job checks out only the default branch; the PR's artifact is read as untrusted data"
)
COMMENTS_ARE_SAFE = (
    "the called jobs check out only the default branch; no pull request code runs, and comments "
    "are read as data"
)

NEXT_STEPS = """\
Next steps:
  1. Logins first. Edit {policy}: give each role its GitHub logins (`logins: [alice]`)
     and name your program (program, plan), before you push. Only those logins and risk
     owners are ever mentioned, and only they can approve a pull request that takes a risk
     out of the bands that open issues or changes who owns one. A role without logins
     falls back to the program sponsor (a `program-sponsor` role, else the top of the
     escalation path); with no sponsor logins either, the PR check fails. Logins added
     later need the approval of the logins already there.
  2. {risks},
     then run `riskbot check` until it passes.
  3. Commit and push to {branch}. The workflows install riskbot as {source};
     riskbot-comment.yml and the schedule of {scheduled} work only from the default
     branch. If Actions are disabled for the repository, enable them (Settings → Actions).
  4. Make the PR check required: Settings → Rules → Rulesets (or Branches), require the
     status check "{check}" of the "{pr_workflow}" workflow.
  5. Create the label "{form_label}" (Issues → Labels): the issue form "Propose a risk"
     ({form}) applies it, and riskbot-respond.yml answers only
     the issues that carry it.
  6. Protect what checks a pull request: it runs its own version of the workflows, so one
     that edits riskbot-pr.yml can pass itself. Name reviewers for `.github/workflows/**`
     and `{policy}` in .github/CODEOWNERS and turn on "Require review from Code Owners"
     (or make the check a ruleset's required workflow).
  Optional: commit RISKS.md (`riskbot report`) and add a `riskbot report --check` step to
  {report_in}; use riskbot as a pre-commit hook (see riskbot's README).
"""


class InitError(UsageError):
    """A value given to init cannot be used (a source that is not pinned, a bad branch)."""


class InitRefused(RiskbotError):
    """Init would overwrite existing files without --force, or could not write them."""


@dataclass(frozen=True)
class InitFile:
    """One file init writes: its path relative to the repository root, and its text."""

    path: str
    text: str


def _shipped(packaged: str, source_tree: str) -> Path:
    # Inside the wheel (pyproject's force-include), else an editable install's source tree.
    shipped = Path(str(resources.files("bot"))) / packaged
    if shipped.is_file():
        return shipped
    return Path(__file__).resolve().parents[2] / source_tree


def policy_template() -> Path:
    """The plan's whole policy: this repository's own `.github/riskbot.yml` (the importer's
    defaults for what a plan leaves out)."""
    return _shipped("templates/riskbot.yml", POLICY_FILE)


class PolicyDumper(yaml.SafeDumper):
    """Block style, lists indented under their key, short mappings of plain values on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _short_mapping(dumper: yaml.SafeDumper, data: dict[str, object]) -> yaml.MappingNode:
    plain = all(not isinstance(v, dict | list) for v in data.values())
    return dumper.represent_mapping(
        "tag:yaml.org,2002:map", data, flow_style=plain and len(data) <= 3
    )


PolicyDumper.add_representer(dict, _short_mapping)


def method_names() -> list[str]:
    """The methods init can write, the default first."""
    return list(PRESETS)


def list_methods() -> str:
    """One line per method: its name and what it scores."""
    width = max(len(name) for name in PRESETS)
    return "".join(
        f"{name.ljust(width)}  {preset.summary}"
        + (" (the default)" if name == DEFAULT_METHOD else "")
        + "\n"
        for name, preset in PRESETS.items()
    )


def policy_text(method: str = DEFAULT_METHOD) -> str:
    """The neutral policy of a method, as init writes it: a header, then the YAML."""
    if method not in PRESETS:
        raise InitError(f"--method {method!r}: not a method riskbot knows ({', '.join(PRESETS)})")
    summary = f"riskbot policy, written by `riskbot init --method {method}`: "
    summary += f"{PRESETS[method].summary}."
    lines = textwrap.wrap(summary, width=94, break_on_hyphens=False)
    header = POLICY_HEADER.format(summary="\n".join(f"# {line}" for line in lines))
    body = yaml.dump(
        preset_policy(method), Dumper=PolicyDumper, sort_keys=False, allow_unicode=True, width=96
    )
    return header + body


def example_risk_text(method: str, today: dt.date) -> str:
    """The example risk, at levels every method has, with the level words of ``method``."""
    sections = preset_policy(method)
    levels = ""
    for factor in ("impact", "probability", "detection"):
        scale = sections.get(f"{factor}_scale")
        if scale is None:
            continue
        level = EXAMPLE_LEVELS[factor]
        label = next(x["label"] for x in scale if x["level"] == level)
        levels += f"{factor}:\n  level: {level}\n  narrative: {label}\n"
    example = _shipped("templates/example-risk.yaml", "bot/templates/example-risk.yaml")
    text = example.read_text(encoding="utf-8")
    return (
        text.replace("{today}", today.isoformat())
        .replace("{levels}", levels)
        .replace("{owner}", str(OWNER_ROLE["name"]))
    )


def workflow_template(name: str) -> Path:
    """This repository's own workflow ``name``, which init adapts."""
    return _shipped(f"templates/workflows/{name}", f"{WORKFLOW_FOLDER}/{name}")


def _local(source: str) -> bool:
    """A path on this machine (or a ``file:`` URL): nothing a runner can install from."""
    if LOCAL_SOURCE.match(source):
        return True
    try:
        return "://" not in source and "==" not in source and Path(source).expanduser().exists()
    except OSError:
        return False


def check_source(source: str) -> str:
    """Return ``source`` if it is a pip requirement pinned to one version or commit."""
    if _local(source):
        raise InitError(
            f"--source {source!r} is a path on this machine: the workflows install riskbot on "
            "GitHub's runners, which cannot see it. Pass a pinned requirement a runner can "
            "install: riskbot==VERSION from a package index, "
            '"git+https://github.com/OWNER/riskbot@<40-hex commit>", or the URL of a '
            "release's wheel ending in #sha256=<its hash>"
        )
    if not SOURCE_CHARS.fullmatch(source):
        raise InitError(
            f"--source {source!r}: use a pip requirement without spaces, quotes, $, {{ or }}"
        )
    if not (PINNED_VERSION.fullmatch(source) or PINNED_URL.fullmatch(source)):
        raise InitError(
            f"--source {source!r} is not pinned: use NAME==VERSION, a git URL ending in "
            "@<40-hex commit>, or an archive URL with #sha256=<hash>"
        )
    return source


def default_source() -> str:
    """The pinned pip requirement that installs the running riskbot (see :func:`source_for`)."""
    try:
        dist = metadata.distribution("riskbot")
    except metadata.PackageNotFoundError:
        return source_for(__version__, None, None)
    return source_for(__version__, dist.version, dist.read_text("direct_url.json"))


def source_for(version: str, installed: str | None, direct_url: str | None) -> str:
    """The requirement a runner can install for riskbot ``version``, else :class:`InitError`.

    ``installed`` is the version in the installed metadata, ``direct_url`` its PEP 610
    ``direct_url.json`` (pip writes one for every install that did not come from an index). A
    release -- a public version installed from an index, or from riskbot's own wheel or sdist of
    that version -- is pinned as ``riskbot==VERSION``; an install from a git URL pinned to a
    commit is pinned to that commit. Nothing else (a checkout, an editable install, a branch, a
    local version) names something a runner can install, so init asks for --source instead.
    """
    if installed is None:
        raise _not_installable(version, "from a source tree, not installed as a package")
    if installed != version:
        raise _not_installable(version, f"from code that is not the installed riskbot {installed}")
    if direct_url is not None:
        try:
            origin = json.loads(direct_url)
        except json.JSONDecodeError:
            origin = None
        if not isinstance(origin, dict):
            raise _not_installable(version, "from a place its metadata does not say")
        url = str(origin.get("url", ""))
        vcs = origin.get("vcs_info")
        if isinstance(vcs, dict):
            commit = str(vcs.get("commit_id", ""))
            if vcs.get("vcs") == "git" and url.startswith("https://") and COMMIT.fullmatch(commit):
                return f"git+{url}@{commit}"
            raise _not_installable(version, f"from {url} at {commit or 'no fixed commit'}")
        archive = url.rsplit("/", 1)[-1]
        if "archive_info" not in origin or not _is_distribution_of(archive, version):
            local = origin.get("dir_info")
            editable = " (editable)" if isinstance(local, dict) and local.get("editable") else ""
            raise _not_installable(version, f"from {url}{editable}")
    if not RELEASE_VERSION.fullmatch(version):
        raise _not_installable(version, "as a version no package index holds")
    return f"riskbot=={version}"


def _is_distribution_of(filename: str, version: str) -> bool:
    # riskbot's own wheel or sdist of this version (what `python -m build` makes).
    return filename == f"riskbot-{version}.tar.gz" or (
        filename.startswith(f"riskbot-{version}-") and filename.endswith(".whl")
    )


def _not_installable(version: str, origin: str) -> InitError:
    return InitError(
        f"riskbot {version} runs here {origin}, so there is no release or commit the workflows "
        "could install it from: pass --source with a pinned pip requirement, such as "
        '"riskbot==VERSION" of a release or '
        '"git+https://github.com/OWNER/riskbot@<40-hex commit>"'
    )


def ensure_installable(source: str, *, given: bool, index: str | None = None) -> str:
    """Return ``source`` once a runner can install it: a ``NAME==VERSION`` pin only when the
    package index (``PIP_INDEX_URL``, else PyPI) holds that version; else :class:`InitError`
    saying why and how to pass --source. URL pins (a git commit, an archive's hash) name what
    they install and are taken as given."""
    if not PINNED_VERSION.fullmatch(source):
        return source
    index = index or package_index.index_url()
    name, version = re.split(r"===?", source, maxsplit=1)
    name = name.split("[", 1)[0]
    what = f"--source {source}" if given else f"riskbot {version} runs here, but"
    how = (
        f"pass --source with a pinned requirement a runner can install: {name}==VERSION of a "
        f"version the index holds, "
        '"git+https://github.com/OWNER/riskbot@<40-hex commit>", or the URL of a release\'s '
        "wheel ending in #sha256=<its hash> (PIP_INDEX_URL names another index)"
    )
    try:
        files = package_index.project_files(name, index)
    except package_index.IndexUnreadable as exc:
        raise InitError(
            f"{what}{':' if given else ''} could not ask the package index {index} whether it "
            f"holds {name} {version} ({exc}), so the workflows might not install it: {how}"
        ) from None
    if not package_index.holds(name, version, files):
        raise InitError(
            f"{what}{':' if given else ''} the package index {index} has no {name} {version}, "
            f"so the workflows could not install it: {how}"
        )
    return source


def default_branch(root: Path) -> str:
    """The default branch as the clone knows it (origin's HEAD), else ``main``."""
    try:
        found = git(root, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    except GitError:
        return DEFAULT_BRANCH
    name = found.decode("utf-8", "replace").strip().removeprefix("origin/")
    return name if BRANCH_NAME.fullmatch(name) else DEFAULT_BRANCH


def adapt_workflow(name: str, text: str, *, source: str, branch: str) -> str:
    """This repository's workflow ``name`` as another repository needs it (see WORKFLOW_EDITS)."""
    for old, new in WORKFLOW_EDITS[name]:
        count = text.count(old)
        expected = EDIT_COUNTS.get((name, old), 1)
        if count != expected:
            raise RuntimeError(
                f"{name}: expected {old.strip()!r} {expected} times, found it {count} times; "
                "update WORKFLOW_EDITS in bot/documents/init.py to the workflow's new shape"
            )
        text = text.replace(old, new.format(source=source, branch=branch))
    return GENERATED_HEADER.format(version=__version__, source=source) + text


def check_reusable(spec: str) -> tuple[str, str]:
    """``OWNER/riskbot@<40-hex commit>`` as (repository, commit), else :class:`InitError`."""
    match = REUSABLE_SPEC.fullmatch(spec)
    if match is None:
        raise InitError(
            f"--reusable {spec!r}: name riskbot's repository and a commit, "
            "OWNER/riskbot@<40-hex commit> (a branch or tag can move; a commit cannot)"
        )
    return match.group(1), match.group(2)


def caller_workflow(name: str, *, repo: str, commit: str, branch: str) -> str:
    """The caller ``name`` of riskbot's reusable workflow at ``repo@commit``."""
    triggers, permissions = CALLER_EVENTS[name]
    return (
        CALLER_HEADER.format(version=__version__, repo=repo, commit=commit)
        + triggers.format(
            branch=branch,
            why=WORKFLOW_RUN_IS_SAFE,
            why_comments=COMMENTS_ARE_SAFE,
            policy=POLICY_PATH,
        )
        + CALLER_JOB.format(
            repo=repo, commit=commit, workflow=REUSABLE_WORKFLOW, permissions=permissions
        )
    )


def reusable_source(spec: str) -> str:
    """The pinned pip requirement of the riskbot that ``--reusable`` names."""
    repo, commit = check_reusable(spec)
    return f"git+https://github.com/{repo}@{commit}"


def init_files(
    root: Path,
    *,
    source: str,
    branch: str,
    today: dt.date,
    method: str = DEFAULT_METHOD,
    reusable: str | None = None,
) -> list[InitFile]:
    """Every file init writes into ``root``: policy, schemas, example risk, workflows (with
    ``reusable``, ``OWNER/riskbot@<commit>``: the callers of riskbot's reusable workflow)."""
    check_source(source)
    if not BRANCH_NAME.fullmatch(branch):
        raise InitError(f"--branch {branch!r} is not a branch name")
    files = [InitFile(POLICY_FILE, policy_text(method))]
    # The risk and policy files name their schema relative to themselves (../schema/...), so
    # editors validate as you type without any network; riskbot itself uses its built-in copy.
    files += [
        InitFile(f"{SCHEMA_FOLDER}/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(schema_dir().glob("*.schema.json"))
    ]
    if not _other_risks(root):
        files.append(InitFile(EXAMPLE_RISK, example_risk_text(method, today)))
    files.append(InitFile(FORM_PATH, form_text(preset_policy(method), str(OWNER_ROLE["name"]))))
    if reusable is not None:
        repo, commit = check_reusable(reusable)
        return files + [
            InitFile(
                f"{WORKFLOW_FOLDER}/{name}",
                caller_workflow(name, repo=repo, commit=commit, branch=branch),
            )
            for name in CALLERS
        ]
    for name in WORKFLOWS:
        text = workflow_template(name).read_text(encoding="utf-8")
        files.append(
            InitFile(
                f"{WORKFLOW_FOLDER}/{name}",
                adapt_workflow(name, text, source=source, branch=branch),
            )
        )
    return files


def _other_risks(root: Path) -> list[str]:
    # A register that already has risks gets no example (its R-001 could clash with theirs):
    # found as check finds them, in folders below risks/ too.
    return [name for name in risk_file_names(root) if name != EXAMPLE_RISK]


def refuse_nested(directory: Path, *, force: bool = False) -> None:
    """Refuse to set up a register inside another one (unless ``force``): say which one."""
    outer = enclosing_register(directory)
    if outer is not None and not force:
        raise InitRefused(
            f"{directory} is inside the register at {outer} (its policy is "
            f"{outer / POLICY_FILE}); riskbot finds that register from any folder inside it. "
            f"Use --force to set up a separate register in {directory} anyway"
        )


def write_files(root: Path, files: list[InitFile], *, force: bool = False) -> list[Path]:
    """Write every file, or none: existing ones are refused (all named) unless ``force``, and
    nothing is written through a symbolic link."""
    targets = [(root / f.path, f.text) for f in files]
    return output.write_files(root, targets, replace=force, refused=InitRefused)


def next_steps(*, source: str, branch: str, example: bool, reusable: bool = False) -> str:
    """What the person who ran init does next."""
    risks = "Check the risks already under risks/ against this policy"
    if example:
        risks = f"Replace {EXAMPLE_RISK} with your own risks (`riskbot new` asks for one)"
    return NEXT_STEPS.format(
        policy=POLICY_FILE,
        risks=risks,
        branch=branch,
        source=source,
        check=REUSABLE_CHECK_NAME if reusable else PR_CHECK_NAME,
        scheduled="riskbot.yml" if reusable else "riskbot-remind.yml",
        pr_workflow="riskbot" if reusable else "riskbot PR",
        report_in="a workflow of your own" if reusable else "riskbot-pr.yml",
        form_label=FORM_LABEL,
        form=FORM_PATH,
    )
