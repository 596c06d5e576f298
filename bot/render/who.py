"""Who gets mentioned: logins from policy roles and risk owners, each once, never from free text."""

from __future__ import annotations

from collections.abc import Iterable

from bot.register.rules import Notify
from bot.render.markdown import code_span, escape_text, mention


def mentions(notify: Iterable[Notify], seen: set[str] | None = None) -> str:
    """``Role (@a, @b); Other role (no login configured)``, each login mentioned once.

    ``seen`` carries the logins already mentioned elsewhere in the same text (updated here).
    """
    seen = set() if seen is None else seen
    parts: list[str] = []
    for n in notify:
        logins = [x for x in n.logins if x.lower() not in seen]
        seen.update(x.lower() for x in logins)
        if logins:
            parts.append(f"{escape_text(n.name)} ({', '.join(mention(x) for x in logins)})")
        elif not n.logins:
            parts.append(f"{escape_text(n.name)} (no login configured)")
        else:
            parts.append(escape_text(n.name))
    return "; ".join(parts) if parts else "nobody is configured"


def names(notify: Iterable[Notify]) -> str:
    """``Role (`@a`); Other role (no login configured)``: who, without pinging anyone."""
    parts = []
    for n in notify:
        logins = ", ".join(code_span(f"@{x}") for x in n.logins) or "no login configured"
        parts.append(f"{escape_text(n.name)} ({logins})")
    return "; ".join(parts) or "nobody configured"
