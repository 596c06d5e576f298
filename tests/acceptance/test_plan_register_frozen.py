"""The plan's register gives, byte for byte, the outputs frozen in ``tests/data/frozen/``.

The frozen register (``tests/data/register``: the plan's policy and its ten risks) is committed
twice into a fresh repository at fixed dates, the first time with a few risks and one band
threshold as they were before (so the history, the pull request report and the sync plan have
band moves, a policy change and issues to close), then read with the installed ``riskbot``:
``check`` (JSON and text), ``report`` (RISKS.md), ``history``, ``pr`` (Markdown and JSON), and
the dry-run plans of ``sync`` and ``remind``. The GitHub planners' full plans (titles, bodies,
labels, markers) are rendered in-process against a snapshot with issues in every state.

The frozen files were made from the code as it was before the method became the policy's data:
the plan's policy must keep giving exactly these bytes. To regenerate them after a change that
is meant to alter them: ``.venv/bin/python -m tests.acceptance.test_plan_register_frozen``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

from bot.reconcile.plan import Action, EnsureComment, EnsureIssue, IssueState, Snapshot
from bot.reconcile.remind import plan_remind
from bot.reconcile.sync import plan_sync
from tests.cli import run_riskbot
from tests.factories import REGISTER, commit_at, init_repo, register_of

FROZEN = Path(__file__).resolve().parents[1] / "data" / "frozen"
TODAY = "2026-11-27"
REMIND_DAY = dt.date(2026, 12, 1)


def _edit(root: Path, risk_id: str, change: Callable[[dict[str, object]], None]) -> None:
    path = next((root / "risks").glob(f"{risk_id}-*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _levels(impact: int, probability: int) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        data["impact"] = {**data["impact"], "level": impact}  # type: ignore[dict-item]
        data["probability"] = {**data["probability"], "level": probability}  # type: ignore[dict-item]
        data.pop("score", None)
        data.pop("band", None)

    return change


def build_repository(root: Path) -> Path:
    """The frozen register in git: an earlier state on 2026-10-05, the register on 2026-11-20."""
    init_repo(root)
    shutil.copytree(REGISTER / ".github", root / ".github")
    shutil.copytree(REGISTER / "risks", root / "risks")
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("min_score: 15", "min_score: 16", 1), encoding="utf-8")
    _edit(root, "R-004", _levels(3, 2))  # green then, yellow now
    _edit(root, "R-008", _levels(4, 4))  # red then, green now: it leaves Red
    next((root / "risks").glob("R-010-*.yaml")).unlink()  # added by the second commit
    commit_at(root, "Register as first imported", "2026-10-05T09:00:00+00:00")
    shutil.copy(REGISTER / ".github" / "riskbot.yml", policy)
    shutil.rmtree(root / "risks")
    shutil.copytree(REGISTER / "risks", root / "risks")
    commit_at(root, "Rescore after the review", "2026-11-20T09:00:00+00:00")
    return root


def _issue(
    ident: str, number: int, state: str, fields: dict[str, str], title: str, comments: int = 1
) -> IssueState:
    return IssueState(
        number=number,
        ident=ident,
        fields={"id": ident, **fields},
        title=title,
        body="- [x] Schema compatibility layer\n- [ ] something else\n",
        state="open" if state == "open" else "closed",
        state_reason=None,
        labels=("risk", "risk:red"),
        assignees=(),
        comments=comments,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def snapshot() -> Snapshot:
    """Issues in every state a sync meets: a lower recorded score, a closed issue of a risk that
    is Red again, the issue of a risk that left Red, and of one that was removed."""
    return Snapshot.from_issues(
        [
            _issue("red-issue/R-001", 1, "open", {"score": "9", "round": "1"}, "R-001: Old (9)"),
            _issue("red-issue/R-002", 2, "closed", {"score": "20", "round": "1"}, "R-002: X"),
            _issue("red-issue/R-003", 3, "open", {"score": "15", "round": "1"}, "R-003: Y"),
            _issue("red-issue/R-004", 4, "open", {"score": "16", "round": "2"}, "R-004: Z"),
            _issue("red-issue/R-042", 5, "open", {"score": "16", "round": "1"}, "R-042: Gone"),
        ],
        labels={"risk", "risk:red"},
    )


def describe_plan(actions: Sequence[Action]) -> str:
    """Every action of a plan, in full: what it is, its title, labels, state and posted text."""
    out: list[str] = []
    for action in actions:
        out.append(f"== {action.describe()}")
        if isinstance(action, EnsureIssue):
            out += [
                f"title: {action.title}",
                f"labels: {', '.join(action.labels)}",
                f"remove labels: {', '.join(action.remove_labels)}",
                f"assignees: {', '.join(action.assignees)}",
                f"state: {action.state} ({action.state_reason})",
            ]
        elif isinstance(action, EnsureComment):
            out.append(f"on: {action.issue or action.number}")
        else:
            out += [f"colour: {action.color}", f"description: {action.description}"]
            continue
        out += [action.text, ""]
    return "\n".join(out) + "\n"


def outputs(root: Path) -> dict[str, str]:
    """Every frozen output of the repository built by :func:`build_repository`, by file name."""
    files: dict[str, str] = {}

    def run(name: str, *args: str, env: dict[str, str] | None = None) -> None:
        done = run_riskbot(*args, "--root", str(root), env=env)
        files[name] = f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"

    run("check.json.txt", "check", "--format", "json", "--today", TODAY)
    run("check.txt", "check", "--today", TODAY)
    report = run_riskbot("report", "--root", str(root), "--output", "-")
    files["RISKS.md"] = report.stdout
    run("history.json.txt", "history", "--format", "json")
    run("history.md.txt", "history", "--format", "markdown")
    for fmt in ("markdown", "json"):
        run(f"pr.{fmt}.txt", "pr", "--base", "HEAD~1", "--head", "HEAD", "--format", fmt)
    run("sync-dry-run.txt", "sync", "--dry-run", "--today", TODAY)
    run("remind-dry-run.txt", "remind", "--dry-run", "--today", REMIND_DAY.isoformat())
    register = register_of(root, dt.date.fromisoformat(TODAY))
    files["sync-plan.txt"] = describe_plan(plan_sync(register, Snapshot()).actions)
    files["sync-plan-issues.txt"] = describe_plan(plan_sync(register, snapshot()).actions)
    later = register_of(root, REMIND_DAY)
    plan, _ = plan_remind(later, snapshot(), REMIND_DAY, "| exposure |", "https://x/RISKS.md#c")
    files["remind-plan-issues.txt"] = describe_plan(plan.actions)
    return files


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return outputs(build_repository(tmp_path_factory.mktemp("frozen") / "repo"))


NAMES = sorted(p.name for p in FROZEN.iterdir() if p.name != "README.md")


def test_every_output_is_frozen(produced: dict[str, str]) -> None:
    assert sorted(produced) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_plan_register_output_is_unchanged(produced: dict[str, str], name: str) -> None:
    frozen = (FROZEN / name).read_text(encoding="utf-8")
    assert produced[name] == frozen, f"{name} differs from tests/data/frozen/{name}"


def regenerate(where: Path) -> None:
    """Write the outputs of today's code over the frozen files."""
    FROZEN.mkdir(parents=True, exist_ok=True)
    for name, text in outputs(build_repository(where)).items():
        (FROZEN / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        regenerate(Path(folder) / "repo")
    sys.stdout.write(f"wrote {FROZEN}\n")
