"""The register's history as text, JSON and Markdown, with the band trend as a Mermaid chart."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from bot.register.history import History, RiskChange, WeekPoint
from bot.register.method import Band
from bot.render import jsondoc
from bot.render.markdown import Cell, Markdown, escape_text, join, table
from bot.render.mermaid import Series, xychart
from bot.render.text import text_table

CHANGED_HEADING = "Changed since the last quarterly review"
"""A heading of RISKS.md that the quarterly review issue links to (keep its words: the anchor)."""
CHART_WEEKS = 26
"""At most this many weeks on the trend chart: a longer history shows every k-th week."""


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, spaces to hyphens, punctuation dropped."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


CHANGED_ANCHOR = github_anchor(CHANGED_HEADING)


def change_text(c: RiskChange) -> str:
    """``score 12 (4 × 3) → 16 (4 × 4); band yellow → red`` (or what an addition brought)."""
    s = c.state
    if c.kind == "added":
        return f"added: score {s.value('score')}, {s.band}, owner {s.owner}, {s.status}"
    if c.kind == "removed":
        return f"removed (was score {s.score}, {s.band})"
    return "; ".join(
        f"{f.field} {f.old} → {f.new}" if f.old else f"{f.field} {f.new}" for f in c.fields
    )


def trend_text(history: History, risk_id: str) -> str:
    """``9 (2025-01-06) → 16 (2025-03-02) → 12 (2025-06-10)``, or why there is none."""
    if not history.available:
        return "no history"
    points = history.trend(risk_id)
    if not points:
        return "no history"
    return " → ".join(f"{score} ({day.isoformat()})" for day, score in points)


def _by_risk(changes: Sequence[RiskChange]) -> dict[str, list[RiskChange]]:
    out: dict[str, list[RiskChange]] = {}
    for c in changes:
        out.setdefault(c.risk, []).append(c)
    return dict(sorted(out.items()))


def _title(changes: Sequence[RiskChange]) -> str:
    return changes[-1].state.title


def render_history_text(history: History) -> str:
    """Each risk's changes, then the register week by week."""
    if not history.available:
        return f"no history: {history.unavailable}\n"
    out: list[str] = []
    for rid, changes in _by_risk(history.changes).items():
        out.append(f"{rid} {_title(changes)}")
        out += [
            "  " + line
            for line in text_table(
                [(c.date.isoformat(), c.commit[:12], c.author, change_text(c)) for c in changes]
            )
        ]
        out.append("")
    if not history.changes:
        out += ["No changes.", ""]
    out.append("The register by ISO week (open risks at the end of each week that changed it):")
    rows = [("Week", *[b.label for b in history.bands], "Total score", "Residual")]
    rows += [
        (
            w.week,
            *[str(w.counts.get(b.name, 0)) for b in history.bands],
            str(w.total_score),
            str(w.total_residual),
        )
        for w in history.weeks
    ]
    out += text_table(rows)
    out += [f"note: {n.date.isoformat()} {n.about}" for n in history.notes]
    return "\n".join(out) + "\n"


def _change_json(c: RiskChange) -> dict[str, object]:
    s = c.state
    return {
        "commit": c.commit,
        "date": c.date.isoformat(),
        "author": c.author,
        "kind": c.kind,
        "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
        "state": {
            "file": s.file,
            "title": s.title,
            "impact": s.impact,
            "probability": s.probability,
            "score": s.score,
            "band": s.band,
            "owner": s.owner,
            "status": s.status,
            "open": s.open,
            "residual": None
            if s.residual is None
            else {"impact": s.residual[0], "probability": s.residual[1], "score": s.residual_score},
            "last_reviewed": None if s.reviewed == "-" else s.reviewed,
        },
    }


def _week_json(w: WeekPoint, bands: Sequence[Band]) -> dict[str, object]:
    return {
        "week": w.week,
        "end": w.end.isoformat(),
        **{band.name: w.counts.get(band.name, 0) for band in bands},
        "total_score": w.total_score,
        "total_residual": w.total_residual,
    }


def history_json(history: History) -> dict[str, object]:
    return {
        "available": history.available,
        "reason": history.unavailable,
        "revisions": history.revisions,
        "first": history.first.isoformat() if history.first else None,
        "last": history.last.isoformat() if history.last else None,
        "risks": [
            {
                "id": rid,
                "title": _title(changes),
                "trend": [
                    {"date": c.date.isoformat(), "score": c.state.score}
                    for c in changes
                    if c.score_changed
                ],
                "changes": [_change_json(c) for c in changes],
            }
            for rid, changes in _by_risk(history.changes).items()
        ],
        "weeks": [_week_json(w, history.bands) for w in history.weeks],
        "notes": [
            {"commit": n.commit, "date": n.date.isoformat(), "file": n.file, "message": n.message}
            for n in history.notes
        ],
    }


def render_history_json(history: History) -> str:
    return jsondoc.safe(json.dumps(history_json(history), indent=2, ensure_ascii=False) + "\n")


def chart_weeks(weeks: Sequence[WeekPoint]) -> list[WeekPoint]:
    """At most :data:`CHART_WEEKS` weeks, evenly spaced, always ending with the last one."""
    if len(weeks) <= CHART_WEEKS:
        return list(weeks)
    step = math.ceil(len(weeks) / CHART_WEEKS)
    return list(reversed(list(reversed(weeks))[::step]))


def band_chart(weeks: Sequence[WeekPoint], bands: Sequence[Band]) -> Markdown:
    """Open risks per band at the end of each week: one line per band, in the band's colour."""
    shown = chart_weeks(weeks)
    top = max([w.counts.get(b.name, 0) for w in shown for b in bands] + [1])
    return xychart(
        f"Open risks per band, week by week ({', '.join(b.name for b in bands)})",
        "ISO week",
        [w.week for w in shown],
        "open risks",
        (0, top + 1),
        [Series("line", tuple(float(w.counts.get(b.name, 0)) for w in shown)) for b in bands],
        [b.colour for b in bands],
    )


CHANGES_HEADER = ("Date", "Risk", "Change")


def changes_table(changes: Sequence[RiskChange]) -> str:
    """One row per change of a risk: date, risk, old → new.

    No author and no commit: the report is regenerated before the commit that carries it, whose
    author it cannot know (``riskbot history`` shows both)."""
    rows = [(c.date.isoformat(), join(c.risk, " ", c.state.title), change_text(c)) for c in changes]
    return table(CHANGES_HEADER, rows)


def weeks_table(weeks: Sequence[WeekPoint], bands: Sequence[Band]) -> str:
    header = ("Week", *[f"{b.mark} {b.label}" for b in bands], "Total score", "Residual")
    rows: list[list[Cell]] = [
        [w.week, *[w.counts.get(b.name, 0) for b in bands], w.total_score, w.total_residual]
        for w in weeks
    ]
    return table(header, rows)


def render_history_markdown(history: History) -> str:
    """Each risk's changes as a table, the band trend chart and the weekly register."""
    if not history.available:
        return f"No history: {escape_text(history.unavailable or '')}.\n"
    lines = [
        "## riskbot history",
        "",
        f"{history.revisions} commits changed the register between "
        f"{history.first} and {history.last}.",
        "",
    ]
    for rid, changes in _by_risk(history.changes).items():
        lines += [f"### {escape_text(rid)}: {escape_text(_title(changes))}", ""]
        lines += [f"Trend: {escape_text(trend_text(history, rid))}", ""]
        rows = [
            (c.date.isoformat(), Markdown(f"`{c.commit[:12]}`"), c.author, change_text(c))
            for c in changes
        ]
        lines += [table(("Date", "Commit", "By", "Change"), rows), ""]
    if history.weeks:
        lines += ["### The register week by week", "", band_chart(history.weeks, history.bands)]
        lines += ["", weeks_table(history.weeks, history.bands), ""]
    if history.notes:
        lines += ["### Notes", ""]
        lines += [
            f"- {n.date.isoformat()} `{n.commit[:12]}`"
            + (f" {escape_text(n.file)}" if n.file else "")
            + f": {escape_text(n.message)}"
            for n in history.notes
        ]
        lines.append("")
    return "\n".join(lines)


REPORTER_BY_NAME = {
    "text": render_history_text,
    "json": render_history_json,
    "markdown": render_history_markdown,
}
