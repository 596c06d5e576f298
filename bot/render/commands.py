"""The texts of commands in comments: help, refusals, and the pull requests they open.

Nothing here mentions anyone: a refusal names roles, not logins (a stranger's comment must not
make the bot ping the owner), and people's own words are escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.render.markdown import code_span, escape_cell, escape_text, table

ACCEPT_USAGE = "/riskbot accept [R-NNN] until YYYY-MM-DD because REASON"
REVIEW_USAGE = "/riskbot review [R-NNN] [note]"
HELP = (
    "riskbot answers these commands on its own issues (a risk's issue, the reviews digest, "
    "the quarterly review), each on a line of its own at the start of a comment:\n\n"
    f"- `{REVIEW_USAGE}`: record a review of the risk now; reminders stop from today, and the "
    "date lands in the risk file through the pull request riskbot keeps for reviews.\n"
    f"- `{ACCEPT_USAGE}`: open a pull request that adds `acceptance:` "
    "(by, rationale, until) to the risk file; it needs the approval of the band's acceptance "
    "authority.\n"
    "- `/riskbot help`: this list.\n\n"
    "On a risk's issue the risk is that issue's; on the digest and the quarterly review, name "
    "it (`R-004`). Only the logins of the risk's owner and of the roles above it on the "
    "escalation path (the default branch's policy) may review or accept. An edited comment, a "
    "quoted command or one in code is not read."
)
FOLD_TITLE = "Record reviews given in comments"
FOLD_BRANCH = "riskbot/reviews"


def refusal(reason: str) -> str:
    """The one-line answer to a command that is not carried out."""
    return f"Not done: {escape_text(reason)}."


def form_problems(problems: Sequence[tuple[str, str]]) -> str:
    """What to fix in a proposal, field by field (edit the issue's fields and open a new one)."""
    rows = [(label, message) for label, message in problems]
    return (
        "riskbot cannot propose this risk yet. Fix these answers and open a new issue with the "
        "form (edits of this one are not read):\n\n" + table(("field", "problem"), rows)
    )


def _link(text: str, url: str) -> str:
    return f"[{escape_cell(text)}]({url})" if url.startswith("https://") else escape_cell(text)


def fold_body(rows: Sequence[tuple[str, str, dt.date, str, str]]) -> str:
    """The reviews pull request: (risk, file, day, login, comment url) per review it records."""
    lines = [
        "Reviews recorded by authorised `/riskbot review` comments, folded into the risk files "
        "(only their `last_reviewed` lines change). Reminders stopped when each comment was "
        "posted; merging this makes the files agree.",
        "",
        table(
            ("risk", "file", "reviewed", "by", "comment"),
            [
                (risk, file, day.isoformat(), code_span(login), _link("comment", url))
                for risk, file, day, login, url in rows
            ],
        ),
        "",
        "riskbot keeps this pull request up to date: each new review by comment replaces its "
        "one commit on top of the default branch.",
    ]
    return "\n".join(lines)


def accept_body(
    risk_id: str, file: str, login: str, rationale: str, until: dt.date, url: str, issue: int
) -> str:
    """The acceptance pull request's description."""
    return "\n".join(
        [
            f"Acceptance of {risk_id} requested by {code_span('@' + login)} in "
            f"{_link('a comment', url)} on #{issue}.",
            "",
            table(
                ("file", "until", "rationale"),
                [(file, until.isoformat(), rationale)],
            ),
            "",
            "It needs an approving review by the band's acceptance authority (by default the "
            "program sponsor), who is not this pull request's author.",
        ]
    )


def propose_body(risk_id: str, file: str, author: str, issue: int, title: str) -> str:
    """The description of the pull request that adds a proposed risk."""
    return "\n".join(
        [
            f"Adds {risk_id}, {escape_text(title)}, as proposed by {code_span('@' + author)} "
            f"with the issue form in #{issue}. Its answers passed the checks of `riskbot new`.",
            "",
            f"File: {code_span(file)}",
            "",
            f"Closes #{issue}",
        ]
    )
