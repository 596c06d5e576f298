"""The command line: each command turns options into plain values and calls the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot import __version__
from bot.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, RiskbotError, UsageError

if TYPE_CHECKING:
    from bot.github.api import Limits
    from bot.github.settings import Settings
    from bot.register.load import Register


def _say(text: str, *, err: bool = False, nl: bool = True, lines: bool = False) -> None:
    """Print text that may carry risk data as one line safe for the Actions log (``lines``: a
    text of several lines, each made safe)."""
    from bot.render.actions import log_line, log_lines

    click.echo(log_lines(text) if lines else log_line(text), err=err, nl=nl)


def _document(text: str) -> None:
    """Print a document (Markdown, JSON) on stdout; in Actions fenced with stop-commands."""
    from bot.render.actions import stop_commands

    if os.environ.get("GITHUB_ACTIONS") == "true":
        text = stop_commands(text.rstrip("\n")) + "\n"
    sys.stdout.write(text)


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"'{value}' is not a date of the form YYYY-MM-DD") from None


def _root_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Repository root holding .github/riskbot.yml and risks/.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskbot")
def cli() -> None:
    """riskbot keeps a risk register in a repository honest.

    \b
    Example:
      riskbot check --format json
    """


@cli.command()
@_root_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Output: text for people, json for tools, github for Actions.",
)
@click.option(
    "--today", metavar="YYYY-MM-DD", help="Date to compute reviews against (default: today)."
)
def check(root: Path, fmt: str, today: str | None) -> None:
    """Validate the policy and every risk, compute scores, bands, escalations and due reviews.

    Exit 0 when clean (warnings allowed), 1 on findings, 2 on usage errors. Works offline.

    \b
    Example:
      riskbot check --root . --format text
    """
    from bot.render.check import REPORTER_BY_NAME, check_report
    from bot.repo.worktree import read_register

    report = check_report(read_register(root, _parse_date(today)))
    sys.stdout.write(REPORTER_BY_NAME[fmt](report, os.environ))
    sys.exit(report.exit_code)


def _github_options(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option(
            "--dry-run", is_flag=True, help="Count and report what would be written; write nothing."
        ),
        click.option(
            "--budget",
            type=click.IntRange(min=0),
            default=None,
            help="Most writes this run may make (default: the policy's, 30).",
        ),
        click.option(
            "--max-wait",
            type=click.FloatRange(min=0),
            default=None,
            help="Longest wait for a rate limit, in seconds (default: policy, 300).",
        ),
        click.option(
            "--write-interval",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="Seconds between two writes.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _settings() -> Settings:
    from bot.github.settings import from_env

    return from_env(os.environ, require_repository="GITHUB_TOKEN" in os.environ)


def _register_or_exit(root: Path, today: dt.date | None) -> Register:
    from bot.register.load import Register
    from bot.repo.worktree import read_register

    register = read_register(root, today)
    if not isinstance(register, Register):
        for finding in register.findings:
            _say(finding.as_text(), err=True)
        raise UsageError("the policy has errors; nothing was done")
    for finding in register.errors:
        _say(f"riskbot: skipped: {finding.as_text()}", err=True)
    return register


def _limits(register: Register, write_interval: float, max_wait: float | None) -> Limits:
    from bot.github.api import Limits

    wait = register.policy.max_rate_limit_wait if max_wait is None else max_wait
    return Limits(write_interval=write_interval, max_wait=wait)


@cli.command()
@_root_option
@_github_options
@click.option("--today", metavar="YYYY-MM-DD", help="Date to compute reviews against.")
def sync(
    root: Path,
    dry_run: bool,
    budget: int | None,
    max_wait: float | None,
    write_interval: float,
    today: str | None,
) -> None:
    """Bring the Red-risk issues on GitHub in line with the register.

    Each Red risk gets one open issue (created, edited or reopened as needed); a risk that
    leaves Red gets a comment and its issue closed. Exit 0 done, 1 partial, 2 setup error.

    \b
    Example:
      GITHUB_TOKEN=... GITHUB_REPOSITORY=owner/repo riskbot sync --dry-run
    """
    from bot.github.commands import run_sync

    settings = _settings()
    register = _register_or_exit(root, _parse_date(today))
    limits = _limits(register, write_interval, max_wait)
    stats = run_sync(register, root, settings, dry_run=dry_run, budget=budget, limits=limits)
    sys.exit(1 if not register.ok else stats.exit_code)


@cli.command()
@_root_option
@click.option("--base", metavar="REV", help="Base revision (required outside Actions).")
@click.option("--head", metavar="REV", help="Head revision (default: the working tree).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--payload-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("riskbot-pr"),
    show_default=True,
    help="In Actions: where to write the comment payload for the artifact.",
)
@click.option("--today", metavar="YYYY-MM-DD", help="Date to compute reviews against.")
def pr(
    root: Path, base: str | None, head: str | None, fmt: str, payload_dir: Path, today: str | None
) -> None:
    """Compare two revisions of the register and report what the change means.

    Scores old → new, band changes, the escalations the change triggers, owner approvals
    needed, findings and the matrix. In Actions on a pull_request event, base and head come
    from the event; it also writes annotations, the step summary and the comment payload.
    Exit 1 when head has errors.

    \b
    Example:
      riskbot pr --base origin/main --head HEAD --format json
    """
    from bot.github.events import EventError, pull_request_event
    from bot.render.pr import render_json, render_markdown_report, write_actions_output
    from bot.repo.revisions import build_report

    env = os.environ
    event = None
    if env.get("GITHUB_EVENT_NAME") in ("pull_request", "pull_request_target") and env.get(
        "GITHUB_EVENT_PATH"
    ):
        try:
            event = pull_request_event(env["GITHUB_EVENT_PATH"])
        except EventError as exc:
            raise UsageError(f"GITHUB_EVENT_PATH: {exc}") from None
        base = base or event.base_sha
        head = head or event.head_sha
    if base is None:
        raise UsageError("--base is required outside a pull_request event")
    report = build_report(root, base, head, _parse_date(today))
    body = render_json(report) if fmt == "json" else render_markdown_report(report)
    if event is not None:
        sys.stdout.write(
            write_actions_output(report, env, payload_dir, event.number, event.head_sha)
        )
    _document(body)
    sys.exit(report.exit_code)


@cli.command()
@_root_option
@click.option(
    "--payload",
    "payload_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The comment payload written by `riskbot pr` (untrusted).",
)
@click.option("--head-sha", help="Expected PR head (default: the workflow_run event's).")
@click.option("--dry-run", is_flag=True, help="Say what would be posted; post nothing.")
def comment(root: Path, payload_path: Path, head_sha: str | None, dry_run: bool) -> None:
    """Create or update the one sticky riskbot comment on a pull request.

    Run by the workflow_run workflow on the default branch: the payload is read as untrusted
    data and posted only if the PR's head is still the head the report was made for.

    \b
    Example:
      riskbot comment --payload riskbot-pr/comment.json
    """
    from bot.github.commands import run_comment
    from bot.github.events import read_payload, workflow_run_head_sha
    from bot.register.rules import pingable_logins

    settings = _settings()
    register = _register_or_exit(root, None)
    policy = register.policy
    payload = read_payload(payload_path)
    if head_sha is None and settings.event_name == "workflow_run" and settings.event_path:
        head_sha = workflow_run_head_sha(settings.event_path)
    allowed = pingable_logins(policy, register.risks)
    stats = run_comment(payload, head_sha, allowed, settings, label=policy.label, dry_run=dry_run)
    sys.exit(stats.exit_code)


@cli.command()
@_root_option
@_github_options
@click.option("--today", metavar="YYYY-MM-DD", help="The day to remind for (default: today, UTC).")
def remind(
    root: Path,
    dry_run: bool,
    budget: int | None,
    max_wait: float | None,
    write_interval: float,
    today: str | None,
) -> None:
    """Post the review reminders that are due, and open the quarterly review.

    Red risks are reminded on their issue; Yellow and Green risks in one comment on the
    "Risk reviews" issue. Overdue reviews climb the escalation path one step per period.
    Every reminder is posted once. Exit 0 done, 1 partial, 2 setup error.

    \b
    Example:
      riskbot remind --today 2026-11-27 --dry-run
    """
    from bot.github.commands import run_remind, today_utc
    from bot.render import actions as gha
    from bot.render.issues import remind_report as render_report

    settings = _settings()
    day = _parse_date(today) or today_utc()
    register = _register_or_exit(root, day)
    limits = _limits(register, write_interval, max_wait)
    stats, report = run_remind(
        register, settings, day, dry_run=dry_run, budget=budget, limits=limits
    )
    _say(render_report(report, markdown=False), err=True, nl=False, lines=True)
    gha.append_step_summary(render_report(report, markdown=True), settings.step_summary)
    sys.exit(1 if not register.ok else stats.exit_code)


@cli.command()
@_root_option
@click.argument("risk_id", metavar="RISK_ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Review date (default: today).")
@click.option("--note", help="A line for the risk's review log.")
@click.option("--by", help="Who reviewed (e.g. a GitHub login).")
def review(root: Path, risk_id: str, on: str | None, note: str | None, by: str | None) -> None:
    """Record a review: set last_reviewed (and log a note) in place, nothing else changed.

    \b
    Example:
      riskbot review R-001 --note "Migration tests green in staging"
    """
    from bot.documents.review import find_risk_file, record_review

    day = _parse_date(on) or dt.date.today()
    try:
        path = find_risk_file(root, risk_id)
        text = path.read_text(encoding="utf-8")
        path.write_text(record_review(text, day.isoformat(), note, by), encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RiskbotError(str(exc)) from None
    _say(
        f"{path.relative_to(root) if path.is_relative_to(root) else path}: "
        f"last_reviewed {day.isoformat()}"
    )


@cli.command()
@_root_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="File to write (default: RISKS.md under --root; - for stdout).",
)
@click.option(
    "--check", "check_only", is_flag=True, help="Write nothing; exit 1 when the file is stale."
)
def report(root: Path, output: Path | None, check_only: bool) -> None:
    """Render the register as a Markdown document (RISKS.md) in the shape of the plan.

    The output depends on the register only, so a committed copy can be checked for staleness.

    \b
    Example:
      riskbot report
      riskbot report --check
    """
    from bot.documents.report import REPORT_FILE, compare_report, render_report

    register = _register_or_exit(root, None)
    if not register.ok:
        raise RiskbotError("the register has errors; fix them first (riskbot check)")
    text = render_report(register)
    target = output if output is not None else root / REPORT_FILE
    if str(target) == "-":
        _document(text)
    elif check_only:
        committed = target.read_bytes().decode("utf-8") if target.is_file() else None
        state = compare_report(committed, text, str(target))
        _say(state.summary, err=not state.current, lines=True)
        sys.exit(0 if state.current else 1)
    else:
        target.write_bytes(text.encode("utf-8"))
        _say(f"wrote {target}")


@cli.command("import")
@click.argument("plan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory to write risks/ and .github/riskbot.yml under.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def import_plan_command(plan: Path, out: Path, force: bool) -> None:
    """Import a Markdown risk management plan: one risk file per risk, and its policy.

    The plan's inconsistencies are warnings with its line numbers; a plan that cannot be read
    is an error (exit 1) and nothing is written.

    \b
    Example:
      riskbot import plan.md --out .
    """
    from bot.documents.importer import import_plan, write_import

    raw = plan.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # ftfy then repairs what was mis-encoded
    result = import_plan(text, str(plan))
    for finding in result.findings:
        _say(finding.as_text(), err=True)
    if not result.ok:
        raise RiskbotError(f"import: {len(result.errors)} errors; nothing was written")
    written = write_import(result, out, force=force)
    _say(f"wrote {len(written)} files under {out} ({len(result.warnings)} warnings)")


@cli.command()
@_root_option
@click.option("--title", help="Short name of the risk.")
@click.option("--category", help="One of the policy's categories.")
@click.option("--phase", help="One of the policy's phases (v2, v3+, All, ...).")
@click.option("--impact", type=click.IntRange(1, 5), help="Impact level, 1 to 5.")
@click.option("--probability", type=click.IntRange(1, 5), help="Probability level, 1 to 5.")
@click.option("--owner", help="A policy role (name, short form or id) or an @login.")
@click.option("--description", help="What could happen and why.")
def new(
    root: Path,
    title: str | None,
    category: str | None,
    phase: str | None,
    impact: int | None,
    probability: int | None,
    owner: str | None,
    description: str | None,
) -> None:
    """Add a risk: asks for what the options do not give, then writes risks/R-0NN-slug.yaml.

    The new file gets the next free id and must pass the same checks as `riskbot check`.

    \b
    Example:
      riskbot new --title "Key person leaves" --category Organizational --phase All \\
        --impact 3 --probability 2 --owner "Team Lead" --description "Bus factor of one."
    """
    from bot.documents.authoring import NewRisk, create_risk, scale_hint

    register = _register_or_exit(root, None)
    policy = register.policy
    risk = NewRisk(
        title=title or click.prompt("Title"),
        category=category or click.prompt("Category", type=click.Choice(list(policy.categories))),
        phase=phase or click.prompt("Phase", type=click.Choice(list(policy.phases))),
        impact=impact
        or click.prompt(f"Impact ({scale_hint(policy.impact_scale)})", type=click.IntRange(1, 5)),
        probability=probability
        or click.prompt(
            f"Probability ({scale_hint(policy.probability_scale)})", type=click.IntRange(1, 5)
        ),
        owner=owner or click.prompt(f"Owner (roles: {', '.join(r.name for r in policy.roles)})"),
        description=description or click.prompt("Description"),
    )
    created = create_risk(root, risk)
    _say(f"score: {created.score_text}")
    for finding in created.findings:
        _say(finding.as_text(), err=True)
    if not created.ok:
        raise RiskbotError("new: the new risk does not pass check; nothing was written")
    _say(f"wrote {created.path}")


@cli.command()
@click.argument("release")
@_root_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    help="File to write the Markdown to (default: stdout).",
)
def retro(release: str, root: Path, output: Path) -> None:
    """Compare a release's predictions with its outcomes: Brier score, impacts, surprises.

    Reads each risk's `outcome` for RELEASE and retro/RELEASE.yaml (risks never registered).

    \b
    Example:
      riskbot retro v3 --output retro/v3.md
    """
    from bot.documents.retro import build_retro, load_unregistered, render_retro_markdown

    register = _register_or_exit(root, None)
    policy = register.policy
    if release not in policy.releases:
        raise UsageError(
            f"unknown release '{release}'; the policy has: {', '.join(policy.releases)}"
        )
    unregistered, findings = load_unregistered(root, release)
    for finding in findings:
        _say(finding.as_text(), err=True)
    if findings:
        sys.exit(EXIT_FINDINGS)
    result = build_retro(register, release, unregistered)
    for finding in result.findings:
        _say(finding.as_text(), err=True)
    text = render_retro_markdown(result, policy)
    if str(output) == "-":
        _document(text)
    else:
        output.write_bytes(text.encode("utf-8"))
        _say(f"wrote {output}")
    sys.exit(0 if register.ok else 1)


@cli.command()
@click.argument(
    "directory",
    metavar="[DIR]",
    required=False,
    default=Path("."),
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option(
    "--source",
    metavar="SPEC",
    help="Pinned pip requirement the workflows install (default: riskbot==<this version>).",
)
@click.option(
    "--branch",
    metavar="NAME",
    help="Default branch for the sync workflow (default: origin's HEAD, else main).",
)
def init(directory: Path, force: bool, source: str | None, branch: str | None) -> None:
    """Set up a risk register in a repository: policy, schemas, an example risk, workflows.

    The workflows install riskbot at a pinned version (or --source, e.g. a git URL pinned to a
    commit) instead of copying its code. Existing files are refused (exit 1) unless --force.

    \b
    Example:
      riskbot init
      riskbot init ../my-repo --source "git+https://github.com/OWNER/riskbot@<commit>"
    """
    from bot.documents.init import (
        EXAMPLE_RISK,
        default_branch,
        default_source,
        init_files,
        next_steps,
        write_files,
    )

    source = source or default_source()
    branch = branch or default_branch(directory)
    files = init_files(directory, source=source, branch=branch, today=dt.date.today())
    written = write_files(directory, files, force=force)
    for path in written:
        _say(f"wrote {path}")
    example = any(f.path == EXAMPLE_RISK for f in files)
    click.echo("\n" + next_steps(source=source, branch=branch, example=example), nl=False)


def main() -> None:
    """Console entry point: every failure is mapped to its exit code here, and only here.

    A :class:`RiskbotError` prints its message and exits with its code (1 or 2); click's usage
    errors exit 2; anything else is a bug: exit 3, without a traceback unless RISKBOT_DEBUG is set.
    """
    try:
        code = cli.main(prog_name="riskbot", standalone_mode=False)
    except RiskbotError as exc:
        _say(f"riskbot: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("Aborted!", err=True)
        sys.exit(EXIT_FINDINGS)
    except Exception as exc:  # the last line of defence
        if os.environ.get("RISKBOT_DEBUG"):
            raise
        _say(f"riskbot: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("riskbot: set RISKBOT_DEBUG=1 to see the traceback.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
