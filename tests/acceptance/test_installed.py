"""Each command once as the installed console script, in a process of its own.

The rest of the suite runs the command line in the test's own process (tests/cli.py). Here each
command runs once through what a user runs: the ``riskbot`` script pip installed, in a real
process with a real environment. It must exit as it promises, and print exactly what the
in-process runner prints for the same run in an equal place: that keeps the runner honest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot import __version__
from tests.cli import Result, run_installed, run_riskbot
from tests.factories import (
    PLAN,
    POLICY,
    REPO,
    RISKS,
    commit_at,
    copy_register,
    init_repo,
    risk_yaml,
    set_levels,
    write_risk,
)
from tests.fakegithub.server import FakeGitHub

TODAY = "2026-11-27"
WEBHOOKS = Path(__file__).parents[1] / "data" / "webhooks"


@dataclass(frozen=True)
class Run:
    """One command line, run in its place: arguments, environment additions and stdin."""

    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None


def github_env(server: FakeGitHub, place: Path) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(place / "summary.md"),
    }


def committed_register(place: Path) -> tuple[str, str]:
    """The frozen register in git, then R-004 raised to Red; commits at fixed dates, so two
    equal places get equal commit ids."""
    init_repo(copy_register(place))
    base = commit_at(place, "base", "2026-11-20T09:00:00+00:00")
    set_levels(place, "R-004", 4, 4)
    return base, commit_at(place, "raise R-004", "2026-11-21T09:00:00+00:00")


def check(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    write_risk(place, "R-100-typo.yaml", risk_yaml("R-100").replace("owner:", "ownr:"))
    return Run(("check", "--format", "json", "--today", TODAY))


def pr(place: Path, server: FakeGitHub) -> Run:
    base, head = committed_register(place)
    return Run(("pr", "--base", base, "--head", head, "--format", "json", "--today", TODAY))


def comment(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    head = "a" * 40
    pull = server.add_pull("Raise R-004", head_sha=head, base_sha="b" * 40)
    payload = {"version": 1, "pr": pull.number, "head_sha": head, "touches_risks": True}
    (place / "comment.json").write_text(json.dumps({**payload, "body": "R-004 is Red."}))
    env = github_env(server, place)
    return Run(("comment", "--payload", "comment.json", "--head-sha", head), env)


def sync(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("sync", "--write-interval", "0", "--today", TODAY), github_env(server, place))


def remind(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("remind", "--write-interval", "0", "--today", TODAY), github_env(server, place))


def review(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("review", "R-002", "--date", TODAY, "--note", "Agents paused in staging"))


def report(place: Path, server: FakeGitHub) -> Run:
    committed_register(place)
    return Run(("report", "--output", "-"))


def history(place: Path, server: FakeGitHub) -> Run:
    committed_register(place)
    return Run(("history", "--format", "json"))


def import_(place: Path, server: FakeGitHub) -> Run:
    place.mkdir()
    return Run(("import", str(PLAN), "--out", "register"))


def export(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("export", "--format", "csv"))


def event_env(server: FakeGitHub, place: Path, event: str) -> dict[str, str]:
    """The Actions variables of a run on a real payload of ``event`` (``issue_comment``)."""
    payload = WEBHOOKS / f"{event}.created.json"
    (place / "event.json").write_bytes(payload.read_bytes())
    return {
        **github_env(server, place),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(place / "event.json"),
    }


def respond(place: Path, server: FakeGitHub) -> Run:
    # The example's comment is on a person's issue, not one of riskbot's: nothing to answer.
    copy_register(place)
    return Run(("respond", "--today", TODAY), event_env(server, place, "issue_comment"))


def propose(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("propose", "--today", TODAY), event_env(server, place, "issue_comment"))


def portfolio(place: Path, server: FakeGitHub) -> Run:
    # A hub that lists one other repository holding the frozen register.
    files = {".github/riskbot.yml": POLICY.read_bytes()}
    files |= {f"risks/{path.name}": path.read_bytes() for path in sorted(RISKS.glob("*.yaml"))}
    server.add_repo("acme/team", files)
    place.mkdir()
    (place / "portfolio.yml").write_text("repositories: [acme/team]\n", encoding="utf-8")
    env = {"GITHUB_TOKEN": server.token or "", "GITHUB_API_URL": server.url}
    return Run(("portfolio", "--hub", "portfolio.yml", "--today", TODAY), env)


def policy(place: Path, server: FakeGitHub) -> Run:
    # The program's policy extends the organisation's base, kept in acme/.github (one commit at
    # a fixed time: both places see the same commit id); `policy pull` vendors and pins it.
    data = REPO / "tests" / "data" / "inherit"
    base = server.add_repo("acme/.github")
    base.set_files(
        {"riskbot/base.yml": (data / "base.yml").read_bytes()},
        when=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    (place / ".github").mkdir(parents=True)
    (place / ".github" / "riskbot.yml").write_bytes((data / "riskbot.yml").read_bytes())
    env = {"GITHUB_TOKEN": server.token or "", "GITHUB_API_URL": server.url}
    return Run(("policy", "pull"), env)


def new(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    answers = "Cloud Bill Shock\nMarket\nv3\n2\n3\nProgram Sponsor\nCosts outgrow budget.\n"
    return Run(("new",), stdin=answers)


def retro(place: Path, server: FakeGitHub) -> Run:
    copy_register(place)
    return Run(("retro", "v3"))


def init(place: Path, server: FakeGitHub) -> Run:
    init_repo(place)
    return Run(("init", "--source", f"riskbot=={__version__}"))


Scenario = Callable[[Path, FakeGitHub], Run]
COMMANDS: dict[str, tuple[Scenario, int]] = {
    "check": (check, 1),  # a finding: exit 1
    "pr": (pr, 0),
    "comment": (comment, 0),
    "sync": (sync, 0),
    "remind": (remind, 0),
    "review": (review, 0),
    "report": (report, 0),
    "history": (history, 0),
    "import": (import_, 0),
    "export": (export, 0),
    "respond": (respond, 0),
    "propose": (propose, 0),
    "portfolio": (portfolio, 0),
    "policy": (policy, 0),
    "new": (new, 0),
    "retro": (retro, 0),
    "init": (init, 0),
}


def run_in(
    place: Path, server: FakeGitHub, scenario: Scenario, runner: Callable[..., Result]
) -> tuple[int, str, str]:
    """``scenario`` set up in a new ``place`` (on a fresh server) and run there by ``runner``;
    the place's path reads ``<place>`` in the output."""
    server.reset()
    run = scenario(place, server)
    done = runner(*run.args, cwd=place, env=run.env, stdin=run.stdin)

    def placeless(text: str) -> str:
        return text.replace(str(place.resolve()), "<place>").replace(str(place), "<place>")

    return done.returncode, placeless(done.stdout), placeless(done.stderr)


def test_every_command_is_here() -> None:
    from bot.cli import cli

    assert sorted(COMMANDS) == sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_installed_command_exits_and_prints_as_the_runner_shows(
    command: str, github_server: FakeGitHub, tmp_path: Path
) -> None:
    scenario, code = COMMANDS[command]
    installed = run_in(tmp_path / "installed", github_server, scenario, run_installed)
    writes = [(w.method, w.path) for w in github_server.writes()]
    assert installed[0] == code, installed[2]
    assert "Traceback" not in installed[2]
    in_process = run_in(tmp_path / "in-process", github_server, scenario, run_riskbot)
    assert in_process == installed
    assert [(w.method, w.path) for w in github_server.writes()] == writes
    if command in ("comment", "sync", "remind"):
        assert writes, "the installed command wrote to GitHub"
