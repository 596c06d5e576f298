"""Commands in comments: ``/riskbot review``, ``/riskbot accept``, ``/riskbot help``.

A command is a line that starts with ``/riskbot`` in a top-level paragraph of a comment, read
by a CommonMark parser: a command inside a quote, a list, a code block, a code span or HTML is
text about a command, not one. Who may run it is decided from the default branch's policy: the
logins of the risk's owner and of the roles above the owner on the escalation path. Comments
that are edited, written by a bot, or on an issue that is not the bot's own are never read.

This module is pure: the GitHub shell gathers the facts (:class:`PersonComment`), these
functions decide, and the same decision serves ``respond`` (answering the comment), ``propose``
(the pull request it calls for) and ``remind`` (a review by comment counts at once).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.reconcile import markers
from bot.register.load import Register
from bot.register.policy import RISK_OWNER, Policy
from bot.register.risk import Risk
from bot.register.rules import Notify, owners_of, resolve

PREFIX = "/riskbot"
FORM_LABEL = "risk-proposal"
"""The label the "Propose a risk" issue form puts on its issues (it must exist in the
repository: GitHub applies a form's labels only when they do)."""
VERBS = ("review", "accept", "help")
MAX_TEXT = 500
"""The longest note or rationale kept from a comment (the rest is cut, with an ellipsis)."""
_RISK_ID = re.compile(r"R-[0-9]{3,}")
_ACCEPT = re.compile(
    r"(?:(?P<risk>R-[0-9]{3,})\s+)?until\s+(?P<until>\S+)\s+because\s+(?P<why>\S.*)",
    re.IGNORECASE | re.DOTALL,
)
_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

REVIEW_USAGE = "/riskbot review [R-NNN] [note]"
ACCEPT_USAGE = "/riskbot accept [R-NNN] until YYYY-MM-DD because REASON"
HELP_USAGE = "/riskbot help"


@dataclass(frozen=True)
class Command:
    """A command as written: its verb and arguments, or what is wrong with it (``problem``)."""

    verb: str
    risk: str | None = None
    note: str | None = None
    until: dt.date | None = None
    because: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class PersonComment:
    """A comment as GitHub stamped it: who, when, where, what."""

    id: int
    issue_number: int
    login: str
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    is_bot: bool = False
    url: str = ""

    @property
    def edited(self) -> bool:
        """Changed after it was posted: a command edited in later is not read."""
        return self.updated_at is not None and self.updated_at > self.created_at


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _shown(children: Iterable[Token]) -> str:
    """A paragraph's text as GitHub shows it: escapes resolved, line breaks kept, and code
    spans, emphasis and inline HTML blotted out (a command in them is not a command)."""
    out: list[str] = []
    styled = 0
    for child in children:
        if child.type in ("strong_open", "em_open", "s_open", "link_open"):
            styled += 1
        elif child.type in ("strong_close", "em_close", "s_close", "link_close"):
            styled -= 1
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "text" and not styled:
            out.append(child.content)
        elif child.type in ("text", "code_inline"):
            out.append("\0" + child.content)  # its words stay in a note, but start no command
        else:
            out.append("\0")
    return "".join(out)


def command_lines(body: str) -> list[str]:
    """Each top-level paragraph's text from its ``/riskbot`` line on (soft breaks as spaces)."""
    found: list[str] = []
    tokens = _PARSER.parse(body)
    for before, token in pairwise(tokens):
        if token.type != "inline" or before.type != "paragraph_open" or before.level != 0:
            continue
        lines = _shown(token.children or []).split("\n")
        for index, line in enumerate(lines):
            if line.startswith(PREFIX) and (len(line) == len(PREFIX) or line[len(PREFIX)] in " \t"):
                found.append(" ".join(lines[index:]).replace("\0", ""))
                break
    return found


def parse_command(body: str) -> Command | None:
    """The first command of a comment, or None when it holds none (see the module's rules)."""
    lines = command_lines(body)
    if not lines:
        return None
    words = lines[0][len(PREFIX) :].split(None, 1)
    if not words:
        return Command("", problem=f"no command given; {HELP_USAGE} lists them")
    verb = words[0].lower()
    rest = words[1].strip() if len(words) > 1 else ""
    if verb == "help":
        return Command("help")
    if verb == "review":
        head, _, tail = rest.partition(" ")
        if _RISK_ID.fullmatch(head.upper()):
            return Command("review", risk=head.upper(), note=_clip(tail) or None)
        return Command("review", note=_clip(rest) or None)
    if verb == "accept":
        match = _ACCEPT.fullmatch(rest)
        if match is None:
            return Command("accept", problem=f"write it as {ACCEPT_USAGE}")
        risk = match.group("risk").upper() if match.group("risk") else None
        try:
            until = dt.date.fromisoformat(match.group("until"))
        except ValueError:
            return Command(
                "accept", risk=risk, problem="the date after until is not of the form YYYY-MM-DD"
            )
        return Command("accept", risk=risk, until=until, because=_clip(match.group("why")))
    return Command(verb, problem=f"'{verb[:40]}' is not a command; {HELP_USAGE} lists them")


# -- where and who ------------------------------------------------------------------------------


def answers_on(ident: str) -> bool:
    """Whether the bot takes commands on its issue of this ident: a risk's issue, the reviews
    digest, a quarterly review."""
    return (
        markers.red_issue_risk(ident) is not None
        or ident == markers.REVIEWS
        or ident.startswith(f"{markers.QUARTERLY}/")
    )


def target_risk(command: Command, issue_ident: str) -> tuple[str | None, str | None]:
    """The risk a command is about, or why it names none: on a risk's issue that risk (a
    different id is refused), elsewhere the id the command names."""
    own = markers.red_issue_risk(issue_ident)
    if own is not None:
        if command.risk is not None and command.risk != own:
            return None, f"this issue is {own}'s; name {command.risk} on its own issue"
        return own, None
    if command.risk is None:
        usage = REVIEW_USAGE if command.verb == "review" else ACCEPT_USAGE
        return None, f"name the risk here: {usage.replace('[R-NNN]', 'R-NNN')}"
    return command.risk, None


def may_act(risk: Risk, policy: Policy) -> tuple[Notify, ...]:
    """Who may record a review of ``risk`` or ask to accept it: its owners, and the roles above
    the owner on the escalation path."""
    path = policy.escalation_path or (RISK_OWNER,)
    owner_roles = {n.role for n in owners_of(risk, policy)}
    start = next(
        (i for i, step in enumerate(path) if step == RISK_OWNER or step in owner_roles),
        len(path),
    )
    return resolve((RISK_OWNER, *path[start:]), [risk], policy)


def is_allowed(login: str, risk: Risk, policy: Policy) -> bool:
    """Whether ``login`` is one of :func:`may_act`'s logins (GitHub logins ignore case)."""
    wanted = login.lower()
    return any(wanted == given.lower() for n in may_act(risk, policy) for given in n.logins)


def who_may_text(risk: Risk, policy: Policy) -> str:
    """The roles that may act on a risk, by name, pinging nobody."""
    names = [n.name for n in may_act(risk, policy)]
    return ", ".join(dict.fromkeys(names)) or "nobody (the policy names no logins)"


# -- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What to do with a command comment: carry it out, or refuse it with a one-line reason."""

    command: Command
    risk: Risk | None = None
    refused: str | None = None

    @property
    def carried_out(self) -> bool:
        return self.refused is None


def decide(
    comment: PersonComment, command: Command, issue_ident: str, register: Register, today: dt.date
) -> Decision:
    """Whether a command on the bot's issue is carried out, and if not, why (one line)."""
    if command.problem is not None:
        return Decision(command, refused=command.problem)
    if command.verb == "help":
        return Decision(command)
    risk_id, problem = target_risk(command, issue_ident)
    if risk_id is None:
        return Decision(command, refused=problem)
    found = register.get(risk_id)
    risk = found.risk if found is not None else _any_risk(register, risk_id)
    if risk is None:
        return Decision(command, refused=f"{risk_id} is not a risk of the register")
    policy = register.policy
    if not is_allowed(comment.login, risk, policy):
        action = "record a review of" if command.verb == "review" else "ask to accept"
        return Decision(
            command,
            risk,
            refused=f"only the logins of {who_may_text(risk, policy)} may {action} {risk.id}",
        )
    if command.verb == "accept" and command.until is not None and command.until <= today:
        return Decision(
            command,
            risk,
            refused=f"the until date must be after today ({today.isoformat()}): an acceptance "
            "ends in the future",
        )
    return Decision(command, risk)


def _any_risk(register: Register, risk_id: str) -> Risk | None:
    return next((r for r in register.risks if r.id == risk_id), None)


@dataclass(frozen=True)
class CommentReview:
    """A review recorded by an authorised comment: it counts from GitHub's stamp."""

    risk_id: str
    at: dt.datetime
    login: str
    comment_id: int
    url: str = ""
    note: str | None = None

    @property
    def day(self) -> dt.date:
        return self.at.astimezone(dt.UTC).date()


def comment_reviews(
    register: Register,
    comments: Iterable[PersonComment],
    idents: Mapping[int, str],
) -> dict[str, CommentReview]:
    """The latest authorised review by comment of each risk, where it is newer than the file's
    ``last_reviewed`` (``idents``: the bot's issues by number; comments elsewhere do not count).
    """
    found: dict[str, CommentReview] = {}
    for comment in comments:
        ident = idents.get(comment.issue_number)
        if ident is None or not answers_on(ident) or comment.is_bot or comment.edited:
            continue
        command = parse_command(comment.body)
        if command is None or command.verb != "review":
            continue
        decision = decide(comment, command, ident, register, comment.created_at.date())
        risk = decision.risk
        if not decision.carried_out or risk is None:
            continue
        review = CommentReview(
            risk.id, comment.created_at, comment.login, comment.id, comment.url, command.note
        )
        if risk.last_reviewed is not None and review.day <= risk.last_reviewed:
            continue
        earlier = found.get(risk.id)
        if earlier is None or (review.at, review.comment_id) > (earlier.at, earlier.comment_id):
            found[risk.id] = review
    return found


@dataclass(frozen=True)
class ProposedRisk:
    """A proposal form's answers checked: the new risk file, or the problems, field by field."""

    path: str = ""
    text: str = ""
    title: str = ""
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.text) and not self.problems
