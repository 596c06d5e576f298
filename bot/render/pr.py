"""`riskbot pr`: the report a pull request gets — changes, escalations, findings, the matrix.

Rendering is pure; reading the two revisions goes through git without a checkout of the base.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from bot.register.compare import Comparison, PrReport
from bot.register.load import Register
from bot.register.rules import Escalation
from bot.register.scoring import Assessment
from bot.render import actions as gha
from bot.render import jsondoc
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
from bot.render.matrix import render_markdown
from bot.render.who import who as render_who

PAYLOAD_NAME = "comment.json"
PAYLOAD_VERSION = 1
RULE_ICON = {"new_red": "🚨", "score_increase": "📈", "same_level": "🏛️", "schedule_impact": "📅"}
NO_LONGER = (
    "## riskbot\n\nThis pull request no longer changes the risk register: nothing to report."
)


CHANGES_HEADER = ("Risk", "What changed", "Score", "Band")


def _risk_cell(a: Assessment) -> Markdown:
    return join(bold(a.risk.id), " ", a.risk.title)


def _score(a: Assessment) -> str:
    return f"{a.risk.impact} × {a.risk.probability} = {a.score}"


def change_rows(cmp: Comparison) -> list[tuple[Cell, ...]]:
    """One row per added, changed and removed risk: what changed, score and band old → new."""
    rows: list[tuple[Cell, ...]] = [
        (_risk_cell(a), "added", _score(a), a.band.label) for a in cmp.added
    ]
    for c in cmp.changed:
        parts = [join(f.field, ": ", f.old, " → ", f.new) for f in c.fields]
        if c.renamed:
            parts.append(join("renamed ", c.base.risk.file, " → ", c.head.risk.file))
        score: Cell = str(c.head.score)
        if c.delta:
            score = join(str(c.base.score), " → ", bold(str(c.head.score)), f" ({c.delta:+d})")
        band: Cell = c.head.band.label
        if c.base.band.name != c.head.band.name:
            band = join(c.base.band.label, " → ", bold(c.head.band.label))
        rows.append((_risk_cell(c.head), join(*parts, sep=", ") if parts else "none", score, band))
    rows += [
        (_risk_cell(a), "removed", f"was {a.score}", f"was {a.band.label}") for a in cmp.removed
    ]
    return rows


def _escalation_line(e: Escalation) -> str:
    who = render_who(e.notify)
    icon = RULE_ICON.get(e.rule, "•")
    return f"- {icon} **{escape_text(e.label)}**: {escape_text(e.message)}. Who: {who}"


def mention_logins(report: PrReport) -> tuple[str, ...]:
    """Every login the triggered rules and approvals name, once each."""
    logins = [x for e in report.comparison.escalations for x in e.logins]
    logins += [x for a in report.comparison.approvals for x in a.logins]
    seen: dict[str, str] = {}
    for login in logins:
        seen.setdefault(login.lower(), login)
    return tuple(seen.values())


def render_markdown_report(report: PrReport) -> str:
    """The sticky comment's body and the step summary."""
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
    lines.append("")
    if cmp.escalations or cmp.approvals:
        lines += ["### Who must look", ""]
        lines += [_escalation_line(e) for e in cmp.escalations]
        for ap in cmp.approvals:
            owners = ", ".join(escape_text(o) for o in ap.owners)
            lines.append(
                f"- ✋ **Owner approval needed**: {ap.risk} (Red) "
                f"{escape_text(ap.reason)}. Its owner ({owners}) must approve this "
                "pull request."
            )
        logins = mention_logins(report)
        if logins:
            lines += ["", "cc " + " ".join(mention(x) for x in logins)]
        lines.append("")
    if cmp.added or cmp.removed or cmp.changed:
        lines += ["### Changes", "", table(CHANGES_HEADER, change_rows(cmp)), ""]
    wrong = [f for f in head.findings if f.code in ("score", "band")]
    if wrong:
        lines += ["### Declared scores that are wrong", ""]
        lines += [f"- {code_span(f'{f.file}:{f.line}')}: {escape_text(f.message)}" for f in wrong]
        lines.append("")
    other = [
        f
        for f in head.findings
        if f.code not in ("score", "band")
        and (f.severity == "error" or f.file in report.changed_files)
    ]
    if other:
        lines += ["### Findings on head", ""]
        lines += [
            f"- {code_span(f'{f.file}:{f.line}')} {f.severity}: {escape_text(f.message)}"
            for f in other[:100]
        ]
        if len(other) > 100:
            lines.append(f"- … and {len(other) - 100} more (see the check's step summary)")
        lines.append("")
    if isinstance(head, Register) and head.assessments:
        lines += [
            "### Impact × probability (head)",
            "",
            render_markdown(head.assessments, head.policy, report.comparison.moved),
        ]
        if report.comparison.moved:
            lines += ["", "Risks in **bold** moved or were added in this pull request."]
        lines.append("")
    lines.append(f"base {code_span(report.base_ref)} → head {code_span(report.head_ref)}")
    return "\n".join(lines) + "\n"


def _assessment_json(a: Assessment) -> dict[str, object]:
    return {
        "id": a.risk.id,
        "file": a.risk.file,
        "title": a.risk.title,
        "score": a.score,
        "band": a.band.name,
        "impact": a.risk.impact,
        "probability": a.risk.probability,
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
        "added": [_assessment_json(a) for a in cmp.added],
        "removed": [_assessment_json(a) for a in cmp.removed],
        "changed": [
            {
                "id": c.id,
                "file": c.head.risk.file,
                "old_file": c.base.risk.file,
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
                "score": {"old": c.base.score, "new": c.head.score, "delta": c.delta},
                "band": {"old": c.base.band.name, "new": c.head.band.name},
            }
            for c in cmp.changed
        ],
        "escalations": [e.as_json() for e in cmp.escalations],
        "approvals": [
            {"risk": a.risk, "reason": a.reason, "owners": list(a.owners), "logins": list(a.logins)}
            for a in cmp.approvals
        ],
        "mentions": list(mention_logins(report)),
        "findings": [f.as_json() for f in report.head.findings],
        "wrong_scores": [f.as_json() for f in report.head.findings if f.code in ("score", "band")],
    }


def render_json(report: PrReport) -> str:
    return jsondoc.dumps(to_json(report))


def pr_annotations(report: PrReport) -> list[gha.Annotation]:
    """Errors anywhere on head; warnings and score changes on the files the PR changes."""
    out: list[gha.Annotation] = []
    for f in report.head.findings:
        if f.severity == "error" or f.file in report.changed_files:
            out.append(
                gha.Annotation(f.severity, f.message, file=f.file, line=f.line, title="riskbot")
            )
    for c in report.comparison.changed:
        if c.delta or c.base.band.name != c.head.band.name:
            key = "impact" if c.base.risk.impact != c.head.risk.impact else "probability"
            out.append(
                gha.Annotation(
                    "notice",
                    f"{c.id}: score {c.base.score} → {c.head.score} "
                    f"({c.base.band.label} → {c.head.band.label})",
                    file=c.head.risk.file,
                    line=c.head.risk.line(key),
                    title="riskbot",
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


def write_actions_output(
    report: PrReport,
    env: Mapping[str, str],
    payload_dir: Path | None,
    pr_number: int | None,
    head_sha: str | None,
) -> str:
    """Annotations (returned, for stdout), the step summary, and the comment payload file."""
    shown, overflow = gha.limit_annotations(pr_annotations(report))
    out = [a.command() for a in shown]
    if overflow:
        out.append(
            gha.annotation("notice", f"{len(overflow)} more findings are in the step summary.")
        )
    body = render_markdown_report(report)
    gha.append_step_summary(body, env.get("GITHUB_STEP_SUMMARY"))
    if payload_dir is not None and pr_number is not None and head_sha is not None:
        write_payload(payload_dir, pr_number, head_sha, body, report.touches_risks)
    return "\n".join(out) + ("\n" if out else "")


def write_payload(
    directory: Path, pr_number: int, head_sha: str, body: str, touches_risks: bool
) -> Path:
    """The artifact the workflow_run job reads (as untrusted data)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PAYLOAD_NAME
    payload = {
        "version": PAYLOAD_VERSION,
        "pr": pr_number,
        "head_sha": head_sha,
        "touches_risks": touches_risks,
        "body": body,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path
