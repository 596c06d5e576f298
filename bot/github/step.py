"""The files Actions gives a step: the step summary (``GITHUB_STEP_SUMMARY``) and the step's
outputs (``GITHUB_OUTPUT``). The renderers make their text (:mod:`bot.render.actions`); they are
written here, and only here."""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.render.actions import STEP_SUMMARY_LIMIT, StepOutput, cap_summary, output_lines


def _append(path: str | os.PathLike[str], text: str) -> None:
    # newline="" keeps "\n" as one byte on every platform, so the size arithmetic holds.
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(text)


def append_step_summary(
    markdown: str,
    path: str | os.PathLike[str] | None,
    *,
    limit: int = STEP_SUMMARY_LIMIT,
) -> bool:
    """Append ``markdown`` to the step-summary file, capped so the whole file fits ``limit``.

    Returns whether anything was written (False without a path or when no room is left).
    """
    # An exported-but-empty variable means "no file", not a file named "".
    if path is None or os.fspath(path) == "":
        return False
    try:
        used = os.path.getsize(path)
    except FileNotFoundError:
        used = 0
    capped = cap_summary(markdown, max(limit - used, 0))
    if markdown and not capped:
        return False
    _append(path, capped)
    return True


def set_output(name: str, value: str, path: str | os.PathLike[str] | None) -> bool:
    """Append ``name`` = ``value`` to the ``GITHUB_OUTPUT`` file in heredoc form.

    Raises ValueError for an invalid name; returns False when there is no path.
    """
    text = output_lines(name, value)
    if path is None or os.fspath(path) == "":
        return False
    _append(path, text)
    return True


def emit(step: StepOutput, env: Mapping[str, str]) -> str:
    """Write a step's summary and outputs where ``env`` says; return what it prints."""
    if step.summary:
        append_step_summary(step.summary, env.get("GITHUB_STEP_SUMMARY"))
    for name, value in step.outputs:
        set_output(name, value, env.get("GITHUB_OUTPUT"))
    return step.stdout
