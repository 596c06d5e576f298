"""GitHub Actions workflow commands: annotations, step summary, outputs, stop-commands.

Everything here returns text and writes nothing: what a step leaves in the step summary and
its outputs is a :class:`StepOutput`, and the GitHub shell writes it (:mod:`bot.github.step`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "STEP_SUMMARY_LIMIT",
    "Annotation",
    "Level",
    "StepOutput",
    "annotation",
    "cap_summary",
    "document",
    "escape_data",
    "escape_property",
    "limit_annotations",
    "log_line",
    "output_lines",
    "shown",
    "stop_commands",
]

Level = Literal["error", "warning", "notice"]
_LEVELS: frozenset[str] = frozenset(get_args(Level))

# GitHub rejects a step summary over 1 MiB (1_048_576 bytes); stay clearly below it.
STEP_SUMMARY_LIMIT = 1_000_000

# Used with fullmatch: `$` would also accept a name ending in a newline, which breaks
# the `name<<delimiter` line.
_OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


# The runner (actions/runner, ``ActionCommand``) reads a ``::name::`` command from a line that
# starts with ``::`` after .NET's ``TrimStart()``, which strips every Unicode white space (U+00A0,
# U+0085, U+3000 …; Python's ``str.lstrip`` strips the same and more), and the older
# ``##[name]`` form from *anywhere* in a line. It splits lines at CR and LF only.
_LEGACY_COMMAND = "##["
_LEGACY_SHOWN = "##\\["
# C0 and C1 controls and DEL (terminal escape sequences start with ESC or the C1 CSI), and the
# Unicode line and paragraph separators, which some viewers break lines at; a tab stays.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_SHOWN = {"\n": "\\n", "\r": "\\r"}


def shown(text: str) -> str:
    """Text with its control characters shown as escapes (``\\n``, ``\\x1b``): one line that no
    terminal interprets."""
    return _CONTROL.sub(lambda m: _SHOWN.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def log_line(text: str) -> str:
    """Text as one safe line of the Actions log and of a terminal: control characters shown as
    escapes, each ``##[`` shown as ``##\\[``, and a line that would start a ``::`` command
    (after any white space) prefixed with ``| ``.

    Every line riskbot prints that carries data (a file name, a key, a value, a finding, a role
    name) goes through here, so no risk file or policy can add a mask, set an output or fake an
    annotation.
    """
    line = shown(text).replace(_LEGACY_COMMAND, _LEGACY_SHOWN)
    return f"| {line}" if line.lstrip().startswith("::") else line


def log_lines(text: str) -> str:
    """Each line of a multi-line text made safe with :func:`log_line` (the line breaks kept)."""
    end = "\n" if text.endswith("\n") else ""
    return "\n".join(log_line(line) for line in text.removesuffix("\n").split("\n")) + end


def document(text: str, *, in_actions: bool) -> str:
    """A document (Markdown, JSON) as printed: in Actions fenced with stop-commands, so no line
    of it runs as a workflow command; everywhere its control characters shown as escapes, line
    breaks and tabs kept, so no terminal interprets them."""
    text = "\n".join(shown(line) for line in text.split("\n"))
    if in_actions:
        return stop_commands(text.rstrip("\n")) + "\n"
    return text


def escape_data(text: str) -> str:
    """Escape a workflow-command message so it stays on one command line."""
    # `%` first, otherwise the `%` of the other escapes would be escaped again.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (also `:` and `,`, the separators)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: Level,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """Return one ``::level file=..,line=..,col=..,title=..::message`` line, without newline."""
    if level not in _LEVELS:
        raise ValueError(f"unknown annotation level {level!r}")
    for label, number in (("line", line), ("col", col)):
        # bool is an int; a True/False here is a caller bug, not line 1/0.
        if number is not None and (isinstance(number, bool) or number < 1):
            raise ValueError(f"{label} must be a positive integer, got {number!r}")
    props: list[str] = []
    if file is not None:
        props.append(f"file={escape_property(file)}")
    if line is not None:
        props.append(f"line={line}")
    if col is not None:
        props.append(f"col={col}")
    if title is not None:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    """An annotation waiting to be printed; see :func:`limit_annotations`."""

    level: Level
    message: str
    file: str | None = None
    line: int | None = None
    title: str | None = None
    col: int | None = None

    def command(self) -> str:
        """Return the workflow-command line for this annotation."""
        return annotation(
            self.level, self.message, file=self.file, line=self.line, col=self.col, title=self.title
        )


def limit_annotations(
    items: Sequence[Annotation], max_per_level: int = 10
) -> tuple[list[Annotation], list[Annotation]]:
    """Split into (shown, overflow): the first ``max_per_level`` of each level, in input order.

    GitHub silently drops annotations past 10 per level per step, so overflow must be
    reported some other way (e.g. in the step summary).
    """
    if max_per_level < 0:
        raise ValueError("max_per_level must be >= 0")
    seen: Counter[str] = Counter()
    shown: list[Annotation] = []
    overflow: list[Annotation] = []
    for item in items:
        seen[item.level] += 1
        (shown if seen[item.level] <= max_per_level else overflow).append(item)
    return shown, overflow


def _random_hex() -> str:
    # One seam for tests to force collisions; 16 bytes are unguessable in practice. Imported
    # here: only a run in Actions needs it (secrets also imports random and hmac).
    import secrets

    return secrets.token_hex(16)


def stop_commands(text: str, token: str | None = None) -> str:
    """Wrap untrusted text so the runner prints it without executing ``::commands::`` in it."""
    if token is None:
        token = _random_hex()
        # Regenerating is only reachable by astronomically bad luck, but it is the
        # difference between "unguessable" and "guaranteed not in the text".
        while token in text:
            token = _random_hex()
    elif not token or token in text or any(c in token for c in ":\r\n"):
        # A caller-chosen token cannot be regenerated; a token that appears in the text
        # would let the text end the protected region itself.
        raise ValueError("token must be non-empty, without ':' or newlines, and not in text")
    return f"::stop-commands::{token}\n{text}\n::{token}::"


def _note(shown: int, total: int) -> str:
    return f"\n\n> **Note:** this summary was truncated ({shown} of {total} bytes shown)."


_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


def _closing_fence(markdown: str) -> str:
    """Return the text that closes a fenced code block left open at the end, else ``""``."""
    # Without this, a cut inside a ``` block would swallow the truncation note as code.
    open_fence: str | None = None
    for line in markdown.split("\n"):
        if open_fence is None:
            m = _FENCE_OPEN.fullmatch(line.rstrip("\r"))
            # A backtick fence's info string may not contain backticks (CommonMark 4.5).
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                open_fence = m.group(1)
        else:
            stripped = line.rstrip(" \t\r")
            body = stripped.lstrip(" ")
            if (
                len(stripped) - len(body) <= 3
                and len(body) >= len(open_fence)
                and body == open_fence[0] * len(body)
            ):
                open_fence = None
    return "" if open_fence is None else "\n" + open_fence


def _cut(data: bytes, budget: int) -> str:
    """Longest prefix of ``data`` within ``budget`` bytes, preferably ending at a line end."""
    prefix = data[: max(budget, 0)]
    newline = prefix.rfind(b"\n")
    if newline >= 0:
        return prefix[:newline].removesuffix(b"\r").decode("utf-8")
    # No whole line fits: cut between characters; only a partial last character is
    # invalid, since `data` came from encoding a str.
    return prefix.decode("utf-8", errors="ignore")


def cap_summary(markdown: str, limit: int = STEP_SUMMARY_LIMIT) -> str:
    """Return ``markdown`` unchanged if it fits in ``limit`` UTF-8 bytes, else a truncated copy.

    The copy is cut at a line boundary and ends with a visible note; if even the note does
    not fit, ``""`` is returned rather than a silently truncated fragment.
    """
    if limit < 0:
        raise ValueError("limit must be >= 0")
    data = markdown.encode("utf-8")
    total = len(data)
    if total <= limit:
        return markdown
    # The shown count is < total, so a note quoting `total` twice is the longest possible.
    budget = limit - len(_note(total, total).encode("utf-8"))
    if budget < 0:
        return ""
    while True:
        kept = _cut(data, budget)
        closer = _closing_fence(kept)
        kept_size = len(kept.encode("utf-8"))
        if kept_size + len(closer.encode("utf-8")) <= budget:
            return kept + closer + _note(kept_size, total)
        # Make room for the closing fence and cut again (the cut may move to another fence).
        budget = max(budget - len(closer.encode("utf-8")), 0)


def output_lines(name: str, value: str) -> str:
    """``name`` = ``value`` as the ``GITHUB_OUTPUT`` file takes it, in heredoc form.

    Raises ValueError for an invalid name.
    """
    if not _OUTPUT_NAME.fullmatch(name):
        raise ValueError(f"invalid output name {name!r}")
    delimiter = f"ghadelimiter_{_random_hex()}"
    # A value containing the delimiter could end the heredoc early and set other outputs.
    while delimiter in value:
        delimiter = f"ghadelimiter_{_random_hex()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


@dataclass(frozen=True)
class StepOutput:
    """What a step prints, and what it leaves for the workflow: rendered, not yet written.

    ``summary`` goes to the step summary (``GITHUB_STEP_SUMMARY``), ``outputs`` to the step's
    outputs (``GITHUB_OUTPUT``); outside Actions only ``stdout`` is shown.
    """

    stdout: str
    summary: str = ""
    outputs: tuple[tuple[str, str], ...] = ()
