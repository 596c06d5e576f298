"""Risk ids are never reused: the next id, and the findings for a risk that takes a removed one.

An id names a risk for good: sync's issue markers, reminders and people's memory all refer to
it. Which ids were ever used is read from git by :mod:`bot.repo.ids`; this module only decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.register.findings import Finding, error
from bot.register.risk import Risk

_NUMBER = re.compile(r"^R-([0-9]{3,})(?:[-.]|\Z)")


class Removal(NamedTuple):
    """The last time a risk file left the register for good (not a rename)."""

    risk_id: str
    file: str
    commit: str
    title: str | None = None


@dataclass(frozen=True)
class IdHistory:
    """Every id the register's files ever held in git, and the last removal of each removed one."""

    used: frozenset[str] = frozenset()
    removals: Mapping[str, Removal] = field(default_factory=dict)
    cut_off: str = ""
    """Why this history may lack ids (a shallow clone), and how to fetch the rest; empty when
    it is whole."""


def id_of_name(name: str) -> str | None:
    """``R-010`` for ``risks/R-010-documentation-gaps.yaml`` (None for another name)."""
    match = _NUMBER.match(name.rsplit("/", 1)[-1])
    return f"R-{match.group(1)}" if match else None


def _number(risk_id: str) -> int:
    match = _NUMBER.match(risk_id)
    return int(match.group(1)) if match else 0


def next_id(used: Iterable[str]) -> str:
    """The id after the highest one ever used (``R-001`` when none was)."""
    return f"R-{max((_number(i) for i in used), default=0) + 1:03d}"


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def reused_id_findings(
    risks: Sequence[Risk], history: IdHistory, candidates: Iterable[str] | None = None
) -> list[Finding]:
    """An error for each risk that holds an id git saw removed, unless it is that risk come back.

    A file that comes back with the removed risk's title (a revert, a restore) is the same risk;
    any other risk with the id is a new one reusing it. ``candidates`` limits the check to some
    ids (``pr``: the risks it adds).
    """
    wanted = None if candidates is None else set(candidates)
    found: list[Finding] = []
    spare = next_id(history.used | {r.id for r in risks})
    for risk in risks:
        removal = history.removals.get(risk.id)
        if removal is None or (wanted is not None and risk.id not in wanted):
            continue
        if removal.title is None or _same_title(removal.title, risk.title):
            continue
        found.append(
            error(
                risk.file,
                risk.line("id"),
                f"{risk.id} was '{removal.title}', removed in {removal.commit}; ids are never "
                f"reused: give this risk the next free id, {spare}",
                path=("id",),
                code="reused-id",
            )
        )
    return found
