"""The command line: each command turns options into plain values and calls the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot import __version__
from bot.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    RiskbotError,
    UsageError,
)
from bot.register import defaults
from bot.register.load import POLICY_PATH, RISKS_DIR

if TYPE_CHECKING:
    from bot.documents.importing import Imported
    from bot.documents.portfolio import Hub
    from bot.documents.portfolio import Loaded as PortfolioJson
    from bot.github.api import Limits
    from bot.github.settings import Settings
    from bot.register.load import Loaded, Register
    from bot.register.policy import Policy


def _say(text: str, *, err: bool = False, nl: bool = True, lines: bool = False) -> None:
    """Print text that may carry risk data as one line safe for the Actions log (``lines``: a
    text of several lines, each made safe)."""
    from bot.render.actions import log_line, log_lines

    click.echo(log_lines(text) if lines else log_line(text), err=err, nl=nl)


def _document(text: str) -> None:
    """Print a document (Markdown, JSON) on stdout; in Actions fenced with stop-commands."""
    from bot.render.actions import document

    sys.stdout.write(document(text, in_actions=os.environ.get("GITHUB_ACTIONS") == "true"))


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"'{value}' is not a date of the form YYYY-MM-DD") from None


ROOT_SEARCH = "riskbot.root_search"


def _find_root(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    from bot.repo.root import find_root, given_root

    search = given_root(value) if value is not None else find_root(Path("."))
    ctx.meta[ROOT_SEARCH] = search
    return search.root


def _root_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        callback=_find_root,
        help=f"Repository root holding {POLICY_PATH} and {RISKS_DIR}/ (default: the nearest "
        f"folder, from here upward to the repository root, that holds {POLICY_PATH}).",
    )(func)


def _read_register(root: Path, today: dt.date | None) -> Loaded:
    """The register under ``root``; a missing policy says where riskbot looked for it."""
    from bot.repo.root import name_missing_policy
    from bot.repo.worktree import read_register

    loaded = read_register(root, today)
    search = click.get_current_context().meta.get(ROOT_SEARCH)
    return name_missing_policy(loaded, search) if search is not None else loaded


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
@click.option(
    "--fix",
    is_flag=True,
    help="First rewrite declared score and band values that disagree with the levels.",
)
def check(root: Path, fmt: str, today: str | None, fix: bool) -> None:
    """Validate the policy and every risk, compute scores, bands, escalations and due reviews.

    Exit 0 when clean (warnings allowed), 1 on findings, 2 on usage errors. Works offline.
    With --fix, wrong declared scores and bands are rewritten in place first (only those
    lines change), each change is listed, and the remaining findings are reported.

    \b
    Example:
      riskbot check --root . --format text
      riskbot check --fix
    """
    from bot.render.check import REPORTER_BY_NAME, check_report

    if fix:
        from bot.documents.fix import fix_register, summary

        fixed = fix_register(root)
        # Text output is for people: the fixes come first, as ruff shows them. JSON and
        # annotations stay machine-readable on stdout, so the fixes go to stderr.
        echo_err = fmt != "text"
        for change in fixed:
            _say(change.as_text(), err=echo_err)
        _say(summary(fixed), err=echo_err)
    from bot.github.step import emit

    report = check_report(_read_register(root, _parse_date(today)))
    sys.stdout.write(emit(REPORTER_BY_NAME[fmt](report, os.environ), os.environ))
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
            help=f"Most writes this run may make (default: the policy's, {defaults.WRITE_BUDGET}).",
        ),
        click.option(
            "--max-wait",
            type=click.FloatRange(min=0),
            default=None,
            help="Longest wait for a rate limit, in seconds (default: the policy's, "
            f"{defaults.MAX_RATE_LIMIT_WAIT:g}).",
        ),
        click.option(
            "--write-interval",
            type=click.FloatRange(min=0),
            default=defaults.WRITE_INTERVAL,
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

    register = _read_register(root, today)
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
    leaves Red gets a comment and its issue closed. A risk whose file has errors is left as it
    is. Exit 0 done, 1 partial or held back, 2 setup error (no token in Actions, 401/403/404).

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

    Scores old → new, band changes, policy changes and what they do to each risk, the
    escalations the change triggers, approvals needed, findings and the matrix. In Actions on
    a pull_request (or pull_request_review) event, base and head come from the event; it reads
    the PR's reviews (with GITHUB_TOKEN) and writes annotations, the step summary and the
    comment payload. Exit 1 when head has errors or an approval is missing.

    \b
    Example:
      riskbot pr --base origin/main --head HEAD --format json
    """
    from bot.github.pull_request import PrRequest, run_pr

    request = PrRequest(
        root, base, head, "json" if fmt == "json" else "markdown", payload_dir, _parse_date(today)
    )
    outcome = run_pr(request, os.environ)
    sys.stdout.write(outcome.annotations)
    _document(outcome.document)
    if outcome.failure is not None:
        raise outcome.failure
    sys.exit(outcome.exit_code)


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
    from bot.github.events import workflow_run_head_sha
    from bot.github.payload import read_payload
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
    "Risk reviews" issue. While a review is overdue it is reminded once per cadence period
    (Red daily, Yellow weekly, Green monthly), climbing the escalation path; each reminder is
    posted once, never two for a risk on one day. Risks whose files have errors are held back.
    Exit 0 done, 1 partial or held back, 2 setup error (no token in Actions, 401/403/404).

    \b
    Example:
      riskbot remind --today 2026-11-27 --dry-run
    """
    from bot.github.commands import changes_link, run_remind
    from bot.github.step import append_step_summary
    from bot.register import clock
    from bot.render.issues import remind_report as render_report

    settings = _settings()
    day = _parse_date(today) or clock.today()
    register = _register_or_exit(root, day)
    limits = _limits(register, write_interval, max_wait)
    stats, report = run_remind(
        register,
        settings,
        day,
        dry_run=dry_run,
        budget=budget,
        limits=limits,
        changes_link=changes_link(root, settings),
    )
    _say(render_report(report, markdown=False), err=True, nl=False, lines=True)
    append_step_summary(render_report(report, markdown=True), settings.step_summary)
    sys.exit(1 if not register.ok else stats.exit_code)


def _file_edits() -> Any:
    """The document edits the pull requests of ``respond``/``propose`` make (handed in here:
    the GitHub shell and the documents are stages side by side)."""
    from bot.documents.acceptance import record_acceptance
    from bot.documents.proposal import check_form
    from bot.documents.review import record_review
    from bot.github.respond import FileEdits

    return FileEdits(review=record_review, accept=record_acceptance, propose=check_form)


@cli.command()
@click.option(
    "--dry-run", is_flag=True, help="Read the event and say what it calls for; write nothing."
)
@click.option("--today", metavar="YYYY-MM-DD", help="The day to decide for (default: today, UTC).")
def respond(dry_run: bool, today: str | None) -> None:
    """Answer a command in a comment on riskbot's issues, or a risk proposed by the issue form.

    Run by the riskbot-respond workflow on issue_comment and issues events (the event comes
    from GITHUB_EVENT_PATH). Commands: /riskbot review [R-NNN] [note], /riskbot accept
    [R-NNN] until YYYY-MM-DD because REASON, /riskbot help. Who may review or accept: the
    logins of the risk's owner and the roles above it on the escalation path, from the default
    branch's policy. It reacts (eyes on receipt, +1 done, confused refused with a one-line
    reply) and sets the step output propose=true when a pull request is due. Edited comments,
    quoted commands, bots' comments and other issues are ignored.

    \b
    Example:
      GITHUB_EVENT_NAME=issue_comment GITHUB_EVENT_PATH=event.json riskbot respond --dry-run
    """
    from bot.github.respond import run_respond
    from bot.register import clock

    stats = run_respond(
        _settings(), _file_edits(), _parse_date(today) or clock.today(), dry_run=dry_run
    )
    sys.exit(stats.exit_code)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Say which pull request is due; write nothing.")
@click.option("--today", metavar="YYYY-MM-DD", help="The day to decide for (default: today, UTC).")
def propose(dry_run: bool, today: str | None) -> None:
    """Open or update the pull request a command or a proposal calls for (after respond).

    A review by comment is folded into the one pull request riskbot keeps on its branch
    riskbot/reviews (only last_reviewed lines change); an acceptance request opens a pull
    request adding acceptance: to the risk file; a valid proposal form one adding the new
    risk file with the next free id. One commit per run, through the API; never a push to the
    default branch. A rerun on the same event writes nothing.

    \b
    Example:
      GITHUB_EVENT_NAME=issue_comment GITHUB_EVENT_PATH=event.json riskbot propose --dry-run
    """
    from bot.github.respond import run_propose
    from bot.register import clock

    stats = run_propose(
        _settings(), _file_edits(), _parse_date(today) or clock.today(), dry_run=dry_run
    )
    sys.exit(stats.exit_code)


@cli.command()
@_root_option
@click.argument("risk_id", metavar="RISK_ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Review date (default: today).")
@click.option("--note", help="A line for the risk's review log.")
@click.option("--by", help="Who reviewed (e.g. a GitHub login).")
def review(root: Path, risk_id: str, on: str | None, note: str | None, by: str | None) -> None:
    """Record a review: set last_reviewed (and log a note) in place, nothing else changed.

    Block and flow style, a byte order mark and CRLF line endings are kept. A date in the future
    is refused (exit 1); a date before the recorded last_reviewed is written, with a warning.

    \b
    Example:
      riskbot review R-001 --note "Migration tests green in staging"
    """
    from bot.documents.review import review_risk
    from bot.register import clock

    today = clock.today()
    day = _parse_date(on) or today
    done = review_risk(root, risk_id, day, today=today, note=note, by=by)
    for message in done.warnings:
        _say(f"riskbot: warning: {message}", err=True)
    path = done.path
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
@click.option(
    "--residual", is_flag=True, help="Heat map of the residual targets instead of the inherent."
)
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The day acceptances are judged on (default: the day of the register's newest change, "
    "so the document changes only with the register).",
)
def report(
    root: Path, output: Path | None, check_only: bool, residual: bool, today: str | None
) -> None:
    """Render the register as a Markdown document (RISKS.md) in the shape of the plan.

    The output depends on the register and its history only, so a committed copy can be checked
    for staleness. Trends and changes come from the commits that touched the register; changes
    not committed yet count as of today, so a report committed together with them stays
    current. Outside git (or below the top of a repository) it says "no history"; a shallow
    clone is refused (exit 2).

    \b
    Example:
      riskbot report
      riskbot report --check
    """
    from bot.documents.output import write_output
    from bot.documents.report import REPORT_FILE, check_report_file, render_report
    from bot.repo.history import read_history

    history = read_history(root)
    # The report's day is its history's last, so that it is the same document every day until
    # the register changes (an acceptance's state is judged on it).
    register = _register_or_exit(root, _parse_date(today) or history.last)
    if not register.ok:
        raise RiskbotError("the register has errors; fix them first (riskbot check)")
    text = render_report(register, history, residual=residual)
    target = output if output is not None else root / REPORT_FILE
    if str(target) == "-":
        _document(text)
    elif check_only:
        state = check_report_file(target, text)
        _say(state.summary, err=not state.current, lines=True)
        sys.exit(state.exit_code)
    else:
        write_output(target, text, root)
        _say(f"wrote {target}")
    pending = history.pending
    if pending and not check_only:
        _say(
            f"riskbot: note: {len(pending)} register file(s) differ from HEAD "
            f"({', '.join(pending[:3])}{', …' if len(pending) > 3 else ''}): the history ends "
            "with them as of today (UTC); commit them with the report today, or run "
            "`riskbot report` again after the commit",
            err=True,
        )


@cli.command()
@_root_option
@click.argument("risk_id", metavar="[RISK_ID]", required=False)
@click.option("--since", "since_day", metavar="YYYY-MM-DD", help="Only changes from this day on.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output: text for people, json for tools, markdown for GitHub.",
)
def history(root: Path, risk_id: str | None, since_day: str | None, fmt: str) -> None:
    """The register's history from git: each risk's score, band, owner and status at every
    commit that changed it (date, commit, author, old → new), and the register week by week.

    Each revision is scored with the policy of that revision. Exit 2 outside git or in a
    shallow clone.

    \b
    Example:
      riskbot history R-001 --since 2026-01-01
      riskbot history --format json
    """
    from bot.register.history import only, since
    from bot.render.history import REPORTER_BY_NAME
    from bot.repo.history import read_history

    found = read_history(root)
    if not found.available:
        raise UsageError(f"no history: {found.unavailable}")
    if risk_id is not None:
        if risk_id not in found.risk_ids:
            raise UsageError(f"{risk_id} is not in the register's history")
        found = only(found, [risk_id])
    _document(REPORTER_BY_NAME[fmt](since(found, _parse_date(since_day))))


@cli.command("import")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Directory to write {RISKS_DIR}/, schema/ and {POLICY_PATH} under (default: the "
    "register found from here upward, else the current directory).",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option(
    "--renumber/--no-renumber",
    default=True,
    show_default=True,
    help="When the document's ids are already used under --out, number its risks above the "
    "highest id in use (--renumber), or refuse and list the clashes (--no-renumber).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the table of risks it would write; write nothing."
)
@click.option(
    "--strict",
    is_flag=True,
    help="All or nothing: write no file when any risk cannot be read.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read a column or label as a field (id, title, description, category, impact, "
    "probability, detection, score, band, owner, status, mitigation, ...); repeatable.",
)
@click.option("--sheet", default="", help="The sheet of an .xlsx workbook (default: the first).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "markdown", "yaml", "csv", "tsv", "xlsx"]),
    default="auto",
    show_default=True,
    help="The document's format (auto: detected from its content).",
)
def import_plan_command(
    document: Path,
    out: Path | None,
    force: bool,
    renumber: bool,
    dry_run: bool,
    strict: bool,
    maps: tuple[str, ...],
    sheet: str,
    fmt: str,
) -> None:
    """Import a risk document: one risk file per risk, a policy of its method, the schemas.

    Reads Markdown (a section per risk, or a table), YAML, CSV, TSV and .xlsx registers, and
    this program's plan. Levels are read as the document writes them (numbers, words,
    percentages), on its own scales and thresholds where it states them; its own mistakes
    (a score that is not its product, a band its thresholds contradict, a wrong count) are
    warnings on its lines. A risk that cannot be read is an error with its line and the rest
    are imported (exit 1); --strict writes nothing then. Ids already used by the register are
    detected before anything is written. An export (riskbot export) imports back as it was.

    \b
    Example:
      riskbot import plan.md --out .
      riskbot import register.csv --dry-run
      riskbot import risks.xlsx --sheet Register --map "Threat=title"
    """
    from bot.documents.importing import import_any, write_imported
    from bot.intake.pipeline import Options
    from bot.intake.synonyms import parse_map
    from bot.repo.ids import removed_ids
    from bot.repo.root import find_root

    try:
        mapping = parse_map(list(maps))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = Options(mapping, sheet, "" if fmt == "auto" else fmt, strict)
    target = out if out is not None else find_root(Path(".")).root
    reserved = removed_ids(target) if target.is_dir() else frozenset()
    imported = import_any(
        document.read_bytes(), str(document), target, options, renumber=renumber, reserved=reserved
    )
    for finding in imported.findings:
        _say(finding.as_text(), err=True)
    for line in imported.summary:
        _say(line, err=True)
    risks = sum(1 for n in imported.files if n.startswith("risks/"))
    if dry_run:
        _print_preview(imported)
        _say(
            f"dry run: {risks} of {imported.read} risks would be written under {target} "
            f"({imported.shape}, method {imported.method}); nothing was written",
            err=True,
        )
        if imported.errors:
            sys.exit(EXIT_FINDINGS)
        return
    if not imported.files or (strict and imported.errors):
        raise RiskbotError(f"import: {len(imported.errors)} errors; nothing was written")
    written = write_imported(imported, target, force=force, strict=strict)
    if imported.renumbered:
        moved = ", ".join(imported.renumbered)
        _say(f"ids renumbered above those already used under {target}: {moved}", err=True)
    schemas = sum(1 for p in written if p.parent.name == "schema")
    _say(
        f"wrote {len(written) - schemas} files under {target} ({len(imported.warnings)} warnings)"
        + (f" and {schemas} schemas under {target / 'schema'}" if schemas else "")
    )
    if imported.errors:
        _say(
            f"{imported.read - risks} of {imported.read} risks were not imported: "
            f"{len(imported.errors)} errors above",
            err=True,
        )
        sys.exit(EXIT_FINDINGS)


def _print_preview(imported: Imported) -> None:
    """The table of risks an import would write: id, title, levels, score, band, owner."""
    from bot.render.text import text_table

    head = ["id", "own id", "title", "levels", "score", "band", "owner"]
    rows = [
        [r.id, r.own_id, r.title, r.levels, str(r.score), r.band, r.owner] for r in imported.rows
    ]
    _say("\n".join(text_table([head, *rows])), lines=True)


@cli.command("export")
@_root_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="The spreadsheet or data format to write.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: stdout; an .xlsx needs a file).",
)
def export_command(root: Path, fmt: str, output: Path | None) -> None:
    """Export the register's risks as CSV, TSV, XLSX or JSON: one row per risk.

    Each row has the fields people read (levels, owner, status, measures one per line) and the
    risk file itself; `riskbot import` of the export gives back the same files, byte for byte,
    and rewrites from its columns the rows that were edited.

    \b
    Example:
      riskbot export --format csv > risks.csv
      riskbot export --format xlsx --output risks.xlsx
    """
    from bot.documents.output import write_output
    from bot.intake.export import export
    from bot.repo.worktree import discover

    _, sources = discover(root)
    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx needs --output FILE")
    files = [(s.name, s.raw.decode("utf-8-sig")) for s in sources if s.refused is None]
    data = export(files, fmt)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        write_output(output, data, root)
        _say(f"wrote {len(files)} risks to {output}", err=True)


def _ask(option: str, text: str, convert: Callable[[str], Any]) -> Any:
    """Prompt until the answer converts; without one (no terminal, input ended) name the option."""
    try:
        return click.prompt(text, value_proc=convert)
    except click.Abort:
        if not sys.stdin.isatty():
            raise UsageError(f"--{option} is required when stdin is not a terminal") from None
        raise


def _text(value: str) -> str:
    if not value.strip():
        raise click.BadParameter("an answer is required")
    return value.strip()


def _one_of(kind: str, choices: list[str]) -> Callable[[str], str]:
    from bot.register.suggest import closest, did_you_mean

    def convert(value: str) -> str:
        hit = closest(value.strip(), choices)
        if hit is not None and hit.casefold() == value.strip().casefold():
            return hit  # the same word in another case is no mistake
        raise click.BadParameter(
            f"'{value}' is not a {kind}{did_you_mean(value.strip(), choices)}; "
            f"choose one of {', '.join(choices)}"
        )

    return convert


def _level(kind: str, policy: Policy) -> Callable[[str], int]:
    from bot.register.load import scale_text

    def convert(value: str) -> int:
        text = str(value).strip()
        if text.isdigit() and int(text) in policy.method.scale(kind):
            return int(text)
        raise click.BadParameter(
            f"the {kind} level is a level of the policy's {scale_text(policy, kind)}, not '{value}'"
        )

    return convert


def _given_level(kind: str, value: int | None, policy: Policy) -> int | None:
    """A level given as an option, checked against the policy's scale (exit 2 when off it)."""
    if value is None:
        return None
    try:
        return _level(kind, policy)(str(value))
    except click.BadParameter as exc:
        raise UsageError(f"--{kind} {value}: {exc.message}") from None


def _owner(register: Register) -> Callable[[str], str]:
    from bot.register.load import owner_hint
    from bot.register.risk import LOGIN_RE

    def convert(value: str) -> str:
        value = value.strip()
        if LOGIN_RE.match(value) or register.policy.role(value) is not None:
            return value
        raise click.BadParameter(
            f"'{value}' is neither a policy role nor an @login{owner_hint(value, register.policy)}"
        )

    return convert


@cli.command()
@_root_option
@click.option("--title", help="Short name of the risk.")
@click.option("--category", help="One of the policy's categories.")
@click.option("--phase", help="One of the policy's phases (v2, v3+, All, ...).")
@click.option("--impact", type=int, help="Impact level, on the policy's impact scale.")
@click.option("--probability", type=int, help="Probability level, on the policy's scale.")
@click.option(
    "--detection", type=int, help="Detection level, when the policy's method scores it (FMEA)."
)
@click.option("--owner", help="A policy role (name, short form or id) or an @login.")
@click.option("--description", help="What could happen and why.")
def new(
    root: Path,
    title: str | None,
    category: str | None,
    phase: str | None,
    impact: int | None,
    probability: int | None,
    detection: int | None,
    owner: str | None,
    description: str | None,
) -> None:
    """Add a risk: asks for what the options do not give, then writes risks/R-0NN-slug.yaml.

    Each answer is checked as it is given (a wrong category, phase, level or owner is asked
    again); levels are those of the policy's scales, with a detection level when its method
    scores one (FMEA).
    The new file gets the next free id, counts as reviewed the day it is identified, declares
    score and band only if most risk files do, and must pass the same checks as `riskbot check`.
    Without a terminal, every option the input does not answer must be given.

    \b
    Example:
      riskbot new --title "Key person leaves" --category Organizational --phase All \\
        --impact 3 --probability 2 --owner "Team Lead" --description "Bus factor of one."
    """
    from bot.documents.authoring import NewRisk, create_risk, scale_hint
    from bot.repo.ids import next_free_id

    register = _register_or_exit(root, None)
    next_free_id(root)  # a shallow clone is refused before any question is asked
    policy = register.policy
    method = policy.method
    if detection is not None and not method.detection:
        raise UsageError(
            f"--detection: the policy's method has no detection scale (it scores "
            f"{method.formula_text()})"
        )
    categories, phases = list(policy.categories), list(policy.phases)
    roles = ", ".join(r.name for r in policy.roles)
    levels = {
        kind: _given_level(kind, given, policy)
        for kind, given in (
            ("impact", impact),
            ("probability", probability),
            ("detection", detection),
        )
    }

    def level(kind: str) -> int:
        found = levels[kind]
        if found is not None:
            return found
        label = method.factor_label(kind)
        return int(_ask(kind, f"{label} ({scale_hint(method.scale(kind))})", _level(kind, policy)))

    def answer(option: str, given: str | None, prompt: str, convert: Callable[[str], str]) -> str:
        # An option is read as its prompt's answer would be: the same words, the same checks.
        if given is None:
            return str(_ask(option, prompt, convert))
        try:
            return convert(given)
        except click.BadParameter as exc:
            raise UsageError(f"--{option} {given!r}: {exc.message}") from None

    risk = NewRisk(
        title=answer("title", title, "Title", _text),
        category=answer(
            "category",
            category,
            f"Category ({', '.join(categories)})",
            _one_of("category", categories),
        ),
        phase=answer("phase", phase, f"Phase ({', '.join(phases)})", _one_of("phase", phases)),
        impact=level("impact"),
        probability=level("probability"),
        detection=level("detection") if method.detection else None,
        owner=answer("owner", owner, f"Owner (roles: {roles}; or @login)", _owner(register)),
        description=answer("description", description, "Description", _text),
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
    Ends with the calibration over every release with outcomes: observed frequency per
    probability level against the policy's range, and the Brier skill score.

    \b
    Example:
      riskbot retro v3 --output retro/v3.md
    """
    from bot.documents.output import write_output
    from bot.documents.retro import (
        build_calibration,
        build_retro,
        load_unregistered,
        render_retro_markdown,
        retro_unavailable,
    )

    register = _register_or_exit(root, None)
    policy = register.policy
    if (why := retro_unavailable(policy)) is not None:
        raise UsageError(f"no retrospective: {why}")
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
    text = render_retro_markdown(result, policy, build_calibration(register))
    if str(output) == "-":
        _document(text)
    else:
        write_output(output, text, root)
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
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files that already exist; set up a register inside another one.",
)
@click.option(
    "--source",
    metavar="SPEC",
    help=(
        "Pinned pip requirement the workflows install (default: riskbot==<this version> when"
        " it is a release, or the git commit riskbot was installed from)."
    ),
)
@click.option(
    "--branch",
    metavar="NAME",
    help="Default branch for the sync workflow (default: origin's HEAD, else main).",
)
@click.option(
    "--method",
    metavar="NAME",
    default="plan",
    show_default=True,
    help="The scoring method of the policy: plan, 3x3, 5x5-4band or fmea (--list-methods).",
)
@click.option(
    "--list-methods", is_flag=True, help="List the methods, one line each; write nothing."
)
@click.option(
    "--reusable",
    metavar="OWNER/riskbot@COMMIT",
    help="Write three short callers of riskbot's reusable workflow at that commit instead of "
    "the five workflows (riskbot is then installed from that commit).",
)
def init(
    directory: Path,
    force: bool,
    source: str | None,
    branch: str | None,
    method: str,
    list_methods: bool,
    reusable: str | None,
) -> None:
    """Set up a risk register in a repository: policy, schemas, an example risk, workflows.

    The policy has the scoring method you pick (the plan's 5 × 5 by default), one owner role
    and no releases: name your program, fill in the logins, add roles and releases. The
    workflows install riskbot at a pinned version (or --source, e.g. a git URL pinned to a
    commit) instead of copying its code. A riskbot that is no release (a checkout, an editable
    install) needs --source (exit 2 without it). A NAME==VERSION pin is written only once the
    package index (PIP_INDEX_URL, else PyPI) holds that version, and a path on this machine is
    refused (exit 2). Existing files are refused (exit 1) unless --force, and so is a DIR
    inside another register (found upward, up to the repository root). With --reusable
    OWNER/riskbot@COMMIT the workflows are three callers of riskbot's reusable workflow
    (.github/workflows/riskbot-reusable.yml) pinned to that commit.

    \b
    Example:
      riskbot init
      riskbot init --method 5x5-4band
      riskbot init --list-methods
      riskbot init ../my-repo --source "git+https://github.com/OWNER/riskbot@<commit>"
      riskbot init --reusable "OWNER/riskbot@<commit>"
    """
    from bot.documents import init as setup
    from bot.register import clock

    if list_methods:
        click.echo(setup.list_methods(), nl=False)
        return
    if method not in setup.method_names():
        raise UsageError(
            f"--method {method!r}: not a method riskbot knows; choose one of "
            f"{', '.join(setup.method_names())} (riskbot init --list-methods)"
        )
    if reusable is not None and source is not None:
        raise UsageError("--source and --reusable: give one (--reusable installs its commit)")
    setup.refuse_nested(directory, force=force)
    branch = branch or setup.default_branch(directory)
    given = source is not None
    if source is not None:
        source = setup.check_source(source)
    elif reusable is not None:
        source = setup.reusable_source(reusable)
    else:
        source = setup.default_source()
    setup.ensure_installable(source, given=given)  # no pin a runner could not install
    files = setup.init_files(
        directory,
        source=source,
        branch=branch,
        today=clock.today(),
        method=method,
        reusable=reusable,
    )
    written = setup.write_files(directory, files, force=force)
    for path in written:
        _say(f"wrote {path}")
    example = any(f.path == setup.EXAMPLE_RISK for f in files)
    steps = setup.next_steps(source=source, branch=branch, example=example, reusable=bool(reusable))
    click.echo("\n" + steps, nl=False)


@cli.command()
@click.option(
    "--hub",
    "hub_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("portfolio.yml"),
    show_default=True,
    help="The hub file: the repositories to read, or an organisation and its topic or property.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where PORTFOLIO.md and portfolio.json go (default: the hub file's folder).",
)
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The last run's portfolio.json (default: the one in --output-dir, if any): unchanged "
    "repositories are not read again, and the changes are those since it.",
)
@click.option(
    "--shard", metavar="K/N", help="Read only shard K of N; write its JSON (--shard-output)."
)
@click.option(
    "--shard-output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where a shard's JSON goes.",
)
@click.option(
    "--merge",
    "merged",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read nothing: merge these shards' JSON into the documents (repeat for each shard).",
)
@click.option("--today", metavar="YYYY-MM-DD", help="The date the documents are as of.")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=defaults.MAX_RATE_LIMIT_WAIT,
    show_default=True,
    help="Longest wait for a rate limit, in seconds.",
)
def portfolio(
    hub_path: Path,
    output_dir: Path | None,
    previous: Path | None,
    shard: str | None,
    shard_output: Path | None,
    merged: tuple[Path, ...],
    today: str | None,
    max_wait: float,
) -> None:
    """Read the registers of many repositories and write PORTFOLIO.md and portfolio.json.

    The hub file lists repositories, or an organisation and the topic or custom property that
    marks its registers. Each register is read through the API with GITHUB_TOKEN (an App
    installation token can read private repositories; a workflow's own token cannot): on a
    first run its branch's commit and that commit's archive (2 API requests and a download), on
    a rerun one request conditional on the last run's ETag, answered 304 (no rate limit) while
    it is unchanged. A repository that cannot be read is named, and the others still report.
    For a big organisation, read shards (--shard K/N --shard-output F) in an Actions matrix and
    --merge their JSON: the same documents as one job. Exit 0 done, 1 some repository not read,
    2 setup (no token, a broken hub file, a refused token).

    \b
    Example:
      riskbot portfolio --hub portfolio.yml
      riskbot portfolio --shard 1/4 --shard-output shard-1.json
      riskbot portfolio --merge shard-1.json --merge shard-2.json
    """
    from bot.documents import portfolio as docs
    from bot.documents.output import write_files, write_output
    from bot.register import clock

    day = _parse_date(today) or clock.today()
    folder = output_dir if output_dir is not None else hub_path.parent
    previous = previous or (folder / docs.DATA if (folder / docs.DATA).is_file() else None)
    last = docs.read_json(previous) if previous is not None else None
    hub, findings = docs.load_hub(hub_path) if hub_path.is_file() or not merged else (None, [])
    for finding in findings:
        _say(finding.as_text(), err=True)
    if findings:
        raise UsageError(f"the hub file {hub_path} has errors; nothing was read")
    if shard is not None and (merged or shard_output is None):
        raise UsageError("--shard needs --shard-output, and reads: it cannot --merge")
    if merged:
        current = docs.merge([docs.read_json(path) for path in merged])
    else:
        assert hub is not None
        current = _read_portfolio(hub, shard, last, day, max_wait)
        if shard is not None and shard_output is not None:
            part = docs.parse_shard(shard)
            write_output(
                shard_output, docs.shard_json(part, current.portfolio, current.known), folder
            )
            _say(f"wrote {shard_output}")
            sys.exit(1 if current.portfolio.failures else 0)
    title = hub.title if hub is not None else docs.DEFAULT_TITLE
    server = _settings_or_none().server_url
    markdown, data = docs.documents(title, current, last, day, server)
    write_files(folder, [(folder / docs.DOCUMENT, markdown), (folder / docs.DATA, data)])
    _say(f"wrote {folder / docs.DOCUMENT} and {folder / docs.DATA}")
    for failure in current.portfolio.failures:
        _say(f"riskbot: not read: {failure.repo}: {failure.reason}", err=True)
    sys.exit(1 if current.portfolio.failures else 0)


def _settings_or_none() -> Settings:
    from bot.github.settings import from_env

    return from_env(os.environ, require_repository=False)


def _read_portfolio(
    hub: Hub, shard: str | None, last: PortfolioJson | None, day: dt.date, max_wait: float
) -> PortfolioJson:
    """Read the hub's registers (or one shard of them) through the API."""
    from bot.documents import portfolio as docs
    from bot.github.api import Limits, SetupFailed
    from bot.github.portfolio import ReadStats, RegisterReader, read_all
    from bot.register.portfolio import Listed, Portfolio

    settings = _settings_or_none()
    if not settings.has_token:
        raise UsageError(
            "portfolio reads other repositories: set GITHUB_TOKEN to a token that can read "
            "them (in Actions, an App installation token: actions/create-github-app-token)"
        )
    stats = ReadStats()
    limits = Limits(max_wait=max_wait)
    reader = RegisterReader(settings, limits, stats)
    try:
        found: list[Listed] = []
        if hub.organization:
            found = reader.organisation(hub.organization, topic=hub.topic, prop=hub.prop)
        sources = docs.chosen(hub, found)
        if shard is not None:
            sources = docs.shard_of(sources, docs.parse_shard(shard))
        reuse = last if last is not None and last.reusable else None
        known = reuse.known if reuse is not None else {}
        cached = {s.repo: s for s in reuse.portfolio.registers} if reuse is not None else {}
        summaries, failures, seen = read_all(
            reader,
            sources,
            known,
            lambda repo, commit, policy, risks: docs.summarize_sources(
                repo, commit, policy, risks, day
            ),
            cached,
        )
    except SetupFailed as exc:
        raise UsageError(str(exc)) from None
    finally:
        reader.close()
    _say(
        f"riskbot portfolio: {len(sources)} repositories: {stats.archives} read, "
        f"{stats.unchanged} unchanged, {len(failures)} not read; {stats.requests} API requests "
        f"({stats.not_modified} answered 304, which cost no rate limit) and "
        f"{stats.downloads} archive downloads",
        err=True,
    )
    return docs.Loaded(Portfolio(summaries, failures), seen)


@cli.group()
def policy() -> None:
    """The policy's base: a policy kept in another repository that this one extends.

    \b
    Example:
      riskbot policy pull --ref main
    """


@policy.command()
@_root_option
@click.option(
    "--ref",
    metavar="REF",
    help="Move the pin: a branch, tag or commit of the base's repository (default: the pinned "
    "commit; the default branch when nothing is pinned yet).",
)
def pull(root: Path, ref: str | None) -> None:
    """Vendor the base policy that `extends` names, at a pinned commit, with its hash.

    Reads the file from the base's repository through the GitHub API (GITHUB_TOKEN, and
    GITHUB_API_URL for GitHub Enterprise), writes it byte for byte to .github/riskbot-base.yml
    and sets `extends.ref` and `extends.sha256` in .github/riskbot.yml. `riskbot check` then
    reads that copy, offline, and fails when it is not the pinned one. Exit 1 when the policy
    resolved with the new base has errors (the files are written: fix them in the same change),
    2 for a missing token, or a repository, ref or file that is not there.

    \b
    Example:
      GITHUB_TOKEN=$(gh auth token) riskbot policy pull
      riskbot policy pull --ref main   # move the pin to the base's newest commit
    """
    from bot.documents.vendor import read_pin, vendor_base
    from bot.github.basepolicy import fetch_file
    from bot.github.settings import from_env

    pin = read_pin(root)
    wanted = ref or pin.ref or "HEAD"
    fetched = fetch_file(from_env(os.environ, require_repository=False), pin.repo, pin.path, wanted)
    pulled = vendor_base(root, pin, fetched.commit, fetched.raw)
    for finding in pulled.findings:
        _say(finding.as_text(), err=True)
    for line in pulled.summary():
        _say(line)
    sys.exit(0 if pulled.ok else EXIT_FINDINGS)


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
    except (click.Abort, KeyboardInterrupt, EOFError) as exc:
        # click turns Ctrl-C (in a prompt too) into Abort, keeping the KeyboardInterrupt.
        cause = exc if isinstance(exc, KeyboardInterrupt) else exc.__cause__ or exc.__context__
        click.echo("Aborted!", err=True)
        sys.exit(EXIT_INTERRUPTED if isinstance(cause, KeyboardInterrupt) else EXIT_FINDINGS)
    except Exception as exc:  # the last line of defence
        if os.environ.get("RISKBOT_DEBUG"):
            raise
        _say(f"riskbot: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("riskbot: set RISKBOT_DEBUG=1 to see the traceback.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
