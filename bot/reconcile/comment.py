"""The sticky PR comment: the artifact from the PR job, read as untrusted data, made safe, planned.

The PR job runs the pull request's own code, so everything in its payload may be hostile: it is
size-capped and shape-checked when read (:func:`bot.github.payload.read_payload`), stripped here of
HTML and markers, and may only mention logins that the default branch's policy names. The PR
number is trusted only once its head matches the run's.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.reconcile import markers
from bot.reconcile.plan import EnsureComment, Needs, Plan, Snapshot
from bot.render.markdown import defuse_mentions
from bot.render.pr import NO_LONGER

# The character references riskbot's own escaping writes (bot.render.markdown): none of them
# can become an `@`, a tag or a marker. Any other `&` is shown as itself, so that `&#64;`,
# `&commat;` or `&#x40;` from the payload cannot turn into an `@` after the mention filter.
_OWN_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|#8203|#92);)")


@dataclass(frozen=True)
class Payload:
    pr: int
    head_sha: str
    touches_risks: bool
    body: str


def sanitize(body: str, allowed_logins: Collection[str]) -> str:
    """No HTML, no markers, no entities but riskbot's own, and mentions only of logins the
    policy names (:func:`bot.render.markdown.defuse_mentions`, the rule of every text riskbot
    posts)."""
    text = _OWN_ENTITY.sub("&amp;", body).replace("<", "&lt;").replace(">", "&gt;")
    return defuse_mentions(text, allowed_logins)


def comment_needs(payload: Payload, run_head_sha: str | None) -> Needs:
    """The PR's head, when there is a run head to hold it against."""
    return Needs(pulls=frozenset({payload.pr}) if run_head_sha is not None else frozenset())


def plan_comment(
    payload: Payload, allowed_logins: Collection[str], snapshot: Snapshot, run_head_sha: str | None
) -> Plan:
    """The one sticky comment: created when the PR touches risks, otherwise only updated.

    Nothing is planned when the PR's head moved on since the run that made the payload: a newer
    run will comment.
    """
    actual = snapshot.pull_heads.get(payload.pr)
    if run_head_sha is not None and actual is not None and actual != run_head_sha:
        return Plan(
            skipped=f"PR #{payload.pr} head is {actual[:12]}, not this run's {run_head_sha[:12]}"
            ": nothing posted (a newer run will comment)"
        )
    text = sanitize(payload.body, allowed_logins) if payload.touches_risks else NO_LONGER
    comment = EnsureComment(
        markers.pr_report(payload.pr),
        text,
        number=payload.pr,
        sticky=True,
        create=payload.touches_risks,
    )
    return Plan([comment])
