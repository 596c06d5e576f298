"""Who must act, in one wording everywhere: ``Role (@a, @b)``, ``Role (no login set)``; where
any one of them will do (an approval), ``Role (@a or @b) or Other (@c)``.

Only :func:`who` with ``ping=True`` makes live mentions, and only of logins the policy or a risk
file names (each at most once per text); everywhere else logins show as code, pinging nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.register.rules import Notify
from bot.render.markdown import Markdown, code_span, escape_text, mention

NO_LOGIN = "no login set"
NOBODY = "nobody"


def _joiners(either: bool) -> tuple[str, str]:
    """Between logins, and between roles: all of them, or any one."""
    return (" or ", " or ") if either else (", ", "; ")


def who(
    notify: Iterable[Notify],
    *,
    ping: bool = False,
    seen: set[str] | None = None,
    either: bool = False,
) -> Markdown:
    """Markdown naming each role with its logins: mentions when ``ping``, else code spans.

    ``seen`` carries the logins already mentioned elsewhere in the same text (updated here), so
    nobody is pinged twice by one comment; ``either``: any one of them will do.
    """
    seen = set() if seen is None else seen
    logins_sep, roles_sep = _joiners(either)
    parts: list[str] = []
    for n in notify:
        name = escape_text(n.name)
        if not n.logins:
            parts.append(f"{name} ({NO_LOGIN})")
            continue
        if not ping:
            parts.append(f"{name} ({logins_sep.join(code_span(f'@{x}') for x in n.logins)})")
            continue
        logins = [x for x in n.logins if x.lower() not in seen]
        seen.update(x.lower() for x in logins)
        parts.append(f"{name} ({logins_sep.join(mention(x) for x in logins)})" if logins else name)
    return Markdown(roles_sep.join(parts) or NOBODY)


def who_text(notify: Iterable[Notify], *, either: bool = False) -> str:
    """The same, as plain text for a terminal: ``Role (@a, @b); Other role (no login set)``."""
    logins_sep, roles_sep = _joiners(either)
    parts = [f"{n.name} ({logins_sep.join(f'@{x}' for x in n.logins) or NO_LOGIN})" for n in notify]
    return roles_sep.join(parts) or NOBODY
