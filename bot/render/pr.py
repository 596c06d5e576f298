"""`riskbot pr`: the report a pull request gets — changes, escalations, findings, the matrix.

Rendering is pure; reading the two revisions goes through git without a checkout of the base.
The sticky comment is cut to fit the comment payload (and so GitHub's own limit); the step
summary holds the whole report. Writing them is the GitHub shell's (:mod:`bot.github.payload`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.register.approvals import Approval, ApprovalStatus
from bot.register.codes import DERIVED
from bot.register.compare import Comparison, FieldChange, NotCompared, PrReport, RiskChange
from bot.register.findings import Finding
from bot.register.load import POLICY_PATH, Register
from bot.register.method import levels_text
from bot.register.odds import ReleaseOdds, odds_by_release, odds_for
from bot.register.policydiff import PolicyChange
from bot.register.rules import Escalation
from bot.register.scoring import Assessment
from bot.render import actions as gha
from bot.render import jsondoc
from bot.render.acceptance import change_line as acceptance_change
from bot.render.acceptance import legend
from bot.render.markdown import (
    Cell,
    Markdown,
    bold,
    code_span,
    escape_text,
    join,
    mention,
    table,
)
from bot.render.matrix import KEPT_MARK as MATRIX_KEPT_MARK
from bot.render.matrix import render_markdown
from bot.render.odds import odds_moved, render_odds_change
from bot.render.residual import residual_cell
from bot.render.who import who as render_who
from bot.render.who import who_text

COMMENT_LIMIT = 60_000
"""Most characters of the comment body in the payload: below GitHub's 65,536 for a comment, with
room for the marker and for what sanitising adds (``riskbot comment`` refuses a longer body)."""
RULE_ICON = {"new_red": "🚨", "score_increase": "📈", "same_level": "🏛️", "schedule_impact": "📅"}
NO_LONGER = (
    "## riskbot\n\nThis pull request no longer changes the risk register: nothing to report."
)
QUOTED_ITEMS = 3
"""List items quoted per changed field (mitigation items added or removed), the rest counted."""
QUOTE_CHARS = 80
"""Longest old or new value quoted in the changes table."""
CAPS = (None, 200, 50, 20, 5, 0)
"""How many items each list of the report keeps, tried in turn until the comment fits."""

CHANGES_HEADER = ("Risk", "What changed", "Score", "Band")


def _risk_cell(a: Assessment) -> Markdown:
    return join(bold(a.risk.id), " ", a.risk.title)


def _score(a: Assessment) -> str:
    return f"{levels_text(a.risk.impact, a.risk.probability, a.risk.detection)} = {a.score}"


def _clip(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quoted(items: Sequence[str]) -> Markdown:
    shown = [join("“", _clip(x, QUOTE_CHARS // 2), "”") for x in items[:QUOTED_ITEMS]]
    more = f" (+{len(items) - QUOTED_ITEMS} more)" if len(items) > QUOTED_ITEMS else ""
    return join(join(*shown, sep=", "), more)


def field_text(f: FieldChange) -> Markdown:
    """``impact: 3 → 4``; a list: ``mitigation.response: added “A”, “B”; removed “C”``."""
    if not f.is_list:
        return join(f.field, ": ", _clip(f.old), " → ", _clip(f.new))
    parts = []
    if f.added:
        parts.append(join("added ", _quoted(f.added)))
    if f.removed:
        parts.append(join("removed ", _quoted(f.removed)))
    return join(f.field, ": ", join(*parts, sep="; ") if parts else "reordered")


def policy_text(c: RiskChange) -> Markdown | None:
    """What the policy alone did to a risk: band, cadence, escalations."""
    effect = c.policy
    if effect is None:
        return None
    parts: list[Cell] = []
    if effect.band_moved:
        parts.append(join("band ", effect.before.band.label, " → ", effect.after.band.label))
    if effect.cadence_moved:
        parts.append(join("reviews ", effect.before.cadence, " → ", effect.after.cadence))
    if effect.rules_moved:
        before = {r.label: r.roles for r in effect.rules_before}
        after = {r.label: r.roles for r in effect.rules_after}
        words = [f"+{rule}" for rule in after if rule not in before]
        words += [f"−{rule}" for rule in before if rule not in after]
        words += [
            f"{rule} (who is notified)"
            for rule in after
            if before.get(rule, after[rule]) != after[rule]
        ]
        parts.append(join("escalations ", ", ".join(words)))
    return join(bold("by the policy"), ": ", join(*parts, sep=", "))


def _band_cell(c: RiskChange) -> Cell:
    if c.band_cause is None:
        return c.head.band.label
    cause = "" if c.band_cause == "file" else f" ({c.band_cause})"
    return join(c.base.band.label, " → ", bold(c.head.band.label), cause)


def _invalid_row(n: NotCompared) -> tuple[Cell, ...]:
    label = (
        join(bold(n.risk_id or "?"), " ", code_span(n.file))
        if n.base is None
        else _risk_cell(n.base)
    )
    first = n.findings[0].message if n.findings else "not checked: the head policy has errors"
    more = f" (+{len(n.findings) - 1} more)" if len(n.findings) > 1 else ""
    what = "added (invalid)" if n.added else "invalid on head (not compared)"
    score: Cell = "—" if n.base is None else f"was {n.base.score}"
    band: Cell = "—" if n.base is None else f"was {n.base.band.label}"
    return (label, join(bold(what), ": ", _clip(first), more), score, band)


def change_rows(cmp: Comparison) -> list[tuple[Cell, ...]]:
    """One row per added, changed, invalid and removed risk: what changed, score, band."""
    fixed = cmp.fixed
    rows: list[tuple[Cell, ...]] = [
        (
            _risk_cell(a),
            "added (was invalid on base)" if a.risk.id in fixed else "added",
            _score(a),
            a.band.label,
        )
        for a in cmp.added
    ]
    for c in cmp.changed:
        parts: list[Cell] = [field_text(f) for f in c.fields]
        if c.renamed:
            parts.append(join("renamed ", c.base.risk.file, " → ", c.head.risk.file))
        if (back := c.review_moved_back) is not None:
            parts.append(
                join(
                    "⚠️ ",
                    bold("last review moved back"),
                    f" from {back[0].isoformat()} to {back[1].isoformat()}",
                )
            )
        if (by_policy := policy_text(c)) is not None:
            parts.append(by_policy)
        score: Cell = str(c.head.score)
        if c.delta:
            score = join(str(c.base.score), " → ", bold(str(c.head.score)), f" ({c.delta:+d})")
        rows.append(
            (_risk_cell(c.head), join(*parts, sep=", ") if parts else "none", score, _band_cell(c))
        )
    rows += [_invalid_row(n) for n in cmp.invalid]
    rows += [
        (_risk_cell(a), "removed", f"was {a.score}", f"was {a.band.label}") for a in cmp.removed
    ]
    return rows


def _escalation_line(e: Escalation) -> str:
    who = render_who(e.notify)
    icon = RULE_ICON.get(e.rule, "•")
    return f"- {icon} **{escape_text(e.label)}**: {escape_text(e.message)}. Who: {who}"


def _subject(s: ApprovalStatus) -> str:
    ap = s.approval
    title = (
        "Acceptance approval"
        if ap.strict
        else "Owner approval"
        if ap.role == "owner"
        else "Program sponsor approval"
    )
    state = " given" if s.state == "approved" else " needed"
    what = "the policy" if ap.risk is None else f"{ap.subject} ({escape_text(ap.band)})"
    return f"**{title}{state}**: {what} {escape_text(ap.reason)}"


def _fill(ap: Approval) -> str:
    """``Role has no logins (fill `.github/riskbot.yml:12`)`` for each approver without any."""
    return "; ".join(
        f"{escape_text(name)} has no logins (fill {code_span(f'{POLICY_PATH}:{line}')})"
        for name, line in ap.unfilled
    )


def fallback_note(ap: Approval) -> str:
    """Which fallback applied: the role that must approve (an owner, an acceptance authority)
    has no logins, so the program sponsor approves."""
    if not ap.fallback:
        return ""
    return f" {_fill(ap)}: the {escape_text(ap.fallback)} approves instead."


def _not_them(ap: Approval, author: str | None) -> str:
    """Whose approval of an acceptance does not count, in words."""
    parts = ["this pull request's author" + (f" ({code_span('@' + author)})" if author else "")]
    for x in ap.excluded:  # the requester, named once when they opened the pull request
        same = author is not None and x.casefold() == author.casefold()
        parts.append("the requester" if same else f"the requester ({code_span('@' + x)})")
    return " nor ".join(parts)


def acceptance_line(s: ApprovalStatus, seen: set[str], author: str | None) -> str:
    """An acceptance's approval: by its band's authority, neither the author nor the requester;
    one nobody can give fails the check."""
    ap = s.approval
    if s.state == "nobody":
        missing = [_fill(ap)] if ap.unfilled else []
        barred = [x for x in ap.logins if x.casefold() in ap.barred(author)]
        if barred:
            missing.append(
                ", ".join(code_span(f"@{x}") for x in barred)
                + f" cannot approve it, being {_not_them(ap, author)}"
            )
        why = "; ".join(missing) or "the policy names no role that could"
        names = ", ".join(escape_text(n) for n in ap.owners) or "nobody"
        return (
            f"- ❌ {_subject(s)}. The acceptance authority ({names}) must approve it, but "
            f"nobody can: {why}. This check fails: an acceptance is approved by someone other "
            "than the pull request's author and the requester."
        )
    eligible = [n for n in ap.eligible(author) if n.logins]
    who = render_who(eligible, ping=True, seen=seen, either=True)
    if s.state == "waiting":
        return (
            f"- ⏳ {_subject(s)}: waiting for approval by {who}, neither "
            f"{_not_them(ap, author)}. This check fails until one of them approves the pull "
            f"request's head commit.{fallback_note(ap)}"
        )
    return (
        f"- ✋ {_subject(s)}. The acceptance authority must approve this pull request: {who}, "
        f"neither {_not_them(ap, author)}.{fallback_note(ap)}"
    )


def approval_line(s: ApprovalStatus, seen: set[str], author: str | None = None) -> str:
    """One approval and where it stands; waiting approvers are mentioned (once per text)."""
    ap = s.approval
    if s.state == "approved":
        by = ", ".join(code_span(f"@{x}") for x in s.by)
        return f"- ✅ {_subject(s)}; approved by {by} on the head commit.{fallback_note(ap)}"
    if ap.strict:
        return acceptance_line(s, seen, author)
    whose = "Its owner" if ap.role == "owner" else "The program sponsor"
    if s.state == "nobody":
        names = ", ".join(escape_text(n) for n in ap.owners) or "nobody"
        if ap.role == "owner":
            whose = "Its owner (or, as it has no logins, the program sponsor)"
        fill = _fill(ap) or "the policy names no role that could"
        return (
            f"- ❌ {_subject(s)}. {whose} must approve this pull request ({names}), but nobody "
            f"in the base branch's policy can: {fill}. This check fails until the base branch's "
            "policy names them (changes of logins are guarded too: the first logins come in a "
            "change a repository admin merges)."
        )
    who = render_who([n for n in ap.approvers if n.logins], ping=True, seen=seen, either=True)
    if s.state == "waiting":
        return (
            f"- ⏳ {_subject(s)}: waiting for approval by {who}. This check fails until one of "
            f"them approves the pull request's head commit.{fallback_note(ap)}"
        )
    return f"- ✋ {_subject(s)}. {whose} must approve this pull request: {who}.{fallback_note(ap)}"


def mention_logins(report: PrReport) -> tuple[str, ...]:
    """Every login the triggered rules and approvals name, once each."""
    logins = [x for e in report.comparison.escalations for x in e.logins]
    logins += [x for a in report.comparison.approvals for x in a.logins]
    seen: dict[str, str] = {}
    for login in logins:
        seen.setdefault(login.lower(), login)
    return tuple(seen.values())


def approval_headline(report: PrReport) -> str | None:
    check = report.approval
    if not check.statuses:
        return None
    nobody = len(check.nobody)
    if nobody:
        return (
            f"❌ **{nobody} approval{'s' * (nobody != 1)} nobody can give**: this check fails "
            "until the base branch's policy names the logins (see below)."
        )
    waiting = len(check.waiting)
    if waiting:
        return (
            f"⏳ **Waiting for {waiting} approval{'s' * (waiting != 1)}**: this check fails until "
            "they are given on the head commit."
        )
    if not check.checked:
        return f"✋ **Approvals needed** (not checked: {escape_text(check.why_not)})."
    return "✅ **Every approval this change needs is given**."


def shown_findings(report: PrReport) -> list[Finding]:
    """Errors anywhere on head; warnings on the files the pull request changes or reports on."""
    cmp = report.comparison
    listed = report.changed_files | {a.risk.file for a in cmp.added}
    listed |= {c.head.risk.file for c in cmp.changed}
    return [
        f
        for f in report.head.findings
        if f.code not in DERIVED and (f.severity == "error" or f.file in listed)
    ]


def _capped(items: Sequence[str], cap: int | None, what: str) -> list[str]:
    if cap is None or len(items) <= cap:
        return list(items)
    return [*items[:cap], f"- … and {len(items) - cap} more {what} (see the step summary)"]


def _finding_line(f: Finding) -> str:
    return f"- {code_span(f'{f.file}:{f.line}')} {f.severity}: {escape_text(f.message)}"


def _policy_line(c: PolicyChange) -> str:
    sponsor = " — needs the program sponsor" if c.needs_sponsor else ""
    where = code_span(f"{c.file or POLICY_PATH}:{c.line}")
    return f"- {escape_text(c.describe())} ({where}){sponsor}"


PROTECT = (
    f"protect `.github/workflows/**` and `{POLICY_PATH}` with CODEOWNERS and **Require "
    "review from Code Owners** in the branch's protection, or make the check a ruleset's "
    "required workflow"
)
WORKFLOW_ADVICE = (
    "A pull request runs its own version of the workflows, so this check's result is what the "
    "changed workflow makes of it (a `|| true`, an older riskbot pin or a dropped step lets a "
    f"pull request approve itself). Only GitHub can hold that line: {PROTECT}."
)
POLICY_ADVICE = (
    "The policy decides who must approve what; riskbot asks for the sponsor where a change "
    f"moves risks, but only GitHub makes a review required: {PROTECT}."
)


def gate_advice(report: PrReport, *, markdown: bool = False) -> str | None:
    """What a pull request that changes the workflows or the policy is told (None: neither);
    the file names, which the pull request chose, as code spans in Markdown."""

    def names(files: Sequence[str]) -> str:
        return ", ".join(code_span(f) if markdown else f for f in files)

    workflows = [f for f in report.gate_files if f != POLICY_PATH]
    if workflows:
        also = " and the policy" if POLICY_PATH in report.gate_files else ""
        return f"It changes the workflows that check it ({names(workflows)}){also}. " + (
            WORKFLOW_ADVICE
        )
    if POLICY_PATH in report.gate_files:
        return f"It changes the policy ({names([POLICY_PATH])}). {POLICY_ADVICE}"
    return None


def _gate_lines(report: PrReport) -> list[str]:
    advice = gate_advice(report, markdown=True)
    if advice is None:
        return []
    return ["### ⚠️ This pull request changes what checks it", "", advice, ""]


def _render(report: PrReport, cap: int | None, matrix: bool) -> str:
    cmp = report.comparison
    head = report.head
    lines = ["## riskbot: risk register review", ""]
    errors, warnings = len(head.errors), len(head.warnings)
    if errors:
        lines.append(
            f"❌ **Head has {errors} error{'s' * (errors != 1)}**: this check fails "
            "until they are fixed."
        )
    else:
        lines.append("✅ **Head is valid**" + (f" ({warnings} warnings)." if warnings else "."))
    if (headline := approval_headline(report)) is not None:
        lines += ["", headline]
    lines.append("")
    if cap is not None:
        where = "step summary of the check"
        if report.links.get("summary"):
            where = f"[{where}](<{report.links['summary']}>)"
        lines += [
            f"> **This comment is shortened** to fit GitHub's limit: the whole report is in the "
            f"{where}.",
            "",
        ]
    lines += _gate_lines(report)
    if cmp.policy_changes:
        files = dict.fromkeys([POLICY_PATH, *(c.file for c in cmp.policy_changes if c.file)])
        lines += [f"### Policy changes ({', '.join(code_span(f) for f in files)})", ""]
        lines += _capped([_policy_line(c) for c in cmp.policy_changes], cap, "policy changes")
        lines.append("")
    statuses = report.approval.statuses
    if cmp.escalations or statuses:
        seen: set[str] = set()
        lines += ["### Who must look", ""]
        author = report.approval.author
        approvals = [approval_line(s, seen, author) for s in statuses]
        lines += _capped(approvals, cap, "approvals")
        lines += _capped([_escalation_line(e) for e in cmp.escalations], cap, "escalations")
        escalated = dict.fromkeys(x for e in cmp.escalations for x in e.logins)
        logins = [x for x in escalated if x.lower() not in seen]
        if logins:
            lines += ["", "cc " + " ".join(mention(x) for x in logins)]
        lines.append("")
    if cmp.acceptances:
        policy = head.policy if isinstance(head, Register) else None
        lines += ["### Acceptances", ""]
        lines += _capped(
            [acceptance_change(c, policy) for c in cmp.acceptances], cap, "acceptances"
        )
        lines.append("")
    rows = change_rows(cmp)
    if rows:
        kept = rows if cap is None else rows[:cap]
        lines += ["### Changes", "", table(CHANGES_HEADER, kept), ""]
        if len(kept) < len(rows):
            lines += [f"… and {len(rows) - len(kept)} more changes (see the step summary).", ""]
    wrong = [f for f in head.findings if f.code in DERIVED]
    if wrong:
        lines += ["### Declared scores that are wrong", ""]
        lines += _capped(
            [f"- {code_span(f'{f.file}:{f.line}')}: {escape_text(f.message)}" for f in wrong],
            cap,
            "wrong declared scores",
        )
        lines.append("")
    other = shown_findings(report)
    if other:
        lines += ["### Findings on head", ""]
        lines += _capped(
            [_finding_line(f) for f in other], 100 if cap is None else min(cap, 100), "findings"
        )
        lines.append("")
    lines += residual_section(cmp)
    lines += odds_section(cmp)
    figures = cmp.head_figures
    if matrix and isinstance(head, Register) and figures:
        method = head.policy.method
        grid = f"{method.factor_label('impact')} × {method.factor_label('probability').lower()}"
        as_on_base = [a.risk.id for a in cmp.kept]
        lines += [
            f"### {escape_text(grid)} (head)",
            "",
            render_markdown(figures, head.policy, cmp.moved, kept=as_on_base),
        ]
        if cmp.moved:
            lines += ["", "Risks in **bold** moved or were added in this pull request."]
        if (key := legend(figures, head.policy)) is not None:
            lines += ["", key]
        if as_on_base:
            lines += ["", kept_note(as_on_base)]
        lines.append("")
    lines.append(f"base {code_span(report.base_ref)} → head {code_span(report.head_ref)}")
    return "\n".join(lines) + "\n"


def residual_section(cmp: Comparison) -> list[str]:
    """Inherent → residual for each risk the change adds or changes."""
    head = cmp.head
    touched = [*cmp.added, *(c.head for c in cmp.changed)]
    if not isinstance(head, Register) or not touched:
        return []
    rows = [(_risk_cell(a), residual_cell(a, head.policy)) for a in touched]
    return ["### Inherent → residual", "", table(("Risk", "Score now → residual target"), rows), ""]


def kept_note(kept: Sequence[str]) -> str:
    """Which risks head's figures count at their base values, and why."""
    return (
        f"{escape_text(MATRIX_KEPT_MARK)}: invalid on head, so counted at its base values until "
        f"its file is fixed (a typo moves no figure): {escape_text(', '.join(kept))}."
    )


def head_odds(cmp: Comparison) -> list[ReleaseOdds]:
    """Head's schedule odds, each risk invalid on head counted at its base values."""
    if not isinstance(cmp.head, Register):
        return []
    return odds_for(cmp.head.policy, [a.risk for a in cmp.head_figures])


def odds_section(cmp: Comparison) -> list[str]:
    """The schedule odds base → head, for the releases the change moves."""
    base, head = odds_by_release(cmp.base), head_odds(cmp)
    if not head or not odds_moved(base, head):
        return []
    kept = [a.risk.id for a in cmp.kept]
    return [
        "### Schedule odds moved",
        "",
        "The chance that a release's slip exceeds its buffer, and the slip at 50/80/95 %, "
        "base → head (exact distribution of its open risks' slips).",
        "",
        render_odds_change(base, head),
        "",
        *([kept_note(kept), ""] if kept else []),
    ]


def render_markdown_report(report: PrReport, *, limit: int | None = None) -> str:
    """The step summary (whole), or with ``limit`` the sticky comment's body, cut to fit it:
    lists are shortened (each saying how many it leaves out), then the matrix is dropped."""
    if limit is None:
        return _render(report, None, True)
    for matrix in (True, False):
        for cap in CAPS:
            text = _render(report, cap, matrix)
            if len(text) <= limit:
                return text
    note = "\n\n> **Note:** the report was cut to fit; the whole report is in the step summary.\n"
    return text[: limit - len(note)].rsplit("\n", 1)[0] + note


def _assessment_json(a: Assessment) -> dict[str, object]:
    return {
        "id": a.risk.id,
        "file": a.risk.file,
        "title": a.risk.title,
        "score": a.score,
        "band": a.band.name,
        "impact": a.risk.impact,
        "probability": a.risk.probability,
        **({} if a.risk.detection is None else {"detection": a.risk.detection}),
    }


def _approval_json(s: ApprovalStatus, author: str | None) -> dict[str, object]:
    a = s.approval
    # An acceptance's says whose approval does not count (the other approvals' keys as before).
    barred = {"not_counted": sorted(a.barred(author))} if a.strict else {}
    return {
        "risk": a.risk,
        "reason": a.reason,
        "owners": list(a.owners),
        "logins": list(a.logins),
        "role": a.role,
        "state": s.state,
        "approved_by": list(s.by),
        "unfilled": [{"role": name, "line": line} for name, line in a.unfilled],
        **barred,
        "fallback": a.fallback or None,
    }


def to_json(report: PrReport) -> dict[str, object]:
    """The machine-readable report."""
    cmp = report.comparison
    return {
        "ok": report.ok,
        "base": report.base_ref,
        "head": report.head_ref,
        "touches_risks": report.touches_risks,
        "changed_files": sorted(report.changed_files),
        "gate_files": list(report.gate_files),
        "added": [_assessment_json(a) for a in cmp.added],
        "removed": [_assessment_json(a) for a in cmp.removed],
        "changed": [
            {
                "id": c.id,
                "file": c.head.risk.file,
                "old_file": c.base.risk.file,
                "fields": [f.as_json() for f in c.fields],
                "score": {"old": c.base.score, "new": c.head.score, "delta": c.delta},
                "band": {"old": c.base.band.name, "new": c.head.band.name},
                "cause": c.cause,
                "band_cause": c.band_cause,
                "policy": c.policy.as_json() if c.policy is not None else None,
                "review_moved_back": (
                    {"old": back[0].isoformat(), "new": back[1].isoformat()}
                    if (back := c.review_moved_back) is not None
                    else None
                ),
            }
            for c in cmp.changed
        ],
        "invalid": [
            {
                "file": n.file,
                "id": n.risk_id,
                "added": n.added,
                "base": _assessment_json(n.base) if n.base is not None else None,
                "findings": [f.as_json() for f in n.findings],
            }
            for n in cmp.invalid
        ],
        "policy_changes": [c.as_json() for c in cmp.policy_changes],
        "escalations": [e.as_json() for e in cmp.escalations],
        "approvals": [_approval_json(s, report.approval.author) for s in report.approval.statuses],
        "approval": {
            "checked": report.approval.checked,
            "why_not": report.approval.why_not,
            "blocking": report.approval.blocking,
        },
        "mentions": list(mention_logins(report)),
        "findings": [f.as_json() for f in report.head.findings],
        "wrong_scores": [f.as_json() for f in report.head.findings if f.code in DERIVED],
        "odds": {
            "base": [o.as_json() for o in odds_by_release(cmp.base)],
            "head": [o.as_json() for o in head_odds(cmp)],
            "kept_from_base": [a.risk.id for a in cmp.kept],
        },
        # Only where there are any, so a register without acceptances reads as before.
        **({"acceptances": [c.as_json() for c in cmp.acceptances]} if cmp.acceptances else {}),
    }


def render_json(report: PrReport) -> str:
    return jsondoc.dumps(to_json(report))


def approval_annotations(report: PrReport) -> list[gha.Annotation]:
    """An error while an approval is missing, and on each policy line to fill where nobody can
    give one; a warning on the line of an owner whose approval fell back to the sponsor."""
    out: list[gha.Annotation] = []
    author = report.approval.author
    for s in report.approval.statuses:
        ap = s.approval
        if ap.fallback and s.state != "nobody":
            for name, line in ap.unfilled:
                out.append(
                    gha.Annotation(
                        "warning",
                        f"{ap.subject}: {ap.reason} needs approval by {name}, who has no logins: "
                        f"the {ap.fallback} approves instead; add {name}'s logins here",
                        file=POLICY_PATH,
                        line=line,
                        title="riskbot: approval falls back to the sponsor",
                    )
                )
        if s.state == "nobody" and ap.strict:
            out.append(
                gha.Annotation(
                    "error",
                    f"{ap.subject}: {ap.reason} needs approval by the acceptance authority "
                    f"({', '.join(ap.owners) or 'nobody'}), and nobody who can give it is "
                    "neither the pull request's author nor the requester",
                    file=ap.file,
                    line=ap.line,
                    title="riskbot: approval needed",
                )
            )
        elif s.state == "waiting":
            who = who_text([n for n in ap.eligible(author) if n.logins], either=True)
            what = "the policy" if ap.risk is None else ap.subject
            out.append(
                gha.Annotation(
                    "error",
                    f"waiting for approval by {who}: {what} {ap.reason}",
                    file=ap.file,
                    line=ap.line,
                    title="riskbot: approval needed",
                )
            )
        elif s.state == "nobody":
            for name, line in ap.unfilled or ((ap.role, 1),):
                out.append(
                    gha.Annotation(
                        "error",
                        f"{ap.subject}: {ap.reason} needs approval by {name}, who has no logins, "
                        "nor has the program sponsor: add logins here; until the base branch's "
                        "policy names them, nobody can approve and this check fails",
                        file=POLICY_PATH,
                        line=line,
                        title="riskbot: no one can approve",
                    )
                )
    return out


def pr_annotations(report: PrReport) -> list[gha.Annotation]:
    """Approvals, errors anywhere on head; warnings, score and policy changes where they are;
    a warning on each workflow file (and the policy) the pull request changes."""
    out = approval_annotations(report)
    for name in report.gate_files:
        out.append(
            gha.Annotation(
                "warning",
                f"this pull request changes what checks it. {gate_advice(report)}",
                file=name,
                line=1,
                title="riskbot: the gate changes",
            )
        )
    for f in report.head.findings:
        if f.severity == "error" or f.file in report.changed_files:
            out.append(
                gha.Annotation(
                    f.severity,
                    f.message,
                    file=f.file,
                    line=f.line,
                    col=f.col,
                    title=f"riskbot: {f.code}",
                )
            )
    for change in report.comparison.policy_changes:
        out.append(
            gha.Annotation(
                "notice",
                f"policy: {change.describe()}",
                file=change.file or POLICY_PATH,
                line=change.line,
                title="riskbot",
            )
        )
    for c in report.comparison.changed:
        if c.delta or c.band_cause is not None:
            key = next(
                (
                    k
                    for k in ("impact", "detection")
                    if getattr(c.base.risk, k) != getattr(c.head.risk, k)
                ),
                "probability",
            )
            cause = f", by the {c.band_cause}" if c.band_cause not in (None, "file") else ""
            out.append(
                gha.Annotation(
                    "notice",
                    f"{c.id}: score {c.base.score} → {c.head.score} "
                    f"({c.base.band.label} → {c.head.band.label}{cause})",
                    file=c.head.risk.file,
                    line=c.head.risk.line(key),
                    title="riskbot",
                )
            )
    for c in report.comparison.changed:
        if (back := c.review_moved_back) is not None:
            out.append(
                gha.Annotation(
                    "warning",
                    f"{c.id}: last_reviewed moves back from {back[0].isoformat()} to "
                    f"{back[1].isoformat()}; reviews fall due from the earlier day",
                    file=c.head.risk.file,
                    line=c.head.risk.line("review"),
                    title="riskbot: review date moved back",
                )
            )
    for a in report.comparison.added:
        out.append(
            gha.Annotation(
                "notice",
                f"{a.risk.id}: new risk, score {a.score} ({a.band.label})",
                file=a.risk.file,
                line=a.risk.line("id"),
                title="riskbot",
            )
        )
    return out


def actions_output(report: PrReport) -> gha.StepOutput:
    """In a pull request's run: annotations (printed) and the whole report (the step summary)."""
    shown, overflow = gha.limit_annotations(pr_annotations(report))
    out = [a.command() for a in shown]
    if overflow:
        out.append(
            gha.annotation("notice", f"{len(overflow)} more findings are in the step summary.")
        )
    return gha.StepOutput("\n".join(out) + ("\n" if out else ""), render_markdown_report(report))


def comment_body(report: PrReport) -> str:
    """The sticky comment's body: the report cut to fit :data:`COMMENT_LIMIT`."""
    return render_markdown_report(report, limit=COMMENT_LIMIT)
