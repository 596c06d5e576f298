"""Run a workflow's job as GitHub would, on this machine: its `if:`, then the commands of its
`run:` steps with their `env:`, against the local GitHub API server.

`uses:` steps (checkout, setup-python) are what the test environment already is, and the step
that installs riskbot is the installed `riskbot` of the test run: both are skipped. A step whose
script is one `riskbot` command (words and `$VARIABLES`, no shell operators) runs in this
process, as the suite runs the CLI; any other script runs in bash with the installed `riskbot`
first on its PATH (tests/acceptance/test_installed.py runs each command once as installed).
Expressions are evaluated by a small evaluator of the subset the workflows use (`==`, `!=`,
`&&`, `||`, `!`, parentheses, string literals, `contains()`, `startsWith()`, `always()`,
`!cancelled()`, and the `github`, `needs`, `steps`, `secrets` and `inputs` contexts).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.cli import RISKBOT, run_riskbot

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z_][\w.*-]*))"
)


class _Parser:
    def __init__(self, text: str, context: dict[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise ValueError(f"cannot read expression {text!r} at {pos}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.index = 0
        self.context = context

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.index != len(self.tokens):
            raise ValueError(f"trailing tokens in expression: {self.tokens[self.index :]}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value or right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = value and right
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            same = _loose(value) == _loose(right)
            value = same if op == "==" else not same
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not self.unary()
        return self.atom()

    def atom(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.or_()
            self.take()
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if self.peek() == "(":
            self.take()
            args = []
            while self.peek() != ")":
                args.append(self.or_())
                if self.peek() == ",":
                    self.take()
            self.take()
            return _call(text, args)
        if text in ("true", "false"):
            return text == "true"
        return _lookup(self.context, text)


def _loose(value: Any) -> Any:
    return "" if value is None else value.lower() if isinstance(value, str) else value


def _call(name: str, args: list[Any]) -> Any:
    if name == "contains":
        haystack, needle = args
        if isinstance(haystack, list):
            return any(_loose(x) == _loose(needle) for x in haystack)
        return _loose(needle) in _loose(haystack or "")
    if name == "startsWith":
        return _loose(args[0] or "").startswith(_loose(args[1]))
    if name in ("always", "success"):
        return True
    if name == "cancelled":
        return False
    raise ValueError(f"function {name}() is not supported here")


def _lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The value of an expression (without its ``${{ }}``)."""
    return _Parser(expression, context).parse()


def substitute(text: str, context: dict[str, Any]) -> str:
    """A string with each ``${{ … }}`` replaced by its value."""

    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), context)
        return (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )

    return EXPRESSION.sub(one, text)


def _condition(raw: Any, context: dict[str, Any]) -> bool:
    if raw is None:
        return True
    text = str(raw).strip()
    inner = EXPRESSION.fullmatch(text)
    return bool(evaluate(inner.group(1) if inner else text, context))


def read_outputs(path: Path) -> dict[str, str]:
    """The ``GITHUB_OUTPUT`` file: ``name=value`` and ``name<<DELIMITER`` blocks."""
    found: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            found[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
        index += 1
    return found


@dataclass
class JobRun:
    """What a job did: whether it ran, each step's process, and its outputs."""

    ran: bool
    steps: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(step.returncode == 0 for step in self.steps)

    @property
    def stderr(self) -> str:
        return "\n".join(step.stderr for step in self.steps)


_SHELL = re.compile(r"[|&;<>`\n()]|\$\(|\$\{[^}]*[^\w}]")
"""What makes a script more than one command: operators, substitutions, parameter expansions
beyond a plain ``${NAME}``."""
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def riskbot_args(script: str, env: dict[str, str]) -> list[str] | None:
    """The arguments of a script that is one ``riskbot`` command, its variables expanded from
    ``env`` as bash would; None for any other script."""
    if _SHELL.search(script.strip()):
        return None
    words = shlex.split(script.strip())
    if words[:1] != ["riskbot"]:
        return None
    return [
        _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), word) for word in words[1:]
    ]


def load_workflow(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def triggered(workflow: dict[str, Any], event_name: str, action: str | None) -> bool:
    """Whether the workflow's `on:` starts it for this event and activity type."""
    on: Any = workflow["on"] if "on" in workflow else workflow[True]  # type: ignore[index]
    if isinstance(on, str):
        return on == event_name
    if isinstance(on, list):
        return event_name in on
    if event_name not in on:
        return False
    types = (on[event_name] or {}).get("types")
    return types is None or action in types


def run_job(
    workflow: dict[str, Any],
    job_id: str,
    *,
    event_name: str,
    event: dict[str, Any],
    event_path: Path,
    env: dict[str, str],
    secrets: dict[str, str],
    needs: dict[str, JobRun] | None = None,
    cwd: Path,
    work: Path,
) -> JobRun:
    """Run one job of a workflow (see the module's docstring)."""
    job = workflow["jobs"][job_id]
    needs = needs or {}
    context: dict[str, Any] = {
        "github": {"event_name": event_name, "event": event, "token": secrets.get("GITHUB_TOKEN")},
        "needs": {name: {"outputs": run.outputs} for name, run in needs.items()},
        "secrets": secrets,
        "steps": {},
        "inputs": {},
        "runner": {"temp": str(work)},
    }
    if not _condition(job.get("if"), context):
        return JobRun(False)
    run = JobRun(True)
    bin_dir = str(Path(RISKBOT).parent)
    for index, step in enumerate(job.get("steps", [])):
        script = step.get("run")
        if script is None or script.strip().startswith("python -m pip install"):
            continue
        if not _condition(step.get("if"), context):
            continue
        output = work / f"{job_id}-{index}.output"
        output.write_text("", encoding="utf-8")
        step_env = {k: substitute(str(v), context) for k, v in (step.get("env") or {}).items()}
        full = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(work / f"{job_id}-{index}.summary"),
            **env,
            **step_env,
        }
        args = riskbot_args(script, full)
        if args is not None:
            done = run_riskbot(*args, cwd=cwd, env=full)
        else:
            done = subprocess.run(
                ["bash", "-e", "-c", script],
                cwd=cwd,
                env=full,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        run.steps.append(done)
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": read_outputs(output)}
        if done.returncode != 0:
            break
    run.outputs = {
        name: substitute(str(value), context) for name, value in (job.get("outputs") or {}).items()
    }
    return run
