""" "Did you mean …?": the choice a slip most likely meant, for every message that names choices."""

from __future__ import annotations

from collections.abc import Iterable


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The same word in another case (``Active`` → ``active``), else the nearest close one."""
    options = list(dict.fromkeys(str(c) for c in choices))
    folded = {c.casefold(): c for c in options}
    if value.casefold() in folded:
        return folded[value.casefold()]
    import difflib  # only a message that names choices needs it

    by_folded = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[by_folded[0]] if by_folded else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close, else nothing."""
    hint = closest(value, choices)
    return f" (did you mean '{hint}'?)" if hint is not None and hint != value else ""
