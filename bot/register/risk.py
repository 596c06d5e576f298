"""A risk as the code sees it: typed fields read from one schema-valid risk file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MITIGATION_KINDS = ("prevention", "detection", "response")
LOGIN_RE = re.compile(r"^@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\Z")
ID_RE = re.compile(r"^R-[0-9]{3,}\Z")

AcceptanceState = Literal["current", "ending", "lapsed"]
"""An acceptance on a day: held, held but within the policy's notice of its end, or over."""


@dataclass(frozen=True)
class Acceptance:
    """A risk knowingly accepted: who asks (``@login``), why, and the last day it holds."""

    by: str
    rationale: str
    until: dt.date

    @property
    def login(self) -> str | None:
        """The requester's login, without its ``@`` (None: ``by`` is not an ``@login``)."""
        match = LOGIN_RE.match(self.by.strip())
        return match.group(1) if match else None

    @property
    def lapses_on(self) -> dt.date:
        """The first day the acceptance no longer holds."""
        return self.until + dt.timedelta(days=1)

    def state(self, today: dt.date, notice_days: int) -> AcceptanceState:
        """``lapsed`` after ``until``; ``ending`` from ``notice_days`` before it; else
        ``current``."""
        if today > self.until:
            return "lapsed"
        if (self.until - today).days <= notice_days:
            return "ending"
        return "current"


@dataclass(frozen=True)
class Risk:
    """One risk file's content. Score and band are never read from here: they are computed."""

    id: str
    file: str
    title: str
    category: str
    phase: str
    description: str
    impact: int
    probability: int
    owners: tuple[str, ...]
    state: str
    status_note: str = ""
    impact_narrative: str = ""
    probability_narrative: str = ""
    mitigation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mitigation_summary: str = ""
    cadence: str | None = None
    last_reviewed: dt.date | None = None
    identified: dt.date | None = None
    declared_score: int | None = None
    declared_band: str | None = None
    residual_impact: int | None = None
    residual_probability: int | None = None
    residual_note: str = ""
    detection: int | None = None
    """The detection level, where the file gives one (the policy's method says if it must)."""
    residual_detection: int | None = None
    acceptance: Acceptance | None = None
    """The risk's acceptance, where its file records one."""
    lines: Mapping[str, int] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    cols: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    def line(self, key: str) -> int:
        """The line a top-level key is on (1 when the file does not have it)."""
        return self.lines.get(key, 1)

    def col(self, key: str) -> int | None:
        """The column a top-level key's value starts at (None when unknown)."""
        return self.cols.get(key)

    @property
    def has_residual(self) -> bool:
        """Whether the risk states a residual target (the levels once its mitigation works)."""
        return self.residual_impact is not None and self.residual_probability is not None

    @property
    def owner_logins(self) -> tuple[str, ...]:
        """Owners written directly as ``@login``."""
        return tuple(m.group(1) for o in self.owners if (m := LOGIN_RE.match(o)))


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _acceptance(value: Any) -> Acceptance | None:
    if not isinstance(value, Mapping):
        return None
    until = _date(value.get("until"))
    if until is None:
        return None
    return Acceptance(str(value.get("by", "")).strip(), str(value.get("rationale", "")), until)


def _level(value: Any) -> int | None:
    return int(value["level"]) if isinstance(value, Mapping) else None


def risk_from_data(
    file: str,
    data: Mapping[str, Any],
    lines: Mapping[str, int],
    cols: Mapping[str, int] | None = None,
) -> Risk:
    """Build a Risk from a mapping that already passed the risk schema."""
    owner = data["owner"]
    owners = (owner,) if isinstance(owner, str) else tuple(owner)
    status = data["status"]
    review = data.get("review") or {}
    mitigation = data.get("mitigation") or {}
    progress = data.get("mitigation_status") or {}
    residual = data.get("residual") or {}
    return Risk(
        id=data["id"],
        file=file,
        title=data["title"],
        category=data["category"],
        phase=data["phase"],
        description=str(data["description"]).strip(),
        impact=int(data["impact"]["level"]),
        probability=int(data["probability"]["level"]),
        impact_narrative=str(data["impact"].get("narrative", "")),
        probability_narrative=str(data["probability"].get("narrative", "")),
        owners=tuple(str(o).strip() for o in owners),
        state=status["state"],
        status_note=str(status.get("note", "")),
        mitigation={k: tuple(mitigation.get(k) or ()) for k in MITIGATION_KINDS},
        mitigation_summary=str(progress.get("summary", "")),
        cadence=review.get("cadence"),
        last_reviewed=_date(review.get("last_reviewed")),
        identified=_date(data.get("identified")),
        declared_score=data.get("score"),
        declared_band=data.get("band"),
        residual_impact=residual.get("impact"),
        residual_probability=residual.get("probability"),
        residual_note=str(residual.get("note", "")),
        detection=_level(data.get("detection")),
        residual_detection=residual.get("detection"),
        acceptance=_acceptance(data.get("acceptance")),
        lines=dict(lines),
        data=data,
        cols=dict(cols or {}),
    )
