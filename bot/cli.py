"""The command line: each command turns options into plain values and calls the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from bot import __version__

EXIT_USAGE = 2


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date of the form YYYY-MM-DD") from None


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
    from bot.check import REPORTER_BY_NAME, run_check

    report = run_check(root, _parse_date(today))
    sys.stdout.write(REPORTER_BY_NAME[fmt](report, os.environ))
    sys.exit(report.exit_code)


def main() -> None:
    """Console entry point: no traceback reaches the user unless RISKBOT_DEBUG is set."""
    try:
        cli.main(prog_name="riskbot")
    except Exception as exc:  # the last line of defence
        if os.environ.get("RISKBOT_DEBUG"):
            raise
        click.echo(f"riskbot: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("riskbot: set RISKBOT_DEBUG=1 to see the traceback.", err=True)
        sys.exit(EXIT_USAGE)
