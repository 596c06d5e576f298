"""What a GitHub run did, and the summary every run ends with (stderr and the step summary)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.render.actions import log_line
from bot.render.markdown import escape_text, remove_marker, table

GIST_CHARS = 100
"""How much of a comment's first line a run's summary shows."""


@dataclass
class Stats:
    """The numbers of a run's summary and the lists behind them."""

    reads: int = 0
    writes: int = 0
    skipped: int = 0
    failed: int = 0
    waited: float = 0.0
    done: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Things on GitHub that look like riskbot's but are not (a marker in a person's issue)."""
    stopped: str | None = None
    drafts: list[tuple[str, str]] = field(default_factory=list)
    """In a dry run, what would be posted: (title, Markdown body) of each issue and comment."""

    @property
    def complete(self) -> bool:
        """True when everything planned was done (or found already done)."""
        return self.stopped is None and not self.failed and not self.undone

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1


def gist(body: str) -> str:
    """A body's first line of text, its marker and Markdown emphasis left out, cut short."""
    for line in remove_marker(body).splitlines():
        text = re.sub(r"[*_`]{1,2}", "", line.lstrip("#> ").strip())
        if text:
            return text if len(text) <= GIST_CHARS else text[: GIST_CHARS - 1] + "…"
    return ""


def summary_line(command: str, stats: Stats, *, dry_run: bool) -> str:
    verb = "would write" if dry_run else "writes"
    state = "complete" if stats.complete else "INCOMPLETE"
    return (
        f"riskbot {command}: {state}: {stats.reads} reads, {stats.writes} {verb}, "
        f"{stats.skipped} unchanged, {stats.failed} failed"
    )


def render_text(command: str, stats: Stats, *, dry_run: bool) -> str:
    """The run summary for stderr."""
    lines = [summary_line(command, stats, dry_run=dry_run)]
    lines += [f"  done: {item}" for item in stats.done]
    if stats.waited:
        lines.append(f"  waited {stats.waited:.0f}s for GitHub rate limits")
    lines += [f"  failed: {item}" for item in stats.failures]
    lines += [f"  ignored: {item}" for item in stats.ignored]
    if stats.stopped:
        lines.append(f"  stopped: {stats.stopped}")
    lines += [f"  left undone: {item}" for item in stats.undone]
    # Each item on one line, whatever a file name in it holds.
    return "\n".join(log_line(line) for line in lines) + "\n"


def render_markdown(command: str, stats: Stats, *, dry_run: bool) -> str:
    """The run summary for the Actions step summary."""
    lines = [
        f"### riskbot {command}" + (" (dry run)" if dry_run else ""),
        "",
        f"**{escape_text(summary_line(command, stats, dry_run=dry_run))}**",
        "",
        table(
            ("reads", "writes", "unchanged", "failed"),
            [(stats.reads, stats.writes, stats.skipped, stats.failed)],
        ),
        "",
    ]
    if stats.done:
        lines += ["Done:", ""] + [f"- {escape_text(x)}" for x in stats.done] + [""]
    if stats.failures:
        lines += ["Failed:", ""] + [f"- {escape_text(x)}" for x in stats.failures] + [""]
    if stats.ignored:
        lines += ["Ignored (not riskbot's, whatever their text says):", ""]
        lines += [f"- {escape_text(x)}" for x in stats.ignored] + [""]
    if stats.stopped:
        lines += [f"> **Stopped:** {escape_text(stats.stopped)}", ""]
    if stats.undone:
        lines += ["Left undone (the next run picks these up):", ""]
        lines += [f"- {escape_text(x)}" for x in stats.undone] + [""]
    if stats.drafts:
        lines += ["What would be written:", ""]
        for title, body in stats.drafts:
            # The bodies are riskbot's own Markdown (data in them escaped when they were made);
            # inside an HTML block Markdown escapes would show, so the title is HTML-escaped.
            lines += [
                f"<details><summary>{html.escape(title, quote=False)}</summary>",
                "",
                body,
                "",
                "</details>",
            ]
        lines.append("")
    return "\n".join(lines)
