"""PORTFOLIO.md's sections: the registers, their issue-band risks, the heat maps, the odds of
shared releases, the registers that fail, what changed. Every text from a register is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from urllib.parse import quote

from bot.register.method import Band
from bot.register.portfolio import (
    Change,
    Flagged,
    HeatMap,
    Portfolio,
    RegisterSummary,
    SharedRelease,
    band_counts,
    in_issue_bands,
)
from bot.render.markdown import Markdown, code, escape_cell, escape_text, join, table
from bot.render.matrix import render_grid
from bot.render.odds import ODDS_NOTE, render_odds_table

NO_REGISTERS = "No register was read."


def marked(band: Band) -> Markdown:
    """A band as its mark and label (both the policy's, escaped), as RISKS.md shows one."""
    return Markdown(f"{escape_cell(band.mark)} {escape_cell(band.label)}")


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
    parts = [Markdown(f"{marked(band)} {n}") for band, n in band_counts(summary)]
    return join(*parts, sep=" · ")


def registers_section(portfolio: Portfolio, server: str) -> list[str]:
    """One row per register: its commit, its own check, open risks per band of its policy."""
    lines = ["## Registers", ""]
    if not portfolio.registers:
        return [*lines, NO_REGISTERS, ""]
    rows = [
        (
            _repo_link(server, s.repo),
            code(s.commit[:12]),
            "passes" if s.ok else f"fails ({plural(s.errors, 'error')})",
            len(s.open_risks),
            _counts_cell(s),
            len(in_issue_bands(s)),
        )
        for s in portfolio.registers
    ]
    header = ("Repository", "Commit", "Own check", "Open risks", "By band", "In issue bands")
    lines += [
        "Each register's open risks are counted by the bands of its own policy, and its issue "
        "bands are those its policy opens issues for: registers of different methods are shown "
        "side by side, never converted into one another.",
        "",
    ]
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
                marked(f.band),
                ", ".join(r.owners),
            )
        )
    header = ("Risk", "Repository", "Title", "Score", "Band", "Owner")
    return [*lines, table(header, rows), ""]


def _grid_name(heat: HeatMap) -> str:
    m = heat.method
    factors = " × ".join(m.factor_label(f).lower() for f in m.factors)
    sizes = " × ".join(str(len(m.scale(f))) for f in m.factors)
    return f"{factors}, {sizes}, bands " + ", ".join(b.label for b in m.bands)


def _count_items(heat: HeatMap, i: int, p: int) -> list[tuple[Band, str]]:
    """A cell's open risks: ×N, per band where the method has a detection factor."""
    found = heat.counts.get((i, p), {})
    method = heat.method
    if not method.detection:
        total = sum(found.values())
        return [(method.band_of(i, p), f"×{total}")] if total else []
    return [(band, f"×{found[band.name]}") for band in method.bands if found.get(band.name)]


def heat_map_section(maps: Sequence[HeatMap]) -> list[str]:
    """Open risks per impact × probability cell over all registers: one map per grid, drawn by
    the register heat map's renderer with the policy's band marks."""
    lines = ["## Heat map", ""]
    if not maps:
        return [*lines, NO_REGISTERS, ""]
    if len(maps) > 1:
        lines += [
            f"The registers draw {len(maps)} different grids: one heat map each, over the "
            "registers that share it.",
            "",
        ]
    for heat in maps:
        m = heat.method
        if len(maps) > 1:
            lines += [
                f"### {escape_text(_grid_name(heat))}",
                "",
                "Registers: " + ", ".join(escape_text(r) for r in heat.repos),
                "",
            ]
        lines += [render_grid(m, partial(_count_items, heat)), ""]
        legend = ", ".join(f"{b.mark} {b.label}" for b in m.bands)
        what = "each cell: its band and score, then ×N" if not m.detection else "×N per band"
        lines += [
            f"Open risks per cell over {plural(len(heat.repos), 'register')} ({what}); "
            f"{escape_text(legend)}.",
            "",
        ]
    return lines


def shared_section(shared: Sequence[SharedRelease]) -> list[str]:
    """The odds of each release several registers name, over all the risks of those whose
    scales give odds."""
    lines = ["## Schedule odds of shared releases", ""]
    if not shared:
        return [*lines, "No release is named by two registers or more.", ""]
    with_odds = [s.odds for s in shared if s.odds is not None]
    lines += [
        "Each release named by two registers or more, with every open risk toward it of every "
        "register whose scales give odds (schedule slip and percent ranges) in one "
        "distribution; tail drivers are named repository:risk. " + ODDS_NOTE,
        "",
    ]
    if with_odds:
        lines += [render_odds_table(with_odds), ""]
    for s in shared:
        note = f"- {escape_text(s.release)}: "
        left = "; ".join(f"{escape_text(r)}: {escape_text(why)}" for r, why in s.without_odds)
        if s.odds is not None:
            repos = ", ".join(escape_text(r) for r in s.repos)
            note += f"{plural(len(s.odds.slips), 'open risk')} of {repos}"
            if s.without_odds:
                note += f"; left out, their scales give no odds ({left})"
        else:
            note += f"no odds: no register that names it has scales that give them ({left})"
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
