"""`riskbot check`: the register checked, scored and rendered as text, JSON or Actions output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.register.acceptance import accepted_count
from bot.register.exposure import exposure_by_release
from bot.register.findings import Finding
from bot.register.load import Loaded, Register
from bot.register.method import levels_text
from bot.register.odds import odds_by_release
from bot.register.policy import Band, Policy
from bot.register.residual import residual_band, residual_score, without_residual
from bot.register.rules import Escalation, register_escalations
from bot.register.scoring import Assessment
from bot.render import jsondoc

if TYPE_CHECKING:
    from bot.render import actions

# The text, Markdown and Actions renderers are imported where they are used: `--format json`
# needs none of them, and importing them would cost it more than rendering does.


@dataclass
class CheckReport:
    """A checked register and the escalations it triggers as it stands."""

    register: Loaded
    escalations: list[Escalation]

    @property
    def ok(self) -> bool:
        return self.register.ok

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def check_report(register: Loaded) -> CheckReport:
    """What ``riskbot check`` reports of a loaded register."""
    escalations = (
        register_escalations(register.policy, register.assessments)
        if isinstance(register, Register)
        else []
    )
    return CheckReport(register, escalations)


def levels_of(a: Assessment, sep: str) -> str:
    """``4×4`` (with ``sep`` ``×``), ``4 × 4 × 3`` with detection: a risk's levels."""
    r = a.risk
    return levels_text(r.impact, r.probability, r.detection, sep)


def owner_text(a: Assessment) -> str:
    return " / ".join(a.risk.owners)


def risk_json(a: Assessment, today: dt.date) -> dict[str, object]:
    r = a.risk
    detection = {} if r.detection is None else {"detection": r.detection}
    return {
        "id": r.id,
        "file": r.file,
        "title": r.title,
        "category": r.category,
        "phase": r.phase,
        "impact": r.impact,
        "probability": r.probability,
        **detection,
        "score": a.score,
        "band": a.band.name,
        "owner": owner_text(a),
        "owners": list(r.owners),
        "status": r.state,
        "cadence": a.cadence,
        "last_reviewed": r.last_reviewed.isoformat() if r.last_reviewed else None,
        "next_review": a.next_review.isoformat(),
        "overdue_days": a.overdue_days(today) if r.is_open else 0,
        "source": r.data.get("source"),
        **acceptance_json(a),
    }


def acceptance_json(a: Assessment) -> dict[str, object]:
    """``{"acceptance": {"by", "rationale", "until", "state"}}`` for a risk whose file records
    one (``state``: current, ending or lapsed on the day checked); else nothing."""
    held = a.risk.acceptance
    if held is None:
        return {}
    return {
        "acceptance": {
            "by": held.by,
            "rationale": held.rationale,
            "until": held.until.isoformat(),
            "state": a.acceptance,
        }
    }


def residual_json(a: Assessment, policy: Policy) -> dict[str, object] | None:
    """The residual target: levels, score and band under the policy (None without one)."""
    r = a.risk
    score, band = residual_score(r), residual_band(r, policy)
    if score is None or band is None:
        return None
    detection = {} if r.residual_detection is None else {"detection": r.residual_detection}
    return {
        "impact": r.residual_impact,
        "probability": r.residual_probability,
        **detection,
        "score": score,
        "band": band.name,
    }


def residual_line(report: CheckReport) -> str | None:
    """One line naming the open risks without a residual target (None when all have one)."""
    reg = report.register
    if not isinstance(reg, Register):
        return None
    missing = without_residual(reg.assessments)
    if not missing:
        return None
    opened = sum(1 for a in reg.assessments if a.risk.is_open)
    return (
        f"Residual targets: {opened - len(missing)} of {opened} open risks state one; "
        f"without one: {', '.join(missing)}"
    )


def to_json(report: CheckReport) -> dict[str, object]:
    """The JSON object DESIGN.md promises."""
    reg = report.register
    risks = [risk_json(a, reg.today) for a in reg.assessments]
    extra: dict[str, object] = {}
    if isinstance(reg, Register):
        for risk, a in zip(risks, reg.assessments, strict=True):
            risk["residual"] = residual_json(a, reg.policy)
        if reg.policy.no_odds is not None:
            extra["no_odds"] = reg.policy.no_odds
        if reg.policy.inherited is not None:  # which values came from the base, which from here
            extra["policy_sources"] = reg.policy.inherited.as_json()
    return {
        "ok": report.ok,
        "today": reg.today.isoformat(),
        "risks": risks,
        "findings": [f.as_json() for f in reg.findings],
        "escalations": [e.as_json() for e in report.escalations],
        "exposure": [e.as_json() for e in exposure_by_release(reg)],
        "odds": [o.as_json() for o in odds_by_release(reg)],
        "summary": summary_counts(report),
        "without_residual": without_residual(reg.assessments),
        **extra,
    }


def open_and_closed(register: Loaded) -> tuple[list[Assessment], list[Assessment]]:
    """The open risks (which count), and the closed ones (shown apart, counted apart)."""
    return (
        [a for a in register.assessments if a.risk.is_open],
        [a for a in register.assessments if not a.risk.is_open],
    )


def bands_of(register: Loaded) -> tuple[Band, ...]:
    """The policy's bands, highest first (none when the policy did not load)."""
    return register.policy.bands if isinstance(register, Register) else ()


def summary_counts(report: CheckReport) -> dict[str, int]:
    """Open risks by band (by the band's name); closed risks are counted on their own."""
    reg = report.register
    open_, closed = open_and_closed(reg)
    counts = {
        "files": reg.files_checked,
        "risks": len(open_),
        "closed": len(closed),
        "errors": len(reg.errors),
        "warnings": len(reg.warnings),
    }
    for band in bands_of(reg):
        counts[band.name] = sum(1 for a in open_ if a.band.name == band.name)
    if any(a.risk.acceptance is not None for a in open_):
        counts["accepted"] = accepted_count(open_)  # counted in their bands too
    return counts


def verdict(report: CheckReport) -> str:
    """``OK: 11 files, 10 risks (3 red, 4 yellow, 3 green); 0 errors, 6 warnings``."""
    c = summary_counts(report)
    state = "OK" if report.ok else "FAILED"
    closed = f", {c['closed']} closed" if c["closed"] else ""
    bands = ", ".join(f"{c[b.name]} {b.name}" for b in bands_of(report.register))
    if "accepted" in c:
        bands += f"; {c['accepted']} accepted"
    return (
        f"{state}: {c['files']} files, {c['risks']} risks{f' ({bands})' if bands else ''}"
        f"{closed}; {c['errors']} errors, {c['warnings']} warnings"
    )


def _review_text(a: Assessment, today: dt.date) -> str:
    days = a.overdue_days(today)
    if not a.risk.is_open:
        return "closed"
    if days:
        return f"{a.next_review.isoformat()} (overdue {days}d)"
    return a.next_review.isoformat() + (" (due today)" if a.next_review == today else "")


EMPTY_REGISTER_HINT = (
    "hint: the register has no risks yet: add one with `riskbot new`, or import a plan "
    "with `riskbot import PLAN.md`"
)


def is_empty(report: CheckReport) -> bool:
    """A register whose policy loaded but that has no risk files at all (risks/ empty or absent)."""
    reg = report.register
    return isinstance(reg, Register) and reg.files_checked <= 1  # the policy alone


def render_text_report(report: CheckReport) -> str:
    """Findings, risks by score, the matrix, escalations and a verdict."""
    from bot.render.acceptance import accepted_open, band_text
    from bot.render.acceptance import text_rows as acceptance_rows
    from bot.render.actions import log_line
    from bot.render.exposure import render_exposure_text
    from bot.render.matrix import render_text
    from bot.render.odds import no_odds_text, render_odds_text
    from bot.render.text import text_table
    from bot.render.who import who_text

    reg = report.register
    # One line per finding, whatever its file name or message holds.
    out: list[str] = [log_line(f.as_text()) for f in reg.findings]
    if is_empty(report):
        out.append(EMPTY_REGISTER_HINT)
    if isinstance(reg, Register) and reg.assessments:
        if out:
            out.append("")
        open_, closed = open_and_closed(reg)
        rows = [("ID", "Score", "Band", "Owner", "Next review")]
        rows += [
            (
                a.risk.id,
                f"{levels_of(a, '×')}={a.score}",
                band_text(a),
                owner_text(a),
                _review_text(a, reg.today),
            )
            for a in open_
        ]
        out += text_table(rows)
        if accepted_open(open_):
            cadence = reg.policy.acceptance.cadence
            out += ["", f"Acceptances (counted in their bands; reviewed {cadence} while held):"]
            out += text_table(acceptance_rows(open_, reg.today))
        if closed:
            out += ["", "Closed risks (not counted, reviewed or escalated):"]
            out += text_table(
                [("ID", "Score", "Title")]
                + [(a.risk.id, f"{levels_of(a, '×')}={a.score}", a.risk.title) for a in closed]
            )
        out += ["", render_text(reg.assessments, reg.policy)]
        if reg.policy.no_odds is not None:
            out += ["", no_odds_text(reg.policy.no_odds)]
        else:
            out += ["", render_exposure_text(exposure_by_release(reg))]
            out += ["", render_odds_text(odds_by_release(reg))]
    residual = residual_line(report)
    if residual:
        out += ["", residual]
    if report.escalations:
        out += ["", "Escalations:"]
        out += [f"- {e.label}: {e.message} → {who_text(e.notify)}" for e in report.escalations]
    if isinstance(reg, Register) and reg.policy.inherited is not None:
        out += ["", reg.policy.inherited.describe()]
    out += ["", verdict(report)]
    return "\n".join(out) + "\n"


RISKS_HEADER = ("ID", "Title", "Score", "Band", "Owner", "Next review")


def render_summary_markdown(report: CheckReport, overflow: list[Finding] | None = None) -> str:
    """The step summary: verdict, risks table, matrix, escalations, and findings not annotated."""
    from bot.render.acceptance import accepted_open, band_cell, legend
    from bot.render.acceptance import markdown_table as acceptance_table
    from bot.render.exposure import render_exposure_markdown
    from bot.render.markdown import bold, code_span, escape_text, table
    from bot.render.matrix import render_markdown
    from bot.render.odds import no_odds_text, render_odds_markdown
    from bot.render.who import who as render_who

    reg = report.register
    lines = ["## riskbot check", "", f"**{escape_text(verdict(report))}**", ""]
    if isinstance(reg, Register) and reg.assessments:
        open_, closed = open_and_closed(reg)
        rows = [
            (
                a.risk.id,
                a.risk.title,
                f"{levels_of(a, ' × ')} = {a.score}",
                band_cell(a, reg.policy),
                owner_text(a),
                _review_text(a, reg.today),
            )
            for a in open_
        ]
        lines += [table(RISKS_HEADER, rows), ""]
        if accepted_open(open_):
            lines += [
                "### Acceptances",
                "",
                acceptance_table(open_, reg.policy, reg.today),
                "",
            ]
        if closed:
            lines += [
                "### Closed risks (not counted, reviewed or escalated)",
                "",
                table(
                    ("ID", "Title", "Score"),
                    [(a.risk.id, a.risk.title, str(a.score)) for a in closed],
                ),
                "",
            ]
        method = reg.policy.method
        grid = f"{method.factor_label('impact')} × {method.factor_label('probability').lower()}"
        lines += [f"### {escape_text(grid)}", "", render_markdown(reg.assessments, reg.policy), ""]
        if (key := legend(reg.assessments, reg.policy)) is not None:
            lines += [key, ""]
        if reg.policy.no_odds is not None:
            lines += [escape_text(no_odds_text(reg.policy.no_odds)), ""]
        else:
            lines += [
                "### Contingency exposure",
                "",
                render_exposure_markdown(exposure_by_release(reg)),
                "",
                "### Schedule odds",
                "",
                render_odds_markdown(odds_by_release(reg)),
                "",
            ]
    residual = residual_line(report)
    if residual:
        lines += [escape_text(residual), ""]
    if report.escalations:
        lines += ["### Escalations", ""]
        lines += [
            f"- {bold(e.label)}: {escape_text(e.message)} → {render_who(e.notify)}"
            for e in report.escalations
        ]
        lines.append("")
    if overflow:
        lines += [
            f"### {len(overflow)} more findings (GitHub shows 10 errors and 10 warnings "
            "as annotations per step)",
            "",
        ]
        lines += [
            f"- {code_span(f.where)} {f.severity}: {escape_text(f.message)}" for f in overflow
        ]
        lines.append("")
    return "\n".join(lines)


def finding_annotation(f: Finding) -> actions.Annotation:
    from bot.render import actions

    return actions.Annotation(
        f.severity, f.message, file=f.file, line=f.line, col=f.col, title=f"riskbot: {f.code}"
    )


def render_github(report: CheckReport, *, summary: bool) -> actions.StepOutput:
    """Annotations for the first findings; the rest and the overview go to the step summary
    (``summary``: the step has one), and the counts to the step's outputs."""
    from bot.render import actions

    reg = report.register
    shown, overflow = actions.limit_annotations([finding_annotation(f) for f in reg.findings])
    shown_keys = {(a.file, a.line, a.message) for a in shown}
    rest = [f for f in reg.findings if (f.file, f.line, f.message) not in shown_keys]
    lines = [a.command() for a in shown]
    if overflow:
        where = "the step summary" if summary else "the text output below"
        lines.append(
            actions.annotation(
                "notice",
                f"{len(overflow)} more findings are not shown as annotations; see {where}.",
            )
        )
    body = render_text_report(report)
    lines.append(actions.stop_commands(body.rstrip("\n")))
    # Step outputs let later steps branch on the result without parsing text.
    counts = summary_counts(report)
    issue_bands = reg.policy.method.issue_bands if isinstance(reg, Register) else ()
    outputs = (
        ("ok", str(report.ok).lower()),
        ("errors", str(counts["errors"])),
        ("warnings", str(counts["warnings"])),
        *[(band.name, str(counts[band.name])) for band in issue_bands],
    )
    return actions.StepOutput(
        "\n".join(lines) + "\n",
        render_summary_markdown(report, rest) if summary else "",
        outputs,
    )


Renderer = Callable[[CheckReport, Mapping[str, str]], "actions.StepOutput"]


def _text(report: CheckReport, env: Mapping[str, str]) -> actions.StepOutput:
    from bot.render import actions

    body = actions.log_lines(render_text_report(report))
    if env.get("GITHUB_ACTIONS") == "true":
        body = actions.stop_commands(body.rstrip("\n")) + "\n"
    return actions.StepOutput(body)


def _json(report: CheckReport, env: Mapping[str, str]) -> actions.StepOutput:
    from bot.render.actions import StepOutput

    return StepOutput(jsondoc.dumps(to_json(report)))


def _github(report: CheckReport, env: Mapping[str, str]) -> actions.StepOutput:
    return render_github(report, summary=bool(env.get("GITHUB_STEP_SUMMARY")))


REPORTER_BY_NAME: dict[str, Renderer] = {"text": _text, "json": _json, "github": _github}
"""Each ``--format`` of ``riskbot check``: what it prints, and leaves for the workflow."""
