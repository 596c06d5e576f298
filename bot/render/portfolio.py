"""PORTFOLIO.md's sections: the registers, their issue-band risks, the heat maps, the odds of
shared releases, the registers that fail, what changed. Every text from a register is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from bot.register.portfolio import (
    Change,
    Flagged,
    HeatMap,
    Portfolio,
    RegisterSummary,
    SharedRelease,
    band_counts,
)
from bot.render.markdown import Cell, Markdown, bold, code, escape_text, join, table
from bot.render.odds import ODDS_NOTE, render_odds_table

NO_REGISTERS = "No register was read."


def band_mark(name: str) -> str:
    """The mark of a band in the heat map (none yet: the summary keeps no marks)."""
    return ""


def blob_link(server: str, repo: str, commit: str, path: str) -> str:
    """A file of a repository at a commit, its URL percent-encoded (it ends no link)."""
    return (
        f"{server.rstrip('/')}/{quote(repo, safe='/')}/blob/{quote(commit, safe='')}/"
        f"{quote(path, safe='/')}"
    )


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _repo_link(server: str, repo: str) -> Markdown:
    return Markdown(f"[{escape_text(repo)}]({server.rstrip('/')}/{quote(repo, safe='/')})")


def _counts_cell(summary: RegisterSummary) -> Markdown | str:
    if summary.method is None:
        return "policy does not load"
    method = summary.method
    parts = [f"{method.band_label(name)} {n}" for name, n in band_counts(summary)]
    return join(*parts, sep=" · ")


def registers_section(portfolio: Portfolio, server: str) -> list[str]:
    """One row per register: its commit, its own check, open risks per band of its policy."""
    lines = ["## Registers", ""]
    if not portfolio.registers:
        return [*lines, NO_REGISTERS, ""]
    rows = []
    for s in portfolio.registers:
        flagged = 0
        if s.method is not None:
            flagged = sum(1 for r in s.open_risks if r.band in s.method.issue_bands)
        rows.append(
            (
                _repo_link(server, s.repo),
                code(s.commit[:12]),
                "passes" if s.ok else f"fails ({plural(s.errors, 'error')})",
                len(s.open_risks),
                _counts_cell(s),
                flagged,
            )
        )
    header = ("Repository", "Commit", "Own check", "Open risks", "By band", "In issue bands")
    return [*lines, table(header, rows), ""]


def unread_section(portfolio: Portfolio) -> list[str]:
    """The repositories that could not be read, and why."""
    if not portfolio.failures:
        return []
    lines = ["## Not read", ""]
    lines += [f"- {escape_text(f.repo)}: {escape_text(f.reason)}" for f in portfolio.failures]
    return [*lines, ""]


def failing_section(portfolio: Portfolio) -> list[str]:
    """The registers that fail their own check, with their first errors."""
    failing = [s for s in portfolio.registers if not s.ok]
    lines = ["## Registers that fail their own check", ""]
    if not failing:
        return [*lines, "None: every register read passes `riskbot check`.", ""]
    for s in failing:
        counts = f"{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')}"
        lines.append(f"- **{escape_text(s.repo)}** ({counts})")
        lines += [f"  - {escape_text(text)}" for text in s.findings]
        if s.errors > len(s.findings):
            lines.append(f"  - … and {s.errors - len(s.findings)} more")
    return [*lines, ""]


def flagged_section(flagged: Sequence[Flagged], portfolio: Portfolio, server: str) -> list[str]:
    """Every open risk of a band that opens issues, highest score first, linked to its file."""
    lines = ["## Risks in the issue bands", ""]
    if not flagged:
        return [*lines, "None.", ""]
    commits = {s.repo: s.commit for s in portfolio.registers}
    rows = []
    for f in flagged:
        r = f.risk
        url = blob_link(server, f.repo, commits[f.repo], r.file)
        rows.append(
            (
                Markdown(f"[{escape_text(r.id)}]({url})"),
                f.repo,
                r.title,
                r.score,
                f.band_label,
                ", ".join(r.owners),
            )
        )
    header = ("Risk", "Repository", "Title", "Score", "Band", "Owner")
    return [*lines, table(header, rows), ""]


def heat_map_section(maps: Sequence[HeatMap]) -> list[str]:
    """Open risks per impact × probability cell over all registers (one map per method)."""
    lines = ["## Heat map", ""]
    if not maps:
        return [*lines, NO_REGISTERS, ""]
    for heat in maps:
        m = heat.method
        if len(maps) > 1:
            lines += [
                f"Registers of a {len(m.impact)} × {len(m.probability)} grid: "
                + ", ".join(escape_text(r) for r in heat.repos),
                "",
            ]
        header: list[Cell] = [Markdown("Impact \\ Probability")]
        header += [f"{p} {label}" for p, label in enumerate(m.probability, 1)]
        rows = []
        for i in range(len(m.impact), 0, -1):
            cells: list[Cell] = [bold(f"{i} {m.impact[i - 1]}")]
            for p in range(1, len(m.probability) + 1):
                band = m.cells[i - 1][p - 1]
                count = heat.counts.get((i, p), 0)
                mark = band_mark(band) or m.band_label(band)
                cells.append(f"{mark} {count}" if count else f"{mark} ·")
            rows.append(cells)
        lines += [table(header, rows), ""]
        legend = ", ".join(f"{band_mark(name) or label} {label}" for name, label in m.bands)
        lines += [
            f"Open risks per cell, over {len(heat.repos)} registers; {escape_text(legend)}.",
            "",
        ]
    return lines


def shared_section(shared: Sequence[SharedRelease]) -> list[str]:
    """The odds of each release several registers count toward, over all their risks."""
    lines = ["## Schedule odds of shared releases", ""]
    if not shared:
        return [*lines, "No release is named by two registers or more.", ""]
    lines += [
        "Each release named by two registers or more, with every open risk of every register "
        "that counts toward it in one distribution; tail drivers are named repository:risk. "
        + ODDS_NOTE,
        "",
        render_odds_table([s.odds for s in shared]),
        "",
    ]
    for s in shared:
        repos = ", ".join(escape_text(r) for r in s.repos)
        note = f"- {escape_text(s.odds.release)}: {len(s.odds.slips)} open risks of {repos}"
        if s.buffers_differ:
            each = ", ".join(f"{escape_text(r)} {b:g}" for r, b in s.buffers)
            note += f"; their buffers differ (weeks: {each}): the odds use the smallest"
        lines.append(note)
    return [*lines, ""]


def changes_section(found: Sequence[Change], first_run: bool) -> list[str]:
    """What changed since the last run."""
    lines = ["## Changes since the last run", ""]
    if first_run:
        return [*lines, "This is the first run: nothing to compare with.", ""]
    if not found:
        return [*lines, "Nothing changed.", ""]
    for c in found:
        who = c.repo if c.risk is None else f"{c.repo}:{c.risk}"
        lines.append(f"- {escape_text(who)}: {escape_text(c.what)}")
    return [*lines, ""]
