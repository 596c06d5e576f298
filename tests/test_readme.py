"""The README's examples work, and so do the files it documents (action.yml, pre-commit hook).

Each ```sh block's `riskbot` commands run, in order, in a copy of this repository (or, after
`<!-- readme-test: empty-repository -->`, in a new empty git repository; after
`<!-- readme-test: with-examples -->`, in a copy with the README's risk and retro examples
added to its register), and must exit as shown: 0, unless the line ends in a comment
`# exit N`. A command may start with `cd DIR &&` and `VAR=value` words; it is split into words
as the shell splits it and run by the tests' one runner of the command line. Each ```yaml block
parses; one that names a schema on its first line validates against it, a workflow passes zizmor
and actionlint, a pre-commit configuration names hooks that `.pre-commit-hooks.yaml` defines.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.cli import run_riskbot
from tests.factories import copy_register
from tests.security.test_action import installed_venv
from tests.test_workflows import run_actionlint, zizmor

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
EMPTY_REPOSITORY = "empty-repository"
WITH_EXAMPLES = "with-examples"
DIRECTIVE = re.compile(r"<!--\s*readme-test:\s*([\w-]+)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")
EXIT = re.compile(r"#\s*exit\s+(\d+)\b")
SCHEMA_LINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=\.\./schema/(\S+)")
PLACEHOLDER_PIN = "0123456789abcdef0123456789abcdef01234567"
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    ".*_cache",
    ".hypothesis",
    "__pycache__",
    ".coverage*",
    "build",
    "dist",
)


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README: its language, first line number and text."""

    language: str
    line: int
    text: str
    directive: str | None


@dataclass(frozen=True)
class Command:
    """One shell command line of an sh block, with the exit status the README promises."""

    line: int
    text: str
    exit: int


def readme_blocks() -> list[Block]:
    blocks: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    index, directive = 0, None
    while index < len(lines):
        found = DIRECTIVE.search(lines[index])
        fence = FENCE.match(lines[index])
        if found:
            directive = found.group(1)
        elif fence:
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            text = "\n".join(lines[index + 1 : end]) + "\n"
            blocks.append(Block(fence.group(1), index + 2, text, directive))
            index, directive = end, None
        elif lines[index].strip():
            directive = None  # a directive applies to the block right below it only
        index += 1
    return blocks


def riskbot_commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    pending, start = "", 0
    for number, raw in enumerate(block.text.splitlines(), block.line):
        line = raw.removeprefix("$ ")
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = (pending + line).strip(), ""
        words = text.split()
        if words[:1] == ["cd"] and "&&" in words:
            words = words[words.index("&&") + 1 :]  # cd DIR && riskbot ...
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):
            words.pop(0)  # VAR=value before the command
        if words and words[0] == "riskbot":
            expected = EXIT.search(text)
            commands.append(Command(start, text, int(expected.group(1)) if expected else 0))
    return commands


def command_line(command: Command) -> tuple[str, dict[str, str], list[str]]:
    """A command line split as the shell splits it: the folder it ``cd``s to, the variables it
    sets before the command, and riskbot's arguments."""
    lexer = shlex.shlex(command.text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)  # a `# comment` is dropped, as the shell drops it
    folder = "."
    if words[:1] == ["cd"] and words[2:3] == ["&&"]:
        folder, words = words[1], words[3:]
    env = {}
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    operators = [w for w in words if w and set(w) <= set(lexer.punctuation_chars)]
    shape = "the README's commands are `[cd DIR &&] [VAR=value ...] riskbot ARGS [# comment]`"
    assert words[:1] == ["riskbot"], f"README.md:{command.line}: {shape}"
    assert not operators, f"README.md:{command.line}: {shape}, without {operators}"
    return folder, env, words[1:]


def shell_blocks() -> list[Block]:
    """The sh blocks that show riskbot commands."""
    return [
        b
        for b in readme_blocks()
        if b.language in ("sh", "bash", "console") and riskbot_commands(b)
    ]


def yaml_blocks() -> list[Block]:
    return [b for b in readme_blocks() if b.language in ("yaml", "yml")]


def clean_env() -> dict[str, str]:
    # No GitHub variables: action.yml's script then runs riskbot as it would outside Actions.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=readme", "-c", "user.email=readme@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def place_for(block: Block, tmp_path: Path) -> Path:
    """A committed copy of this repository (a clone, so the register keeps its history, with
    the working tree on top), or a new empty git repository."""
    if block.directive == EMPTY_REPOSITORY:
        place = tmp_path / "empty"
        place.mkdir()
        git(place, "init", "-q", "-b", "main")
        return place
    assert block.directive in (None, WITH_EXAMPLES), (
        f"README.md:{block.line}: unknown readme-test directive"
    )
    place = tmp_path / "riskbot"
    if (ROOT / ".git").exists():
        git(tmp_path, "clone", "-q", "--no-hardlinks", str(ROOT), str(place))
    else:
        place.mkdir()
        git(place, "init", "-q", "-b", "main")
    shutil.copytree(ROOT, place, ignore=IGNORED, dirs_exist_ok=True)
    if block.directive == WITH_EXAMPLES:
        add_examples(place)
    git(place, "add", "-A")
    git(place, "commit", "-q", "--allow-empty", "-m", "the README's repository")
    return place


def add_examples(place: Path) -> None:
    """The README's risk file and retro examples, added to the register at ``place``."""
    for block in yaml_blocks():
        found = SCHEMA_LINE.match(block.text)
        data = yaml.safe_load(block.text)
        if found and found.group(1) == "risk.schema.json":
            (place / "risks" / f"{data['id']}-readme-example.yaml").write_text(
                block.text, encoding="utf-8"
            )
        elif found and found.group(1) == "retro.schema.json":
            (place / "retro").mkdir(exist_ok=True)
            (place / "retro" / f"{data['release']}.yaml").write_text(block.text, encoding="utf-8")


def test_the_readme_shows_riskbot_commands() -> None:
    shown = {c.text.split("&&")[-1].split()[1] for b in shell_blocks() for c in riskbot_commands(b)}
    assert {"check", "init", "retro"} <= shown


@pytest.mark.parametrize("block", shell_blocks(), ids=lambda b: f"L{b.line}")
def test_readme_commands_exit_as_documented(block: Block, tmp_path: Path) -> None:
    # A block is one story: its commands run in order, in one place made for the block.
    place = place_for(block, tmp_path)
    for command in riskbot_commands(block):
        folder, env, args = command_line(command)
        # The README's placeholder commit, as a real pin would read (as in its workflows).
        args = [
            a.replace("OWNER/riskbot@<commit>", f"OWNER/riskbot@{PLACEHOLDER_PIN}") for a in args
        ]
        result = run_riskbot(*args, cwd=place / folder, env=env)
        assert result.returncode == command.exit, (
            f"README.md:{command.line}: `{command.text}` exited {result.returncode}, the README "
            f"says {command.exit}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
        assert "Traceback" not in result.stderr


# --- YAML examples ------------------------------------------------------------------------------


def test_the_readme_shows_a_risk_a_workflow_and_a_pre_commit_configuration() -> None:
    docs = [yaml.safe_load(b.text) for b in yaml_blocks()]
    assert any(SCHEMA_LINE.match(b.text) for b in yaml_blocks())
    assert any(isinstance(d, dict) and "jobs" in d for d in docs)
    assert any(isinstance(d, dict) and "repos" in d for d in docs)


@pytest.mark.parametrize("block", yaml_blocks(), ids=lambda b: f"L{b.line}")
def test_readme_yaml_parses(block: Block) -> None:
    try:
        yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        pytest.fail(f"README.md:{block.line}: not YAML: {exc}")


@pytest.mark.parametrize(
    "block", [b for b in yaml_blocks() if SCHEMA_LINE.match(b.text)], ids=lambda b: f"L{b.line}"
)
def test_readme_file_examples_validate(block: Block, tmp_path: Path) -> None:
    match = SCHEMA_LINE.match(block.text)
    assert match is not None
    schema = json.loads((ROOT / "schema" / match.group(1)).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(yaml.safe_load(block.text))
    ]
    assert errors == [], f"README.md:{block.line}: {errors}"
    if match.group(1) == "risk.schema.json":
        # More than the schema: riskbot accepts it beside the repository's own risks.
        root = copy_register(tmp_path)
        name = f"{yaml.safe_load(block.text)['id']}-readme-example.yaml"
        (root / "risks" / name).write_text(block.text, encoding="utf-8")
        result = run_riskbot("check", "--root", str(root), "--format", "json")
        findings = json.loads(result.stdout)["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        assert errors == [], f"README.md:{block.line}: {errors}"


def readme_workflows() -> list[Block]:
    return [b for b in yaml_blocks() if "jobs" in (yaml.safe_load(b.text) or {})]


@pytest.mark.parametrize("block", readme_workflows(), ids=lambda b: f"L{b.line}")
def test_readme_workflow_lints_clean(block: Block, tmp_path: Path) -> None:
    # The placeholder pin of the README, as a real pin would read.
    text = block.text.replace("OWNER/riskbot@<commit>", f"OWNER/riskbot@{PLACEHOLDER_PIN}")
    path = tmp_path / ".github" / "workflows" / "readme.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    found = json.loads(zizmor(str(path)).stdout)
    assert found == [], f"README.md:{block.line}: zizmor: {[f['ident'] for f in found]}"
    problems = json.loads(run_actionlint(path).stdout)
    assert problems == [], f"README.md:{block.line}: actionlint: {problems}"
    for job in yaml.safe_load(text)["jobs"].values():
        assert isinstance(job.get("permissions"), dict), "each job names its permissions"
        for step in job.get("steps", []):  # a caller of a reusable workflow has none
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


# --- action.yml ---------------------------------------------------------------------------------


def action() -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_the_action_has_the_documented_inputs_and_installs_from_its_own_checkout() -> None:
    doc = action()
    inputs = doc["inputs"]
    assert set(inputs) == {"command", "args", "python-version", "token"}
    assert inputs["command"]["required"] is True
    assert inputs["python-version"]["default"] == "3.11"
    assert inputs["token"]["default"] == "${{ github.token }}"
    assert doc["runs"]["using"] == "composite"
    steps = doc["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert install["run"].strip().endswith('"$ACTION_PATH"')
    for step in steps:
        assert "${{" not in step.get("run", ""), "inputs reach the shell through env: only"


def test_the_action_passes_zizmor() -> None:
    result = zizmor(str(ROOT / "action.yml"))
    assert json.loads(result.stdout) == []
    assert result.returncode == 0, result.stderr


def run_action_script(command: str, args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    (step,) = [s for s in action()["runs"]["steps"] if "RISKBOT_COMMAND" in s.get("env", {})]
    runner_temp = cwd / "runner-temp"
    if not runner_temp.exists():
        installed_venv(runner_temp)  # what the install step leaves in $RUNNER_TEMP
    env = {
        **clean_env(),
        "RISKBOT_COMMAND": command,
        "RISKBOT_ARGS": args,
        "RUNNER_TEMP": str(runner_temp),
    }
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_action_runs_the_command_with_its_args(tmp_path: Path) -> None:
    root = copy_register(tmp_path / "my register")
    result = run_action_script("check", f'--root "{root}" --format json', tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
    (root / "risks" / "R-001-postgresql-migration.yaml").write_text("id: [", encoding="utf-8")
    result = run_action_script("check", f"--root '{root}' --format github", tmp_path)
    assert result.returncode == 1
    assert "::error file=risks/R-001-postgresql-migration.yaml" in result.stdout


def test_the_action_refuses_other_commands_and_never_evaluates_args(tmp_path: Path) -> None:
    result = run_action_script("init", "", tmp_path)
    assert result.returncode == 2
    assert "must be check, pr, comment, sync, remind or report" in result.stdout
    assert not (tmp_path / ".github").exists()
    marker = tmp_path / "evaluated"
    result = run_action_script("check", f"--root . $(touch {marker}) `touch {marker}`", tmp_path)
    assert result.returncode == 2  # riskbot's usage error: the text arrived as plain words
    assert not marker.exists()


# --- pre-commit -----------------------------------------------------------------------------


def hooks() -> list[dict[str, Any]]:
    doc = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, list)
    return doc


def test_the_readme_pre_commit_configuration_names_our_hook() -> None:
    ids = {hook["id"] for hook in hooks()}
    configs = [yaml.safe_load(b.text) for b in yaml_blocks()]
    used = [
        hook["id"]
        for doc in configs
        if isinstance(doc, dict) and "repos" in doc
        for repo in doc["repos"]
        for hook in repo["hooks"]
    ]
    assert used
    assert set(used) <= ids


def test_the_pre_commit_hook_runs_riskbot_check_on_register_files() -> None:
    (hook,) = [h for h in hooks() if h["id"] == "riskbot-check"]
    assert hook["entry"] == "riskbot check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in (
        "risks/R-001-postgresql-migration.yaml",
        ".github/riskbot.yml",
        "schema/risk.schema.json",
    ):
        assert files.search(path), path
    for path in ("README.md", ".github/workflows/ci.yml", "bot/cli.py", "x/risks/a.yaml"):
        assert not files.search(path), path


def test_the_pre_commit_hook_reports_the_findings_and_lines_of_ci(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    (root / "risks" / "R-003-byzantine-failure.yaml").write_text(
        (root / "risks" / "R-003-byzantine-failure.yaml")
        .read_text(encoding="utf-8")
        .replace("\nimpact:", "\nimpakt:"),
        encoding="utf-8",
    )
    (hook,) = [h for h in hooks() if h["id"] == "riskbot-check"]
    # pre-commit runs the entry from the repository root, with no file names.
    program, *args = shlex.split(hook["entry"])
    assert program == "riskbot"
    local = run_riskbot(*args, cwd=root)
    ci = run_riskbot("check", "--format", "github", cwd=root)
    assert local.returncode == ci.returncode == 1
    text = set(
        re.findall(r"^([^:\s]+):(\d+)(?::\d+)?: (error|warning)\[", local.stdout, re.MULTILINE)
    )
    annotations = set(
        re.findall(r"^::(error|warning) file=([^,]+),line=(\d+)", ci.stdout, re.MULTILINE)
    )
    assert {(f, n, s) for s, f, n in annotations} == text
    assert ("risks/R-003-byzantine-failure.yaml", "11", "error") in text


# --- the register's own document ----------------------------------------------------------------


def test_risks_md_is_current() -> None:
    result = run_riskbot("report", "--check", "--root", str(ROOT))
    assert result.returncode == 0, (
        f"RISKS.md is not the register's report (run `riskbot report`):\n{result.stdout}"
        f"{result.stderr}"
    )


# --- the chart ------------------------------------------------------------------------------------


def test_the_readme_chart_parses_and_is_what_riskbot_draws_for_the_plans_register() -> None:
    from bot.register.odds import odds_by_release
    from bot.render.odds import exceed_chart, percent
    from tests.factories import REGISTER, register_of
    from tests.mermaid import assert_charts_parse

    text = README.read_text(encoding="utf-8")
    blocks = assert_charts_parse(text)
    assert {b["type"] for b in blocks} == {"xychart"}
    odds = {o.release: o for o in odds_by_release(register_of(REGISTER))}
    assert exceed_chart(list(odds.values())) in text
    v4 = odds["v4"]
    # The figures the README's prose quotes.
    assert percent(odds["v2"].exceed) == "32.7%"
    assert percent(v4.exceed) == "81.7%"
    assert (v4.drivers[0].id, percent(v4.drivers[0].exceed_without)) == ("R-002", "47.7%")
